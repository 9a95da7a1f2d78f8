"""The front-desk page: pick a language and a stage, preview, download or print one handout.

`create_app(clinic_dir)` builds the Flask app around a warm `RenderPool`, so a
handout comes back in a fraction of a second; `server.serve()` runs it.

Safety, because the page handles patient details:

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

import io
import logging
import mimetypes
import secrets
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from itsdangerous import URLSafeTimedSerializer
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException

from ...domain import (
    DEFAULT_CLINIC,
    DESK_STAGES,
    RENDER_TIMEOUT,
    ROUTE_NAMES,
    STAGE_NAMES,
    STAGES,
)
from ...errors import UserError
from ...inputs.languages import language
from ...inputs.patient import MAX_FIELD
from ...pipeline.fonts import ensure as ensure_fonts
from ...pipeline.handout import Handout, handout_id
from ...pipeline.make import Inputs, load_inputs
from ...pipeline.packet import handouts_of, make_day, packet_pdf
from ...pipeline.pool import PoolBusy, RenderPool, RenderStopped, WorkerError
from ...project import PROJECT
from .form import (
    FormError,
    check_limits,
    check_text,
    check_token,
    messages,
    preselect,
    read_form,
)

log = logging.getLogger("handouts.web")
access_log = logging.getLogger("handouts.web.access")

WEB_DIR = PROJECT.templates_dir / "web"
MAX_BODY = 8 * 1024  # the whole form is well under 1 KB
MAX_LIST_BYTES = 1024 * 1024   # a day list file; 300 rows of a scheduler's export is ~60 KB
MAX_LIST_BODY = MAX_LIST_BYTES + 16 * 1024  # the file, its multipart framing and the token
MAX_LIST_ROWS = 300
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


# page.js fetches the forms' answers (connect-src) and shows a PDF from memory in the
# preview frame (a blob: address, which inherits this policy: object-src for the viewer).
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; frame-src 'self' blob:; object-src blob:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'self'")
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

pages = Blueprint("handouts", __name__)


class _Request(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        # Werkzeug spools an upload over 500 KB to a temporary file; a day list holds
        # patients' names, so it stays in memory (it is at most MAX_LIST_BYTES).
        return io.BytesIO()


class _App(Flask):
    request_class = _Request

    def log_exception(self, exc_info) -> None:
        # An exception's message may quote what was typed; log its type and frames only.
        exc_type, _, tb = exc_info
        self.logger.error("Exception on %s [%s]: %s\n%s", request.path, request.method,
                          exc_type.__name__, "".join(traceback.format_tb(tb)))


def create_app(clinic_dir: Path | str = DEFAULT_CLINIC,
               test_config: dict | None = None) -> Flask:
    """The front-desk app for one clinic. `test_config` may pass RENDER_POOL, a pool to use."""
    app = _App(__name__, template_folder=str(WEB_DIR), static_folder=str(WEB_DIR / "static"),
               static_url_path="/static")
    app.config.from_mapping(
        CLINIC_DIR=Path(clinic_dir),
        SECRET_KEY=secrets.token_bytes(32),  # per process: a restart expires open pages
        # Checked by `known_host_only`: Werkzeug's TRUSTED_HOSTS cannot match "[::1]".
        ALLOWED_HOSTS=list(LOOPBACK_NAMES),
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=30,
        WORKERS=None,           # render processes; None: one per CPU
        RENDER_TIMEOUT=RENDER_TIMEOUT,  # seconds one render may take before it is stopped
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
    ensure_fonts(inputs.project)  # before the workers start, not in each of them
    pool = app.config["RENDER_POOL"] or RenderPool(
        app.config["CLINIC_DIR"], app.config["WORKERS"], app.config["RENDER_TIMEOUT"])
    app.extensions["handouts"] = {
        "inputs": inputs, "pool": pool,
        "csrf": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="handouts-csrf"),
        "languages": [language(t) for t in inputs.clinic.languages],
    }
    from . import lists  # noqa: F401 - the day list's routes, on the same blueprint

    app.register_blueprint(pages)
    return app


def _state(key: str):
    return current_app.extensions["handouts"][key]


@pages.before_app_request
def known_host_only():
    """Only the Host names of the address the page is bound to (no DNS rebinding)."""
    if _host_name(request.host) in current_app.config["ALLOWED_HOSTS"]:
        return None
    return _problem("This address is not allowed. Open the page as http://127.0.0.1:PORT/ "
                    "(or the address the server printed).", 400)


def _host_name(host: str) -> str:
    """`[::1]:8000` -> `[::1]`, `LocalHost:8000` -> `localhost`."""
    host = host.lower()
    if host.startswith("["):
        return host[:host.find("]") + 1]
    return host.rpartition(":")[0] if ":" in host else host


@pages.before_app_request
def same_origin_only():
    if request.method != "POST":
        return None
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if site not in (None, "same-origin", "none") or (
            origin is not None and not _same_host(origin, request.host)):
        abort(403, "This form only works from the handouts page itself.")
    return None


@pages.after_app_request
def headers(response: Response) -> Response:
    response.headers.update(_HEADERS)  # over send_file's "no-cache" for static files
    pdf = response.mimetype == "application/pdf"
    response.headers["Content-Security-Policy"] = _PDF_CSP if pdf else _CSP
    # Method, path and status only: no query string, no body, no client address.
    access_log.info("%s %s %d", request.method, request.path, response.status_code)
    return response


@pages.app_errorhandler(HTTPException)
def problem_page(exc: HTTPException):
    message = {
        400: "The request was not understood. Reload the page and try again.",
        404: "There is no such page here.",
        405: "That does not work here. Use the buttons on the handouts page.",
        413: f"The form was too large (more than {MAX_BODY // 1024} KB). Reload the page "
             "and try again.",
    }.get(exc.code, exc.description)
    if exc.code == 413 and request.path == "/list":
        message = (f"The day list is larger than {MAX_LIST_BYTES // 1024} KB. Split it into "
                   "smaller lists.")
    elif exc.code == 403 and exc.description:
        message = exc.description
    return _problem(message, exc.code or 500)


@pages.get("/")
def page():
    inputs: Inputs = _state("inputs")
    languages = _state("languages")
    return render_template(
        "page.html", clinic=inputs.clinic, languages=languages, stages=_stages(inputs),
        routes=[(r, ROUTE_NAMES[r]) for r in inputs.clinic.routes],
        chosen=preselect(request.args, inputs, languages), desk_stages=DESK_STAGES,
        csrf_token=_state("csrf").dumps(secrets.token_urlsafe(16)), max_field=MAX_FIELD,
        max_list_rows=MAX_LIST_ROWS, max_list_kb=MAX_LIST_BYTES // 1024)


@pages.get("/logo")
def logo():
    path = _state("inputs").clinic.logo
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        data = path.read_bytes()
    except OSError:  # moved or unreadable since the server started: the page shows no logo
        log.warning("the logo %s cannot be read", path)
        abort(404)
    return Response(data, mimetype=mime)


@pages.get("/token")
def token():
    """A fresh form token, so a page open across a server restart keeps what was typed."""
    return Response(_state("csrf").dumps(secrets.token_urlsafe(16)), mimetype="text/plain")


@pages.post("/handout")
def handout():
    body = request.get_data(cache=True)  # reading it enforces MAX_CONTENT_LENGTH (413)
    try:
        if request.mimetype == "application/x-www-form-urlencoded":
            check_text(body)
        form = request.form
        check_limits(form)
        check_token(_state("csrf"), form.get("csrf_token", ""),
                    current_app.config["CSRF_MAX_AGE"])
        visit, action = read_form(form, _state("inputs"))
    except FormError as exc:
        return _problem(str(exc), 400, exc.reason)
    handouts = handouts_of(visit)
    pdf = _render(handouts[0]) if len(handouts) == 1 else _packet(visit)
    if isinstance(pdf, Response):
        return pdf
    # Fixed: never patient details. `aftercare-es.pdf`, `aftercare-es+en.pdf` bilingual,
    # `infusion-day+aftercare-es.pdf` for a packet.
    langs = f"{visit.language.tag}+{visit.second.tag}" if visit.second else visit.language.tag
    name = f"{'+'.join(visit.stages)}-{langs}.pdf"
    disposition = "attachment" if action == "download" else "inline"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{name}"'})


def _packet(visit) -> bytes | Response:
    """One patient's handouts rendered side by side on the pool, as one PDF."""
    config = current_app.config
    inputs = _state("inputs")
    try:
        day = make_day(inputs, [visit], lambda v: "", pool=_state("pool"),
                       queue_wait=config["QUEUE_WAIT"], timeout=config["RENDER_TIMEOUT"])
    except PoolBusy:
        return busy("a packet")
    except WorkerError as exc:
        log.error("%s", exc)  # type and frames only, see pool.WorkerError
        return _problem("The handouts could not be made (a bug). Tell the clinic's "
                        "administrator.", 500)
    except UserError as exc:
        log.error("packet failed: %s", exc)  # named by language/stage, never by patient
        return _problem(f"The handouts could not be made: {messages(exc)}. Try again; if "
                        "it happens again, tell the clinic's administrator.", 500)
    for warning in day.warnings:
        log.warning("packet: %s", warning)
    return packet_pdf(inputs, day.packets[0])


def busy(what: str) -> Response:
    """503 with Retry-After: every render worker stayed busy for QUEUE_WAIT seconds."""
    config = current_app.config
    log.warning("%s: every worker stayed busy for %g s; 503", what, config["QUEUE_WAIT"])
    response = _problem("The server is busy making other handouts. Try again in a "
                        "few seconds.", 503)
    response.headers["Retry-After"] = str(config["RETRY_AFTER"])
    return response


def _render(h: Handout) -> bytes | Response:
    """The handout's PDF from the pool, or the problem page that says why not."""
    config = current_app.config
    try:
        rendered = _state("pool").render(h, wait=_wait_left(config["QUEUE_WAIT"]),
                                         timeout=config["RENDER_TIMEOUT"])
    except PoolBusy:
        return busy(f"render of {handout_id(h)}")
    except RenderStopped as exc:
        return _problem(f"{messages(exc)}. Try again; if it happens again, tell the "
                        "clinic's administrator.", 500)
    except WorkerError as exc:
        log.error("%s", exc)  # type and frames only, see pool.WorkerError
        return _problem(f"The handout {handout_id(h)} could not be made (a bug). "
                        "Tell the clinic's administrator.", 500)
    except UserError as exc:
        log.error("render of %s failed: %s", handout_id(h), exc)
        return _problem(f"The handout {handout_id(h)} could not be made: "
                        f"{messages(exc)}. Tell the clinic's administrator.", 500)
    # For the administrator: the handout still prints. A warning names files and
    # characters, never the patient's details (make.render leaves those out).
    for warning in rendered.warnings:
        log.warning("render of %s: %s", handout_id(h), warning)
    return rendered.data


def _wait_left(wait: float) -> float:
    """What is left of the wait for a worker, counted from when the server had the whole
    request (`handouts.queued_at`, set by server.py), not from when a thread took it up:
    under load a request may have waited in the server's queue already."""
    queued = request.environ.get("handouts.queued_at")
    if queued is None:
        return wait
    return max(0.0, wait - (time.monotonic() - queued))


def _same_host(origin: str, host: str) -> bool:
    return urlsplit(origin).netloc.lower() == host.lower()


def _problem(message: str, status: int, reason: str = "",
             lines: list[str] | None = None) -> Response:
    """A short page with one message (and `lines`, a day list's mistakes): shown in the
    preview frame, copied to the form. `reason` tells page.js what it can do about it."""
    heading = {"/handout": "The handout was not made",
               "/list": "The day list was not made"}.get(request.path, "Patient handouts")
    html = render_template("problem.html", message=message, status=status, heading=heading,
                           reason=reason, lines=lines or [])
    return Response(html, status=status, mimetype="text/html")


def _stages(inputs: Inputs) -> list[tuple[str, str, str]]:
    """(id, short label, the handout's English title) for each stage."""
    return [(s, STAGE_NAMES[s], inputs.content.stages[s].title.text) for s in STAGES]
