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

from ..domain import (
    DEFAULT_CLINIC,
    DEFAULT_JOBS,
    DEFAULT_OUT,
    RENDER_TIMEOUT,
    STAGES,
    check_choice,
    counted,
)
from ..errors import Problem, UserError, display_path
from ..files import atomic_write, check_target
from ..inputs.daylist import Visit, read_day_list
from ..inputs.languages import language, parse_language
from ..inputs.patient import Patient
from ..pipeline.batch import Job, render_batch
from ..pipeline.cache import PdfCache, cache_key
from ..pipeline.handout import Handout, handout_id
from ..pipeline.limits import time_limit
from ..pipeline.make import (
    Composed,
    Inputs,
    Rendered,
    compose,
    fail_on_warnings,
    load_inputs,
)
from ..pipeline.packet import day_pdf, make_day, packet_pdf, row_filename
from ..project import PROJECT, Project


@dataclass(frozen=True)
class Options:
    clinic_dir: Path = DEFAULT_CLINIC
    stages: tuple[str, ...] = ()   # empty: every stage
    langs: tuple[str, ...] = ()    # empty: every language the clinic offers
    route: str | None = None       # None: the clinic's default route
    out: Path | None = None        # None: DEFAULT_OUT (a day list needs it or --output)
    output: Path | None = None     # one handout, or one packet (several stages), to this file
    fmt: str = "pdf"
    strict: bool = False
    patient: Patient = Patient()
    large_print: bool = False
    second_lang: str | None = None
    jobs: int = DEFAULT_JOBS       # worker processes for rendering; 0: in this process
    day_list: Path | None = None   # a day's schedule (.csv, .xlsx): a packet per row

    @property
    def out_dir(self) -> Path:
        return self.out or DEFAULT_OUT


@dataclass
class Result:
    written: list[Path]
    warnings: list[str]   # `en/aftercare.pdf: message`, from composing, rendering or the cache
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
    if opts.output and len(langs) != 1:
        raise UserError(f"--output writes one patient's handouts, in one language, but this "
                        f"asks for {len(langs)} languages; give one --lang")
    if opts.output and len(stages) > 1 and opts.fmt != "pdf":
        raise UserError("--format html writes one handout; give one --stage (a packet of "
                        "several stages is a PDF)")
    return handouts


def target(inputs: Inputs, opts: Options, h: Handout) -> Path:
    if opts.output:
        return opts.output
    return opts.out_dir / inputs.clinic.id / h.language.tag / h.filename(inputs.clinic, opts.fmt)


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
          project: Project = PROJECT,
          count: Callable[[int, int], None] | None = None) -> Result:
    """Build the handouts `opts` asks for; return what was written.

    Every handout is composed (and so checked) before anything is written. PDFs
    whose inputs are unchanged come from the cache, with the warnings their render
    gave; the rest are rendered, in `opts.jobs` worker processes (0: in this
    process). A render that fails is reported by name at the end; the others are
    still written. A packet (several stages to one --output) and a day list are never
    cached, and are written only when every handout in them rendered; `count(done,
    total)` follows their renders.
    """
    started = time.perf_counter()
    inputs = load_inputs(opts.clinic_dir, project)
    if opts.day_list is not None:
        return _build_day(inputs, opts, count, started)
    handouts = plan(inputs, opts)
    for h in handouts:  # a folder, FIFO or device in the way: refused before any work
        check_target(target(inputs, opts, h))
    if opts.output and len(handouts) > 1:
        h = handouts[0]
        visit = Visit(0, h.language, tuple(x.stage for x in handouts), h.route, h.patient,
                      h.large_print, h.second)
        return _build_visits(inputs, opts, [visit], lambda v: "", (), count, started)
    say = progress or (lambda message: None)
    cache = None if opts.patient or opts.fmt != "pdf" else PdfCache(opts.out_dir / ".cache")
    run = _Run(inputs, opts, handouts, cache, say)
    pool = None  # the render workers, started at the first cache miss
    try:
        for h in handouts:
            try:
                with time_limit(RENDER_TIMEOUT, handout_id(h)):  # as in a worker of the page
                    composed = compose(inputs, h, opts.strict)
            except UserError as exc:
                raise UserError(_named(inputs, h, exc)) from None
            run.warn(h, composed.warnings)
            job = _Job(composed, target(inputs, opts, h),
                       cache_key(composed.html) if cache else None)
            if not run.finish_without_render(job) and opts.jobs > 0 and pool is None:
                pool = _start_pool(inputs, opts.clinic_dir, min(opts.jobs, len(handouts)))
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    if run.written and cache:
        say(f"{counted(len(run.written), 'handout')} unchanged (from the cache)")
    run.render_all(pool)
    if run.failures:
        raise UserError(run.failures)
    return Result(run.written, run.warnings, time.perf_counter() - started)


class _Run:
    """One build's progress: what is written, what to render, what warned and what failed."""

    def __init__(self, inputs: Inputs, opts: Options, handouts: list[Handout],
                 cache: PdfCache | None, say):
        self.inputs, self.opts, self.cache, self.say = inputs, opts, cache, say
        self.handouts = handouts
        self.jobs: list[_Job] = []
        self.written: list[Path] = []
        self._warned: list[tuple[Handout, str]] = []
        self._failed: list[tuple[Handout, Problem]] = []

    def warn(self, h: Handout, warnings) -> None:
        self._warned += [(h, f"{_name(self.inputs, h)}: {w}") for w in warnings]

    def fail(self, h: Handout, exc: UserError) -> None:
        self._failed.append((h, _named(self.inputs, h, exc)))

    @property
    def warnings(self) -> list[str]:
        return self._in_plan_order(self._warned)

    @property
    def failures(self) -> list[Problem]:
        return self._in_plan_order(self._failed)

    def _in_plan_order(self, pairs):
        """Handout by handout in the plan's order, whatever order the workers finished in."""
        order = {h: i for i, h in enumerate(self.handouts)}
        return [item for _, item in sorted(pairs, key=lambda pair: order[pair[0]])]

    def finish_without_render(self, job: _Job) -> bool:
        """Write an HTML handout, or a PDF from the cache; else queue it and return False."""
        if self.opts.fmt == "html":
            atomic_write(job.path, job.composed.html.encode("utf-8"))
            self.written.append(job.path)
            return True
        hit = self.cache.get(job.key) if self.cache else None
        if hit is None:
            self.jobs.append(job)
            return False
        if self._accept(job.handout, hit):
            _write_if_changed(job.path, hit.data)
            self.written.append(job.path)
        return True

    def _accept(self, h: Handout, rendered: Rendered) -> bool:
        """Note a render's warnings; with --strict they fail the handout, as a render would."""
        if self.opts.strict:
            try:
                fail_on_warnings(rendered.warnings)
            except UserError as exc:
                self.fail(h, exc)
                return False
        self.warn(h, rendered.warnings)
        return True

    def done(self, i: int, job: _Job, rendered: Rendered) -> None:
        h = job.handout
        self.say(f"[{i}/{len(self.jobs)}] {h.language.tag} {h.stage} ({h.route})")
        if not self._accept(h, rendered):
            return
        atomic_write(job.path, rendered.data)
        if self.cache is not None and job.key:
            self.cache.put(job.key, rendered)
        self.written.append(job.path)

    def render_all(self, pool) -> None:
        """Render what the cache did not have, here (no pool) or in the workers, the
        longest first."""
        jobs = [Job(j.handout, j.composed.html, len(j.composed.html.encode("utf-8")))
                for j in self.jobs]
        count = [0]

        def finished(i: int, outcome) -> None:
            count[0] += 1
            if isinstance(outcome, UserError):
                self.fail(self.jobs[i].handout, outcome)
            else:
                self.done(count[0], self.jobs[i], outcome)

        try:
            render_batch(self.inputs, jobs, self.opts.strict, pool=pool, own_pool=True,
                         done=finished)
        finally:
            if pool is not None:
                pool.close()


def _start_pool(inputs: Inputs, clinic_dir: Path, size: int):
    """`size` render workers, forked from this process now.

    WeasyPrint is imported here first, once, so the workers inherit it ready to render
    while this process composes the remaining handouts.
    """
    from ..pipeline.fonts import ensure
    from ..pipeline.pool import RenderPool
    from ..pipeline.render import _weasy

    ensure(inputs.project)  # here, once, not in every worker at the same time
    _weasy()
    # No warm-up: in a batch, the first renders load the fonts they need anyway.
    return RenderPool(clinic_dir, workers=size, warm=False, project=inputs.project,
                      inputs=inputs)


def _name(inputs: Inputs, h: Handout) -> str:
    """How a handout is named in messages: its output file, `en/aftercare.pdf`."""
    return f"{h.language.tag}/{h.filename(inputs.clinic)}"


def _named(inputs: Inputs, h: Handout, exc: UserError) -> Problem:
    """A handout's problem, named as its output file: `en/aftercare.pdf: ...`."""
    return Problem(_name(inputs, h), None, "; ".join(p.placed for p in exc.problems))


def _build_day(inputs: Inputs, opts: Options, count, started: float) -> Result:
    """`--list FILE`: check every row, then a packet per row, to --output or --out."""
    if opts.output is None and opts.out is None:
        raise UserError("--list needs --output FILE.pdf (one PDF for the day) or --out DIR "
                        "(one file per row)")
    if opts.output is not None and opts.out is not None:
        raise UserError("--list writes to --output FILE.pdf or to --out DIR, not both")
    given = [o for o, v in (("--stage", opts.stages), ("--lang", opts.langs),
                            ("--route", opts.route), ("--second-lang", opts.second_lang),
                            ("--patient-name/--appointment/--provider", opts.patient),
                            ("--large-print", opts.large_print)) if v]
    if given:
        raise UserError(f"--list takes each row's details from the list; leave out "
                        f"{', '.join(given)}")
    if opts.fmt != "pdf":
        raise UserError("--list makes PDFs; leave out --format html")
    name = display_path(opts.day_list)
    try:
        data = Path(opts.day_list).read_bytes()
    except OSError as exc:
        raise UserError(f"{name}: cannot read the list: {exc.strerror or exc}") from None
    day_list = read_day_list(data, name, inputs.clinic)
    return _build_visits(inputs, opts, list(day_list.visits), lambda v: f"{name}:{v.row}: ",
                         day_list.warnings, count, started)


def _build_visits(inputs: Inputs, opts: Options, visits: list[Visit], where,
                  warnings: tuple[str, ...], count, started: float) -> Result:
    """Render every visit's handouts (in the workers), then write; nothing on a failure."""
    width = len(str(max(v.row for v in visits)))
    targets = ([opts.output] if opts.output is not None else
               [opts.out_dir / row_filename(v, width) for v in visits])
    for path in targets:  # a folder, FIFO or device in the way: refused before any work
        check_target(path)
    size = sum(len(v.stages) for v in visits)
    pool = _start_pool(inputs, opts.clinic_dir, min(opts.jobs, size)) if opts.jobs else None
    try:
        day = make_day(inputs, visits, where, opts.strict, pool=pool, own_pool=True,
                       done=count)
    finally:
        if pool is not None:
            pool.close()
    written: list[Path] = []
    if opts.output is not None:
        one = opts.day_list is None
        atomic_write(opts.output, packet_pdf(inputs, day.packets[0]) if one
                     else day_pdf(inputs, day))
        written.append(opts.output)
    else:
        for packet, path in zip(day.packets, targets, strict=True):
            atomic_write(path, packet_pdf(inputs, packet))
            written.append(path)
    return Result(written, list(warnings) + list(day.warnings), time.perf_counter() - started)


def _write_if_changed(path: Path, data: bytes) -> None:
    if not (path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data):
        atomic_write(path, data)


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
