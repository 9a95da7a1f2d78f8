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
                 "Confusion that does not go away",
                 "Swelling of your face, lips, tongue, or throat, or hives all over your body",
                 "This can be an allergic reaction"):
        assert has(t, sign), f"aftercare ({route}) lacks the warning sign {sign!r}"
    # Trouble seeing alone is an expected effect, not an emergency: only with a headache.
    assert has(t, "A sudden, very bad headache, with or without trouble seeing")
    assert not has(t, "Sudden trouble seeing")
    assert has(t, "See things blurred or double")


@pytest.mark.parametrize("route", ROUTES)
def test_aftercare_says_when_to_call_the_clinic(handouts, clinic, route):
    t = text(handouts, "aftercare", route)
    assert has(t, "Throwing up that does not stop")
    assert has(t, f"Call {clinic.contact.phone}. After hours, call "
                  f"{clinic.contact.after_hours_phone}.")
    site = {"iv": "Redness, swelling, warmth, or pain where the IV went in",
            "im": "Redness, swelling, warmth, or pain where the shot went in"}
    for r, phrase in site.items():
        assert has(t, phrase) == (r == route), f"aftercare ({route}): {phrase!r}"


@pytest.mark.parametrize("route", ROUTES)
def test_aftercare_has_a_section_for_the_person_staying_with_the_patient(handouts, clinic,
                                                                        route):
    t = text(handouts, "aftercare", route)
    c = clinic.contact
    assert has(t, "For the person staying with you")
    assert has(t, "Please stay with the patient for the rest of the day and tonight")
    assert has(t, f"Call {c.emergency_number} if they are very hard to wake up, breathe very "
                  "slowly")
    assert has(t, f"Call or text {c.crisis_line} if they talk about hurting")
    assert has(t, f"Call us at {c.after_hours_phone} if they are confused")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("route", ROUTES)
def test_every_handout_opens_with_the_most_important_and_carries_every_number(
        handouts, clinic, stage, route):
    t = text(handouts, stage, route)
    c = clinic.contact
    assert t.index("Most important") < t.index("Page 1 of")  # on page 1, before its footer
    assert has(t, "Numbers to keep")
    for label, number in (("Emergency", c.emergency_number),
                          ("Suicide and crisis line", c.crisis_line),
                          ("Clinic, after hours", c.after_hours_phone)):
        assert has(t, f"{label} {number}"), f"{stage} ({route}) lacks {label} {number}"


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
    # Alcohol and big decisions wait as long as driving: "today" ends at midnight.
    assert has(aftercare, f"Do not drink alcohol for {hours} hours")
    assert has(aftercare, f"Do not make big decisions or sign important papers for {hours} hours")
    assert not has(aftercare, "alcohol today") and not has(aftercare, "papers today")
    assert has(text(handouts, "infusion-day", route), f"You must not drive for {hours} hours")


def test_esketamine_no_driving_until_the_next_day_after_restful_sleep(handouts, clinic):
    rule = "until the next day, after a restful night of sleep"
    for stage in ("infusion-day", "aftercare"):
        t = text(handouts, stage, "esketamine")
        assert has(t, rule), f"{stage} (esketamine) lacks the REMS driving rule"
        # the ketamine rule in hours must not appear instead of the REMS rule
        assert not has(t, f"drive or use machines for {clinic.protocol.no_driving_hours} hours")


def test_esketamine_observation_in_one_unit(handouts, clinic):
    consultation = text(handouts, "consultation", "esketamine")
    day = text(handouts, "infusion-day", "esketamine")
    assert has(consultation, "stay at least 2 hours after each dose")
    minutes = clinic.observation_minutes("esketamine")
    assert minutes >= 120
    assert has(day, f"You stay with us for at least {minutes} minutes")
    # one fact, one unit: the infusion-day sheet does not also say "2 hours" for it
    assert not has(day, "at least 2 hours after")
    assert has(day, "These FDA rules set the least time everyone stays after a dose")


def test_esketamine_day_has_the_label_rules(handouts):
    day = text(handouts, "infusion-day", "esketamine")
    assert has(day, "Do not eat for at least 2 hours before your dose")
    assert has(day, "for at least 30 minutes before your dose")
    assert has(day, "use it at least 1 hour before your dose")  # nasal steroid/decongestant
    assert has(day, "About 40 minutes after your dose, we check your blood pressure again")
    # oxygen is watched throughout (REMS: pulse oximetry), not checked once
    assert has(day, "We watch your breathing and check your oxygen level the whole time")
    assert not has(day, "drips"), "the IV timeline must not show for esketamine"


def test_esketamine_breastfeeding_and_young_adult_warnings(handouts):
    consultation = text(handouts, "consultation", "esketamine")
    assert has(consultation, "Do not breastfeed while you use esketamine")
    for t in (consultation, text(handouts, "aftercare", "esketamine")):
        assert has(t, "suicidal thoughts") and has(t, "24 and younger")
    for route in ("iv", "im"):  # the boxed warning is esketamine's label, not ketamine's
        assert not has(text(handouts, "consultation", route), "24 and younger")


def test_iv_day_has_the_clinic_fasting_times_and_timeline(handouts, clinic):
    day = text(handouts, "infusion-day", "iv")
    p = clinic.protocol
    assert has(day, f"Eat it at least {p.fasting_solids_hours} hours before your appointment")
    assert has(day, "Your last meal must be light, like toast")
    assert has(day, f"Do not eat meat or fried or fatty food for {p.fasting_heavy_meal_hours} "
                    "hours")
    assert has(day, f"clear liquids until {p.fasting_clear_liquids_hours} hours before your "
                    "appointment")
    assert has(day, f"Arrive {p.arrive_minutes_early} minutes early")
    assert has(day, f"This takes about {p.infusion_minutes} minutes")
    assert has(day, "blood pressure, heart rate, and oxygen")
    assert has(day, f"You rest with us for at least {clinic.observation_minutes('iv')} minutes")
    # eating too late has a consequence, and what to do about it is said up front
    assert has(day, "we may have to move your treatment to another day")
    assert has(day, "Ate too late, no ride home, or feeling sick? Call us before you come")
    hours = -(-clinic.visit_minutes("iv") // 60)
    assert has(day, f"Plan to be with us for up to {hours} hours")
    assert has(day, "Your treatment day, step by step")
    for esketamine_only in ("spray", "REMS", "2 hours before your dose"):
        assert not has(day, esketamine_only), f"IV day shows esketamine text {esketamine_only!r}"


def test_im_day_describes_a_shot_not_an_infusion(handouts, clinic):
    day = text(handouts, "infusion-day", "im")
    assert has(day, "shot into a muscle")
    assert has(day, f"at least {clinic.protocol.fasting_solids_hours} hours before your "
                    "appointment")
    assert not has(day, "drips") and not has(day, "REMS")


@pytest.mark.parametrize("route", ROUTES)
def test_consultation_covers_routes_and_the_fda_warning(handouts, route):
    t = text(handouts, "consultation", route)
    for phrase in ("IV infusion", "Shot into a muscle", "Esketamine nasal spray",
                   "October 2023", "treatment-resistant depression",
                   "two forms that are mirror images of each other",
                   "You may not be able to have this treatment if you",
                   "The medicine raises your blood pressure for a short time"):
        assert has(t, phrase), f"consultation ({route}) lacks {phrase!r}"
    assert not has(t, "close cousin")
    # lamotrigine's study was of ketamine: not on the esketamine sheet
    assert has(t, "Lamotrigine") == (route != "esketamine")


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
