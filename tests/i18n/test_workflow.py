"""The catalog workflow on a copy of the project: extract, update, status --check, review."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT, copy_project
from handouts.errors import UserError
from handouts.i18n import workflow as i18n
from handouts.project import Project


@pytest.fixture
def project(tmp_path):
    p = copy_project(tmp_path)
    shutil.copy(ROOT / "babel.cfg", tmp_path)
    i18n.extract(p)
    i18n.update(p)
    for po in p.locales_dir.glob("*/LC_MESSAGES/handouts.po"):
        fill(p, po.parent.parent.name)
    return p


def es_po(p: Project) -> Path:
    return p.locales_dir / "es" / "LC_MESSAGES" / "handouts.po"


def fill(p: Project, lang: str) -> None:
    """Stand-in translations for strings the shipped catalog lacks (tests only)."""
    from babel.messages.pofile import write_po

    path = p.locales_dir / lang / "LC_MESSAGES" / "handouts.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    for msg in catalog:
        if msg.id and (not msg.string or msg.fuzzy):
            msg.string, msg.flags = msg.id, set()
    with path.open("wb") as f:
        write_po(f, catalog)


def replace_msgstr(p: Project, msgid: str, new: str) -> None:
    path = es_po(p)
    text = path.read_text()
    start = text.index(f'msgid "{msgid}"')
    end = text.index("\n", text.index("msgstr", start))
    path.write_text(text[:start] + f'msgid "{msgid}"\nmsgstr "{new}"' + text[end:])


def test_extract_is_quiet_when_only_the_date_would_change(project):
    pot = i18n.pot_path(project)
    before = pot.read_bytes()
    assert i18n.extract(project) is False
    assert pot.read_bytes() == before


def test_status_check_passes_when_complete(project):
    rows, problems = i18n.status(project)
    assert problems == []
    es = next(r for r in rows if r.tag == "es")
    assert es.percent == 100.0 and es.approved == 0 and es.changed == 0
    table = i18n.status_table(rows)
    assert re.search(r"^es Spanish +100\.0 % +0 +0 +0/\d+ +0$", table, re.M), table


def test_status_check_stale_pot(project):
    topic = project.content_dir / "topics" / "warning-signs.yaml"
    topic.write_text(topic.read_text().replace("Chest pain", "Pain in your chest", 1))
    _, problems = i18n.status(project)
    assert [str(p) for p in problems][0].endswith(
        "handouts.pot: out of date with content and templates; run 'handouts i18n extract' "
        "then 'update'")


def test_status_check_incomplete(project):
    replace_msgstr(project, "Clinic", "")
    _, problems = i18n.status(project)
    entry, problem = problems
    assert entry.message == "untranslated: no translation yet" and entry.line
    assert problem.message.startswith("es: 99.")
    assert problem.message.endswith("% translated (0 fuzzy, 1 untranslated); shipped "
                                    "languages must be at 100 %")


def test_status_check_broken_translation_is_refused_by_compile_too(project):
    replace_msgstr(project, "Content version %(version)s", "Versión %(versión)s")
    _, problems = i18n.status(project)
    assert [p.message for p in problems] == ["printf: Added printf variable: %(versión)s"]
    assert problems[0].line and problems[0].path.endswith("es/LC_MESSAGES/handouts.po")
    with pytest.raises(UserError):  # compile refuses it too, leaving no .mo
        i18n.compile_all(project)
    assert not es_po(project).with_suffix(".mo").exists()


def test_cli_status_check_exit_code(project, capsys):
    from handouts import cli

    where = ["i18n", "--project", str(project.root)]
    assert cli.main([*where, "status", "--check"]) == 0
    replace_msgstr(project, "Clinic", "")
    assert cli.main([*where, "status", "--check"]) == 1
    assert "shipped languages must be at 100 %" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["../x", "zz", "es\0", ""])
def test_init_refuses_bad_ids(project, bad):
    with pytest.raises(UserError) as exc:
        i18n.init(project, bad)
    assert "is not a known language id" in str(exc.value)
    assert not (project.locales_dir / "x").exists()


def test_pybabel_extract_uses_our_extractor(project, tmp_path):
    out = tmp_path / "pybabel.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
                    "-k", "pgettext:1c,2", "-o", str(out), "."],
                   cwd=project.root, check=True, capture_output=True)
    with out.open("rb") as f:
        theirs = {(m.context, m.id) for m in read_po(f) if m.id}
    ours = {(m.context, m.id) for m in i18n.template_catalog(project) if m.id}
    assert theirs == ours
    assert ("warning-signs/title", "When to get help right away") in theirs
    with out.open("rb") as f:
        msg = next(m for m in read_po(f) if m.context == "warning-signs/title")
    assert msg.locations[0][0].endswith("content/topics/warning-signs.yaml")
    line = msg.locations[0][1]
    source = (project.content_dir / "topics" / "warning-signs.yaml").read_text().splitlines()
    assert "title:" in source[line - 1]
