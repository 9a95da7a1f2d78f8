"""The safety facts a patient must find in the English handouts, for every route.

The handouts are built once for this module (English; IV, IM and esketamine) and
read back with pypdf, so these tests check what is printed, not only the YAML.
Clinic numbers come from the demo clinic.yaml, never typed here a second time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, copy_project, pdf_reader, pdf_text
from handouts.commands.build import Options, build
from handouts.domain import STAGES
from handouts.inputs.clinic import load_clinic
from handouts.inputs.content import load_content

ROUTES = ("iv", "im", "esketamine")
MAX_GRADE = 8.0  # US school grade; plain-language target is 6-8
MIN_PAGES, MAX_PAGES = 2, 4


@pytest.fixture(scope="module")
def clinic():
    return load_clinic(DEMO)


@pytest.fixture(scope="module")
def handouts(tmp_path_factory, clinic):
    """{(stage, route): (text, page count)} for the English handouts of every route."""
    out = tmp_path_factory.mktemp("content-facts")
    found = {}
    for route in ROUTES:
        result = build(Options(clinic_dir=DEMO, langs=("en",), route=route, out=out))
        for path in result.written:
            stage = next(s for s in STAGES if Path(path).name.startswith(s))
            data = Path(path).read_bytes()
            found[stage, route] = (pdf_text(data), len(pdf_reader(data).pages))
    assert set(found) == {(s, r) for s in STAGES for r in ROUTES}
    return found


def text(handouts, stage: str, route: str) -> str:
    return handouts[stage, route][0]


def has(haystack: str, needle: str) -> bool:
    """Case-insensitive, whitespace-insensitive phrase search."""
    pattern = r"\s+".join(re.escape(w) for w in needle.split())
    return re.search(pattern, haystack, re.IGNORECASE) is not None


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("route", ROUTES)
def test_each_handout_is_two_to_four_pages(handouts, stage, route):
    pages = handouts[stage, route][1]
    assert MIN_PAGES <= pages <= MAX_PAGES, f"{stage} ({route}) has {pages} pages"


@pytest.mark.parametrize("route", ROUTES)
def test_aftercare_lists_the_warning_signs_with_the_emergency_number(handouts, clinic, route):
    t = text(handouts, "aftercare", route)
    emergency = clinic.contact.emergency_number
    assert has(t, f"Call {emergency} now if you have")
    for sign in ("Chest pain", "Trouble breathing", "very bad headache", "Fainting",
                 "Confusion that does not go away"):
        assert has(t, sign), f"aftercare ({route}) lacks the warning sign {sign!r}"


@pytest.mark.parametrize("route", ROUTES)
def test_aftercare_gives_the_crisis_line_and_clinic_numbers(handouts, clinic, route):
    t = text(handouts, "aftercare", route)
    c = clinic.contact
    assert has(t, "thoughts of hurting or killing yourself")
    assert has(t, f"Call or text {c.crisis_line} any time, day or night")
    assert has(t, f"If you are in danger now, call {c.emergency_number}")
    assert has(t, c.phone) and has(t, c.after_hours_phone)


@pytest.mark.parametrize("route", ("iv", "im"))
def test_ketamine_aftercare_uses_the_clinic_no_driving_hours(handouts, clinic, route):
    hours = clinic.protocol.no_driving_hours
    aftercare = text(handouts, "aftercare", route)
    assert has(aftercare, f"Do not drive or use machines for {hours} hours")
    assert has(text(handouts, "infusion-day", route), f"You must not drive for {hours} hours")


def test_esketamine_no_driving_until_the_next_day_after_restful_sleep(handouts, clinic):
    rule = "until the next day, after a restful night of sleep"
    for stage in ("infusion-day", "aftercare"):
        t = text(handouts, stage, "esketamine")
        assert has(t, rule), f"{stage} (esketamine) lacks the REMS driving rule"
        # the ketamine rule in hours must not appear instead of the REMS rule
        assert not has(t, f"drive or use machines for {clinic.protocol.no_driving_hours} hours")


def test_esketamine_observation_of_at_least_two_hours(handouts, clinic):
    consultation = text(handouts, "consultation", "esketamine")
    day = text(handouts, "infusion-day", "esketamine")
    assert has(consultation, "stay at least 2 hours after each dose")
    assert has(day, "You must stay at least 2 hours after each dose")
    minutes = clinic.observation_minutes("esketamine")
    assert minutes >= 120
    assert has(day, f"You stay with us for at least {minutes} minutes")


def test_esketamine_day_has_the_label_rules(handouts):
    day = text(handouts, "infusion-day", "esketamine")
    assert has(day, "Do not eat for at least 2 hours before your dose")
    assert has(day, "for at least 30 minutes before your dose")
    assert has(day, "use it at least 1 hour before your dose")  # nasal steroid/decongestant
    assert has(day, "About 40 minutes after your dose, we check your blood pressure again")
    assert not has(day, "drips"), "the IV timeline must not show for esketamine"


def test_iv_day_has_the_clinic_fasting_times_and_timeline(handouts, clinic):
    day = text(handouts, "infusion-day", "iv")
    p = clinic.protocol
    assert has(day, f"Stop eating food {p.fasting_solids_hours} hours before your visit")
    assert has(day, f"clear liquids until {p.fasting_clear_liquids_hours} hours before your visit")
    assert has(day, f"Arrive {p.arrive_minutes_early} minutes early")
    assert has(day, "This takes about 40 minutes")
    assert has(day, "blood pressure, heart rate, and oxygen")
    assert has(day, f"You rest with us for at least {clinic.observation_minutes('iv')} minutes")
    for esketamine_only in ("spray", "REMS", "2 hours before your dose"):
        assert not has(day, esketamine_only), f"IV day shows esketamine text {esketamine_only!r}"


def test_im_day_describes_a_shot_not_an_infusion(handouts, clinic):
    day = text(handouts, "infusion-day", "im")
    assert has(day, "shot into a muscle")
    assert has(day, f"Stop eating food {clinic.protocol.fasting_solids_hours} hours")
    assert not has(day, "drips") and not has(day, "REMS")


@pytest.mark.parametrize("route", ROUTES)
def test_consultation_covers_routes_and_the_fda_warning(handouts, route):
    t = text(handouts, "consultation", route)
    for phrase in ("IV infusion", "Shot into a muscle", "Esketamine nasal spray",
                   "October 2023", "NMDA receptor", "treatment-resistant depression"):
        assert has(t, phrase), f"consultation ({route}) lacks {phrase!r}"


# --- reading level -------------------------------------------------------------------


def test_every_topic_reads_at_grade_8_or_below():
    from handouts.inputs.readability import MAX_GRADE, grades

    too_hard = {t: g for t, g in grades(load_content(ROOT / "content")).items()
                if g > MAX_GRADE}
    assert not too_hard, f"Flesch-Kincaid grade above {MAX_GRADE}: {too_hard}"


def test_check_fails_a_topic_above_grade_8(tmp_path):
    from handouts.commands.check import check
    from handouts.errors import UserError

    project = copy_project(tmp_path)
    topic = tmp_path / "content" / "topics" / "about-ketamine.yaml"
    text = topic.read_text()
    start = text.index("title: ") + len("title: ")
    hard = ("Pharmacological antagonism of N-methyl-D-aspartate receptors precipitates "
            "neuroplastic reorganisation characterised by synaptogenesis, "
            "notwithstanding considerable interindividual heterogeneity")
    topic.write_text(text[:start] + hard + text[text.index("\n", start):])
    with pytest.raises(UserError) as exc:
        check(DEMO, project=project)
    assert "about-ketamine.yaml: reading grade" in str(exc.value)
    assert "is above 8 (Flesch-Kincaid)" in str(exc.value)
