"""The render pool: real renders in warm processes, limits, a kill, a crash, a full pool."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import DEMO, pdf_text
from handouts.domain import RENDER_MEMORY_LIMIT
from handouts.errors import UserError
from handouts.inputs.languages import language
from handouts.inputs.patient import make_patient
from handouts.pipeline.handout import Handout
from handouts.pipeline.localize import Localizer
from handouts.pipeline.pool import PoolBusy, RenderPool, RenderStopped

NAME = "Ana López-Quiñones"


@pytest.fixture(scope="module")
def pool():
    with RenderPool(DEMO, workers=2, timeout=30) as p:
        yield p


def spanish(stage: str = "aftercare") -> Handout:
    return Handout(stage, "iv", language("es"), make_patient(NAME, "2026-12-01T09:30", "Dr. Vega"))


def title(inputs, h: Handout) -> str:
    loc = Localizer(inputs.catalogs[h.language.tag], inputs.clinic.values(h.route))
    return str(loc.stage(inputs.content.stages[h.stage])[0])


def messages(exc: UserError) -> list[str]:
    return [p.message for p in exc.problems]


def test_renders_a_personalised_handout_in_its_language(pool, demo_inputs):
    h = spanish()
    rendered = pool.render(h)
    assert rendered.warnings == ()
    text = pdf_text(rendered.data)
    assert NAME in text
    assert title(demo_inputs, h) in text  # "Después de su tratamiento"


def test_renders_html_too(pool):
    html = pool.render(spanish(), fmt="html").data.decode()
    assert '<html lang="es"' in html and NAME in html


def test_renders_in_parallel_on_every_worker(pool):
    """One worker is frozen (SIGSTOP) holding a render; the other answers meanwhile, so two
    renders are in flight at once, each in its own process, neither waiting for the other."""
    results: dict[str, bytes] = {}
    with pool.reserve(wait=60) as first:
        first.render(spanish())  # warm
        os.kill(first.pid, signal.SIGSTOP)
        thread = threading.Thread(target=lambda: results.__setitem__(
            "aftercare", first.render(spanish("aftercare")).data))
        thread.start()
        try:
            other = pool.render(spanish("infusion-day"), wait=60)  # on the other worker
            assert thread.is_alive() and "aftercare" not in results  # still in flight
        finally:
            os.kill(first.pid, signal.SIGCONT)
        thread.join(60)
    results["infusion-day"] = other.data
    assert all(NAME in pdf_text(pdf) for pdf in results.values())
    assert len(results) == 2


def test_each_worker_runs_under_limits(pool):
    pool.render(spanish())  # sets the per-request CPU limit on one worker
    for pid in pool.pids:
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert _limit(limits, "Max address space") == str(RENDER_MEMORY_LIMIT)
        assert _limit(limits, "Max core file size") == "0"
    assert any(_limit(Path(f"/proc/{pid}/limits").read_text(), "Max cpu time") != "unlimited"
               for pid in pool.pids)


def _limit(limits: str, name: str) -> str:
    line = next(line for line in limits.splitlines() if line.startswith(name))
    return line[len(name):].split()[0]


def test_a_render_past_its_timeout_is_killed_and_the_pool_goes_on(pool, caplog):
    caplog.set_level(logging.DEBUG)
    before = set(pool.pids)
    with pytest.raises(RenderStopped) as exc:
        pool.render(spanish(), timeout=0.001)  # deliberately tiny
    assert messages(exc.value) == ["render of es/aftercare stopped after 0.001 s"]
    after = set(pool.pids)
    assert len(after) == 2 and len(before - after) == 1  # one killed, one new in its place
    assert not any(_alive(pid) for pid in before - after)
    for _ in range(3):  # the replacement warms up, then works like the others
        assert NAME in pdf_text(pool.render(spanish(), wait=60).data)
    assert NAME not in caplog.text and "Ana" not in caplog.text and "Vega" not in caplog.text
    assert "render of es/aftercare stopped after 0.001 s" in caplog.text


def test_a_crash_during_a_render_is_reported_and_the_pool_goes_on(pool):
    with pool.reserve(wait=60) as lease:
        victim = lease.pid
        lease.render(spanish())  # warm and ready
        os.kill(victim, signal.SIGSTOP)  # frozen: the request waits, then the process dies
        killer = threading.Timer(0.3, os.kill, (victim, signal.SIGKILL))
        killer.start()
        with pytest.raises(RenderStopped) as exc:
            lease.render(spanish())
        killer.join()
        assert messages(exc.value) == [
            "render of es/aftercare stopped: the render process was killed, SIGKILL"]
        assert lease.pid != victim
        assert NAME in pdf_text(lease.render(spanish()).data)


def test_a_worker_that_died_while_idle_is_replaced_without_an_error(pool):
    with pool.reserve(wait=60) as lease:
        victim = lease.pid
        os.kill(victim, signal.SIGKILL)
        _wait_dead(victim)
        assert NAME in pdf_text(lease.render(spanish()).data)
        assert lease.pid != victim


def test_a_full_pool_says_busy_after_the_wait(pool):
    with pool.reserve(wait=60), pool.reserve(wait=60):
        started = time.perf_counter()
        with pytest.raises(PoolBusy) as exc:
            pool.render(spanish(), wait=0.2)
        assert time.perf_counter() - started >= 0.2
    assert messages(exc.value) == ["all 2 render workers are busy; try again in a few seconds"]
    assert NAME in pdf_text(pool.render(spanish(), wait=0).data)  # free again


FORKED = """
import os, sys, threading
from pathlib import Path
from handouts.pipeline.make import compose, load_inputs
from handouts.pipeline.handout import Handout
from handouts.inputs.languages import language
from handouts.pipeline.pool import RenderPool

if __name__ == "__main__":
    if sys.argv[1] == "thread":  # a caller with another thread must not fork
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    inputs = load_inputs(Path(sys.argv[2]))
    h = Handout("aftercare", "iv", language("es"))
    html = compose(inputs, h).html
    with RenderPool(sys.argv[2], workers=1, warm=False, inputs=inputs) as pool:
        pdf = pool.render(h, html=html.replace("<h1", "<h1>MARCA-DE-PRUEBA</h1><h1", 1)).data
        (pid,) = pool.pids
        with open(f"/proc/{pid}/stat") as f:
            parent = int(f.read().rsplit(") ", 1)[1].split()[1])
    sys.stdout.buffer.write(b"forked " if parent == os.getpid() else b"served ")
    sys.stdout.buffer.write(pdf)
"""


@pytest.mark.parametrize("threads, started", [("none", b"forked"), ("thread", b"served")])
def test_a_batch_pool_forks_from_a_single_threaded_caller(tmp_path, threads, started):
    """Workers fork from the caller (inheriting its inputs) only when it has no other
    thread; otherwise they come from the fork server. Either way they render the HTML
    they are handed, not a handout composed again."""
    script = tmp_path / "forked.py"
    script.write_text(FORKED, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), threads, str(DEMO)],
                         capture_output=True, check=True, timeout=120)
    how, pdf = run.stdout.split(b" ", 1)
    assert how == started
    assert "MARCA-DE-PRUEBA" in pdf_text(pdf)


def test_a_broken_clinic_fails_when_the_pool_starts(tmp_path):
    with pytest.raises(UserError) as exc:
        RenderPool(tmp_path, workers=1, warm=False)
    assert "clinic.yaml" in str(exc.value)


def test_a_closed_pool_renders_nothing(tmp_path):
    pool = RenderPool(DEMO, workers=1, warm=False)
    pids = pool.pids
    pool.close()
    _wait_dead(pids[0])
    with pytest.raises(RuntimeError, match="closed"):
        pool.render(spanish())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie not yet reaped counts as gone.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


def _wait_dead(pid: int, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)
