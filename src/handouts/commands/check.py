"""`handouts check`: validate content, clinic and catalogs without rendering anything."""

from __future__ import annotations

from pathlib import Path

from ..domain import SOURCE_LANGUAGE, counted
from ..errors import Problem, Problems, UserError, display_path
from ..files import Memo
from ..i18n.catalogs import check_all, damaged_mo, po_path
from ..i18n.checks import CHECKS_MEMO
from ..inputs.languages import language
from ..inputs.readability import MAX_GRADE, grades
from ..inputs.signoff import changed_since_signoff
from ..pipeline.make import load_sources
from ..project import PROJECT, Project


def check(clinic_dir: Path, strict: bool = False, project: Project = PROJECT) -> str:
    """Check every input; raise UserError with every problem, or return a short report.

    `strict`: a language the clinic offers that is not fully translated is an error too
    (without it, its missing strings are shown in English, with a warning, at build)."""
    problems = Problems()
    content = clinic = None
    try:
        content, clinic = load_sources(clinic_dir, project)
    except UserError as exc:
        problems.extend(exc)
    check_all(project.locales_dir, problems, Memo(project.cache_dir / CHECKS_MEMO))
    damaged = _damaged_catalogs(project, clinic.languages if clinic else ())
    if project.packaged:
        problems.items += [Problem(path, None, f"the compiled catalog is damaged ({why}); "
                                               "install handouts again") for path, why in damaged]
    problems.check()
    if strict:
        problems.items.extend(_incomplete(project, clinic.languages))
    grade = grades(content, project.cache_dir / "readability.json")
    for tid, g in grade.items():
        if g > MAX_GRADE:
            problems.add(content.topics[tid].path, None, f"reading grade {g:.1f} is above "
                         f"{MAX_GRADE:g} (Flesch-Kincaid); use shorter sentences and words")
    problems.check()
    unreviewed = [t.id for t in content.topics.values() if not t.signed_off]
    lines = [f"OK: {len(content.topics)} topics, {len(content.stages)} stages, "
             f"clinic {clinic.id!r} ({', '.join(clinic.languages)})",
             "Reading grade (Flesch-Kincaid, highest over routes): "
             + ", ".join(f"{tid} {g:.1f}" for tid, g in sorted(grade.items()))]
    if unreviewed:
        lines.append(f"note: {counted(len(unreviewed), 'topic')} pending clinical review: "
                     + ", ".join(unreviewed))
    lines += [f"note: {p}" for p in changed_since_signoff(content)]
    lines += [f"note: {path}: damaged ({why}); the next build compiles it again from its .po"
              for path, why in damaged]
    return "\n".join(lines)


def _damaged_catalogs(project: Project, offered) -> list[tuple[str, str]]:
    """(path, why) of each compiled catalog (.mo) of the clinic's languages that gettext
    cannot read."""
    found = []
    for tag in offered:
        if tag == SOURCE_LANGUAGE:
            continue
        po = po_path(project.locales_dir, language(tag))
        why = damaged_mo(po)
        if why:
            found.append((display_path(po.with_suffix(".mo")), why))
    return found


def _incomplete(project: Project, offered: tuple[str, ...]) -> list[Problem]:
    """`i18n status --check`'s problems with the .pot and the languages the clinic offers."""
    from ..i18n.workflow import pot_path, status

    _, problems = status(project)
    paths = {display_path(pot_path(project))} | {
        display_path(po_path(project.locales_dir, language(tag)))
        for tag in offered if tag != SOURCE_LANGUAGE}
    return [p for p in problems if p.path in paths]
