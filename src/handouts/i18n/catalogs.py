"""Gettext catalogs: `locales/<folder>/LC_MESSAGES/handouts.po`, compiled to `.mo` on demand.

The `.mo` is a build product: it is (re)compiled whenever its `.po` is newer,
after the `.po` passed the gate of `checks.py`, so a broken catalog never
reaches a handout. Each catalog also carries its entries' current approvals
(`review.py`), and `recording()` notes every entry a handout looks up, so the
handout can say whether all it printed was approved.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo

from ..domain import SOURCE_LANGUAGE
from ..errors import Problems, UserError, display_path
from ..files import atomic_write
from ..inputs.languages import Language, language, to_tag
from .checks import check_po, read_catalog
from .review import Approval, approvals

DOMAIN = "handouts"
Key = tuple[str | None, str]  # (msgctxt, msgid)
# While a handout is composed: language tag -> the keys it looked up.
_USED: ContextVar[dict[str, set[Key]] | None] = ContextVar("handouts_used", default=None)


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
    _translations: gettext.NullTranslations
    approved: dict[Key, Approval] = field(default_factory=dict)  # current approvals

    @property
    def is_source(self) -> bool:
        return self.language.tag == SOURCE_LANGUAGE

    def lookup(self, context: str | None, msgid: str) -> str | None:
        """The translation, or None when this catalog has none (caller falls back)."""
        if self.is_source:
            return msgid
        used = _USED.get()
        if used is not None:
            used.setdefault(self.language.tag, set()).add((context, msgid))
        key = f"{context}\x04{msgid}" if context else msgid
        return self._translations._catalog.get(key)  # type: ignore[attr-defined]


def load_catalog(locales: Path, lang: Language) -> Catalog:
    if lang.tag == SOURCE_LANGUAGE:
        return Catalog(lang, gettext.NullTranslations())
    po = po_path(locales, lang)
    if not po.is_file():
        raise UserError(f"{display_path(po)}: no catalog for {lang.tag!r}")
    mo = compile_catalog(po)
    with mo.open("rb") as f:
        translations = gettext.GNUTranslations(f)
    # Only a catalog with approvals is parsed again (most are drafts with none).
    approved = approvals(read_catalog(po)) if b"\n# approved " in po.read_bytes() else {}
    return Catalog(lang, translations, approved)


@contextmanager
def recording(into: dict[str, set[Key]] | None = None) -> Iterator[dict[str, set[Key]]]:
    """Note every (msgctxt, msgid) looked up in this context, by language tag."""
    used: dict[str, set[Key]] = {} if into is None else into
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


def check_all(locales: Path, problems: Problems) -> None:
    """Check every catalog without compiling (for `handouts check`)."""
    for tag in available_languages(locales)[1:]:
        try:
            _, found = check_po(po_path(locales, language(tag)))
            problems.items.extend(found)
        except UserError as exc:
            problems.extend(exc)
