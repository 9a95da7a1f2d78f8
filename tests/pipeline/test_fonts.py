"""The Chinese and Korean subset faces: made from Noto Sans CJK, complete for our catalogs."""

from __future__ import annotations

import subprocess

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from conftest import DEMO, ROOT, pdf_text
from handouts.commands.build import Options, plan
from handouts.inputs.patient import make_patient
from handouts.pipeline import fonts
from handouts.pipeline.make import make

CATALOG_FOR = {"SC": "zh_Hans", "KR": "ko"}


@pytest.fixture(scope="module", params=fonts.FACES, ids=lambda f: f.filename)
def face(request):
    """Each face as `make setup` made it, read with fontTools."""
    path = fonts.FONTS_DIR / request.param.filename
    assert path.is_file(), "run `make setup` (python -m handouts.fonts) first"
    return request.param, TTFont(path)


def test_every_translated_character_is_in_its_subset(face):
    """A character missing here would pull the 20 MB collection into every render."""
    spec, font = face
    cmap = font.getBestCmap()
    with open(ROOT / "locales" / CATALOG_FOR[spec.region] / "LC_MESSAGES" / "handouts.po",
              "rb") as f:
        catalog = read_po(f)
    used = {ch for m in catalog if m.id and m.string for ch in str(m.string)
            if not ch.isspace()}
    assert used, "the catalog has translations"
    assert sorted(ch for ch in used if ord(ch) not in cmap) == []


def test_faces_are_renamed_and_keep_the_licence(face):
    spec, font = face
    name = font["name"]
    assert name.getDebugName(1) == f"Handouts CJK {spec.region}"
    assert "Noto" not in name.getDebugName(6)
    assert "Adobe" in name.getDebugName(0)            # copyright
    assert "Open Font License" in name.getDebugName(13)  # licence
    assert 5_000 < len(font.getBestCmap()) < 25_000    # a subset, not the collection (~44,000)


def test_a_character_outside_the_subset_falls_back_to_noto_cjk(demo_inputs, tmp_path):
    """A rare hanzi in a patient's name (U+3400, not in GB 2312) still has a glyph."""
    rare = "\u3400"
    assert ord(rare) not in fonts.characters("SC")
    patient = make_patient(f"王{rare}明", "2026-12-01T09:30")
    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",),
                                     langs=("zh-Hans",), output="x.pdf", patient=patient))
    result = make(demo_inputs, h, strict=True)
    assert result.warnings == ()
    assert f"王{rare}明" in pdf_text(result.data)
    path = tmp_path / "rare.pdf"
    path.write_bytes(result.data)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                             check=True).stdout
    assert "Handouts-CJK-SC" in listing and "Noto-Sans-CJK-SC" in listing


def test_missing_faces_are_made_again_when_the_version_changes(tmp_path):
    assert fonts.missing(tmp_path) == list(fonts.FACES)
    real = fonts.FONTS_DIR
    assert fonts.missing(real) == []
    (tmp_path / "VERSION").write_text("0\n")
    for f in fonts.FACES:
        (tmp_path / f.filename).write_bytes((real / f.filename).read_bytes())
    assert fonts.missing(tmp_path) == list(fonts.FACES)  # made by an older version
    (tmp_path / "VERSION").write_text(fonts.VERSION + "\n")
    assert fonts.missing(tmp_path) == []


def test_an_installed_package_makes_the_faces_on_first_use(tmp_path, monkeypatch, capsys):
    """No faces in the package: the first render makes them into the user's cache folder and
    says so; later ones find them there. (A few characters only, to take seconds, not minutes.)"""
    from handouts.project import Project

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(fonts, "characters", lambda region: set(range(0x20, 0x7F)))
    (tmp_path / "data" / "templates").mkdir(parents=True)
    project = Project(tmp_path / "data", packaged=True)
    dest = tmp_path / "cache" / "handouts" / f"fonts-{fonts.VERSION}"
    assert fonts.fonts_dir(project) == dest and fonts.missing(dest) == list(fonts.FACES)
    assert fonts.ensure(project) == dest
    err = capsys.readouterr().err
    assert err.startswith(f"handouts: making the Chinese and Korean fonts (subsets of Noto "
                          f"Sans CJK) in {dest}; this happens once")
    assert fonts.missing(dest) == []
    assert fonts.ensure(project) == dest and capsys.readouterr().err == ""  # once only
    # A checkout never uses the cache: `make setup` makes them in templates/fonts/.
    assert fonts.fonts_dir(Project(tmp_path / "data")) == tmp_path / "data/templates/fonts"
