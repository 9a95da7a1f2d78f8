"""The front-desk page: pick a language and a stage, preview, download or print one handout.

`create_app(clinic_dir)` builds the Flask app; `serve()` runs it under waitress
(a production WSGI server) with a warm `RenderPool`, so a handout comes back in
a fraction of a second.

Safety, because the page handles patient details:

- it binds 127.0.0.1 unless told otherwise, and warns when told otherwise;
- only known Host names are served (no DNS rebinding); form posts carry a signed
  CSRF token and must come from this page (Origin / Sec-Fetch-Site);
- bodies over MAX_BODY get 413, every field has a length limit, bad values get 400
  with the same message the command line gives;
- patient details travel only in the POST body: they are never written to disk or
  logged (the access log shows method, path and status), and the download name is
  fixed (`aftercare-es.pdf`);
- every response is `Cache-Control: no-store` with a strict Content-Security-Policy;
- at most one render per worker process runs at once; the rest wait QUEUE_WAIT
  seconds, then get 503 with Retry-After.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import mimetypes
import os
import secrets
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, render_template, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException, SecurityError

from .build import PROJECT, Inputs, load_inputs
from .compose import Handout
from .content import STAGES
from .errors import UserError
from .languages import Language, language, parse_language
from .patient import MAX_FIELD, Patient, clean_field, parse_appointment
from .schema import check_choice
from .workers import PoolBusy, RenderPool, RenderStopped, WorkerError, handout_id

log = logging.getLogger(__name__)
access_log = logging.getLogger("handouts.web.access")

WEB_DIR = PROJECT.templates_dir / "web"
MAX_BODY = 8 * 1024  # the whole form is well under 1 KB
MAX_RESPONSE = 64 * 1024 * 1024  # in memory, never on disk; a bilingual CJK handout ~ 1 MB
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
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
# The operator's page is in English; the handout itself says these in the patient's language.
ROUTE_LABELS = {"iv": "IV infusion", "im": "Injection into a muscle (IM)",
                "esketamine": "Esketamine nasal spray"}
STAGE_LABELS = {"consultation": "Consultation", "infusion-day": "Treatment day",
                "aftercare": "Aftercare"}

_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")
# Chromium shows a PDF with its built-in viewer, which `object-src 'none'` would block.
_PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",  # the preview frame shows our own PDF and messages
    "Referrer-Policy": "same-origin",  # no-referrer would make Chromium send Origin: null
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


class FormError(Exception):
    """A form value the front desk can fix; shown to them with status 400."""


class _App(Flask):
    def log_exception(self, exc_info) -> None:
        # An exception's message may quote what was typed; log its type and frames only.
        exc_type, _, tb = exc_info
        self.logger.error("Exception on %s [%s]: %s\n%s", request.path, request.method,
                          exc_type.__name__, "".join(traceback.format_tb(tb)))


def create_app(clinic_dir: Path | str = Path("clinics/demo"),
               test_config: dict | None = None) -> Flask:
    """The front-desk app for one clinic. `test_config` may pass RENDER_POOL, a pool to use."""
    app = _App(__name__, template_folder=str(WEB_DIR), static_folder=str(WEB_DIR / "static"),
               static_url_path="/static")
    app.config.from_mapping(
        CLINIC_DIR=Path(clinic_dir),
        SECRET_KEY=secrets.token_bytes(32),  # per process: a restart expires open pages
        TRUSTED_HOSTS=list(LOOPBACK_NAMES),
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=30,
        WORKERS=None,           # render processes; None: one per CPU
        RENDER_TIMEOUT=30.0,    # seconds one render may take before it is stopped
        QUEUE_WAIT=5.0,         # seconds a request waits for a free worker, then 503
        RETRY_AFTER=5,          # seconds, sent with the 503
        CSRF_MAX_AGE=24 * 3600,  # a page left open all day still works
        RENDER_POOL=None,
    )
    if test_config:
        app.config.update(test_config)
    app.select_jinja_autoescape = lambda filename: True  # every template, whatever its name
    app.jinja_env.undefined = StrictUndefined

    inputs = load_inputs(app.config["CLINIC_DIR"])
    pool = app.config["RENDER_POOL"] or RenderPool(
        app.config["CLINIC_DIR"], app.config["WORKERS"], app.config["RENDER_TIMEOUT"])
    app.extensions["handouts"] = {"inputs": inputs, "pool": pool}
    csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="handouts-csrf")
    languages = [language(t) for t in inputs.clinic.languages]

    @app.before_request
    def same_origin_only():
        if request.method != "POST":
            return None
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        if site not in (None, "same-origin", "none") or (
                origin is not None and not _same_host(origin, request.host)):
            abort(403, "This form only works from the handouts page itself.")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(_HEADERS)  # over send_file's "no-cache" for static files
        pdf = response.mimetype == "application/pdf"
        response.headers["Content-Security-Policy"] = _PDF_CSP if pdf else _CSP
        # Method, path and status only: no query string, no body, no client address.
        access_log.info("%s %s %d", request.method, request.path, response.status_code)
        return response

    @app.errorhandler(HTTPException)
    def problem_page(exc: HTTPException):
        message = {
            400: "The request was not understood. Reload the page and try again.",
            404: "There is no such page here.",
            405: "That does not work here. Use the buttons on the handouts page.",
            413: f"The form was too large (more than {MAX_BODY // 1024} KB). Reload the page "
                 "and try again.",
        }.get(exc.code, exc.description)
        if isinstance(exc, SecurityError):  # a Host name not in TRUSTED_HOSTS
            message = ("This address is not allowed. Open the page as "
                       "http://127.0.0.1:PORT/ (or the address the server printed).")
        elif exc.code == 403 and exc.description:
            message = exc.description
        return _problem(message, exc.code or 500)

    @app.get("/")
    def page():
        chosen = _preselect(request.args, inputs, languages)
        return render_template(
            "page.html", clinic=inputs.clinic, languages=languages, stages=_stages(inputs),
            routes=[(r, ROUTE_LABELS[r]) for r in inputs.clinic.routes], chosen=chosen,
            csrf_token=csrf.dumps(secrets.token_urlsafe(16)), max_field=MAX_FIELD)

    @app.get("/logo")
    def logo():
        path = inputs.clinic.logo
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), mimetype=mime)

    @app.post("/handout")
    def handout():
        form = request.form  # reading it enforces MAX_CONTENT_LENGTH (413)
        try:
            _check_limits(form)
            _check_token(csrf, form.get("csrf_token", ""), app.config["CSRF_MAX_AGE"])
            h, action = read_form(form, inputs)
        except FormError as exc:
            return _problem(str(exc), 400)
        try:
            pdf = pool.render(h, wait=app.config["QUEUE_WAIT"],
                              timeout=app.config["RENDER_TIMEOUT"])
        except PoolBusy:
            log.warning("render of %s: every worker stayed busy for %g s; 503",
                        handout_id(h), app.config["QUEUE_WAIT"])
            response = _problem("The server is busy making other handouts. Try again in a "
                                "few seconds.", 503)
            response.headers["Retry-After"] = str(app.config["RETRY_AFTER"])
            return response
        except RenderStopped as exc:
            return _problem(f"{_messages(exc)}. Try again; if it happens again, tell the "
                            "clinic's administrator.", 500)
        except WorkerError as exc:
            log.error("%s", exc)  # type and frames only, see workers.WorkerError
            return _problem(f"The handout {handout_id(h)} could not be made (a bug). "
                            "Tell the clinic's administrator.", 500)
        except UserError as exc:
            log.error("render of %s failed: %s", handout_id(h), exc)
            return _problem(f"The handout {handout_id(h)} could not be made: "
                            f"{_messages(exc)}. Tell the clinic's administrator.", 500)
        # Fixed: never patient details. `aftercare-es.pdf`, `aftercare-es+en.pdf` bilingual.
        langs = f"{h.language.tag}+{h.second.tag}" if h.second else h.language.tag
        name = f"{h.stage}-{langs}.pdf"
        disposition = "attachment" if action == "download" else "inline"
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'{disposition}; filename="{name}"'})

    return app


def read_form(form, inputs: Inputs) -> tuple[Handout, str]:
    """The Handout a posted form asks for, and the action; FormError says what is wrong."""
    clinic = inputs.clinic
    try:
        lang = parse_language(form.get("lang", "") or clinic.languages[0],
                              list(clinic.languages), "'Language'")
        second = parse_language(form["second"], list(clinic.languages), "'Second language'") \
            if form.get("second") else None
        name = clean_field(form.get("name"), "'Patient name'")
        provider = clean_field(form.get("provider"), "'Provider'")
        stage = check_choice(form.get("stage") or STAGES[0], STAGES, "'Handout'")
        route = check_choice(form.get("route") or clinic.routes[0], clinic.routes, "'Route'",
                             "the routes this clinic offers")
        action = check_choice(form.get("action") or "preview", ACTIONS, "'Action'")
    except UserError as exc:
        raise FormError(_messages(exc)) from None
    date, time = form.get("date", "").strip(), form.get("time", "").strip()
    if bool(date) != bool(time):
        raise FormError("Give both the appointment date and the time, or neither.")
    try:
        appointment = parse_appointment(f"{date}T{time}" if date else None, "'Appointment'")
    except UserError as exc:
        raise FormError(_messages(exc)) from None
    patient = Patient(name=name, appointment=appointment, provider=provider)
    large = form.get("large_print", "") not in ("", "0", "off")
    return Handout(stage, route, lang, patient, large, second if second != lang else None), \
        action


def _check_limits(form) -> None:
    for key, limit in FIELD_LIMITS.items():
        values = form.getlist(key)
        if len(values) > 1:
            raise FormError(f"{LABELS[key]} was sent {len(values)} times; send it once.")
        if values and len(values[0]) > limit:
            raise FormError(f"Invalid value for {LABELS[key]!r}: {len(values[0])} characters; "
                            f"at most {limit}")


def _check_token(csrf: URLSafeTimedSerializer, token: str, max_age: int) -> None:
    if not token:
        raise FormError("The form has no security token. Reload the page and try again.")
    try:
        csrf.loads(token, max_age=max_age)
    except SignatureExpired:
        raise FormError("This page has been open too long. Reload it and try again.") from None
    except BadSignature:
        raise FormError("The form's security token is not valid (the server may have been "
                        "restarted). Reload the page and try again.") from None


def _same_host(origin: str, host: str) -> bool:
    return urlsplit(origin).netloc.lower() == host.lower()


def _messages(exc: UserError) -> str:
    return "; ".join(p.message for p in exc.problems)


def _problem(message: str, status: int) -> Response:
    """A short page with one message: shown in the preview frame, copied to the form."""
    heading = "The handout was not made" if request.path == "/handout" else "Patient handouts"
    html = render_template("problem.html", message=message, status=status, heading=heading)
    return Response(html, status=status, mimetype="text/html")


def _stages(inputs: Inputs) -> list[tuple[str, str, str]]:
    """(id, short label, the handout's English title) for each stage."""
    return [(s, STAGE_LABELS.get(s, s), inputs.content.stages[s].title.text) for s in STAGES]


def _preselect(args, inputs: Inputs, languages: list[Language]) -> dict[str, str]:
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


# --- running it -------------------------------------------------------------------------

def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def trusted_hosts(host: str) -> list[str]:
    """The Host names the page answers to when bound to `host`.

    Bound to every address (0.0.0.0), that is this computer's name and its addresses:
    what another computer on the network would type.
    """
    names = list(LOOPBACK_NAMES)
    if is_loopback(host):
        return names
    try:
        wildcard = ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        wildcard = False
    if not wildcard:
        return names + [host]
    extra = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):
        extra.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None))
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # a UDP "connect" sends nothing; it picks the LAN address
        extra.add(s.getsockname()[0])
    extra = {f"[{a}]" if ":" in a else a for a in extra if a}
    return names + sorted(extra - set(names))


def exposure_warning(host: str) -> str | None:
    """What to tell the operator when the page is reachable from other computers."""
    if is_loopback(host):
        return None
    return (f"warning: serving on {host}, not 127.0.0.1: other computers on the network can "
            "reach this page and the patient details typed into it. Use this only on a "
            "network you trust.")


def serve(clinic_dir: Path, host: str = "127.0.0.1", port: int = 8000,
          say: Callable[[str], None] | None = None) -> int:
    """Run the page under waitress until Ctrl+C (or SIGTERM); return the exit status."""
    from waitress import create_server

    say = say or (lambda message: print(message, flush=True))
    hosts = trusted_hosts(host)
    if warning := exposure_warning(host):
        print(f"{warning} Answering to: {', '.join(hosts)}", file=sys.stderr, flush=True)
    workers = os.cpu_count() or 1
    # Bind first, so a port in use fails at once rather than after the workers warmed up.
    apps: list[Flask] = []
    try:
        # Enough threads that requests past the pool's size queue in it (and get 503 in
        # time) rather than in waitress, where they would wait without a limit. waitress
        # drops bodies past 4 x MAX_BODY unread; below that Flask answers 413 readably.
        # waitress spills a body or a response past its *_overflow size to a temporary
        # file; a handout carries patient details, so it must stay in memory.
        server = create_server(lambda environ, start: apps[0](environ, start),
                               host=host, port=port, threads=2 * workers + 2,
                               max_request_body_size=4 * MAX_BODY, ident="handouts",
                               inbuf_overflow=8 * MAX_BODY, outbuf_overflow=MAX_RESPONSE,
                               clear_untrusted_proxy_headers=True)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; is another "
                        "'handouts serve' running? Choose another --port") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        say(f"Starting {workers} render worker(s) for {clinic_dir} ...")
        apps.append(create_app(clinic_dir, {"TRUSTED_HOSTS": hosts,
                                            "WORKERS": workers}))
    except BaseException:
        server.close()
        raise
    app = apps[0]
    pool: RenderPool = app.extensions["handouts"]["pool"]
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    shown = f"[{host}]" if ":" in host else host
    say(f"Serving handouts for {app.extensions['handouts']['inputs'].clinic.name} at "
        f"http://{shown}:{server.effective_port}/  (Ctrl+C to stop)")
    try:
        server.run()  # returns on Ctrl+C or SIGTERM: waitress catches both
    except KeyboardInterrupt:
        pass
    finally:
        say("Stopping.")
        server.close()
        pool.close()
    return 0
