"""`handouts check`: validate content, clinic and catalogs without rendering anything."""

from __future__ import annotations

from pathlib import Path

from .build import PROJECT
from .catalogs import available_languages, check_all
from .clinic import load_clinic
from .compose import Project
from .content import load_content
from .errors import Problems, UserError
from .templating import check_templates


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
    if clinic and clinic.templates_dir:
        problems.items.extend(check_templates(clinic.templates_dir))
    check_all(project.locales_dir, problems)
    problems.check()
    unreviewed = [t.id for t in content.topics.values() if not t.reviewed]
    lines = [f"OK: {len(content.topics)} topics, {len(content.stages)} stages, "
             f"clinic {clinic.id!r} ({', '.join(clinic.languages)})"]
    if unreviewed:
        lines.append(f"note: {len(unreviewed)} topic(s) pending clinical review: "
                     + ", ".join(unreviewed))
    return "\n".join(lines)
