"""The orchestrator: plan the handouts, load and check every input, then render and write.

Nothing is written until every input (content, clinic, catalogs, options) has
been loaded and checked. Each file is written through a temp file and a
rename, so an interrupted batch leaves whole files only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .cache import PdfCache, cache_key
from .catalogs import Catalog, available_languages, load_catalog
from .clinic import Clinic, load_clinic
from .compose import Handout, Project, compose_html
from .content import STAGES, Content, load_content
from .errors import Problem, UserError
from .files import atomic_write
from .languages import language, parse_language
from .patient import Patient
from .render import render_pdf
from .schema import check_choice

PROJECT = Project(Path(__file__).resolve().parents[2])


@dataclass(frozen=True)
class Options:
    clinic_dir: Path = Path("clinics/demo")
    stages: tuple[str, ...] = ()   # empty: every stage
    langs: tuple[str, ...] = ()    # empty: every language the clinic offers
    route: str | None = None       # None: the clinic's default route
    out: Path = Path("out")
    output: Path | None = None     # exactly one handout to this file
    fmt: str = "pdf"
    strict: bool = False
    patient: Patient = Patient()
    large_print: bool = False
    second_lang: str | None = None
    jobs: int = 0                   # worker processes for rendering; 0: in this process


@dataclass
class Inputs:
    """Everything a build needs, loaded and checked."""

    project: Project
    content: Content
    clinic: Clinic
    catalogs: dict[str, Catalog] = field(default_factory=dict)


@dataclass
class Result:
    written: list[Path]
    warnings: list[str]
    seconds: float


def load_inputs(clinic_dir: Path, project: Project = PROJECT) -> Inputs:
    """Load content, clinic and catalogs (the clinic's languages), or raise UserError."""
    available = available_languages(project.locales_dir)
    problems: list = []
    content = clinic = None
    try:
        content = load_content(project.content_dir)
    except UserError as exc:
        problems += exc.problems
    try:
        clinic = load_clinic(clinic_dir, available)
    except UserError as exc:
        problems += exc.problems
    if problems:
        raise UserError(problems)
    inputs = Inputs(project, content, clinic)
    for tag in clinic.languages:
        inputs.catalogs[tag] = load_catalog(project.locales_dir, language(tag))
    return inputs


def plan(inputs: Inputs, opts: Options) -> list[Handout]:
    """The handouts a build makes: stage x language for one route, checked against choices."""
    clinic = inputs.clinic
    for s in opts.stages:
        check_choice(s, STAGES, "'--stage'")
    route = check_choice(opts.route or clinic.routes[0], clinic.routes, "'--route'",
                         f"the routes {clinic.id!r} offers")
    langs = [parse_language(t, list(clinic.languages), "'--lang'") for t in opts.langs] \
        or [language(t) for t in clinic.languages]
    stages = list(dict.fromkeys(opts.stages)) or list(STAGES)
    second = parse_language(opts.second_lang, list(clinic.languages), "'--second-lang'") \
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
class Rendered:
    data: bytes
    warnings: tuple[str, ...]  # WeasyPrint's (missing glyphs, refused files) and ours


def compose(inputs: Inputs, h: Handout, strict: bool = False) -> tuple[str, list[str]]:
    """One handout's HTML, and warnings about strings shown in English."""
    catalog = inputs.catalogs[h.language.tag]
    second = inputs.catalogs[h.second.tag] if h.second else None
    for c in (catalog, second):
        if c:
            c.missing.clear()
    html = compose_html(inputs.project, inputs.content, inputs.clinic, h, catalog, second)
    missing = catalog.missing + (second.missing if second else [])
    if missing and strict:
        raise UserError(f"{h.stage} ({h.language.tag}): {len(missing)} string(s) have no "
                        f"translation, e.g. {missing[0]!r}")
    return html, [f"{len(missing)} string(s) shown in English (no translation)"] \
        if missing else []


def render_handout(inputs: Inputs, h: Handout, fmt: str = "pdf",
                   strict: bool = False) -> Rendered:
    """One handout as PDF (or HTML) bytes, with what went wrong on the way."""
    html, warnings = compose(inputs, h, strict)
    if fmt == "html":
        return Rendered(html.encode("utf-8"), tuple(warnings))
    return render_html(inputs, h, html, warnings, strict)


def render_html(inputs: Inputs, h: Handout, html: str, warnings: list[str],
                strict: bool = False) -> Rendered:
    """The PDF of a handout already composed (by `compose`), with WeasyPrint's warnings."""
    roots = (inputs.project.templates_dir, inputs.clinic.folder)
    pdf, log = render_pdf(html, inputs.project.templates_dir, roots, strict=strict)
    if strict and log.warnings:
        raise UserError(f"{h.stage} ({h.language.tag}): " + "; ".join(log.warnings[:3]))
    refused = [f"refused resource {url}" for url in log.refused]
    return Rendered(pdf, tuple(warnings + log.warnings + refused))


def make(inputs: Inputs, h: Handout, fmt: str = "pdf", strict: bool = False) -> bytes:
    """One handout as PDF (or HTML) bytes."""
    return render_handout(inputs, h, fmt, strict).data


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
    personal = bool(opts.patient)
    cache = None if personal or opts.fmt != "pdf" else PdfCache(opts.out / ".cache")
    warnings: list[str] = []
    jobs: list[tuple[Handout, Path, str | None, str]] = []
    written: list[Path] = []
    workers = opts.jobs > 0 and project is PROJECT  # else: render in this process
    pool = None  # the render workers, started at the first cache miss
    try:
        for h in handouts:
            try:
                html, found = compose(inputs, h, opts.strict)
            except UserError as exc:
                raise UserError(_named(inputs, h, exc)) from None
            warnings += [f"{h.language.tag}/{h.stage}: {w}" for w in found]
            path = target(inputs, opts, h)
            if opts.fmt == "html":
                atomic_write(path, html.encode("utf-8"))
                written.append(path)
                continue
            key = cache_key(html, (inputs.clinic.logo,)) if cache else None
            data = cache.get(key) if cache else None
            if data is None:
                jobs.append((h, path, key, html))
                if workers and pool is None:
                    pool = _start_pool(inputs, opts.clinic_dir, min(opts.jobs, len(handouts)))
            else:
                _write_if_changed(path, data)
                written.append(path)
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
    from .render import _weasy
    from .workers import RenderPool

    _weasy()
    # No warm-up: in a batch, the first renders load the fonts they need anyway.
    return RenderPool(clinic_dir, workers=size, warm=False, inputs=inputs)


def _render_all(inputs: Inputs, opts: Options, jobs, cache, say, written, warnings,
                pool) -> list[Problem]:
    """Render what the cache did not have; return one message per failed handout."""
    failures: list[Problem] = []
    total = len(jobs)

    def done(i, h, path, key, data):
        say(f"[{i}/{total}] {h.language.tag} {h.stage} ({h.route})")
        atomic_write(path, data)
        if cache is not None and key:
            cache.put(key, data)
        written.append(path)

    def failed(h, exc):
        failures.append(_named(inputs, h, exc))

    if pool is None:
        for i, (h, path, key, html) in enumerate(jobs, 1):
            try:
                # Composed once already (for the cache key): render that HTML.
                rendered = render_html(inputs, h, html, [], opts.strict)
            except UserError as exc:
                failed(h, exc)
                continue
            warnings += [f"{h.language.tag}/{h.stage}: {w}" for w in rendered.warnings]
            done(i, h, path, key, rendered.data)
        return failures

    from concurrent.futures import ThreadPoolExecutor, as_completed

    # Longest first, so no worker is left with a long render after the others are done:
    # the length of the HTML in bytes tracks the render time (CJK text, Korean word spans).
    jobs = sorted(jobs, key=lambda job: len(job[3].encode("utf-8")), reverse=True)
    try:
        with ThreadPoolExecutor(max_workers=pool.size) as threads:
            futures = {threads.submit(pool.render, h, opts.fmt, opts.strict, html=html):
                       (h, path, key) for h, path, key, html in jobs}
            for i, future in enumerate(as_completed(futures), 1):
                h, path, key = futures[future]
                try:
                    data = future.result()
                except UserError as exc:
                    failed(h, exc)
                    continue
                done(i, h, path, key, data)
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
