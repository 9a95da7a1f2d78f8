"""`handouts check`: every problem at once; `--strict` also fails an offered language that is
not fully translated."""

from __future__ import annotations

import re

import pytest

from conftest import DEMO, copy_project
from handouts.commands.check import check
from handouts.errors import UserError
from handouts.i18n import workflow


@pytest.fixture
def project(tmp_path):
    p = copy_project(tmp_path)
    workflow.extract(p)  # current with content and templates, whatever Babel wrote it
    return p


def blank_translation(project, lang: str, msgid: str) -> None:
    po = project.locales_dir / lang / "LC_MESSAGES" / "handouts.po"
    text = po.read_text(encoding="utf-8")
    start = text.index(f'msgid "{msgid}"\n')
    end = text.index("\n\n", start)
    entry = text[start:end]
    blank = entry[:entry.index("msgstr ")] + 'msgstr ""'
    po.write_text(text[:start] + blank + text[end:], encoding="utf-8")


def test_strict_fails_an_offered_language_with_a_missing_string(project):
    blank_translation(project, "es", "Clinic")
    assert check(DEMO, project=project).startswith("OK:")  # shown in English, at build
    with pytest.raises(UserError) as exc:
        check(DEMO, strict=True, project=project)
    entry, problem = exc.value.problems
    assert entry.message == "untranslated: no translation yet"
    assert re.fullmatch(r"es: 99\.\d % translated \(0 fuzzy, 1 untranslated\); shipped "
                        r"languages must be at 100 %", problem.message), problem.message
    assert problem.path.endswith("es/LC_MESSAGES/handouts.po")
