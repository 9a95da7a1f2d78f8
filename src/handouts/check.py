"""`handouts check`: validate content, clinic and catalogs without rendering anything."""

from __future__ import annotations

from pathlib import Path

from .build import PROJECT
from .catalogs import available_languages, check_all
from .clinic import load_clinic
from .compose import Project
from .content import load_content
from .errors import Problems, UserError


def check(clinic_dir: Path, strict: bool = False, project: Project = PROJECT) -> str:
    """Check every input; raise UserError with every problem, or return a short report."""
    problems = Problems()
    content = clinic = None
    try:
        content = load_content(project.content_dir)
    except UserError as exc:
        problems.extend(exc)
    try:
        clinic = load_clinic(clinic_dir, available_languages(project.locales_dir))
    except UserError as exc:
        problems.extend(exc)
    check_all(project.locales_dir, problems)
    problems.check()
    from .readability import MAX_GRADE, grades

    grade = grades(content, project.root / ".cache" / "readability.json")
    for tid, g in grade.items():
        if g > MAX_GRADE:
            problems.add(content.topics[tid].path, None, f"reading grade {g:.1f} is above "
                         f"{MAX_GRADE:g} (Flesch-Kincaid); use shorter sentences and words")
    problems.check()
    unreviewed = [t.id for t in content.topics.values() if not t.reviewed]
    lines = [f"OK: {len(content.topics)} topics, {len(content.stages)} stages, "
             f"clinic {clinic.id!r} ({', '.join(clinic.languages)})",
             "Reading grade (Flesch-Kincaid, highest over routes): "
             + ", ".join(f"{tid} {g:.1f}" for tid, g in sorted(grade.items()))]
    if unreviewed:
        lines.append(f"note: {len(unreviewed)} topic(s) pending clinical review: "
                     + ", ".join(unreviewed))
    return "\n".join(lines)
