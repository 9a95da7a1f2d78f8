"""The page's promises under load and bad luck, on real sockets: 503 within 5 s once the
pool is busy (also for requests that waited in the server's own queue), idle connections
that time out and lock no one out, IPv6 loopback, odd bytes and dates in the form."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from urllib.parse import urlencode

import pytest

from conftest import DEMO, ROOT, pdf_text
from handouts.commands.web.app import create_app
from handouts.commands.web.server import IDLE_TIMEOUT, listen

FORM = {"lang": "es", "stage": "aftercare", "route": "iv", "action": "preview"}
NAME = "Ana López-Quiñones"


def have_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not have_ipv6(), reason="no IPv6 loopback (::1) here")


@pytest.fixture(scope="module")
def app(pool):
    return create_app(DEMO, {"RENDER_POOL": pool})  # the real wait: QUEUE_WAIT = 5 s


@pytest.fixture(scope="module")
def served(app):
    """The app under waitress, configured as `handouts serve` does, on [::1]."""
    server = listen(app, "::1", 0, workers=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def problem(html: str) -> str:
    return unescape(re.search(r'<p id="problem"[^>]*>(.*?)</p>', html, re.S).group(1))


def get(port: int, path: str = "/", host: str = "::1") -> tuple[int, str]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, body


def post(port: int, body: bytes | str, host: str = "::1"):
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("POST", "/handout", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, time.monotonic() - started, response.getheader("Retry-After"), data


def test_a_busy_pool_answers_503_within_5_s_also_past_the_servers_threads(served, pool):
    """30 requests at once on a server with 4 threads and its one worker held: each waits
    5 s from its arrival, not from when a thread took it up (which came in waves of 4,
    up to 40 s), then gets 503 with Retry-After."""
    status, page = get(served)
    assert status == 200
    body = urlencode({"csrf_token": token_of(page), **FORM})
    barrier = threading.Barrier(30)

    def one(_):
        barrier.wait()
        return post(served, body)

    with pool.reserve(wait=60), ThreadPoolExecutor(30) as ex:
        answers = list(ex.map(one, range(30)))
    assert {(status, retry) for status, _, retry, _ in answers} == {(503, "5")}
    times = sorted(t for _, t, _, _ in answers)
    assert 4.0 <= times[0] and times[-1] <= 6.0, times
    status, seconds, _, pdf = post(served, body)  # free again
    assert status == 200 and pdf.startswith(b"%PDF")


def test_idle_connections_lock_no_one_out_and_are_closed(served):
    idle = []
    try:
        for _ in range(120):
            s = socket.create_connection(("::1", served), timeout=30)
            idle.append(s)
        started = time.monotonic()
        status, _ = get(served)
        assert status == 200 and time.monotonic() - started < 3
        time.sleep(IDLE_TIMEOUT + 3)  # the server checks every second
        closed = 0
        for s in idle:
            s.settimeout(2)
            try:
                closed += s.recv(1) == b""
            except OSError:
                closed += 1
        assert closed == len(idle)
    finally:
        for s in idle:
            s.close()


@pytest.mark.parametrize("name", [b"%FF%FE%80abc", b"\xff\xfe\x80abc"],
                         ids=["escaped", "raw"])
def test_invalid_bytes_in_a_form_field_are_an_error_not_printed(served, name):
    status, page = get(served)
    body = f"csrf_token={token_of(page)}&lang=es&stage=aftercare&name=".encode() + name
    status, _, _, html = post(served, body)
    assert status == 400
    assert problem(html.decode()) == ("Invalid value for 'Patient name': has bytes that are "
                                      "not UTF-8 text; type it again")


def test_an_appointment_in_year_1_is_an_error_not_a_bug(served):
    status, page = get(served)
    body = urlencode({"csrf_token": token_of(page), **FORM, "date": "0001-01-01",
                      "time": "01:00"})
    status, _, _, html = post(served, body)
    assert status == 400
    assert problem(html.decode()) == ("Invalid value for 'Appointment': '0001-01-01T01:00' "
                                      "is in the year 1; give a date from 2000 to 2099")


def test_serve_on_ipv6_loopback_answers_its_printed_address_and_leaves_nothing(tmp_path):
    """`handouts serve --host ::1` as the front desk starts it: the address it prints
    works, and after SIGTERM nothing is left in its temp folder (font copies included)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "handouts", "serve", "--clinic", str(DEMO), "--host", "::1",
         "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"})
    try:
        line = ""
        while "Serving handouts" not in line:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
        port = int(re.search(r"at http://\[::1\]:(\d+)/", line).group(1))
        status, page = get(port)
        assert status == 200
        body = urlencode({"csrf_token": token_of(page), **FORM, "name": NAME})
        status, _, _, pdf = post(port, body)
        assert status == 200 and NAME in pdf_text(pdf)
        assert any(p.name.startswith("weasyprint-") for p in tmp.glob("*/*"))  # in use
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert sorted(tmp.rglob("*")) == []
