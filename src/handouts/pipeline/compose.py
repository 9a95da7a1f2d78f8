"""Compose one handout: localize its topics and fill the stage template into HTML."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import TemplateError
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from ..errors import Problem, UserError
from ..files import read_cached
from ..i18n.catalogs import Catalog
from ..inputs.clinic import Clinic
from ..inputs.content import Content
from ..inputs.languages import Language
from ..project import Project
from .handout import Handout
from .icons import icon_css
from .localize import Localizer
from .render import source_date
from .templating import environment, gettext_callables
from .timeline import treatment_day


def compose_html(project: Project, content: Content, clinic: Clinic, handout: Handout,
                 catalog: Catalog, second: Catalog | None = None) -> tuple[str, list[str]]:
    """The full HTML of one handout, ready for WeasyPrint, and the strings it shows in
    English for want of a translation (`context|msgid`)."""
    dirs = (clinic.templates_dir,) if clinic.templates_dir else ()
    env = environment((*dirs, project.templates_dir))
    name = f"stages/{handout.stage}.html.j2"
    missing: list[str] = []
    try:
        html = env.get_template(name).render(
            **_context(project, content, clinic, handout, catalog, second, missing))
    except (TemplateError, SecurityError) as exc:
        # Only clinic overrides can get here in practice; name the template.
        where = getattr(exc, "filename", None) or name
        raise UserError(Problem(where, getattr(exc, "lineno", None),
                                f"template error: {exc}")) from None
    return html, missing


@dataclass(frozen=True)
class SecondLanguage:
    """The parts of a bilingual handout that repeat in the second language."""

    lang: Language
    title: object
    intro: object
    topics: list
    summary: object = None


def _context(project: Project, content: Content, clinic: Clinic, handout: Handout,
             catalog: Catalog, second: Catalog | None, missing: list[str]) -> dict:
    stage = content.stages[handout.stage]
    loc = Localizer(catalog, clinic.values(handout.route), missing)
    topics = [content.topics[t] for t in stage.topic_ids(handout.route)]
    local = [loc.topic(t, handout.route) for t in topics]
    # The "most important" box: a first topic made of summary blocks, shown apart.
    summary = local.pop(0) if local and all(b.kind == "summary" for b in local[0].blocks) \
        else None
    title, intro = loc.stage(stage)
    other = None
    if second is not None:
        loc2 = Localizer(second, clinic.values(handout.route), missing)
        other_topics = [loc2.topic(t, handout.route) for t in topics]
        other = SecondLanguage(second.language, *loc2.stage(stage),
                               other_topics[1:] if summary else other_topics,
                               other_topics[0] if summary else None)
    css = read_cached(project.templates_dir / "handout.css").decode("utf-8")
    patient = handout.patient
    return dict(
        **gettext_callables(catalog, missing),
        locale=catalog.language.locale,
        lang=handout.language,
        clinic=clinic,
        logo_url=clinic.logo.as_uri(),
        route=handout.route,
        stage_id=handout.stage,
        title=title,
        intro=intro,
        summary=summary,
        topics=local,
        content_version=content.version,
        clinical_review_pending=not all(t.reviewed for t in topics),
        translation_unreviewed=not catalog.is_source and not catalog.review.done,
        css=Markup(css),  # our own stylesheet; <style> content must not be escaped
        icon_css=Markup(icon_css(project.templates_dir / "icons", clinic.colors.primary)),
        # The clinic's style.css comes after ours so it wins; checked in assets.css_problem
        # (no "</"), so inlining it cannot end the <style> element.
        clinic_css=Markup(clinic.style),
        qr_svg=qr_svg(clinic.contact.website, clinic.colors.text),
        created=source_date(),
        patient=patient,
        timeline=treatment_day(clinic, handout.route, patient.appointment),
        large_print=handout.large_print,
        second=other,
    )


@lru_cache(maxsize=32)
def qr_svg(url: str, color: str) -> str:
    """The clinic website as a QR code, an SVG data URI (an <img> can carry alt text)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(dark=color, border=0)

