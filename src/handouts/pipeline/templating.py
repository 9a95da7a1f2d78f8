"""The Jinja2 environment that turns a localized handout into HTML.

Autoescape is on and cannot be turned off by a template; undefined variables
are errors; templates run in Jinja's sandbox. Gettext callables are passed per
render (not installed globally) so one environment serves every language at
once, and a translation is escaped like any other text: translators write text,
never markup.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_decimal
from jinja2 import FileSystemLoader, StrictUndefined, TemplateSyntaxError, nodes, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from ..domain import SOURCE_LANGUAGE, bind_amounts
from ..errors import Problem, UserError
from ..files import read_inside
from ..i18n.catalogs import Catalog
from ..inputs.cldr import TIME_WORDING, TimeWording
from ..inputs.languages import text_direction

MAX_TEMPLATE_STRING = 100_000  # longest string or list a template may build


class HandoutEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, plus a cap on `*` and `**` so `'a'*10**9` cannot eat memory."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large in template")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) \
                        and len(seq) * n > MAX_TEMPLATE_STRING:
                    raise SecurityError("template builds a string or list that is too long")
        return super().call_binop(context, operator, left, right)


@cache
def environment(template_dirs: tuple[Path, ...]) -> HandoutEnvironment:
    """One environment per set of template folders (the first folder wins)."""
    env = HandoutEnvironment(
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
                       clock=_clock, appointment=_appointment, textdir=text_direction,
                       nowidow=nowidow)
    return env


def gettext_callables(catalog: Catalog, missing: list[str]) -> dict:
    """`gettext`, `pgettext`, `ngettext`, `npgettext`, `_` for one catalog, newstyle and
    escaping; plurals take the form the catalog's Plural-Forms gives the number.

    Each string shown in English for want of a translation is added to `missing`."""

    def show(found: str | None, context: str | None, source: str, variables: dict) -> Markup:
        if found is not None:
            if catalog.language.keep_words:  # Korean: lines break between words only
                return Markup(bind_amounts(keep_words(escape(found)) % variables))
            return Markup(bind_amounts(escape(found) % variables))
        missing.append(f"{context or ''}|{source[:60]}")
        text = Markup(bind_amounts(escape(source) % variables))
        if catalog.is_source:
            return text
        return Markup('<span lang="{}">{}</span>').format(SOURCE_LANGUAGE, text)

    def gettext(msgid: str, **variables) -> Markup:
        return show(catalog.lookup(None, msgid), None, msgid, variables)

    def pgettext(context: str, msgid: str, **variables) -> Markup:
        return show(catalog.lookup(context, msgid), context, msgid, variables)

    def npgettext(context: str | None, singular: str, plural: str, num: int,
                  **variables) -> Markup:
        variables.setdefault("num", num)
        found = catalog.lookup_plural(context, singular, plural, num)
        return show(found, context, singular if num == 1 else plural, variables)

    def ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
        return npgettext(None, singular, plural, num, **variables)

    return {"gettext": gettext, "_": gettext, "pgettext": pgettext, "ngettext": ngettext,
            "npgettext": npgettext}


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
    """A time of day as the language says it; with the weekday and date when it falls on
    another day than `reference` (fasting starts the evening before an early visit)."""
    locale = ctx["locale"]
    wording = TIME_WORDING.get(str(locale), TimeWording())
    time = format_time(value, "short", locale=locale)
    if value.date() == reference.date():
        return wording.time.format(time=time)
    day = format_skeleton(wording.day, value, locale=locale) if wording.skeleton \
        else format_date(value, wording.day, locale=locale)
    if wording.day_time is None:
        return _join(locale, day, time)
    return wording.day_time.format(day=day, time=time)


def _join(locale, date: str, time: str) -> str:
    """A date and a time joined the locale's way ("{1}, {0}", "{1}، {0}", "{0} {1}")."""
    pattern = locale.datetime_formats.get("full", "{1} {0}")
    pattern = getattr(pattern, "pattern", pattern)
    return pattern.replace("{1}", date).replace("{0}", time)


def keep_words(text: Markup) -> Markup:
    """Each word of an escaped string in an unbreakable span (`.kw`), spaces between."""
    return Markup("").join(Markup('<span class="kw">{}</span>').format(Markup(part))
                           if part and not part.isspace() else Markup(part)
                           for part in re.split(r"(\s+)", str(text)))


def nowidow(value) -> Markup:
    """Join the last two words with a no-break space, so that when a line wraps, no word
    stands alone on the last line (a footer notice); in a script written without spaces
    (Chinese), the last two characters with a word joiner. Tags are left alone."""
    html = str(escape(value))
    text = [i for i, inside in _outside_tags(html) if not inside]  # positions of text
    spaces = [i for i in text if html[i] == " "]
    if spaces:
        i = spaces[-1]
        return Markup(html[:i] + "\u00a0" + html[i + 1:])
    wide = [i for i in text if unicodedata.east_asian_width(html[i]) == "W"]
    if len(wide) >= 2 and wide[-1] == wide[-2] + 1:
        return Markup(html[:wide[-1]] + "\u2060" + html[wide[-1]:])
    return Markup(html)


def _outside_tags(html: str):
    """(position, inside a tag) for each character of an HTML string."""
    inside = False
    for i, c in enumerate(html):
        if c == "<":
            inside = True
        yield i, inside or c == ">"
        if c == ">":
            inside = False


def check_templates(folder: Path) -> list[Problem]:
    """Refuse clinic templates that would turn escaping off or emit raw markup."""
    env = environment((folder,))
    problems = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        try:  # only regular files inside the folder: Jinja would follow a link anywhere
            source = read_inside(path, folder).decode("utf-8")
            tree = env.parse(source, path.name, str(path))
        except UserError as exc:
            problems += exc.problems
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), None, f"cannot read template: {exc}"))
            continue
        except TemplateSyntaxError as exc:
            problems.append(Problem(str(path), exc.lineno, f"template syntax error: "
                                                           f"{exc.message}"))
            continue
        for node in tree.find_all((nodes.Filter, nodes.EvalContextModifier, nodes.Name,
                                   nodes.Getattr)):
            why = _forbidden(node)
            if why:
                problems.append(Problem(str(path), node.lineno, why))
    return problems


def _forbidden(node) -> str | None:
    if isinstance(node, nodes.Filter) and node.name == "safe":
        return "'|safe' is not allowed: clinic templates cannot output raw markup"
    if isinstance(node, nodes.EvalContextModifier):
        return "'{% autoescape %}' is not allowed: escaping stays on"
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"attribute {node.attr!r} is not allowed in templates"
    if isinstance(node, nodes.Name) and node.name in ("Markup", "self") and node.ctx == "load":
        return f"{node.name!r} is not allowed in clinic templates"
    return None


@pass_context
def _appointment(ctx, value: dt.datetime) -> str:
    """Full date and short time, joined the locale's way."""
    locale = ctx["locale"]
    return _join(locale, format_date(value, "full", locale=locale),
                 format_time(value, "short", locale=locale))
