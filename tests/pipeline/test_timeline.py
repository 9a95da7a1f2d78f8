"""The treatment-day timeline: every step's time from the clinic's protocol (the esketamine
label's for that route), printed as clock times with an appointment and as blanks without."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DEMO, pdf_text
from handouts.commands.build import Options, plan
from handouts.inputs.patient import make_patient
from handouts.pipeline.make import make
from handouts.pipeline.timeline import treatment_day

APPOINTMENT = dt.datetime(2026, 12, 1, 7, 30)


def times(inputs, route):
    return {s.id: s.at for s in treatment_day(inputs.clinic, route, APPOINTMENT)}


def test_iv_steps_from_the_demo_protocol(demo_inputs):
    p = demo_inputs.clinic.protocol
    assert (p.fasting_heavy_meal_hours, p.fasting_solids_hours, p.fasting_clear_liquids_hours,
            p.arrive_minutes_early, p.infusion_minutes, p.observation_minutes,
            p.no_driving_hours) == (8, 6, 2, 15, 40, 60, 24)  # what the times below assume
    assert times(demo_inputs, "iv") == {
        "heavy-meal": dt.datetime(2026, 11, 30, 23, 30),
        "light-meal": dt.datetime(2026, 12, 1, 1, 30),
        "clear-liquids": dt.datetime(2026, 12, 1, 5, 30),
        "arrive": dt.datetime(2026, 12, 1, 7, 15),
        "treatment-iv": APPOINTMENT,
        "go-home": dt.datetime(2026, 12, 1, 9, 10),   # 40 min drip + 60 min rest
        "drive": dt.datetime(2026, 12, 2, 8, 10),     # 24 h after the drip ends
    }


def test_im_has_no_drip(demo_inputs):
    t = times(demo_inputs, "im")
    assert t["go-home"] == dt.datetime(2026, 12, 1, 8, 30)   # 60 min after the shot
    assert t["drive"] == dt.datetime(2026, 12, 2, 7, 30)


def test_esketamine_follows_its_label_whatever_the_clinic_set(demo_inputs):
    t = times(demo_inputs, "esketamine")
    assert t["food"] == dt.datetime(2026, 12, 1, 5, 30)                # 2 h
    assert t["liquids-esketamine"] == dt.datetime(2026, 12, 1, 7, 0)   # 30 min
    assert t["go-home"] == dt.datetime(2026, 12, 1, 9, 30)             # at least 120 min
    assert t["drive-esketamine"] is None  # the next day, after a restful night's sleep
    assert "heavy-meal" not in t


def test_without_an_appointment_the_steps_keep_their_offsets(demo_inputs):
    steps = treatment_day(demo_inputs.clinic, "iv")
    assert all(s.at is None for s in steps)
    assert [(s.id, s.minutes) for s in steps][:4] == [
        ("heavy-meal", -480), ("light-meal", -360), ("clear-liquids", -120), ("arrive", -15)]


@pytest.fixture(scope="module")
def printed(demo_inputs):
    """The English IV infusion-day handout, with and without an appointment."""
    out = {}
    for key, patient in (("with", make_patient("Test", "2026-12-01T07:30")),
                         ("without", make_patient())):
        (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("infusion-day",),
                                         langs=("en",), patient=patient,
                                         output="x.pdf" if patient else None))
        out[key] = pdf_text(make(demo_inputs, h).data)
    return out


def test_the_printed_timeline_has_real_clock_times(printed):
    text = printed["with"]
    for row in ("Mon, Nov 30, 11:30 PM Last meat, fried food or fatty food 8 hours before",
                "1:30 AM Last light meal, like toast 6 hours before your appointment",
                "5:30 AM Last clear liquids, like water 2 hours before your appointment",
                "7:15 AM Arrive at the clinic 15 minutes before your appointment",
                "7:30 AM Your treatment starts At your appointment time. The drip takes "
                "about 40 minutes.",
                "9:10 AM Earliest time to go home, with your driver At least 60 minutes after "
                "the drip ends",
                "Wed, Dec 2, 8:10 AM You may drive again 24 hours after your treatment ends"):
        assert row in text, row
    assert "Your times are worked out from your appointment" in text


def test_without_an_appointment_the_timeline_has_blanks_and_offsets(printed):
    text = printed["without"]
    assert "Ask us to write in your times" in text
    assert "Last light meal, like toast 6 hours before your appointment" in text
    assert "AM" not in text.split("step by step", 1)[1].split("Getting ready", 1)[0]
