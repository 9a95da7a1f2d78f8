"""Shared fixtures: the repository root, the demo clinic, PDF text helpers."""

from __future__ import annotations

import io
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


@pytest.fixture(scope="session")
def demo_inputs():
    from handouts.build import load_inputs

    return load_inputs(DEMO)
