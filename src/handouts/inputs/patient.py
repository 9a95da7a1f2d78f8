"""Personal details the front desk types for one handout: checked, cleaned, never stored.

These values reach the page as escaped text inside `<bdi>` and nowhere else:
not the PDF title or metadata, not a file name the tool picks, not a log.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from ..domain import invalid, quote
from ..errors import UserError

MAX_FIELD = 80  # a name or provider longer than this cannot fit the box on one line
# Appointments outside these years are a typo (0226 for 2026), and year 1 cannot have
# an evening before it to stop eating on.
APPOINTMENT_YEARS = (2000, 2099)
NOT_UTF8 = "has bytes that are not UTF-8 text; type it again"
DETAILS_KEYS = ("patient-name", "appointment", "provider")  # `--details -`, as the options
MAX_DETAILS = 4096  # bytes read from standard input
# Bidi embeddings/overrides/isolates and invisible characters that could reorder or
# hide what the patient reads; joiners (U+200C/D) stay, some scripts need them.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Patient:
    name: str = ""
    appointment: dt.datetime | None = None
    provider: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.appointment or self.provider)


def clean_field(value: str | None, label: str) -> str:
    """A typed field as safe plain text, or UserError saying what is wrong."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(label, "expected text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(label, "not valid text") from None
    if "\ufffd" in value:  # what a decoder puts for bytes that are not UTF-8 text
        raise invalid(label, NOT_UTF8)
    value = unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in value):
        raise invalid(label, "contains control characters")
    if len(value) > MAX_FIELD:
        raise too_long(label, len(value))
    return " ".join(value.split())


def too_long(label: str, length: int) -> UserError:
    """The one message for a name or provider over MAX_FIELD, wherever it is caught."""
    return invalid(label, f"{length} characters; at most {MAX_FIELD} fit on the handout")


def parse_appointment(value: str | None,
                      label: str = "--appointment") -> dt.datetime | None:
    """An ISO date and time; `label` names the field in errors (the CLI option, a form field)."""
    if not value:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
        raise invalid(label, f"{str(value)[:40]!r} is not a date and time as "
                             "YYYY-MM-DDTHH:MM, e.g. 2026-12-01T09:30")
    try:
        when = dt.datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        raise invalid(label, f"{value!r} is not a real date and time") from None
    return within_years(when, label, value)


def within_years(when: dt.datetime, label: str, shown: str) -> dt.datetime:
    """`when` if its year is in APPOINTMENT_YEARS, however it was given (typed text, an
    Excel date cell); `shown` is how the message quotes it."""
    first, last = APPOINTMENT_YEARS
    if not first <= when.year <= last:
        raise invalid(label, f"{shown!r} is in the year {when.year}; give a date from "
                             f"{first} to {last}")
    return when


# An appointment outside this window is more likely a typo (a wrong year) than a visit.
APPOINTMENT_AHEAD = dt.timedelta(days=366)


def appointment_doubt(appointment: dt.datetime | None,
                      now: dt.datetime | None = None) -> str | None:
    """Why an appointment looks mistaken (in the past, or over a year ahead), or None.

    Said without the date itself, so the sentence can go to a terminal or a log."""
    if appointment is None:
        return None
    now = now or dt.datetime.now()
    if appointment.date() < now.date():
        return "the appointment is in the past"
    if appointment - now > APPOINTMENT_AHEAD:
        return "the appointment is more than a year ahead"
    return None


def make_patient(name: str | None = None, appointment: str | None = None,
                 provider: str | None = None) -> Patient:
    return Patient(name=clean_field(name, "--patient-name"),
                   appointment=parse_appointment(appointment),
                   provider=clean_field(provider, "--provider"))


def read_details(stream, name: str = "<stdin>") -> Patient:
    """Personal details from `stream` (standard input), one `key: value` a line
    (`patient-name`, `appointment`, `provider`); blank lines and `#` lines are skipped.

    Given this way, they never appear in the process list (`ps`, /proc/PID/cmdline),
    which every user of the computer can read."""
    raw = stream.read(MAX_DETAILS + 1)
    if len(raw) > MAX_DETAILS:
        raise invalid("--details", f"more than {MAX_DETAILS} bytes on standard input")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("--details", "standard input is not UTF-8 text") from None
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in DETAILS_KEYS:
            raise invalid("--details", f"{name}:{number}: expected 'key: value' with a key "
                          f"from {quote(DETAILS_KEYS)}")
        if key in found:
            raise invalid("--details", f"{name}:{number}: {key!r} is given twice")
        found[key] = value.strip()
    return make_patient(found.get("patient-name"), found.get("appointment") or None,
                        found.get("provider"))

