"""Shared fixtures: the repository root, the demo clinic and copies of it, PDF text helpers."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "clinics" / "demo"
ROOTS = Path(__file__).resolve().parent / "roots"


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """All text of a PDF, whitespace collapsed, so line breaks do not split phrases."""
    reader = pdf_reader(data)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squash(text: str) -> str:
    return " ".join(str(text).split())


def copy_clinic(folder: Path) -> Path:
    """A copy of the demo clinic at `folder`, to change or break."""
    shutil.copytree(DEMO, folder)
    return folder


def copy_project(root: Path, parts=("content", "templates", "locales")):
    """A copy of the project's own folders under `root` (compiled catalogs left out)."""
    from handouts.project import Project

    for name in parts:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    return Project(root)


@pytest.fixture
def clinic(tmp_path) -> Path:
    """A copy of the demo clinic to break."""
    return copy_clinic(tmp_path / "clinic")


@pytest.fixture(scope="session")
def demo_inputs():
    from handouts.pipeline.make import load_inputs

    return load_inputs(DEMO)
