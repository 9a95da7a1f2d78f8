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
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo

from ..domain import SOURCE_LANGUAGE
from ..errors import Problems, UserError, display_path
from ..files import atomic_write
from ..inputs.languages import Language, language, to_tag
from .checks import check_po

DOMAIN = "handouts"
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


@dataclass(frozen=True)
class Catalog:
    """Runtime lookups for one language."""

    language: Language
    review: Review
    _translations: gettext.NullTranslations

    @property
    def is_source(self) -> bool:
        return self.language.tag == SOURCE_LANGUAGE

    def lookup(self, context: str | None, msgid: str) -> str | None:
        """The translation, or None when this catalog has none (caller falls back)."""
        if self.is_source:
            return msgid
        key = f"{context}\x04{msgid}" if context else msgid
        return self._translations._catalog.get(key)  # type: ignore[attr-defined]

    def lookup_plural(self, context: str | None, singular: str, plural: str,
                      n: int) -> str | None:
        """The form of a plural entry that `n` takes in this language (its Plural-Forms),
        or None when this catalog has none (caller falls back)."""
        if self.is_source:
            return singular if n == 1 else plural
        key = f"{context}\x04{singular}" if context else singular
        index = self._translations.plural(n)  # type: ignore[attr-defined]
        return self._translations._catalog.get((key, index))  # type: ignore[attr-defined]


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
