"""Rendering many handouts at once: on the worker pool in parallel, longest first.

The command-line build, a day's list and the page's day list all render through
`render_batch`, so each gets the same order, the same limits and the same answers:
one `Rendered` or one `UserError` per job, in the order given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from ..domain import RENDER_TIMEOUT
from ..errors import UserError
from .handout import Handout, handout_id
from .limits import time_limit
from .make import Composed, Inputs, Rendered, make, render

Outcome = Rendered | UserError


@dataclass(frozen=True)
class Job:
    """One handout to render: composed already (`html`), or composed where it renders."""

    handout: Handout
    html: str | None = None
    weight: int = 0  # how long it will take, roughly: the length of its HTML


class BatchTimeout(UserError):
    """The batch ran past its deadline; the handouts not yet rendered were not started."""


def render_batch(inputs: Inputs, jobs: list[Job], strict: bool = False, *,
                 pool=None, queue_wait: float | None = None, timeout: float | None = None,
                 deadline: float | None = None, own_pool: bool = False,
                 done: Callable[[int, Outcome], None] | None = None) -> list[Outcome]:
    """Each job's PDF with its warnings, or the UserError that stopped it.

    With `pool` (a RenderPool) as many render at once as it has workers, the heaviest
    first: the length of the HTML tracks the render time (CJK text, Korean word spans),
    so no worker is left with a long one after the others are done. Without, they render
    in this process, in order, each under the workers' time and memory limits. A job
    without `html` is composed where it renders, and its warnings are the composer's and
    the render's; with `html`, the render's only.
    `queue_wait` and `timeout` go to `pool.render`; past `deadline` (a time.monotonic()
    value) no further job starts and each gets a BatchTimeout. `done(index, outcome)` is
    called in this thread as each finishes. If the batch is stopped (Ctrl+C, SIGTERM, an
    error in `done`), the queued jobs are dropped, and with `own_pool` (the caller's
    pool, not the page's shared one) the workers are killed at once.
    """
    results: list[Outcome | None] = [None] * len(jobs)

    def finish(i: int, outcome: Outcome) -> None:
        results[i] = outcome
        if done is not None:
            done(i, outcome)

    if pool is None:
        for i, job in enumerate(jobs):
            finish(i, _late(deadline) or _attempt(lambda job=job: _here(inputs, job, strict)))
        return results
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].weight)

    def one(i: int) -> Outcome:
        if late := _late(deadline):
            return late
        job = jobs[i]
        return _attempt(lambda: pool.render(job.handout, "pdf", strict, wait=queue_wait,
                                            timeout=timeout, html=job.html))

    threads = ThreadPoolExecutor(max_workers=pool.size)
    try:
        pending = {threads.submit(one, i): i for i in order}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                finish(pending.pop(future), future.result())
    except BaseException:
        # Ctrl+C, SIGTERM or a failed write in `done`: stop now, not after the renders
        # queued, nor (own_pool) after those in flight.
        threads.shutdown(wait=False, cancel_futures=True)
        if own_pool:
            pool.terminate()
        raise
    finally:
        threads.shutdown(wait=True)
    return results


def _here(inputs: Inputs, job: Job, strict: bool) -> Rendered:
    with time_limit(RENDER_TIMEOUT, handout_id(job.handout)):  # as in a worker
        if job.html is None:
            return make(inputs, job.handout, "pdf", strict)
        return render(inputs, Composed(job.handout, job.html), strict)


def _attempt(work: Callable[[], Rendered]) -> Outcome:
    try:
        return work()
    except UserError as exc:
        return exc


def _late(deadline: float | None) -> BatchTimeout | None:
    if deadline is not None and time.monotonic() > deadline:
        return BatchTimeout("not started: the list ran past its time limit")
    return None
