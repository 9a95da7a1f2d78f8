"""Making one handout: load the inputs once, then compose its HTML and render its PDF.

The command-line build, the render workers and the web page all make handouts
through these functions, so each does exactly the same work. WeasyPrint is
imported only when a PDF is rendered (`check` never renders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..domain import MAX_PAGES, counted
from ..errors import UserError
from ..i18n.catalogs import Catalog, available_languages, load_catalog
from ..inputs.clinic import Clinic, load_clinic
from ..inputs.content import Content, load_content
from ..inputs.languages import language
from ..project import PROJECT, Project
from .compose import compose_html
from .handout import Handout
from .templating import check_templates


@dataclass(frozen=True)
class Inputs:
    """Everything a handout is made from, loaded and checked."""

    project: Project
    content: Content
    clinic: Clinic
    catalogs: dict[str, Catalog] = field(default_factory=dict)  # by language tag


@dataclass(frozen=True)
class Composed:
    """One handout's HTML, and what went wrong on the way (strings shown in English)."""

    handout: Handout
    html: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    data: bytes                 # PDF (or HTML) bytes
    warnings: tuple[str, ...]   # WeasyPrint's (missing glyphs, refused files) and ours
    reads: tuple[tuple[str, str], ...] = ()  # (path, sha256) of the files the render read


def load_inputs(clinic_dir: Path, project: Project = PROJECT) -> Inputs:
    """Load content, clinic (with its template overrides) and the clinic's catalogs."""
    content, clinic = load_sources(clinic_dir, project)
    catalogs = {tag: load_catalog(project.locales_dir, language(tag), prebuilt=project.packaged)
                for tag in clinic.languages}
    return Inputs(project, content, clinic, catalogs)


def load_sources(clinic_dir: Path, project: Project = PROJECT) -> tuple[Content, Clinic]:
    """Load and check the content and the clinic (with its template overrides).

    Every problem in content, clinic.yaml and the templates is raised at once."""
    problems: list = []
    content = clinic = None
    try:
        content = load_content(project.content_dir)
    except UserError as exc:
        problems += exc.problems
    try:
        clinic = load_clinic(clinic_dir, available_languages(project.locales_dir))
    except UserError as exc:
        problems += exc.problems
    templates = Path(clinic_dir) / "templates"
    if templates.is_dir():
        problems += check_templates(templates.resolve())
    if problems:
        raise UserError(problems)
    return content, clinic


def compose(inputs: Inputs, h: Handout, strict: bool = False) -> Composed:
    """One handout's HTML; strings with no translation are a warning (`strict`: an error)."""
    catalog = inputs.catalogs[h.language.tag]
    second = inputs.catalogs[h.second.tag] if h.second else None
    html, missing = compose_html(inputs.project, inputs.content, inputs.clinic, h,
                                 catalog, second)
    if missing and strict:
        have = "has" if len(missing) == 1 else "have"
        raise UserError(f"{h.stage} ({h.language.tag}): {counted(len(missing), 'string')} "
                        f"{have} no translation, e.g. {missing[0]!r}")
    warnings = (f"{counted(len(missing), 'string')} shown in English (no translation)",) \
        if missing else ()
    return Composed(h, html, warnings)


def render(inputs: Inputs, composed: Composed, strict: bool = False) -> Rendered:
    """The PDF of a composed handout, with WeasyPrint's warnings (not the composer's).

    `strict`: any warning is an error (see `fail_on_warnings`)."""
    rendered = render_document(inputs.project, composed.html, (inputs.clinic.folder,),
                               personal=bool(composed.handout.patient))
    if strict:
        fail_on_warnings(rendered.warnings)
    return rendered


def render_document(project: Project, html: str, roots: tuple[Path, ...] = (), *,
                    personal: bool = False, max_pages: int = MAX_PAGES) -> Rendered:
    """Any of our HTML (a handout, a review packet) as a PDF with every warning: it may
    read the project's templates, its CJK faces and `roots`."""
    from .fonts import ensure
    from .render import render_pdf

    templates = project.templates_dir
    fonts = ensure(project)  # an installed package makes them on first use
    pdf, log = render_pdf(html, templates, (templates, *roots, fonts),
                          {templates / "fonts": fonts}, max_pages=max_pages)
    warnings = tuple(log.warnings) + tuple(f"refused resource {url}" for url in log.refused) \
        + _glyph_warnings(log.missing_glyphs, personal=personal)
    return Rendered(pdf, warnings, tuple(sorted(log.reads.items())))


def _glyph_warnings(code_points: set[int], personal: bool) -> tuple[str, ...]:
    """One warning per character no font has; for a personalised handout without the
    character, which may come from the patient's name."""
    if not code_points:
        return ()
    if personal:
        if len(code_points) == 1:
            return ("1 character has no glyph in any installed font and prints as an empty "
                    "box",)
        return (f"{len(code_points)} characters have no glyph in any installed font "
                "and print as empty boxes",)
    return tuple(f"no installed font has U+{c:04X} {chr(c)!r}; it prints as an empty box"
                 for c in sorted(code_points))


def fail_on_warnings(warnings: tuple[str, ...]) -> None:
    """With --strict a render's warning is an error: the same answer from a render, from a
    worker and from the cache, which replays the warnings of the render it keeps."""
    if warnings:
        more = f" (and {len(warnings) - 3} more)" if len(warnings) > 3 else ""
        raise UserError("; ".join(warnings[:3]) + more + " (an error with --strict)")


def make(inputs: Inputs, h: Handout, fmt: str = "pdf", strict: bool = False) -> Rendered:
    """One handout as PDF (or HTML) bytes, with every warning from composing and rendering."""
    composed = compose(inputs, h, strict)
    if fmt == "html":
        return Rendered(composed.html.encode("utf-8"), composed.warnings)
    rendered = render(inputs, composed, strict)
    return Rendered(rendered.data, composed.warnings + rendered.warnings, rendered.reads)
