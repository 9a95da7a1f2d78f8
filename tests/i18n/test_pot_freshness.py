"""A .pot is current when its messages are: a new Babel release (its `Generated-By` header)
or another day (`POT-Creation-Date`) must not make `i18n status --check` fail."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, copy_project
from handouts.i18n import workflow as i18n


def test_a_header_from_another_babel_is_still_current(tmp_path):
    project = copy_project(tmp_path)
    pot = i18n.pot_path(project)
    text = pot.read_text(encoding="utf-8")
    header, body = text.split("\n\n", 1)
    old = "\n".join('"Generated-By: Babel 0.9.6\\n"' if line.startswith('"Generated-By:')
                    else '"POT-Creation-Date: 2001-01-01 00:00+0000\\n"'
                    if line.startswith('"POT-Creation-Date:') else line
                    for line in header.splitlines())
    assert old != header
    pot.write_text(old + "\n\n" + body, encoding="utf-8")
    _, problems = i18n.status(project)
    assert not [p for p in problems if p.path.endswith("handouts.pot")]
    assert i18n.extract(project) is False  # nothing to write: the messages are the same
    assert "Babel 0.9.6" in pot.read_text(encoding="utf-8")


def test_a_changed_message_is_still_out_of_date(tmp_path):
    project = copy_project(tmp_path)
    pot = i18n.pot_path(project)
    text = pot.read_text(encoding="utf-8")
    pot.write_text(text.replace('msgid "Clinic"', 'msgid "Clinic!"', 1), encoding="utf-8")
    _, problems = i18n.status(project)
    assert [p.message for p in problems if p.path.endswith("handouts.pot")] == [
        "out of date with content and templates; run 'handouts i18n extract' then 'update'"]


def test_status_check_passes_on_the_repository_itself():
    run = subprocess.run([sys.executable, "-m", "handouts", "i18n", "--project", str(ROOT),
                          "status", "--check"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "approved" in run.stdout and "es Spanish" in run.stdout  # the status table
