"""One `handouts check` lists every mistake, each in words that say what to do."""

from __future__ import annotations

from handouts.cli import main


def edit(path, *pairs):
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def line_of(path, needle):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def check(capsys, clinic) -> tuple[int, list[str]]:
    code = main(["check", "--clinic", str(clinic)])
    return code, capsys.readouterr().err.strip().splitlines()


def test_contrast_is_checked_beside_every_other_mistake(capsys, clinic):
    """The issue's example: bad paper, an unquoted number, an http:// website and a
    low-contrast colour, all in one run (contrast used to wait for the others)."""
    path = clinic / "clinic.yaml"
    edit(path, ("paper: letter", "paper: legal"), ('phone: "(555) 014-2290"', "phone: 5550142290"),
         ('"https://cedarridge.example"', '"http://cedarridge.example"'),
         ('primary: "#1f5f7a"', 'primary: "#ffcc00"'))
    code, lines = check(capsys, clinic)
    assert code == 1
    at = lambda needle: f"{path}:{line_of(path, needle)}: "  # noqa: E731
    assert lines == [
        at("paper:") + "paper: 'legal' is not one of 'letter', 'a4'",
        at("  phone:") + "contact.phone: expected a phone number, got the number 5550142290",
        at("website:") + "contact.website: expected a web address starting with https://, got "
                         "'http://cedarridge.example'",
        at("primary:") + "colors.primary: #ffcc00 on #ffffff has contrast 1.51:1, below the "
                         "4.5:1 WCAG 2.2 needs for headings and the clinic name on white; "
                         "choose a darker colour",
        at("primary:") + "colors.primary: #ffcc00 on #f4f7f8 has contrast 1.40:1, below the "
                         "4.5:1 WCAG 2.2 needs for headings inside the grey note boxes; "
                         "choose a darker colour",
    ]


def test_a_bad_colour_does_not_hide_the_contrast_of_the_others(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, ('primary: "#1f5f7a"', 'primary: "blue"'), ('text: "#1a1a1a"', 'text: "#bbbbbb"'))
    code, lines = check(capsys, clinic)
    assert code == 1
    assert [line.split(": ", 1)[1] for line in lines] == [
        "colors.primary: expected a colour as #rrggbb, got 'blue'",
        "colors.text: #bbbbbb on #ffffff has contrast 1.92:1, below the 4.5:1 WCAG 2.2 needs "
        "for body text on white paper; choose a darker colour",
    ]


def test_a_tab_is_named(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, ("  observation_minutes: 60", "\tobservation_minutes: 60"))
    code, lines = check(capsys, clinic)
    assert code == 1
    assert lines[0].startswith(f"{path}:{line_of(path, 'observation_minutes')}: YAML syntax "
                               "error: a tab at column 1; indent with spaces")


def test_a_missing_logo_suggests_the_image_that_is_there(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, ("logo: logo.svg", "logo: logo.png"))
    code, lines = check(capsys, clinic)
    assert code == 1
    assert lines == [f"{path}:{line_of(path, 'logo:')}: logo: 'logo.png' does not exist in "
                     f"{clinic}; did you mean 'logo.svg'?"]


def test_a_language_without_a_catalog_points_to_i18n_init(capsys, clinic):
    path = clinic / "clinic.yaml"
    edit(path, ("languages: [en, es,", "languages: [en, pl, es,"))
    code, lines = check(capsys, clinic)
    assert code == 1
    (line,) = lines
    assert line.startswith(f"{path}:{line_of(path, 'languages:')}: languages[1]: 'pl' has no "
                           "translation; available: 'en', ")
    assert line.endswith("; to start one: handouts i18n init pl")
