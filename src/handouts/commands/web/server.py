"""Running the front-desk page: waitress (a production WSGI server) on this computer.

It binds 127.0.0.1 unless told otherwise, and warns when told otherwise; it
answers only to the Host names of the address it is bound to.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from ...domain import counted
from ...errors import UserError
from ...pipeline.pool import RenderPool
from .app import LOOPBACK_NAMES, MAX_LIST_BODY, create_app

MAX_RESPONSE = 64 * 1024 * 1024  # in memory, never on disk; a bilingual CJK handout ~ 1 MB
IDLE_TIMEOUT = 10        # seconds before a connection with no request in flight is closed
MAX_CONNECTIONS = 1000   # open at once; idle ones hold no thread, so they lock no one out


class _Arrival(threading.local):
    at: float | None = None


_arrival = _Arrival()


def _stamping_dispatcher():
    """waitress's task dispatcher, noting when each request was complete, so the page
    counts its wait for a render worker from then (app._wait_left), not from when one of
    waitress's threads took the request up."""
    from waitress.task import ThreadedTaskDispatcher

    class Stamped:
        def __init__(self, task):
            self.task, self.queued = task, time.monotonic()

        def service(self):
            _arrival.at = self.queued
            try:
                self.task.service()
            finally:
                _arrival.at = None

        def cancel(self):
            self.task.cancel()

    class Dispatcher(ThreadedTaskDispatcher):
        def add_task(self, task):
            super().add_task(Stamped(task))

    return Dispatcher()


def _app_with_arrival(app):
    def call(environ, start_response):
        environ["handouts.queued_at"] = _arrival.at
        return app(environ, start_response)
    return call


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


def _allow_open_files(count: int) -> None:
    """Raise this process's limit on open files to `count` if it is lower (up to the hard
    limit, which needs no privilege)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count:
        new = count if hard == resource.RLIM_INFINITY else min(count, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def exposure_warning(host: str) -> str | None:
    """What to tell the operator when the page is reachable from other computers."""
    if is_loopback(host):
        return None
    return (f"warning: serving on {host}, not 127.0.0.1: other computers on the network can "
            "reach this page and the patient details typed into it. Use this only on a "
            "network you trust.")


def listen(app, host: str, port: int, workers: int):
    """The waitress server of `app` on `host`:`port`, bound, not yet running; a port in
    use is a UserError."""
    from waitress import create_server

    # Enough threads that requests past the pool's size queue in it (and get 503 in
    # time) rather than in waitress; those that do queue in waitress count their wait
    # from their arrival (_stamping_dispatcher). waitress drops bodies past
    # 2 x MAX_LIST_BODY (a day list upload) unread; below that Flask answers 413 readably
    # (past MAX_BODY for a form, MAX_LIST_BODY for a list). waitress spills a body or a
    # response past its *_overflow size to a temporary file; a handout or a day list
    # carries patient details, so it must stay in memory (a day list's PDF leaves in
    # pieces, lists._pieces, below the high-water mark). Idle connections are closed
    # after IDLE_TIMEOUT (checked every second), and up to MAX_CONNECTIONS are accepted
    # (with poll: select stops at 1024 descriptors).
    _allow_open_files(MAX_CONNECTIONS + 100)
    threads = 2 * workers + 2
    dispatcher = _stamping_dispatcher()
    try:
        server = create_server(_app_with_arrival(app), _dispatcher=dispatcher,
                               host=host, port=port, threads=threads,
                               max_request_body_size=2 * MAX_LIST_BODY, ident="handouts",
                               inbuf_overflow=4 * MAX_LIST_BODY, outbuf_overflow=MAX_RESPONSE,
                               clear_untrusted_proxy_headers=True,
                               channel_timeout=IDLE_TIMEOUT, cleanup_interval=1,
                               connection_limit=MAX_CONNECTIONS, asyncore_use_poll=True)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; is another "
                        "'handouts serve' running? Choose another --port") from None
    dispatcher.set_thread_count(threads)  # waitress does this only for its own dispatcher
    return server


def serve(clinic_dir: Path, host: str = "127.0.0.1", port: int = 8000,
          say: Callable[[str], None] | None = None) -> int:
    """Run the page under waitress until Ctrl+C (or SIGTERM); return the exit status."""
    say = say or (lambda message: print(message, flush=True))
    hosts = trusted_hosts(host)
    if warning := exposure_warning(host):
        print(f"{warning} Answering to: {', '.join(hosts)}", file=sys.stderr, flush=True)
    workers = os.cpu_count() or 1
    # Bind first, so a port in use fails at once rather than after the workers warmed up.
    apps: list[Flask] = []
    server = listen(lambda environ, start: apps[0](environ, start), host, port, workers)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        say(f"Starting {counted(workers, 'render worker')} for {clinic_dir} ...")
        apps.append(create_app(clinic_dir, {"ALLOWED_HOSTS": hosts,
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
