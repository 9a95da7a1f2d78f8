"""Compose one handout: localize its topics and fill the stage template into HTML."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import TemplateError
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from ..errors import Problem, UserError
from ..files import read_cached
from ..i18n.catalogs import Catalog, recording
from ..inputs.clinic import Clinic
from ..inputs.content import Content
from ..inputs.languages import Language
from ..project import Project
from .handout import Handout
from .icons import icon_css
from .localize import Localizer
from .notices import clinical_review_pending, translation_review
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
    catalogs = [catalog] + ([second] if second else [])
    try:
        template = env.get_template(name)
        with recording() as localized:  # the stage's and topics' strings
            context = _context(project, content, clinic, handout, catalog, second, missing)
        html = _reviewed(template, context, localized, catalogs, missing)
    except (TemplateError, SecurityError) as exc:
        # Only clinic overrides can get here in practice; name the template.
        where = getattr(exc, "filename", None) or name
        raise UserError(Problem(where, getattr(exc, "lineno", None),
                                f"template error: {exc}")) from None
    return html, missing


def _reviewed(template, context: dict, localized: dict, catalogs: list[Catalog],
              missing: list[str]) -> str:
    """The HTML, with the reviewed notice if every string it prints is approved.

    It is rendered with the draft notice first. If all it printed is approved, it is
    rendered again with the reviewers' names, and kept if what that prints (the notice's
    own words too) is approved by the same people; a third pass settles a notice
    approved by someone else."""
    with recording() as used:
        html = template.render(**context)
    review = translation_review(_merged(localized, used), catalogs)
    shown = len(missing)
    for _ in range(2):
        if review is None:
            return html
        again = dict(context, translation_review=review, translation_unreviewed=False)
        with recording() as used:
            candidate = template.render(**again)
        del missing[shown:]  # the same strings again
        found = translation_review(_merged(localized, used), catalogs)
        if found == review:
            return candidate
        review = found
    return html


def _merged(a: dict, b: dict) -> dict:
    return {tag: a.get(tag, set()) | b.get(tag, set()) for tag in a.keys() | b.keys()}


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
        clinical_review_pending=clinical_review_pending(topics),
        # The draft notice first; _reviewed() decides from what the handout printed.
        translation_unreviewed=not all(c.is_source for c in (catalog, second) if c),
        translation_review=None,
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

