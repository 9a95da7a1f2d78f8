"""Per-string review on real catalogs: approvals bound to the text, kept by every update."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT, copy_project
from handouts import cli
from handouts.errors import UserError
from handouts.i18n import review as rv
from handouts.i18n import workflow as i18n

REVIEWER = "María López, CHI"
DAY = dt.date(2026, 11, 22)


@pytest.fixture
def project(tmp_path):
    p = copy_project(tmp_path)
    shutil.copy(ROOT / "babel.cfg", tmp_path)
    i18n.extract(p)
    return p


def es_po(p) -> Path:
    return p.locales_dir / "es" / "LC_MESSAGES" / "handouts.po"


def es_row(p):
    return next(r for r in i18n.status(p, full=False)[0] if r.tag == "es")


def entry(p, context: str, msgid: str | None = None):
    with es_po(p).open("rb") as f:
        return next(m for m in read_po(f) if m.context == context
                    and (msgid is None or m.id == msgid))


def test_review_approves_every_entry_in_the_po_itself(project):
    header = es_po(project).read_text(encoding="utf-8").split('msgid ""')[0]
    path, before = i18n.review(project, "es", REVIEWER, on=DAY)
    assert path == es_po(project) and before["waiting"] == es_row(project).total
    text = es_po(project).read_text(encoding="utf-8")
    assert text.split('msgid ""')[0] == header  # the header is left alone
    msg = entry(project, "warning-signs/emergency/0")
    assert msg.user_comments == [f"approved 2026-11-22 {rv.fingerprint(msg)} by {REVIEWER}"]
    row = es_row(project)
    assert (row.approved, row.changed) == (row.total, 0)
    # Again: nothing waits, nothing is re-dated, the file is not rewritten.
    stamp = es_po(project).stat().st_mtime_ns
    _, again = i18n.review(project, "es", "Otra Persona, CHI", on=DAY + dt.timedelta(1))
    assert again["waiting"] == 0 and again["approved"] == row.total
    assert es_po(project).stat().st_mtime_ns == stamp


def test_approvals_survive_our_update_and_pybabel_update(project):
    i18n.review(project, "es", REVIEWER, on=DAY)
    total = es_row(project).total
    i18n.update(project)
    assert es_row(project).approved == total
    pybabel = str(Path(sys.executable).parent / "pybabel")
    subprocess.run([pybabel, "update", "-i", str(i18n.pot_path(project)), "-d",
                    str(project.locales_dir), "-D", "handouts", "-l", "es"],
                   check=True, capture_output=True)
    assert "approved 2026-11-22" in es_po(project).read_text(encoding="utf-8")
    assert es_row(project).approved == total
    # GNU gettext's msgmerge (what Poedit runs for "Update from POT") keeps them too.
    msgmerge = shutil.which("msgmerge")
    if msgmerge:
        subprocess.run([msgmerge, "--quiet", "--update", "--backup=none", str(es_po(project)),
                        str(i18n.pot_path(project))], check=True, capture_output=True)
        subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(es_po(project))],
                       check=True, capture_output=True)
        assert es_row(project).approved == total


def test_a_changed_translation_waits_for_review_again(project):
    i18n.review(project, "es", REVIEWER, on=DAY)
    path = es_po(project)
    path.write_text(path.read_text(encoding="utf-8").replace(
        'msgstr "Dolor en el pecho"', 'msgstr "Dolor fuerte en el pecho"'), encoding="utf-8")
    msg = entry(project, "warning-signs/emergency/0")
    assert rv.recorded(msg) and rv.state(msg) == "waiting"
    row = es_row(project)
    assert (row.approved, row.changed) == (row.total - 1, 1)
    assert f"{row.total - 1:>4}/{row.total:<4}        1" in i18n.status_table([row])


def test_a_changed_english_string_waits_for_review_again(project):
    i18n.review(project, "es", REVIEWER, on=DAY)
    topic = project.content_dir / "topics" / "course.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace(
        "Weeks 1 to 4: twice a week", "Weeks 1 to 6: twice a week"), encoding="utf-8")
    i18n.extract(project)
    i18n.update(project)
    msg = entry(project, "course/schedule-esketamine/0")
    assert msg.id == "Weeks 1 to 6: twice a week" and msg.fuzzy
    assert rv.state(msg) == "fuzzy" and rv.recorded(msg)  # the old approval names old text
    assert es_row(project).approved == es_row(project).total - 1


def test_context_globs_approve_only_their_entries(project):
    _, before = i18n.review(project, "es", REVIEWER, ("warning-signs/*", "route"), on=DAY)
    with es_po(project).open("rb") as f:
        approved = {m.context for m in read_po(f) if m.id and rv.state(m) == "approved"}
    assert approved == {"route"} | {c for c in approved if c.startswith("warning-signs/")}
    assert "warning-signs/emergency/0" in approved and before["waiting"] == len(
        [m for m in read_po(es_po(project).open("rb")) if m.id and rv.current(m)])
    with pytest.raises(UserError) as exc:
        i18n.review(project, "es", REVIEWER, ("nothing/*",))
    assert str(exc.value) == ("handouts: Invalid value for '--context': 'nothing/*' matches "
                              f"no entry of {es_po(project)}")


@pytest.mark.parametrize("by", ["", "María López", "a\nb, CHI", "x" * 121 + ", CHI"])
def test_review_needs_a_name_and_credential(project, by):
    with pytest.raises(UserError) as exc:
        i18n.review(project, "es", by)
    assert str(exc.value).startswith(f"handouts: Invalid value for '--by': {by!r}; give the "
                                     "reviewer's name and credential")
    assert "# approved" not in es_po(project).read_text(encoding="utf-8")


def test_cli_review_and_status(project, capsys):
    where = ["i18n", "--project", str(project.root)]
    assert cli.main([*where, "review", "es", "--by", REVIEWER, "--context",
                     "warning-signs/*"]) == 0
    out = capsys.readouterr().out
    warning_signs = sum(1 for m in i18n.template_catalog(project)
                        if m.id and (m.context or "").startswith("warning-signs/"))
    assert out.startswith(f"{es_po(project)}: approved {warning_signs} entries; 0 were "
                          "already approved")
    assert cli.main([*where, "status"]) == 0
    assert f"   {warning_signs}/" in capsys.readouterr().out
