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
    atomic_write(mo, mo_bytes(po))
    return mo


def mo_bytes(po: Path) -> bytes:
    """The compiled catalog of a `.po` that passes the checks (UserError otherwise)."""
    catalog, problems = check_po(po)
    if problems:
        raise UserError(problems)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


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
        self._note(context, msgid)
        key = f"{context}\x04{msgid}" if context else msgid
        return self._translations._catalog.get(key)  # type: ignore[attr-defined]

    def _note(self, context: str | None, msgid: str) -> None:
        """Record the lookup for `recording()`: the notices follow what a handout prints."""
        used = _USED.get()
        if used is not None:
            used.setdefault(self.language.tag, set()).add((context, msgid))

    def lookup_plural(self, context: str | None, singular: str, plural: str,
                      n: int) -> str | None:
        """The form of a plural entry that `n` takes in this language (its Plural-Forms),
        or None when this catalog has none (caller falls back)."""
        if self.is_source:
            return singular if n == 1 else plural
        self._note(context, singular)  # a plural entry's approval is keyed by its singular
        key = f"{context}\x04{singular}" if context else singular
        index = self._translations.plural(n)  # type: ignore[attr-defined]
        return self._translations._catalog.get((key, index))  # type: ignore[attr-defined]


def load_catalog(locales: Path, lang: Language, prebuilt: bool = False) -> Catalog:
    """One language's catalog. `prebuilt`: the `.mo` files were compiled with the package
    (its files are read-only, and their times say nothing), so they are used as they are."""
    if lang.tag == SOURCE_LANGUAGE:
        return Catalog(lang, gettext.NullTranslations())
    po = po_path(locales, lang)
    if not po.is_file():
        raise UserError(f"{display_path(po)}: no catalog for {lang.tag!r}; start one with "
                        f"'handouts i18n init {lang.tag}'")
    mo = po.with_suffix(".mo")
    if prebuilt and mo.is_file():
        data = mo.read_bytes()
    else:
        try:
            data = compile_catalog(po).read_bytes()
        except OSError:  # a read-only project (permissions, read-only disk): in memory
            data = mo_bytes(po)
    # Only a catalog with approvals is parsed again (most are drafts with none).
    approved = approvals(read_catalog(po)) if b"\n# approved " in po.read_bytes() else {}
    return Catalog(lang, gettext.GNUTranslations(io.BytesIO(data)), approved)


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
