"""The Jinja2 environment that turns a localized handout into HTML.

Autoescape is on and cannot be turned off by a template; undefined variables
are errors; templates run in Jinja's sandbox. Gettext callables are passed per
render (not installed globally) so one environment serves every language at
once, and a translation is escaped like any other text: translators write text,
never markup.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_decimal
from jinja2 import FileSystemLoader, StrictUndefined, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .catalogs import Catalog
from .languages import SOURCE_LANGUAGE


@cache
def environment(template_dirs: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    """One environment per set of template folders (the first folder wins)."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # callables format %(vars)s
    env.filters.update(date=_date, time=_time, datetime=_datetime, number=_number,
                       clock=_clock)
    return env


def gettext_callables(catalog: Catalog) -> dict:
    """`gettext`, `pgettext`, `ngettext`, `_` for one catalog, newstyle and escaping."""

    def translate(context: str | None, msgid: str, variables: dict) -> Markup:
        found = catalog.lookup(context, msgid)
        if found is not None:
            return escape(found) % variables
        text = escape(msgid) % variables
        if catalog.is_source:
            return text
        return Markup('<span lang="{}">{}</span>').format(SOURCE_LANGUAGE, text)

    def gettext(msgid: str, **variables) -> Markup:
        return translate(None, msgid, variables)

    def pgettext(context: str, msgid: str, **variables) -> Markup:
        return translate(context, msgid, variables)

    def ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
        variables.setdefault("num", num)
        # Catalog.lookup covers the singular key only; handouts use no plurals yet.
        return translate(None, singular if num == 1 else plural, variables)

    return {"gettext": gettext, "_": gettext, "pgettext": pgettext, "ngettext": ngettext}


@pass_context
def _date(ctx, value: dt.date, form: str = "long") -> str:
    return format_date(value, form, locale=ctx["locale"])


@pass_context
def _time(ctx, value: dt.time | dt.datetime, form: str = "short") -> str:
    return format_time(value, form, locale=ctx["locale"])


@pass_context
def _datetime(ctx, value: dt.datetime, form: str = "long") -> str:
    return format_datetime(value, form, locale=ctx["locale"])


@pass_context
def _number(ctx, value: float) -> str:
    return format_decimal(value, locale=ctx["locale"])


@pass_context
def _clock(ctx, value: dt.datetime, reference: dt.datetime) -> str:
    """A time of day; with the weekday and date when it falls on another day than `reference`."""
    time = format_time(value, "short", locale=ctx["locale"])
    if value.date() == reference.date():
        return time
    return f"{format_skeleton('MMMEd', value, locale=ctx['locale'])}, {time}"
