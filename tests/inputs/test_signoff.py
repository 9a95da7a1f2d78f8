"""Clinical sign-off on real topic YAML: three lines written, bound to the text."""

from __future__ import annotations

import datetime as dt
import difflib

import pytest

from conftest import DEMO, copy_project
from handouts import cli
from handouts.commands.check import check
from handouts.errors import UserError
from handouts.inputs import signoff
from handouts.inputs.content import load_content

DAY = dt.date(2026, 11, 22)
BY = "Ana Ruiz, MD"


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path, ("content", "templates", "locales"))


def topic_file(project, tid="warning-signs"):
    return project.content_dir / "topics" / f"{tid}.yaml"


def states(project) -> dict[str, str]:
    return {r.topic: r.state for r in signoff.status(load_content(project.content_dir))}


def test_review_rewrites_only_its_lines_and_keeps_comments(project):
    path = topic_file(project)
    path.write_text("# Reviewed by the safety committee each spring.\n"
                    + path.read_text(encoding="utf-8").replace(
                        "reviewed_on: null", "reviewed_on: null  # set by the tool"),
                    encoding="utf-8")
    before = path.read_text(encoding="utf-8").splitlines()
    signoff.sign_off(project.content_dir, ["warning-signs"], BY, on=DAY)
    after = path.read_text(encoding="utf-8").splitlines()
    fp = load_content(project.content_dir).topics["warning-signs"].fingerprint
    changed = sorted(line for line in difflib.ndiff(before, after) if line[:1] in "+-")
    assert changed == ['+ reviewed_by: "Ana Ruiz, MD"', f'+ reviewed_fingerprint: "{fp}"',
                       "+ reviewed_on: 2026-11-22  # set by the tool",
                       "- reviewed_by: null", "- reviewed_on: null  # set by the tool"]
    assert after.index(f'reviewed_fingerprint: "{fp}"') == \
        after.index("reviewed_on: 2026-11-22  # set by the tool") + 1
    assert states(project)["warning-signs"] == "signed off"
    assert states(project)["course"] == "not signed off"
    signoff.sign_off(project.content_dir, ["warning-signs"], BY, on=DAY)  # again: same file
    assert path.read_text(encoding="utf-8").splitlines() == after


def test_an_edited_topic_loses_its_signoff_and_check_names_it(project):
    signoff.sign_off(project.content_dir, [], BY, every=True, on=DAY)
    assert set(states(project).values()) == {"signed off"}
    assert "pending clinical review" not in check(DEMO, project=project)
    path = topic_file(project)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "      - Chest pain\n", "      - Chest pain or pressure\n"), encoding="utf-8")
    assert states(project)["warning-signs"] == "changed since sign-off"
    line = path.read_text(encoding="utf-8").splitlines().index('reviewed_by: "Ana Ruiz, MD"') + 1
    report = check(DEMO, project=project)
    assert f"note: {path}:{line}: warning-signs: changed since its clinical sign-off by Ana " \
           "Ruiz, MD on 2026-11-22; its handouts say 'Pending clinical review' until " \
           "'handouts content review warning-signs --by ...'" in report.splitlines()
    assert "note: 1 topic pending clinical review: warning-signs" in report


@pytest.mark.parametrize("edit", [
    ("routes: [esketamine]", "routes: [esketamine, im]"),           # a block's routes
    ('date: "2026-03"', 'date: "2026-04"'),                         # a source
    ("Weeks 1 to 4: twice a week", "Weeks 1 to 6: twice a week"),   # the changed number
])
def test_routes_sources_and_numbers_are_part_of_what_was_signed(project, edit):
    signoff.sign_off(project.content_dir, ["course"], BY, on=DAY)
    path = topic_file(project, "course")
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    assert states(project)["course"] == "changed since sign-off"


def test_comments_and_layout_do_not_break_a_signoff(project):
    signoff.sign_off(project.content_dir, ["course"], BY, on=DAY)
    path = topic_file(project, "course")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "blocks:\n", "# The schedule follows the label.\nblocks:\n\n"), encoding="utf-8")
    assert states(project)["course"] == "signed off"


def test_a_hand_typed_reviewer_is_not_a_signoff(project):
    path = topic_file(project)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "reviewed_by: null\nreviewed_on: null", "reviewed_by: Dr. Who\nreviewed_on: 2026-01-01"),
        encoding="utf-8")
    assert states(project)["warning-signs"] == "changed since sign-off"
    assert not load_content(project.content_dir).topics["warning-signs"].signed_off


def test_bad_requests_are_refused_and_nothing_is_written(project):
    before = topic_file(project).read_text(encoding="utf-8")
    with pytest.raises(UserError) as exc:
        signoff.sign_off(project.content_dir, ["warning-sign"], BY)
    assert "Invalid value for 'TOPIC': 'warning-sign' is not one of" in str(exc.value)
    assert "did you mean 'warning-signs'?" in str(exc.value)
    with pytest.raises(UserError) as exc:
        signoff.sign_off(project.content_dir, ["warning-signs"], "Ana Ruiz")
    assert "give the clinician's name and credential" in str(exc.value)
    assert topic_file(project).read_text(encoding="utf-8") == before


def test_cli_content_review_and_status(project, capsys):
    where = ["content", "--project", str(project.root)]
    assert cli.main([*where, "review", "warning-signs", "course", "--by", BY]) == 0
    assert capsys.readouterr().out.count("Recorded sign-off in ") == 2
    assert cli.main([*where, "status"]) == 0
    out = capsys.readouterr().out
    today = dt.date.today().isoformat()
    version = load_content(project.content_dir).topics["warning-signs"].version
    assert any(line.split() == ["warning-signs", version, "Ana", "Ruiz,", "MD", today,
                                "signed", "off"] for line in out.splitlines()), out
    assert any(line.split()[:2] == ["about-ketamine", version] and "NOT SIGNED OFF" in line
               for line in out.splitlines())
    assert cli.main([*where, "review", "--all", "course", "--by", BY]) == 1
    assert "name topics or use --all, not both" in capsys.readouterr().err
