"""Limits on making one handout, the same wherever it is made: in a render worker (the
web page, `build --jobs N`) or in the command's own process (composing, which `build`
always does itself, and `build --jobs 0`).

- memory: an address-space limit (RLIMIT_AS, domain.RENDER_MEMORY_LIMIT) on the process;
  past it an allocation fails, and the MemoryError is reported as "it needed more than
  1536 MB of memory";
- time: RENDER_TIMEOUT seconds of wall-clock time per handout. A worker past it is killed
  by its parent; in the command's own process a timer (SIGALRM) stops the work;
- CPU: in a worker, a CPU-time limit (RLIMIT_CPU) per request, as a backstop.
"""

from __future__ import annotations

import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..domain import RENDER_MEMORY_LIMIT
from ..errors import UserError


class RenderStopped(UserError):
    """A render was stopped (time, memory) or its process died (crash, CPU limit)."""


def stopped_after(what: str, seconds: float) -> RenderStopped:
    return RenderStopped(f"render of {what} stopped after {seconds:g} s")


def out_of_memory(what: str, limit: int | None) -> RenderStopped:
    if not limit:
        return RenderStopped(f"render of {what} stopped: it ran out of memory")
    return RenderStopped(f"render of {what} stopped: it needed more than "
                         f"{limit // 2**20} MB of memory")


def set_limit(which: int, value: int) -> None:
    """Lower a soft limit to `value` (never above the hard limit, which stays)."""
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))


def limit_memory(limit: int | None = RENDER_MEMORY_LIMIT) -> None:
    """This process may map at most `limit` bytes (None: as it is); a core file is never
    written (it would hold patient details)."""
    set_limit(resource.RLIMIT_CORE, 0)
    if limit:
        set_limit(resource.RLIMIT_AS, limit)


def memory_limit() -> int | None:
    """This process's address-space limit in bytes (None: unlimited)."""
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def allow_cpu(seconds: int) -> None:
    """Let this request use `seconds` more CPU time; past that the kernel sends SIGXCPU.

    RLIMIT_CPU counts the process's whole life, so the soft limit moves with each
    request; the hard limit stays, so the limit can always be moved again.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    set_limit(resource.RLIMIT_CPU, used + seconds)


class _Expired(BaseException):
    """Raised by the timer; a BaseException, so no `except Exception` in a library eats it."""


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Stop the work inside after `seconds` with RenderStopped, or MemoryError with the
    same. The timer needs the main thread; elsewhere only the memory part applies."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        with _memory(what):
            yield
        return
    armed = [True]

    def expire(signum, frame):
        if armed[0]:
            raise _Expired

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            with _memory(what):
                yield
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    except _Expired:
        # Also when the timer went off just as the work ended, cutting the cleanup short.
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        raise stopped_after(what, seconds) from None


@contextmanager
def _memory(what: str) -> Iterator[None]:
    try:
        yield
    except MemoryError:
        raise out_of_memory(what, memory_limit()) from None
