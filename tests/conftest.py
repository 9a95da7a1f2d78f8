"""Shared fixtures: the repository root, the demo clinic and copies of it, PDF text helpers."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
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


def mount_tmpfs(folder: Path, *options: str) -> None:
    """A real tmpfs at `folder` (root only: the test is skipped otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(("mode=0777", *options)),
                          "tmpfs", str(folder)], capture_output=True, text=True)
    if run.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({run.stderr.strip()}); run as root")


@pytest.fixture
def small_disk(tmp_path):
    """A real 64 KB file system: a handout does not fit on it twice."""
    folder = tmp_path / "small"
    mount_tmpfs(folder, "size=64k")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def read_only_disk(tmp_path):
    """A real read-only mount, holding one file written before it was made read-only."""
    folder = tmp_path / "ro"
    mount_tmpfs(folder, "size=1m")
    (folder / "old.pdf").write_bytes(b"%PDF old")
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture(scope="module")
def pool():
    """One warm render worker for the demo clinic, per module (the web page's tests);
    a module may define its own `pool`."""
    from handouts.pipeline.pool import RenderPool

    with RenderPool(DEMO, workers=1, timeout=30) as p:
        yield p


@pytest.fixture(scope="session")
def demo_inputs():
    from handouts.pipeline.make import load_inputs

    return load_inputs(DEMO)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def assert_no_weasyprint_warnings(request):
    """Fail a test whose render in this process made WeasyPrint warn, as WeasyPrint's own
    `assert_no_logs` does; a test that means to cause warnings is marked
    `@pytest.mark.weasyprint_warnings` (renders in worker processes hand theirs back in
    `Rendered.warnings`, which those tests check). A marked test that made no warning fails
    too: its mark would hide the next unexpected one (`required=False`: a property test,
    whose random text may or may not hold a character no font has)."""
    handler = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
    mark = request.node.get_closest_marker("weasyprint_warnings")
    expected = mark is not None
    if handler.records and not expected:
        lines = "\n".join(f"  {r.getMessage()}" for r in handler.records[:10])
        pytest.fail(f"unexpected WeasyPrint warnings ({len(handler.records)}):\n{lines}",
                    pytrace=False)
    required = expected and mark.kwargs.get("required", True)
    if required and not handler.records and getattr(request.node, "rep_call_passed", False):
        pytest.fail("marked weasyprint_warnings, but WeasyPrint gave no warning",
                    pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call_passed = report.passed
    return report


# --- the front-desk app on a real warm render pool (tests/commands/test_web*.py) ---------

@pytest.fixture(scope="module")
def app(pool):
    from handouts.commands.web.app import create_app

    return create_app(DEMO, {"TESTING": True, "RENDER_POOL": pool, "QUEUE_WAIT": 0.2,
                             "RETRY_AFTER": 7})


@pytest.fixture
def client(app):
    return app.test_client()
