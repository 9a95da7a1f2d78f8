"""Dates and times are real words in every shipped language, worded the language's way."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import DEMO, pdf_text, squash
from handouts.commands.build import Options, plan
from handouts.inputs.languages import language
from handouts.inputs.patient import make_patient
from handouts.pipeline.make import make
from handouts.pipeline.templating import environment
from handouts.project import PROJECT

APPOINTMENT = dt.datetime(2026, 12, 1, 5, 30)       # a Tuesday, early
EVENING_BEFORE = dt.datetime(2026, 11, 30, 23, 30)  # stop eating: Monday evening
SAME_DAY = dt.datetime(2026, 12, 1, 3, 30)


def clock(tag: str, value: dt.datetime) -> str:
    env = environment((PROJECT.templates_dir,))
    return env.from_string("{{ v|clock(r) }}").render(v=value, r=APPOINTMENT,
                                                       locale=language(tag).locale)


@pytest.mark.parametrize("tag, other_day, same_day", [
    ("ar", "يوم الاثنين 30 نوفمبر، الساعة 11:30 م", "الساعة 3:30 ص"),
    ("zh-Hans", "11月30日（周一）23:30", "03:30"),
    ("pt-BR", "em seg., 30 de nov., às 23:30", "às 03:30"),
    ("ht", "lendi 30 novanm 23:30", "03:30"),
    ("en", "Mon, Nov 30, 11:30\u202fPM", "3:30\u202fAM"),  # CLDR's narrow space
])
def test_a_time_is_worded_as_the_language_does(tag, other_day, same_day):
    assert clock(tag, EVENING_BEFORE) == other_day
    assert clock(tag, SAME_DAY) == same_day


ENGLISH_DAYS = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(day|sday|nesday|rsday|urday)?\b")
ENGLISH_MONTHS = re.compile(r"\b(November|December|Nov|Dec)\b")


@pytest.fixture(scope="module")
def personalised(demo_inputs):
    """A personalised infusion-day handout (appointment at 07:30, so eating stops the
    evening before) in every language the demo clinic ships: {tag: PDF text}."""
    patient = make_patient("Ana", "2026-12-03T05:30", None)  # a Thursday
    out = {}
    for tag in demo_inputs.clinic.languages:
        (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("infusion-day",),
                                         langs=(tag,), output="x.pdf", patient=patient))
        out[tag] = pdf_text(make(demo_inputs, h).data)
    return out


@pytest.mark.parametrize("tag", ("en", "es", "zh-Hans", "vi", "ko", "tl", "ru",
                                 "ar", "ht", "fr", "pt-BR"))
def test_every_language_prints_its_own_month_and_day_names(personalised, tag):
    text = personalised[tag]
    locale = language(tag).locale
    assert not re.search(r"\bM\d{1,2}\b", text), "a CLDR root month number (M12)"
    days = locale.days["format"]
    assert squash(days["wide"][3]) in text  # the appointment, a Thursday
    # Stop eating: the evening before, a Wednesday (abbreviated where CLDR's MMMEd is)
    assert squash(days["wide"][2]) in text or squash(days["abbreviated"][2]) in text
    if "MMMM" in locale.date_formats["full"].pattern:  # the language writes the month's name
        assert locale.months["format"]["wide"][12] in text
    if tag != "en":
        assert not ENGLISH_DAYS.search(text), ENGLISH_DAYS.search(text)
        assert not ENGLISH_MONTHS.search(text), ENGLISH_MONTHS.search(text)


def test_haitian_creole_names_come_from_our_supplement(personalised):
    text = personalised["ht"]
    assert "jedi 3 desanm 2026" in text  # the appointment
    assert "mèkredi 2 desanm 23:30" in text  # stop eating, the evening before


@pytest.mark.parametrize("tag, time", [
    ("pt-BR", "em qua., 2 de dez., às 23:30"),   # the last light meal, the evening before
    ("pt-BR", "às 05:15"),                       # arrive
    ("zh-Hans", "12月2日（周三）23:30"),
    ("zh-Hans", "05:15"),
])
def test_the_timeline_times_read_right(personalised, tag, time):
    # The narrow time column may wrap a date from its time (Chinese has no space to keep).
    pattern = r"\s*".join(re.escape(part) for part in re.split(r"(?<=）)", time))
    assert re.search(pattern, personalised[tag]), time


def test_arabic_timeline_times(demo_inputs):
    html = make(demo_inputs, plan(demo_inputs, Options(
        clinic_dir=DEMO, stages=("infusion-day",), langs=("ar",), output="x.pdf",
        patient=make_patient("Ana", "2026-12-03T05:30", None)))[0], fmt="html").data.decode()
    assert "يوم الأربعاء 2 ديسمبر، الساعة 11:30 م" in html  # the last light meal
    assert "الساعة 5:15 ص" in html                          # arrive
