"""The front-desk form: its fields, their limits, the CSRF token, and the visit it asks for
(one patient's handouts: one stage, or several for a packet)."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...domain import DESK_STAGES, STAGE_NAMES, STAGES, check_choice, invalid
from ...errors import UserError
from ...inputs.daylist import Visit
from ...inputs.languages import Language, parse_language
from ...inputs.patient import (
    MAX_FIELD,
    NOT_UTF8,
    Patient,
    appointment_doubt,
    clean_field,
    parse_appointment,
    too_long,
)
from ...pipeline.make import Inputs

ACTIONS = ("preview", "download", "print")

# Per-field limits on what is read at all (characters); name and provider are then held
# to MAX_FIELD by clean_field, with its message, after invisible characters are dropped.
FIELD_LIMITS = {
    "csrf_token": 200, "lang": 35, "second": 35, "stage": 40, "route": 40, "action": 10,
    "name": 2 * MAX_FIELD, "provider": 2 * MAX_FIELD, "date": 10, "time": 8, "large_print": 3,
    "confirm_date": 3,
}
REPEATABLE = {"stage": len(STAGES)}  # tick several stages: one packet
LABELS = {
    "csrf_token": "Security token", "lang": "Language", "second": "Second language",
    "stage": "Handout", "route": "Route",
    "action": "Action", "name": "Patient name", "provider": "Provider",
    "date": "Appointment date", "time": "Appointment time", "large_print": "Large print",
    "confirm_date": "Confirm the date",
}


class FormError(Exception):
    """A form value the front desk can fix; shown to them with status 400.

    `reason` lets the page act on it: "token" (it fetches a new token and sends the form
    again), "date" (it asks the front desk to confirm the appointment date)."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


def read_form(form, inputs: Inputs) -> tuple[Visit, str]:
    """The visit a posted form asks for, and the action; FormError says what is wrong."""
    clinic = inputs.clinic
    offered = list(clinic.languages)
    try:
        lang = parse_language(form.get("lang", "") or clinic.languages[0], offered,
                              LABELS["lang"])
        second = parse_language(form["second"], offered, LABELS["second"]) \
            if form.get("second") else None
        name = clean_field(form.get("name"), LABELS["name"])
        provider = clean_field(form.get("provider"), LABELS["provider"])
        stages = tuple(dict.fromkeys(check_choice(s, STAGES, LABELS["stage"])
                                     for s in form.getlist("stage") if s))
        route = check_choice(form.get("route") or clinic.routes[0], clinic.routes,
                             LABELS["route"], "the routes this clinic offers")
        action = check_choice(form.get("action") or "preview", ACTIONS, LABELS["action"])
    except UserError as exc:
        raise FormError(messages(exc)) from None
    if not stages:
        raise FormError("Tick at least one handout: "
                        f"{', '.join(STAGE_NAMES[s] for s in STAGES)}.")
    date, time = form.get("date", "").strip(), form.get("time", "").strip()
    if bool(date) != bool(time):
        raise FormError("Give both the appointment date and the time, or neither.")
    try:
        appointment = parse_appointment(f"{date}T{time}" if date else None, "Appointment")
    except UserError as exc:
        raise FormError(messages(exc)) from None
    if (doubt := appointment_doubt(appointment)) and form.get("confirm_date") != "yes":
        raise FormError(f"Check the date: {doubt} ({date}).", reason="date")
    patient = Patient(name=name, appointment=appointment, provider=provider)
    large = form.get("large_print", "") not in ("", "0", "off")
    return Visit(0, lang, stages, route, patient, large, second if second != lang else None), \
        action


def check_text(body: bytes) -> None:
    """Each field of a url-encoded body must be UTF-8 text. (Werkzeug keeps bytes that
    are not as `%FF` escapes, which the handout would print as they are.)"""
    for part in body.split(b"&"):
        key, _, value = part.partition(b"=")
        name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8", "replace")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise FormError(messages(invalid(LABELS.get(name, "A field"), NOT_UTF8))) \
                from None


def check_limits(form) -> None:
    for key, limit in FIELD_LIMITS.items():
        values = form.getlist(key)
        if len(values) > REPEATABLE.get(key, 1):
            raise FormError(f"{LABELS[key]} was sent {len(values)} times; send it once.")
        for value in values:
            if len(value) > limit and key in ("name", "provider"):  # the one limit's words
                raise FormError(messages(too_long(LABELS[key], len(value))))
            if len(value) > limit:
                raise FormError(messages(invalid(LABELS[key], f"{len(value)} characters; "
                                                              f"at most {limit}")))


def check_token(csrf: URLSafeTimedSerializer, token: str, max_age: int) -> None:
    if not token:
        raise FormError("The form has no security token. Reload the page and try again.",
                        reason="token")
    try:
        csrf.loads(token, max_age=max_age)
    except SignatureExpired:
        raise FormError("This page has been open too long. Reload it and try again.",
                        reason="token") from None
    except BadSignature:
        raise FormError("The form's security token is not valid (the server may have been "
                        "restarted). Reload the page and try again.", reason="token") from None


def messages(exc: UserError) -> str:
    return "; ".join(p.message for p in exc.problems)


def preselect(args, inputs: Inputs, languages: list[Language]) -> dict:
    """Defaults, or what the address asks for (`/?lang=es&stage=aftercare` as a bookmark)."""
    chosen = {"lang": languages[0].tag, "stages": DESK_STAGES, "route": inputs.clinic.routes[0]}
    tags = [lang.tag for lang in languages]
    try:
        chosen["lang"] = parse_language(args.get("lang", chosen["lang"])[:35], tags).tag
    except UserError:
        pass
    asked = tuple(s for s in STAGES if s in args.getlist("stage"))
    if asked:
        chosen["stages"] = asked
    if args.get("route") in inputs.clinic.routes:
        chosen["route"] = args["route"]
    return chosen
