"""Gettext catalogs: `locales/<folder>/LC_MESSAGES/handouts.po`, compiled to `.mo` on demand.

The `.mo` is a build product: it is (re)compiled whenever its `.po` is newer,
after the `.po` passed the same checks as `handouts i18n status --check`, so a
broken catalog never reaches a handout. Review sign-off lives in the `.po`
header comment (`# Reviewed-By:` / `# Reviewed-On:`), which Babel and Poedit
keep across updates, unlike custom header fields.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from .errors import Problem, Problems, UserError, display_path
from .files import atomic_write
from .languages import SOURCE_LANGUAGE, Language, language, to_tag

DOMAIN = "handouts"
_PERCENT = re.compile(r"%\((\w+)\)s|%%|%")
_BRACES = re.compile(r"\{(\w+)\}")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&[A-Za-z#][A-Za-z0-9]*;")
_REVIEW = re.compile(r"^#[ \t]*(Reviewed-By|Reviewed-On):[ \t]*(.*?)[ \t]*$", re.M)


def po_path(locales: Path, lang: Language) -> Path:
    return locales / lang.folder / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages(locales: Path) -> list[str]:
    """English (the source) and every language with a catalog, as BCP 47 tags."""
    tags = [SOURCE_LANGUAGE]
    for po in sorted(Path(locales).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        tag = to_tag(po.parent.parent.name)
        try:
            language(tag)
        except ValueError:
            continue
        tags.append(tag)
    return tags


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted, in both `%(name)s` and `{name}` forms."""
    names = [m.group(1) for m in _PERCENT.finditer(text) if m.group(1)]
    return sorted(names + ["{" + n + "}" for n in _BRACES.findall(text)])


def message_problems(msgid: str, msgstr: str) -> list[str]:
    """What is wrong with one translation (empty when fine)."""
    out = []
    if placeholders(msgid) != placeholders(msgstr):
        out.append(f"placeholders differ: msgid has {placeholders(msgid)}, "
                   f"msgstr has {placeholders(msgstr)}")
    lone = [m.group(0) for m in _PERCENT.finditer(msgstr) if m.group(0) == "%"]
    if lone:
        out.append("a lone '%' in msgstr; write '%%' for a percent sign")
    if _MARKUP.search(msgstr) and not _MARKUP.search(msgid):
        out.append(f"msgstr contains markup {_MARKUP.search(msgstr).group(0)!r}; "
                   "translations are plain text")
    if msgid.count("**") != msgstr.count("**"):
        out.append("bold markers '**' differ between msgid and msgstr")
    return out


@dataclass(frozen=True)
class Review:
    by: str | None
    on: str | None

    @property
    def done(self) -> bool:
        return bool(self.by and self.on)


def read_review(po: Path) -> Review:
    """The sign-off recorded in a catalog's header comment."""
    head = po.read_text(encoding="utf-8")[:4000].split('msgid ""', 1)[0]
    found = {k: v for k, v in _REVIEW.findall(head) if v}
    return Review(found.get("Reviewed-By"), found.get("Reviewed-On"))


def check_po(po: Path) -> tuple[object, list[Problem]]:
    """Parse a `.po` and list every broken translation with its line."""
    shown = display_path(po)
    try:
        with po.open("rb") as f:
            catalog = read_po(f, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(Problem(shown, None, f"cannot read catalog: {exc}")) from None
    problems = []
    for msg in catalog:
        if not msg.id or not msg.string or msg.fuzzy:
            continue
        pairs = zip(msg.id, msg.string, strict=False) if isinstance(msg.id, tuple) \
            else [(msg.id, msg.string)]
        for msgid, msgstr in pairs:
            for p in message_problems(msgid, msgstr or msgid):
                problems.append(Problem(shown, msg.lineno, p))
    return catalog, problems


def compile_catalog(po: Path, force: bool = False) -> Path:
    """Compile `po` to its `.mo` if the `.po` is newer; refuse a catalog with errors."""
    mo = po.with_suffix(".mo")
    if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo
    catalog, problems = check_po(po)
    if problems:
        raise UserError(problems)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    atomic_write(mo, buf.getvalue())
    return mo


@dataclass
class Catalog:
    """Runtime lookups for one language; counts strings that fell back to English."""

    language: Language
    review: Review
    _translations: gettext.NullTranslations
    missing: list[str] = field(default_factory=list)

    @property
    def is_source(self) -> bool:
        return self.language.tag == SOURCE_LANGUAGE

    def lookup(self, context: str | None, msgid: str) -> str | None:
        """The translation, or None when this catalog has none (caller falls back)."""
        if self.is_source:
            return msgid
        key = f"{context}\x04{msgid}" if context else msgid
        found = self._translations._catalog.get(key)  # type: ignore[attr-defined]
        if found is None:
            self.missing.append(f"{context or ''}|{msgid[:60]}")
        return found


def load_catalog(locales: Path, lang: Language) -> Catalog:
    if lang.tag == SOURCE_LANGUAGE:
        return Catalog(lang, Review("source text", "-"), gettext.NullTranslations())
    po = po_path(locales, lang)
    if not po.is_file():
        raise UserError(f"{display_path(po)}: no catalog for {lang.tag!r}")
    mo = compile_catalog(po)
    with mo.open("rb") as f:
        translations = gettext.GNUTranslations(f)
    return Catalog(lang, read_review(po), translations)


def check_all(locales: Path, problems: Problems) -> None:
    """Check every catalog without compiling (for `handouts check`)."""
    for tag in available_languages(locales)[1:]:
        try:
            _, found = check_po(po_path(locales, language(tag)))
            problems.items.extend(found)
        except UserError as exc:
            problems.extend(exc)
