"""The orchestrator: plan the handouts, load and check every input, then render and write.

Nothing is written until every input (content, clinic, catalogs, options) has
been loaded and checked. Each file is written through a temp file and a
rename, so an interrupted batch leaves whole files only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..domain import DEFAULT_CLINIC, DEFAULT_JOBS, DEFAULT_OUT, STAGES, check_choice
from ..errors import Problem, UserError
from ..files import atomic_write
from ..inputs.languages import language, parse_language
from ..inputs.patient import Patient
from ..pipeline.cache import PdfCache, cache_key
from ..pipeline.handout import Handout, handout_id
from ..pipeline.make import Composed, Inputs, compose, load_inputs, render
from ..project import PROJECT, Project


@dataclass(frozen=True)
class Options:
    clinic_dir: Path = DEFAULT_CLINIC
    stages: tuple[str, ...] = ()   # empty: every stage
    langs: tuple[str, ...] = ()    # empty: every language the clinic offers
    route: str | None = None       # None: the clinic's default route
    out: Path = DEFAULT_OUT
    output: Path | None = None     # exactly one handout to this file
    fmt: str = "pdf"
    strict: bool = False
    patient: Patient = Patient()
    large_print: bool = False
    second_lang: str | None = None
    jobs: int = DEFAULT_JOBS       # worker processes for rendering; 0: in this process


@dataclass
class Result:
    written: list[Path]
    warnings: list[str]
    seconds: float


def plan(inputs: Inputs, opts: Options) -> list[Handout]:
    """The handouts a build makes: stage x language for one route, checked against choices."""
    clinic = inputs.clinic
    for s in opts.stages:
        check_choice(s, STAGES, "--stage")
    route = check_choice(opts.route or clinic.routes[0], clinic.routes, "--route",
                         f"the routes {clinic.id!r} offers")
    langs = [parse_language(t, list(clinic.languages), "--lang") for t in opts.langs] \
        or [language(t) for t in clinic.languages]
    stages = list(dict.fromkeys(opts.stages)) or list(STAGES)
    second = parse_language(opts.second_lang, list(clinic.languages), "--second-lang") \
        if opts.second_lang else None
    handouts = [Handout(s, route, lang, opts.patient, opts.large_print,
                        second if second != lang else None)
                for lang in dict.fromkeys(langs) for s in stages]
    if opts.patient and not opts.output:
        # A file name the tool picks must never carry patient details, and a
        # personalised handout belongs in one file the user chose.
        raise UserError("--patient-name, --appointment and --provider need --output FILE "
                        "(one handout, written where you choose)")
    if opts.output and len(handouts) != 1:
        raise UserError(f"--output writes exactly one handout, but this asks for "
                        f"{len(handouts)}; give one --stage and one --lang")
    return handouts


def target(inputs: Inputs, opts: Options, h: Handout) -> Path:
    if opts.output:
        return opts.output
    return opts.out / inputs.clinic.id / h.language.tag / h.filename(inputs.clinic, opts.fmt)


@dataclass(frozen=True)
class _Job:
    """A handout composed but not in the cache: to render, then write to `path`."""

    composed: Composed
    path: Path
    key: str | None  # its cache key (None: not cached)

    @property
    def handout(self) -> Handout:
        return self.composed.handout


def build(opts: Options, progress: Callable[[str], None] | None = None,
          project: Project = PROJECT) -> Result:
    """Build the handouts `opts` asks for; return what was written.

    Every handout is composed (and so checked) before anything is written. PDFs
    whose inputs are unchanged come from the cache; the rest are rendered, in
    `opts.jobs` worker processes (0: in this process). A render that fails is
    reported by name at the end; the others are still written.
    """
    started = time.perf_counter()
    inputs = load_inputs(opts.clinic_dir, project)
    handouts = plan(inputs, opts)
    say = progress or (lambda message: None)
    cache = None if opts.patient or opts.fmt != "pdf" else PdfCache(opts.out / ".cache")
    warnings: list[str] = []
    jobs: list[_Job] = []
    written: list[Path] = []
    pool = None  # the render workers, started at the first cache miss
    try:
        for h in handouts:
            try:
                composed = compose(inputs, h, opts.strict)
            except UserError as exc:
                raise UserError(_named(inputs, h, exc)) from None
            warnings += [f"{handout_id(h)}: {w}" for w in composed.warnings]
            path = target(inputs, opts, h)
            if opts.fmt == "html":
                atomic_write(path, composed.html.encode("utf-8"))
                written.append(path)
                continue
            key = cache_key(composed.html, (inputs.clinic.logo,)) if cache else None
            data = cache.get(key) if cache else None
            if data is not None:
                _write_if_changed(path, data)
                written.append(path)
                continue
            jobs.append(_Job(composed, path, key))
            if opts.jobs > 0 and pool is None:
                pool = _start_pool(inputs, opts.clinic_dir, min(opts.jobs, len(handouts)))
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    if len(written) and cache:
        say(f"{len(written)} handout(s) unchanged (from the cache)")
    failures = _render_all(inputs, opts, jobs, cache, say, written, warnings, pool)
    if failures:
        raise UserError(failures)
    return Result(written, warnings, time.perf_counter() - started)


def _start_pool(inputs: Inputs, clinic_dir: Path, size: int):
    """`size` render workers, forked from this process now.

    WeasyPrint is imported here first, once, so the workers inherit it ready to render
    while this process composes the remaining handouts.
    """
    from ..pipeline.pool import RenderPool
    from ..pipeline.render import _weasy

    _weasy()
    # No warm-up: in a batch, the first renders load the fonts they need anyway.
    return RenderPool(clinic_dir, workers=size, warm=False, project=inputs.project,
                      inputs=inputs)


def _render_all(inputs: Inputs, opts: Options, jobs: list[_Job], cache, say, written,
                warnings, pool) -> list[Problem]:
    """Render what the cache did not have; return one message per failed handout."""
    failures: list[Problem] = []

    def done(i: int, job: _Job, data: bytes) -> None:
        h = job.handout
        say(f"[{i}/{len(jobs)}] {h.language.tag} {h.stage} ({h.route})")
        atomic_write(job.path, data)
        if cache is not None and job.key:
            cache.put(job.key, data)
        written.append(job.path)

    if pool is None:
        for i, job in enumerate(jobs, 1):
            try:
                rendered = render(inputs, job.composed, opts.strict)
            except UserError as exc:
                failures.append(_named(inputs, job.handout, exc))
                continue
            warnings += [f"{handout_id(job.handout)}: {w}" for w in rendered.warnings]
            done(i, job, rendered.data)
        return failures

    from concurrent.futures import ThreadPoolExecutor, as_completed

    # Longest first, so no worker is left with a long render after the others are done:
    # the length of the HTML in bytes tracks the render time (CJK text, Korean word spans).
    jobs = sorted(jobs, key=lambda job: len(job.composed.html.encode("utf-8")), reverse=True)
    try:
        with ThreadPoolExecutor(max_workers=pool.size) as threads:
            futures = {threads.submit(pool.render, job.handout, opts.fmt, opts.strict,
                                      html=job.composed.html): job for job in jobs}
            for i, future in enumerate(as_completed(futures), 1):
                job = futures[future]
                try:
                    data = future.result()
                except UserError as exc:
                    failures.append(_named(inputs, job.handout, exc))
                    continue
                done(i, job, data)
    finally:
        pool.close()
    return failures


def _named(inputs: Inputs, h: Handout, exc: UserError) -> Problem:
    """A handout's problem, named as its output file: `en/aftercare.pdf: ...`."""
    return Problem(f"{h.language.tag}/{h.filename(inputs.clinic)}", None,
                   "; ".join(str(p) if p.path != "handouts" else p.message
                             for p in exc.problems))


def _write_if_changed(path: Path, data: bytes) -> None:
    if not (path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data):
        atomic_write(path, data)


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
