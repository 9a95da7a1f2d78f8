"""Load on the front-desk page, loopback only and bounded: the real `handouts serve` in a
subprocess, its own temp folder, real HTTP from threads of this process.

Used by `make bench` (benchmarks/run.py) and runnable alone:
`.venv/bin/python benchmarks/load.py` prints the figures.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "clinics" / "demo"
FORM = {"lang": "es", "stage": "aftercare", "route": "iv", "name": "Ana Example",
        "date": "2026-12-01", "time": "09:30", "provider": "Dr. Rivera", "action": "preview"}


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return total


class Server:
    """`handouts serve --port 0` on `host`, with TMPDIR its own folder (to count leftovers)."""

    def __init__(self, host: str = "127.0.0.1", clinic: Path = DEMO):
        self.tmp = Path(tempfile.mkdtemp(prefix="handouts-load-"))
        self.host = host
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "handouts", "serve", "--clinic", str(clinic), "--host",
             host, "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=open(self.tmp / "stderr.log", "w"), text=True,
            env={**os.environ, "TMPDIR": str(self.tmp), "PYTHONUNBUFFERED": "1"})
        self.port = self._wait_for_port()

    def _wait_for_port(self, seconds: float = 120) -> int:
        found: list[int] = []

        def read():
            for line in self.proc.stdout:
                if m := re.search(r"at http://\S+:(\d+)/", line):
                    found.append(int(m.group(1)))
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(seconds)
        if not found:
            self.proc.kill()
            raise RuntimeError(f"no address printed: {(self.tmp / 'stderr.log').read_text()}")
        return found[0]

    def connect(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def token(self) -> str:
        conn = self.connect()
        conn.request("GET", "/")
        page = conn.getresponse().read().decode()
        conn.close()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, token: str, **fields) -> tuple[int, float, dict, bytes]:
        """(status, seconds, headers, body) of one POST /handout on a new connection."""
        body = urlencode({"csrf_token": token, **FORM, **fields})
        started = time.monotonic()
        conn = self.connect()
        conn.request("POST", "/handout", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, time.monotonic() - started, dict(response.getheaders()), data

    def tree_rss(self) -> int:
        """Resident memory of the server and all its processes, in bytes."""
        return tree_rss(self.proc.pid)

    def stop(self) -> tuple[int, list[str]]:
        """SIGTERM, then the exit status and what is left in its temp folder."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=30)
        left = sorted(str(p.relative_to(self.tmp)) for p in self.tmp.rglob("*")
                      if p.name != "stderr.log")
        return self.proc.returncode, left


def steady(server: Server, requests: int = 300, clients: int = 4) -> dict:
    """`requests` personalised handouts from `clients` at a time: latency, memory, codes."""
    token = server.token()
    peak = [server.tree_rss()]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            peak.append(server.tree_rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(clients) as ex:
        results = list(ex.map(lambda _: server.post(token), range(requests)))
    stop.set()
    sampler.join()
    times = sorted(t for _, t, _, _ in results)
    codes: dict[int, int] = {}
    for status, *_ in results:
        codes[status] = codes.get(status, 0) + 1
    return {"p50": statistics.median(times), "p95": times[int(0.95 * len(times)) - 1],
            "peak_rss": max(peak), "end_rss": server.tree_rss(), "codes": codes}


def burst(server: Server, requests: int = 90) -> dict:
    """`requests` at once: when each 503 (and each PDF) came."""
    token = server.token()
    barrier = threading.Barrier(requests)

    def one(_):
        barrier.wait()
        return server.post(token)

    with ThreadPoolExecutor(requests) as ex:
        results = list(ex.map(one, range(requests)))
    busy = sorted(t for status, t, _, _ in results if status == 503)
    ok = sorted(t for status, t, _, _ in results if status == 200)
    retry = {h.get("Retry-After") for status, _, h, _ in results if status == 503}
    return {"busy": busy, "ok": ok, "retry_after": retry,
            "other": [s for s, *_ in results if s not in (200, 503)]}


if __name__ == "__main__":
    srv = Server()
    try:
        print("steady", steady(srv))
        b = burst(srv)
        print("burst: 200s", len(b["ok"]), "503s", len(b["busy"]),
              "first/last 503 at", b["busy"][:1], b["busy"][-1:], b["retry_after"], b["other"])
    finally:
        print("stop", srv.stop())
