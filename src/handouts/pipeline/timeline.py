"""The treatment day, step by step: when to stop eating and drinking, arrive, go home, drive.

With an appointment each step has its clock time; without one, each keeps its
offset so the handout can say "6 hours before" beside a blank to write the time in.
The numbers come from the clinic's protocol, and for esketamine from its label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..domain import ESKETAMINE_FOOD_HOURS, ESKETAMINE_LIQUIDS_MINUTES
from ..inputs.clinic import Clinic


@dataclass(frozen=True)
class Step:
    id: str            # names the step's words in the template: "light-meal", "arrive", ...
    icon: str          # domain.ICONS
    minutes: int | None  # from the appointment (negative: before); None: no clock time
    amount: int = 0    # the number the step's words count ("6" hours before)
    at: dt.datetime | None = None  # appointment + minutes, when there is an appointment


def treatment_day(clinic: Clinic, route: str,
                  appointment: dt.datetime | None = None) -> list[Step]:
    """The steps of the treatment day for `route`, in order."""
    p = clinic.protocol
    after = clinic.treatment_minutes(route) + clinic.observation_minutes(route)
    if route == "esketamine":  # the label's fixed rules, whatever the clinic set
        steps = [Step("food", "no-food", -60 * ESKETAMINE_FOOD_HOURS, ESKETAMINE_FOOD_HOURS),
                 Step("liquids-esketamine", "no-drinks", -ESKETAMINE_LIQUIDS_MINUTES,
                      ESKETAMINE_LIQUIDS_MINUTES)]
    else:
        steps = [Step("heavy-meal", "no-food", -60 * p.fasting_heavy_meal_hours,
                      p.fasting_heavy_meal_hours),
                 Step("light-meal", "no-food", -60 * p.fasting_solids_hours,
                      p.fasting_solids_hours),
                 Step("clear-liquids", "no-drinks", -60 * p.fasting_clear_liquids_hours,
                      p.fasting_clear_liquids_hours)]
    steps += [
        Step("arrive", "clock", -p.arrive_minutes_early, p.arrive_minutes_early),
        Step(f"treatment-{route}", "blood-pressure", 0, clinic.treatment_minutes(route)),
        # The hint counts the rest from the end of the treatment ("60 minutes after the
        # drip ends"): no sum for the patient to work out.
        Step("go-home", "driver", after, clinic.observation_minutes(route)),
    ]
    if route == "esketamine":
        steps.append(Step("drive-esketamine", "no-driving", None))
    else:  # the no-driving hours count from the end of the treatment
        drive = clinic.treatment_minutes(route) + 60 * p.no_driving_hours
        steps.append(Step("drive", "no-driving", drive, p.no_driving_hours))
    if appointment is None:
        return steps
    return [Step(s.id, s.icon, s.minutes, s.amount,
                 None if s.minutes is None else appointment + dt.timedelta(minutes=s.minutes))
            for s in steps]
