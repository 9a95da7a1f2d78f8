"""No warning is lost: each kind reaches the user from a render in this process (--jobs 0),
in one worker (--jobs 1) or two (--jobs 2), and again from the cache; --strict fails on it
the same way whether the PDF was rendered or cached."""

from __future__ import annotations

import pytest

from conftest import copy_project
from handouts.cli import main
from handouts.commands.build import Options, build
from handouts.errors import UserError

REFUSED = "refused resource file:///etc/hostname"
GLYPH = "no installed font has U+E000 '\\ue000'; it prints as an empty box"
# A refused resource and a character no installed font has, from the clinic's style sheet.
CSS = 'body { background: url("file:///etc/hostname"); } h1::before { content: "\\e000"; }'


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    from conftest import copy_clinic

    folder = copy_clinic(tmp_path_factory.mktemp("styled") / "clinic")
    (folder / "style.css").write_text(CSS)
    return folder


def run(capsys, *argv) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().err.splitlines()


def expected_lines(langs=("en", "es")) -> list[str]:
    return [f"{lang}/aftercare.pdf: {w}" for lang in langs for w in (REFUSED, GLYPH)]


@pytest.mark.weasyprint_warnings(required=False)  # in this process for --jobs 0 only
@pytest.mark.parametrize("jobs", ["0", "1", "2"])
def test_render_warnings_reach_the_command_line_and_survive_the_cache(capsys, styled,
                                                                       tmp_path, jobs):
    args = ("build", "--clinic", str(styled), "--stage", "aftercare", "--lang", "en",
            "--lang", "es", "--out", str(tmp_path), "--jobs", jobs)
    code, err = run(capsys, *args)
    assert code == 0
    warnings = [line for line in err if not line.startswith("[")]
    assert warnings == expected_lines() + ["4 warnings; with --strict they are errors"]

    # The same build again: both PDFs from the cache, and the same warnings.
    code, err = run(capsys, *args)
    assert code == 0
    assert "2 handouts unchanged (from the cache)" in err
    assert [line for line in err if "aftercare.pdf" in line] == expected_lines()

    # --strict answers from the cache what it answers from a render: exit 1, named.
    strict_error = [f"{lang}/aftercare.pdf: {REFUSED}; {GLYPH} (an error with --strict)"
                    for lang in ("en", "es")]
    code, err = run(capsys, *args, "--strict")
    assert code == 1 and err == strict_error
    code, err = run(capsys, *args[:-4], "--out", str(tmp_path / "fresh"), "--jobs", jobs,
                    "--strict")
    assert code == 1 and [line for line in err if not line.startswith("[")] == strict_error
    assert not list((tmp_path / "fresh").rglob("*.pdf"))


@pytest.fixture(scope="module")
def untranslated(tmp_path_factory):
    """A copy of the project whose Spanish catalog lacks one string of the aftercare handout."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    po = project.locales_dir / "es" / "LC_MESSAGES" / "handouts.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('msgid "Clinic"')
    end = text.index("\n", text.index("msgstr", start))
    po.write_text(text[:start] + 'msgid "Clinic"\nmsgstr ""' + text[end:], encoding="utf-8")
    return project


@pytest.mark.parametrize("jobs", [0, 1, 2])
def test_a_missing_translation_is_a_warning_in_every_mode(untranslated, tmp_path, jobs):
    from conftest import DEMO

    opts = Options(clinic_dir=DEMO, stages=("aftercare",), langs=("es",), out=tmp_path,
                   jobs=jobs)
    for _ in range(2):  # rendered, then from the cache
        result = build(opts, project=untranslated)
        assert result.warnings == [
            "es/aftercare.pdf: 1 string shown in English (no translation)"]
    with pytest.raises(UserError) as exc:
        build(Options(**{**opts.__dict__, "strict": True}), project=untranslated)
    assert str(exc.value) == ("es/aftercare.pdf: aftercare (es): 1 string has no "
                              "translation, e.g. '|Clinic'")


def test_the_web_page_logs_warnings_without_patient_details(styled, caplog):
    """The render runs in a worker; its warnings come back and are logged by handout id.
    The name holds a character no font has (U+1F9A0): the log says so, without the name."""
    import logging
    import re

    from handouts.commands.web.app import create_app
    from handouts.pipeline.pool import RenderPool

    caplog.set_level(logging.INFO)
    with RenderPool(styled, workers=1, warm=False) as pool:
        client = create_app(styled, {"TESTING": True, "RENDER_POOL": pool}).test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
        response = client.post("/handout", data={
            "csrf_token": token, "lang": "es", "stage": "aftercare", "route": "iv",
            "name": "Ana Vega \U0001f9a0", "date": "2026-12-01", "time": "09:30"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    logged = [r.getMessage() for r in caplog.records if r.name == "handouts.web"]
    assert logged == [f"render of es/aftercare: {REFUSED}",
                      "render of es/aftercare: 2 characters have no glyph in any installed "
                      "font and print as empty boxes"]
    assert "Ana" not in caplog.text and "\U0001f9a0" not in caplog.text
    assert "1F9A0" not in caplog.text
