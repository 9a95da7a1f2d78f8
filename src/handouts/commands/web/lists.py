"""The page's day list: the day's schedule uploaded as CSV or Excel, answered with one PDF.

The same reader and the same words as `handouts build --list`: every mistake at once as
`FILE:ROW: column: message`, shown on the page, and nothing made. Limits: MAX_LIST_BYTES
and MAX_LIST_ROWS; one list at a time (a second gets 503 with Retry-After, as a busy
pool does); a time limit that grows with the handouts asked for. The upload stays in
memory (app._Request), is never logged or written, and is gone when the answer is sent.
"""

from __future__ import annotations

import json
import os
import threading
import time

from flask import Response, current_app, request

from ...domain import counted
from ...errors import UserError
from ...inputs.daylist import read_day_list
from ...pipeline.batch import BatchTimeout
from ...pipeline.packet import day_pdf, make_day
from ...pipeline.pool import PoolBusy, WorkerError
from .app import (
    MAX_LIST_BODY,
    MAX_LIST_BYTES,
    MAX_LIST_ROWS,
    _problem,
    _state,
    busy,
    log,
    pages,
)
from .form import FormError, check_token

LIST_SECONDS = 30.0        # the time limit of a list: this much ...
LIST_SECONDS_EACH = 2.0    # ... and this much for each handout in it (~0.3 s each here)
MAX_WARNING_LINES = 30     # sent back with the PDF (X-Handouts-Warnings), then a count
_CHUNK = 1024 * 1024       # the PDF leaves in pieces: waitress buffers it in memory only

_one_list = threading.Lock()


@pages.post("/list")
def day_list():
    # 413 past it, before anything is read; the multipart parser's buffer may hold a
    # whole part (a file of line breaks), so it gets the same bound.
    request.max_content_length = request.max_form_memory_size = MAX_LIST_BODY
    form, files = request.form, request.files
    try:
        check_token(_state("csrf"), form.get("csrf_token", ""),
                    current_app.config["CSRF_MAX_AGE"])
    except FormError as exc:
        return _problem(str(exc), 400, exc.reason)
    upload = files.get("list")
    if upload is None or not upload.filename:
        return _problem("Choose the day list file (CSV or Excel) first.", 400)
    name = _shown_name(upload.filename)
    data = upload.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        return _problem(f"The day list is larger than {MAX_LIST_BYTES // 1024} KB. Split it "
                        "into smaller lists.", 413)
    inputs = _state("inputs")
    try:
        listed = read_day_list(data, name, inputs.clinic, max_rows=MAX_LIST_ROWS)
    except UserError as exc:
        lines = [str(p) for p in exc.problems]
        them = "it" if len(lines) == 1 else "them"
        return _problem(f"The list has {counted(len(lines), 'mistake')}, so nothing was made. "
                        f"Correct {them} in the file and try again:", 400, "rows", lines)
    if not _one_list.acquire(blocking=False):
        return busy("a day list (another is being made)")
    try:
        answer = _make(inputs, listed)
    finally:
        _one_list.release()
    return answer


def _make(inputs, listed) -> Response:
    config = current_app.config
    visits = list(listed.visits)
    handouts = sum(len(v.stages) for v in visits)
    limit = LIST_SECONDS + LIST_SECONDS_EACH * handouts
    try:
        day = make_day(inputs, visits, lambda v: f"{listed.name}:{v.row}: ",
                       pool=_state("pool"), queue_wait=config["QUEUE_WAIT"],
                       timeout=config["RENDER_TIMEOUT"], deadline=time.monotonic() + limit)
    except PoolBusy:
        return busy("a day list")
    except BatchTimeout:
        return _problem(f"The day list took longer than its limit of {limit:.0f} s for "
                        f"{handouts} handouts. Try again, or split it into smaller lists.", 500)
    except WorkerError as exc:
        log.error("%s", exc)  # type and frames only, see pool.WorkerError
        return _problem("The day list could not be made (a bug). Tell the clinic's "
                        "administrator.", 500)
    except UserError as exc:
        lines = [str(p) for p in exc.problems]
        log.error("day list: %s could not be made", counted(len(lines), "handout"))
        return _problem("These handouts could not be made, so the day list was not made. "
                        "Try again; if it happens again, tell the clinic's administrator:",
                        500, "rows", lines)
    warnings = list(listed.warnings) + list(day.warnings)
    # For the administrator: counts only; the lines go back to the page that asked.
    if warnings:
        log.warning("day list of %s: %s", counted(len(visits), "row"),
                    counted(len(warnings), "warning"))
    pdf = day_pdf(inputs, day)
    shown = warnings[:MAX_WARNING_LINES]
    if len(warnings) > len(shown):
        shown.append(f"... and {len(warnings) - len(shown)} more")
    return Response(_pieces(pdf), mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="day-list.pdf"',
        "Content-Length": str(len(pdf)),
        "X-Handouts-Warnings": json.dumps(shown, ensure_ascii=True)})


def _pieces(data: bytes):
    """The answer in pieces, so waitress never holds more than its high-water mark of it
    (past `outbuf_overflow` it would spill the rest to a temporary file on disk)."""
    for start in range(0, len(data), _CHUNK):
        yield data[start:start + _CHUNK]


def _shown_name(filename: str) -> str:
    """The uploaded file's own name, as messages show it (`tomorrow.csv`), made harmless."""
    base = os.path.basename(filename.replace("\\", "/"))
    return "".join(c for c in base if c.isprintable())[:80] or "the list"
