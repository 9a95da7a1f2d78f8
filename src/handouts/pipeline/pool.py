"""A pool of warm render processes: each loads the inputs and WeasyPrint once, then renders.

A render runs in its own process so that one which hangs, crashes or eats
memory can be stopped without taking the caller (the web server) down:

- each worker has an address-space limit (RLIMIT_AS) and, per request, a CPU-time
  limit (RLIMIT_CPU) as a backstop, and writes no core file (it would hold patient details);
- each request has a wall-clock timeout; past it the worker is killed and replaced;
- a crash or a kill reaches the caller as a `RenderStopped` (a UserError) naming the
  handout, e.g. ``render of es/aftercare stopped after 30 s``, and the pool goes on;
- a worker dies with its caller, however the caller ends: Linux's parent-death signal
  kills it even mid-render, and a worker forked from the caller keeps no copy of the
  caller's end of any pipe, so an idle one reads the end of file and goes;
- a worker's private temp folder (WeasyPrint's font copies, scratch.py) goes with it:
  removed as it stops, swept when it was killed.

At most `workers` renders run at once (one per process); a caller that finds
every worker busy waits up to `wait` seconds, then gets `PoolBusy`.

Patient details cross the pipe to the worker and back in memory only: the pool
logs handout ids (language/stage), never the request, and a bug in a worker
comes back as its type and stack frames without the exception's message.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
import weakref
from collections.abc import Iterator
from pathlib import Path

from ..domain import RENDER_MEMORY_LIMIT, RENDER_TIMEOUT, STAGES, counted
from ..errors import UserError
from ..inputs.languages import language
from ..project import PROJECT, Project
from . import scratch
from .handout import Handout, handout_id
from .limits import RenderStopped, allow_cpu, limit_memory, out_of_memory, stopped_after
from .make import Composed, Inputs, Rendered, load_inputs, make, render

log = logging.getLogger(__name__)

START_TIMEOUT = 120.0               # seconds for a worker to load the inputs and warm up
_CPU_SLACK = 5                      # CPU seconds over the wall-clock timeout before SIGXCPU
_PR_SET_PDEATHSIG = 1               # prctl(2)
# This process's ends of its workers' pipes; a worker forked from it closes its copies.
_CALLER_ENDS: weakref.WeakSet = weakref.WeakSet()


class PoolBusy(UserError):
    """Every worker stayed busy for as long as the caller was willing to wait."""

    def __init__(self, workers: int, waited: float | None):
        self.workers = workers
        self.waited = waited
        busy = "the render worker is" if workers == 1 else f"all {workers} render workers are"
        super().__init__(f"{busy} busy; try again in a few seconds")


class WorkerError(RuntimeError):
    """A bug inside a worker: its type and frames, without the message (it may hold data)."""

    def __init__(self, what: str, remote_type: str, remote_frames: str):
        self.remote_type = remote_type
        self.remote_frames = remote_frames
        super().__init__(f"render of {what} failed with {remote_type} in the render process\n"
                         f"{remote_frames}")


# --- the worker process -----------------------------------------------------------------

def _worker_main(conn, clinic_dir: str, project: Project, memory_limit: int | None,
                 warm: bool, inputs: Inputs | None = None, parent: int | None = None) -> None:
    """Load the inputs once (unless inherited), warm WeasyPrint, then render until told to
    stop or the parent is gone; the worker's private temp folder goes with it."""
    _die_with_parent(parent)
    # Forked from the caller, a worker holds copies of the caller's ends of every pipe,
    # its own included: closed, so that the caller's death is an end of file here.
    for end in list(_CALLER_ENDS):
        end.close()
    # Ctrl+C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(memory_limit)
    # WeasyPrint's warnings are captured per render (render.RenderLog); nothing from a
    # worker goes to stderr, where it could end up in a log next to a request.
    logging.getLogger().addHandler(logging.NullHandler())
    logging.getLogger("weasyprint").propagate = False
    logging.getLogger("fontTools").propagate = False
    _find_libc()

    from .render import _weasy
    try:
        inputs = inputs or load_inputs(Path(clinic_dir), project)
        _weasy()  # WeasyPrint and the shared FontConfiguration, unless inherited
        if warm:
            _warm(inputs)
    except UserError as exc:
        conn.send(("user_error", exc.problems))
        return
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        conn.send(("bug", _describe(exc)))
        return
    try:
        conn.send(("ready", os.getpid()))
        _serve(conn, inputs)
    except (EOFError, OSError):
        pass  # the parent is gone
    finally:
        scratch.remove()


def _die_with_parent(parent: int | None) -> None:
    """Ask Linux to kill this process when its parent ends, however it ends (kill -9 too):
    the caller that forked it, or the fork server, which ends with the caller."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed pipe still ends the worker
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent ended before we asked


def _serve(conn, inputs: Inputs) -> None:
    """Answer render requests until the parent says stop (None) or goes away."""
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if request is None:
            return
        handout, fmt, strict, cpu_seconds, html = request
        allow_cpu(cpu_seconds)
        try:
            reply = ("ok", _answer(inputs, handout, fmt, strict, html))
        except UserError as exc:
            reply = ("user_error", exc.problems)
        except MemoryError:
            # The process state is unknown after this; say so and let the parent replace us.
            reply = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - a bug: reported to the parent, which raises
            reply = ("bug", _describe(exc))
        del handout, request
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        if reply[0] == "memory":
            return
        del reply
        _give_back_memory()


def _answer(inputs: Inputs, handout: Handout, fmt: str, strict: bool,
            html: str | None) -> Rendered:
    """The bytes with their warnings: a warning is part of the answer, wherever it rendered."""
    if html is not None and fmt == "pdf":  # composed by the caller already
        return render(inputs, Composed(handout, html), strict)
    return make(inputs, handout, fmt, strict)


def _warm(inputs: Inputs) -> None:
    """Render one handout per script the clinic's languages use, so their fonts are loaded.

    One per script, not per language: the fonts are what is slow the first time, and
    languages of one script share them (the demo's eleven languages use five scripts).
    """
    seen = set()
    for tag in inputs.clinic.languages:
        script = _script(language(tag))
        if script not in seen:
            seen.add(script)
            make(inputs, Handout(STAGES[0], inputs.clinic.routes[0], language(tag)))
            _give_back_memory()


def _script(lang) -> str:
    """The script a language is written in (`Latn`, `Hans`, `Arab`), per CLDR's likely subtags."""
    from babel.core import get_global

    if lang.locale.script:
        return lang.locale.script
    likely = get_global("likely_subtags").get(lang.locale.language, "")
    return next((part for part in likely.split("_")[1:] if len(part) == 4), lang.tag)


_libc = None


def _find_libc() -> None:
    global _libc
    name = ctypes.util.find_library("c")
    try:
        _libc = ctypes.CDLL(name) if name else None
    except OSError:
        _libc = None


def _give_back_memory() -> None:
    """Collect the last render's cycles and return freed heap pages to the system.

    A render leaves ~10,000-45,000 objects in reference cycles, and WeasyPrint
    copies each font file it embeds into memory, then frees it; glibc keeps freed
    heap pages. Measured on a worker rendering every stage in English, Chinese,
    Korean and Arabic (before the CJK subsets): peak 253-259 MB without this,
    241 MB with it. Costs 5-35 ms, after the reply is sent.
    """
    gc.collect()
    if _libc is not None and hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)


def _describe(exc: BaseException) -> tuple[str, str]:
    return type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))


# --- the parent's side ------------------------------------------------------------------

class _Worker:
    """One render process and the parent's end of its pipe."""

    def __init__(self, ctx, clinic_dir: Path, project: Project, memory_limit: int | None,
                 warm: bool, inputs: Inputs | None = None):
        self.conn, child = ctx.Pipe(duplex=True)
        _CALLER_ENDS.add(self.conn)
        forked = ctx.get_start_method() == "fork"
        self.process = ctx.Process(target=_worker_main, name="handouts-render", daemon=True,
                                   args=(child, str(clinic_dir), project, memory_limit, warm,
                                         inputs, os.getpid() if forked else None))
        self.process.start()
        child.close()
        self.ready = False
        # terminate() (Ctrl+C, SIGTERM) and a render thread's release may kill the same
        # worker at once; closing its pipe twice would raise EBADF (or close another
        # file that took the number), so one at a time.
        self._killing = threading.Lock()

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker has loaded and warmed up, or raise why it could not."""
        if self.ready:
            return
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise RenderStopped(f"a render worker did not start within {timeout:g} s")
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            raise RenderStopped(f"a render worker died while starting "
                                f"({self.exit_reason()})") from None
        if kind == "user_error":
            self.kill()
            raise UserError(value)
        if kind == "bug":
            self.kill()
            raise WorkerError("the warm-up", *value)
        self.ready = True

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        with self._killing:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            if not self.conn.closed:
                self.conn.close()

    def stop(self, grace: float = 2.0) -> None:
        """Ask the worker to finish, kill it if it does not."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(grace)
        self.kill()

    def exit_reason(self) -> str:
        self.process.join(2)
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            name = signal.Signals(-code).name
            why = {"SIGXCPU": "used up its CPU-time limit", "SIGKILL": "was killed",
                   "SIGSEGV": "crashed"}.get(name, "was stopped")
            return f"{why}, {name}"
        return f"exit code {code}"


class Lease:
    """One worker, reserved for the caller until the `with` block ends."""

    def __init__(self, pool: RenderPool, worker: _Worker):
        self._pool = pool
        self._worker = worker

    @property
    def pid(self) -> int | None:
        """The process id of the worker held (it changes when the worker is replaced)."""
        return self._worker.process.pid

    def render(self, handout: Handout, fmt: str = "pdf", strict: bool = False,
               timeout: float | None = None, html: str | None = None) -> Rendered:
        """Render one handout on this worker; see RenderPool.render."""
        pool = self._pool
        timeout = pool.timeout if timeout is None else timeout
        what = handout_id(handout)
        worker = self._worker
        if not worker.ready or not worker.alive():
            if not worker.alive():
                log.warning("render worker %s had stopped (%s); starting another",
                            worker.process.pid, worker.exit_reason())
                self._worker = worker = pool._replace(worker)
            try:
                worker.wait_ready(pool.start_timeout)
            except BaseException:
                self._worker = pool._replace(worker)
                raise
        started = time.perf_counter()
        try:
            worker.conn.send((handout, fmt, strict, int(timeout) + _CPU_SLACK, html))
            if not worker.conn.poll(timeout):
                self._worker = pool._replace(worker)
                log.error("render of %s stopped after %g s; worker %s killed and replaced",
                          what, timeout, worker.process.pid)
                raise stopped_after(what, timeout)
            kind, value = worker.conn.recv()
        except (EOFError, OSError):
            reason = worker.exit_reason()
            self._worker = pool._replace(worker)
            log.error("render of %s stopped: the render process %s; replaced", what, reason)
            raise RenderStopped(f"render of {what} stopped: the render process {reason}") \
                from None
        if kind == "ok":
            log.debug("rendered %s in %.0f ms", what, 1000 * (time.perf_counter() - started))
            return value
        if kind == "user_error":
            raise UserError(value)
        if kind == "memory":
            self._worker = pool._replace(worker)
            limit = pool.memory_limit // 2**20 if pool.memory_limit else 0
            log.error("render of %s ran out of memory (limit %d MB); worker replaced",
                      what, limit)
            raise out_of_memory(what, pool.memory_limit)
        raise WorkerError(what, *value)


class RenderPool:
    """N warm render processes for one clinic; `render()` is safe to call from many threads.

    `workers` defaults to the number of CPUs; `timeout` is the wall-clock limit
    of one render in seconds. Use it as a context manager, or call `close()`.
    As with any multiprocessing code, a script that starts a pool must guard its
    top level with `if __name__ == "__main__":` (workers import the main module).
    """

    def __init__(self, clinic_dir: Path | str, workers: int | None = None,
                 timeout: float = RENDER_TIMEOUT, *,
                 memory_limit: int | None = RENDER_MEMORY_LIMIT,
                 start_timeout: float = START_TIMEOUT, warm: bool = True,
                 project: Project = PROJECT, inputs: Inputs | None = None):
        """Start the workers and wait until they are ready, or raise why they could not start.

        Each worker loads the inputs of `clinic_dir` in `project` itself. `inputs`
        (the same, already loaded) lets a caller with
        no other threads, such as a batch build, fork the workers from itself: they
        inherit the inputs and the imported modules, so no fork server has to start
        and nothing is loaded twice. Then the constructor returns at once and each
        worker's first render waits for it. Replacements always come from the fork
        server, since by then the caller may have threads.
        """
        self.clinic_dir = Path(clinic_dir)
        self.project = project
        self.size = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
        self.warm = warm
        self._ctx = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        started = time.perf_counter()
        # Forking a process with other threads can copy a lock held by one of them.
        inherit = inputs is not None and threading.active_count() == 1
        workers_ = [self._start(inputs if inherit else None) for _ in range(self.size)]
        try:
            for w in workers_:
                if not inherit:
                    w.wait_ready(start_timeout)
        except BaseException:
            self.close()
            raise
        for w in workers_:
            self._idle.put(w)
        log.info("%s %s in %.1f s", counted(self.size, "render worker"),
                 "started" if inherit else "ready", time.perf_counter() - started)

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (for an operator, or a test that kills one)."""
        with self._lock:
            return sorted(w.process.pid for w in self._all if w.process.pid)

    def render(self, handout: Handout, fmt: str = "pdf", strict: bool = False,
               wait: float | None = None, timeout: float | None = None,
               html: str | None = None) -> Rendered:
        """One handout as PDF (or HTML) bytes with its warnings, from the first free worker.

        `html`, if given, is the handout already composed (make.compose): the
        worker renders it as it is instead of composing it again, and the warnings
        are the render's only (the caller has the composer's).

        Waits up to `wait` seconds for a free worker (None: as long as it takes),
        then raises PoolBusy. Raises UserError for a problem in the inputs,
        RenderStopped when the render ran past `timeout` (default: the pool's)
        or its process died; the pool replaces that worker and goes on.
        """
        with self.reserve(wait) as lease:
            return lease.render(handout, fmt, strict, timeout, html)

    @contextlib.contextmanager
    def reserve(self, wait: float | None = None) -> Iterator[Lease]:
        """Hold one worker for a series of renders (or to keep others waiting, in a test)."""
        if self._closed:
            raise RuntimeError("the render pool is closed")
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise PoolBusy(self.size, wait) from None
        lease = Lease(self, worker)
        try:
            yield lease
        finally:
            if self._closed:
                self._forget(lease._worker)
                lease._worker.stop()
            else:
                self._idle.put(lease._worker)

    def close(self) -> None:
        """Stop every idle worker now, and each busy one as soon as its render ends."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            self._forget(worker)
            worker.stop()
        with self._lock:
            leftovers = list(self._all)  # only after a failed start: never put in the queue
        for worker in leftovers:
            if not worker.ready:
                self._forget(worker)
                worker.kill()
        scratch.sweep()  # the private folders of workers killed on the way

    def terminate(self) -> None:
        """Kill every worker now, busy ones too: the caller is stopping (Ctrl+C, SIGTERM).
        A render in flight ends with RenderStopped; no worker is started in its place."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in workers:
            self._forget(worker)
            worker.kill()
        scratch.sweep()

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self, inputs: Inputs | None = None) -> _Worker:
        ctx = multiprocessing.get_context("fork") if inputs is not None else self._ctx
        worker = _Worker(ctx, self.clinic_dir, self.project, self.memory_limit, self.warm,
                         inputs)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill `worker` and start another in its place; it warms up while it waits in line.
        A closed pool starts none: the dead worker stays, and is forgotten."""
        worker.kill()
        self._forget(worker)
        return worker if self._closed else self._start()

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)


def _context():
    """forkserver: workers fork from a clean single-threaded server, never from our threads."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # no forkserver on this platform
        return multiprocessing.get_context("spawn")
    # Import the heavy modules once in the fork server, so a replacement worker starts in
    # well under a second. Has effect only if the fork server is not running yet.
    ctx.set_forkserver_preload(["handouts.pipeline.make", "weasyprint"])
    return ctx
