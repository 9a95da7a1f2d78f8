"""The command line: exit codes and exact messages for the mistakes users make."""

from __future__ import annotations

import pytest

from conftest import DEMO
from handouts.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def edit(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def line_of(path, needle):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_unknown_stage_lists_choices(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--stage", "aftercar", "--out", str(tmp_path))
    assert code == 1
    assert err.strip() == ("handouts: Invalid value for '--stage': 'aftercar' is not one of "
                           "'consultation', 'infusion-day', 'aftercare'; did you mean "
                           "'aftercare'?")
    assert not list(tmp_path.iterdir())


def test_unknown_language_lists_choices(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--lang", "xx", "--out", str(tmp_path))
    assert code == 1
    assert err.strip() == ("handouts: Invalid value for '--lang': 'xx' is not one of 'en', "
                           "'es', 'zh-Hans', 'vi', 'ko', 'tl', 'ru', 'ar', 'ht', 'fr', 'pt-BR'")


@pytest.mark.parametrize("bad", ["../x", "es\0", "e"])
def test_malformed_language_is_not_a_path(capsys, tmp_path, bad):
    code, _, err = run(capsys, "build", "--lang", bad, "--out", str(tmp_path))
    assert code == 1
    assert f"Invalid value for '--lang': {bad!r} is not a language id" in err


def test_yaml_syntax_error_names_file_and_line(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, "paper: letter", "paper: [letter")
    code, _, err = run(capsys, "check", "--clinic", str(clinic))
    assert code == 1
    assert f"clinic.yaml:{line_of(path, 'paper:') + 1}: YAML syntax error" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("old, new, line_key, message", [
    ('  crisis_line: "988"\n', "", "contact:",
     "contact: missing required key 'contact.crisis_line'"),
    ("fasting_solids_hours: 6", "fasting_solids_hours: six", "fasting_solids",
     "protocol.fasting_solids_hours: expected a whole number of hours from 6 to 12, "
     "got the text 'six'"),
], ids=["missing key", "wrong type"])
def test_one_mistake_names_file_line_and_key(capsys, clinic, old, new, line_key, message):
    path = clinic / "clinic.yaml"
    edit(path, old, new)
    code, _, err = run(capsys, "check", "--clinic", str(clinic))
    assert code == 1
    assert err.strip() == f"{path}:{line_of(path, line_key)}: {message}"


def test_every_problem_reported_at_once(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, "paper: letter", "paper: legal")
    edit(path, 'primary: "#1f5f7a"', 'primary: "blue"')
    edit(path, "routes: [iv, im, esketamine]", "routes: [iv, oral]")
    code, _, err = run(capsys, "check", "--clinic", str(clinic))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"{path}:{line_of(path, 'primary:')}: colors.primary: expected a colour as #rrggbb, "
        "got 'blue'",
        f"{path}:{line_of(path, 'paper:')}: paper: 'legal' is not one of 'letter', 'a4'",
        f"{path}:{line_of(path, 'routes:')}: routes[1]: 'oral' is not one of 'iv', 'im', "
        "'esketamine'",
    ]


def test_unknown_clinic_language(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, "languages: [en, es,", "languages: [en, es, zz,")
    code, _, err = run(capsys, "check", "--clinic", str(clinic))
    assert code == 1
    assert f"{path}:{line_of(path, 'languages:')}: languages[2]: 'zz' is not a language id" \
        in err


def test_output_needs_one_language(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--output", str(tmp_path / "x.pdf"))
    assert code == 1
    assert "--output writes one patient's handouts, in one language, but this asks for " \
        "11 languages; give one --lang" in err
    assert not (tmp_path / "x.pdf").exists()


def test_a_packet_in_html_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--lang", "es", "--stage", "infusion-day",
                       "--stage", "aftercare", "--format", "html",
                       "--output", str(tmp_path / "x.html"))
    assert code == 1
    assert "--format html writes one handout; give one --stage" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", "--format", "docx"])
    assert exc.value.code == 2


def test_check_passes_on_demo(capsys):
    code, out, _ = run(capsys, "check", "--clinic", str(DEMO))
    assert code == 0 and out.startswith("OK:")
