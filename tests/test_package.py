"""A real package: the wheel carries content, templates and compiled catalogs, and an install
of it builds handouts for a clinic folder from any other folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, pdf_text
from handouts.pipeline import fonts


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, env=_pip_env())
    (path,) = out.glob("handouts-*.whl")
    return path


def _pip_env() -> dict:
    # This machine's pip configuration (local mirrors, constraints) plays no part here.
    return {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "",
            "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv with the wheel installed by pip. Its dependencies are this test run's
    own (a .pth to its site-packages, without the editable install of the checkout), so
    the test needs no network; `pip check` proves they satisfy the wheel's requirements."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(root)}))
    (site / "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([root / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps",
                    str(wheel)], check=True, capture_output=True, env=_pip_env())
    subprocess.run([root / "bin" / "python", "-m", "pip", "check"], check=True,
                   capture_output=True, env=_pip_env())
    return root


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Path:
    """Another folder, holding only a clinic, and a user cache with the CJK faces in it
    (made here by `make setup`; making them is tested in test_fonts.py, and takes minutes)."""
    folder = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(DEMO, folder / "myclinic")
    shutil.copytree(fonts.FONTS_DIR, folder / "cache" / "handouts" / f"fonts-{fonts.VERSION}")
    return folder


def handouts(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(cwd / "cache")
    return subprocess.run([venv / "bin" / "handouts", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_carries_the_project_and_compiled_catalogs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    pos = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("locales/*/LC_MESSAGES/*.po"))
    assert pos
    for po in pos:
        assert f"handouts/data/{po}" in names
        assert f"handouts/data/{po[:-3]}.mo" in names
    for part in ("content/stages.yaml", "templates/handout.css", "templates/web/page.html",
                 "locales/handouts.pot"):
        assert f"handouts/data/{part}" in names
    assert not [n for n in names if "/fonts/" in n]  # made per machine, never shipped


def test_the_installed_package_runs_from_its_own_copy(venv, elsewhere):
    run = handouts(venv, elsewhere, "--version")
    assert run.stdout.strip() == "handouts 0.1.0"
    where = subprocess.run([venv / "bin" / "python", "-c", "from handouts.project import "
                            "PROJECT; print(PROJECT.packaged, PROJECT.root)"],
                           capture_output=True, text=True, cwd=elsewhere, check=True).stdout
    assert where.startswith(f"True {venv}")


@pytest.mark.parametrize("lang, title", [("es", "Después de su tratamiento"),
                                         ("zh-Hans", None)])
def test_builds_spanish_and_chinese_from_another_folder(venv, elsewhere, demo_inputs,
                                                         lang, title):
    if title is None:  # the catalog's own title, in Chinese
        from handouts.pipeline.localize import Localizer

        loc = Localizer(demo_inputs.catalogs[lang], demo_inputs.clinic.values("iv"))
        title = str(loc.stage(demo_inputs.content.stages["aftercare"])[0])
    run = handouts(venv, elsewhere, "build", "--clinic", "myclinic", "--lang", lang,
                   "--stage", "aftercare", "--out", "out", "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert [line for line in run.stderr.splitlines() if not line.startswith("[")] == []
    path = elsewhere / "out" / "demo" / lang / "aftercare.pdf"
    assert title in pdf_text(path.read_bytes())
    if lang == "zh-Hans":  # our subset, served from the user's cache
        listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                                 check=True).stdout
        assert "+Handouts-CJK-SC " in listing, listing


def test_authoring_commands_need_a_checkout(venv, elsewhere):
    run = handouts(venv, elsewhere, "i18n", "extract")
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "handouts: this command changes the catalogs, so it works in a checkout of the "
        "handouts project (git clone, then run it inside the folder) or with --project DIR; "
        "the installed package's copy is read-only")
    assert "Traceback" not in run.stderr
    # Run inside a checkout, the same installed command works on that checkout.
    run = handouts(venv, ROOT, "i18n", "status", "--check")
    assert run.returncode == 0, run.stderr
