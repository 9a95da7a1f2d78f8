"""The catalog checks on real `.po` files: pofilter's, ours, the allow-lists and the gate."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT, copy_project
from handouts.errors import UserError
from handouts.i18n.catalogs import compile_catalog
from handouts.i18n.checks import check_po
from handouts.i18n.workflow import status

SHIPPED = sorted(p.parent.parent.name for p in (ROOT / "locales").glob("*/LC_MESSAGES/*.po"))


@pytest.fixture
def locales(tmp_path):
    return copy_project(tmp_path, ("locales",)).locales_dir


def po(locales, lang="es"):
    return locales / lang / "LC_MESSAGES" / "handouts.po"


def set_msgstr(path, msgid: str, new: str, nth: int = 0) -> int:
    """Replace the msgstr of the `nth` entry with this one-line msgid; return its line."""
    text = path.read_text(encoding="utf-8")
    start = -1
    for _ in range(nth + 1):
        start = text.index(f'msgid "{msgid}"\n', start + 1)
    end = text.index("\n\n", start)
    entry = text[start:end]
    path.write_text(text[:start] + entry[:entry.index("msgstr ")] + f'msgstr "{new}"'
                    + text[end:], encoding="utf-8")
    return text.count("\n", 0, start) + 1


def problems(path) -> list[str]:
    """`LINE: message` of every problem (the path is the catalog's, checked once here)."""
    found = check_po(path, full=True)[1]
    assert all(p.path.endswith(f"locales/{path.parent.parent.name}/LC_MESSAGES/handouts.po")
               for p in found)
    return [f"{p.line}: {p.message}" for p in found]


@pytest.mark.parametrize("lang", SHIPPED)
def test_shipped_catalogs_pass_every_check(lang):
    assert problems(po(ROOT / "locales", lang)) == []


def test_changed_number_is_an_error_with_its_line(locales):
    line = set_msgstr(po(locales), "Weeks 1 to 4: twice a week",
                      "Semanas 1 a 6: dos veces por semana")
    assert problems(po(locales)) == [
        f"{line}: [course/schedule-esketamine/0] "
        "numbers: Different numbers: msgid has 1, 4, msgstr has 1, 6"]
    from handouts.errors import Problem

    assert str(Problem("locales/es/LC_MESSAGES/handouts.po", line, "x")) == \
        f"locales/es/LC_MESSAGES/handouts.po:{line}: x"  # how the command prints it


def test_added_number_is_an_error_too(locales):
    set_msgstr(po(locales), "Weeks 1 to 4: twice a week", "Semanas 1 a 4 y 6: dos veces")
    assert [p.split("] ")[1] for p in problems(po(locales))] == [
        "numbers: Different numbers: msgid has 1, 4, msgstr has 1, 4, 6"]


def test_untranslated_entry_is_named(locales):
    line = set_msgstr(po(locales), "Clinic", "")
    assert problems(po(locales)) == [f"{line}: untranslated: no translation yet"]


@pytest.mark.parametrize("msgid, msgstr, expected", [
    ("Content version %(version)s", "Versión %(versión)s",
     "printf: Added printf variable: %(versión)s"),
    ("Content version %(version)s", "Versión {version}",
     "printf: Missing printf variable: %(version)s"),
    ("Clinic", "<b>Clínica</b>", "xmltags: Added XML tags"),
    ("Clinic", "Clínica\\n", "newlines: Different line endings"),
    ("Clinic", "Clínica\\\\", "escapes: Escapes in original () don't match escapes in "
     "translation ('Clínica\\')"),
    ("Clinic", "   ", "blank: Translation is empty"),
    ("Clinic", "Clinic", "unchanged: Consider translating"),
    ("Clinic", "Clínica 100%", "a lone '%' in msgstr; write '%%' for a percent sign"),
    ("Clinic", "**Clínica**", "bold markers '**' differ between msgid and msgstr"),
])
def test_each_check_names_its_problem(locales, msgid, msgstr, expected):
    set_msgstr(po(locales), msgid, msgstr)
    found = problems(po(locales))
    assert any(p.endswith(": " + expected) for p in found), found


def test_urls_emails_names_and_glossary(locales):
    path = po(locales, "zh_Hans")
    text = path.read_text(encoding="utf-8")
    # The draft keeps "FDA" inside Chinese text with no spaces around it: still found.
    text = text.replace("美国食品药品监督管理局（FDA）已批准", "美国食品药品监督管理局已批准", 1)
    path.write_text(text.replace("氯胺酮治疗抑郁症", "K药治疗抑郁症", 1), encoding="utf-8")
    found = [p.split("] ", 1)[1] for p in problems(path)]
    assert "do not translate: 'FDA' must stay as it is" in found
    assert "glossary: 'ketamine' is translated '氯胺酮'" in found
    from handouts.i18n.checks import Terms, entry_problems

    class Msg:  # an entry as Babel reads it
        id, context, fuzzy = "Mail help@cedarridge.example or see https://a.example", None, False
        string = "Escriba a ayuda@cedarridge.example o vea https://b.example"
    assert entry_problems(Msg, "es", Terms(), 2) == [
        "urls: Different URLs", "emails: Different e-mails"]


def test_allow_lists_are_per_language_and_needed(locales):
    """ساعتين is "two hours" and Alcohol is Spanish; without the lists both are flagged."""
    assert problems(po(locales, "ar")) == [] and problems(po(locales)) == []
    (locales / "ar" / "terms.yaml").unlink()
    (locales / "es" / "terms.yaml").write_text("glossary: {}\n", encoding="utf-8")
    assert any("numbers: Different numbers: msgid has 2, msgstr has none" in p
               for p in problems(po(locales, "ar")))
    assert [p.split("] ")[1] for p in problems(po(locales))] == [
        "unchanged: Consider translating"]


def test_a_missing_plural_form_is_an_error_and_blocks_compiling(locales):
    path = po(locales)
    path.write_text(path.read_text(encoding="utf-8") + '''
#, python-format
msgctxt "test/days"
msgid "%(num)s day"
msgid_plural "%(num)s days"
msgstr[0] "%(num)s día"
msgstr[1] ""
''', encoding="utf-8")
    line = path.read_text(encoding="utf-8").count("\n") - 3  # the msgid line
    assert problems(path) == [f"{line}: [test/days] plural forms: msgstr[1] missing; the "
                              "catalog's Plural-Forms asks for 2"]
    with pytest.raises(UserError):
        compile_catalog(path)
    assert not path.with_suffix(".mo").exists()


def test_gate_refuses_a_broken_variable_but_not_a_judgement_call(locales):
    path = po(locales)
    set_msgstr(path, "Weeks 1 to 4: twice a week", "Semanas 1 a 6: dos veces por semana")
    compile_catalog(path)  # numbers need judgement: status --check, not the gate
    set_msgstr(path, "Content version %(version)s", "Versión %(versión)s")
    path.with_suffix(".mo").unlink()
    with pytest.raises(UserError) as exc:
        compile_catalog(path)
    assert "printf: Added printf variable: %(versión)s" in str(exc.value)
    assert not path.with_suffix(".mo").exists()


def test_status_check_lists_the_changed_number(tmp_path):
    project = copy_project(tmp_path)
    shutil.copy(ROOT / "babel.cfg", tmp_path)
    from handouts.i18n import workflow

    workflow.extract(project)
    set_msgstr(po(project.locales_dir), "Weeks 1 to 4: twice a week", "Semanas 1 a 6: dos veces")
    _, found = status(project)
    assert [p.message for p in found] == ["[course/schedule-esketamine/0] numbers: Different "
                                          "numbers: msgid has 1, 4, msgstr has 1, 6"]
    _, quick = status(project, full=False)  # `status` without --check: the gate only
    assert quick == []


def test_remembered_checks_follow_the_catalog_and_its_terms(locales, tmp_path):
    """`check` and `status` remember each catalog's problems by a hash of it; an edit to
    the catalog or to its terms is checked again, and a damaged memo is only a miss."""
    from handouts.files import Memo

    path, file = po(locales), tmp_path / "memo.json"
    assert check_po(path, full=True, memo=(memo := Memo(file)))[1] == []
    memo.save()
    line = set_msgstr(path, "Weeks 1 to 4: twice a week", "Semanas 1 a 6: dos veces")
    found = check_po(path, full=True, memo=Memo(file), parse=False)[1]
    assert [(p.line, p.message.split("] ")[1]) for p in found] == [
        (line, "numbers: Different numbers: msgid has 1, 4, msgstr has 1, 6")]
    memo = Memo(file)
    check_po(path, full=True, memo=memo)
    memo.save()
    assert check_po(path, full=True, memo=Memo(file), parse=False)[0] is None  # remembered
    (locales / "es" / "terms.yaml").write_text("{}\n", encoding="utf-8")  # no allow-list
    again = [p.message for p in check_po(path, full=True, memo=Memo(file))[1]]
    assert "[preparing/alcohol/heading] unchanged: Consider translating" in again
    file.write_bytes(b"\x00 not json")
    assert len(check_po(path, full=True, memo=Memo(file), parse=False)[1]) == len(again)
