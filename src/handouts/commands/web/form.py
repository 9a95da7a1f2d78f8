"""The front-desk form: its fields, their limits, the CSRF token, and the Handout it asks for."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...domain import STAGES, check_choice, invalid
from ...errors import UserError
from ...inputs.languages import Language, parse_language
from ...inputs.patient import MAX_FIELD, NOT_UTF8, Patient, clean_field, parse_appointment
from ...pipeline.handout import Handout
from ...pipeline.make import Inputs

ACTIONS = ("preview", "download", "print")

# Per-field limits on what is read at all (characters); name and provider are then held
# to MAX_FIELD by clean_field, with its message, after invisible characters are dropped.
FIELD_LIMITS = {
    "csrf_token": 200, "lang": 35, "second": 35, "stage": 40, "route": 40, "action": 10,
    "name": 2 * MAX_FIELD, "provider": 2 * MAX_FIELD, "date": 10, "time": 8, "large_print": 3,
}
LABELS = {
    "csrf_token": "Security token", "lang": "Language", "second": "Second language",
    "stage": "Handout", "route": "Route",
    "action": "Action", "name": "Patient name", "provider": "Provider",
    "date": "Appointment date", "time": "Appointment time", "large_print": "Large print",
}


class FormError(Exception):
    """A form value the front desk can fix; shown to them with status 400."""


def read_form(form, inputs: Inputs) -> tuple[Handout, str]:
    """The Handout a posted form asks for, and the action; FormError says what is wrong."""
    clinic = inputs.clinic
    offered = list(clinic.languages)
    try:
        lang = parse_language(form.get("lang", "") or clinic.languages[0], offered,
                              LABELS["lang"])
        second = parse_language(form["second"], offered, LABELS["second"]) \
            if form.get("second") else None
        name = clean_field(form.get("name"), LABELS["name"])
        provider = clean_field(form.get("provider"), LABELS["provider"])
        stage = check_choice(form.get("stage") or STAGES[0], STAGES, LABELS["stage"])
        route = check_choice(form.get("route") or clinic.routes[0], clinic.routes,
                             LABELS["route"], "the routes this clinic offers")
        action = check_choice(form.get("action") or "preview", ACTIONS, LABELS["action"])
    except UserError as exc:
        raise FormError(messages(exc)) from None
    date, time = form.get("date", "").strip(), form.get("time", "").strip()
    if bool(date) != bool(time):
        raise FormError("Give both the appointment date and the time, or neither.")
    try:
        appointment = parse_appointment(f"{date}T{time}" if date else None, "Appointment")
    except UserError as exc:
        raise FormError(messages(exc)) from None
    patient = Patient(name=name, appointment=appointment, provider=provider)
    large = form.get("large_print", "") not in ("", "0", "off")
    return Handout(stage, route, lang, patient, large, second if second != lang else None), \
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
        if len(values) > 1:
            raise FormError(f"{LABELS[key]} was sent {len(values)} times; send it once.")
        if values and len(values[0]) > limit:
            raise FormError(messages(invalid(LABELS[key], f"{len(values[0])} characters; "
                                                          f"at most {limit}")))


def check_token(csrf: URLSafeTimedSerializer, token: str, max_age: int) -> None:
    if not token:
        raise FormError("The form has no security token. Reload the page and try again.")
    try:
        csrf.loads(token, max_age=max_age)
    except SignatureExpired:
        raise FormError("This page has been open too long. Reload it and try again.") from None
    except BadSignature:
        raise FormError("The form's security token is not valid (the server may have been "
                        "restarted). Reload the page and try again.") from None


def messages(exc: UserError) -> str:
    return "; ".join(p.message for p in exc.problems)


def preselect(args, inputs: Inputs, languages: list[Language]) -> dict[str, str]:
    """Defaults, or what the address asks for (`/?lang=es&stage=aftercare` as a bookmark)."""
    chosen = {"lang": languages[0].tag, "stage": STAGES[0], "route": inputs.clinic.routes[0]}
    tags = [lang.tag for lang in languages]
    try:
        chosen["lang"] = parse_language(args.get("lang", chosen["lang"])[:35], tags).tag
    except UserError:
        pass
    if args.get("stage") in STAGES:
        chosen["stage"] = args["stage"]
    if args.get("route") in inputs.clinic.routes:
        chosen["route"] = args["route"]
    return chosen
