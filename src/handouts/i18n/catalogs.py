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
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo

from ..domain import SOURCE_LANGUAGE
from ..errors import FileError, Problems, UserError, display_path
from ..files import Memo, atomic_write, read_inside
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
    translations = _compiled(po, prebuilt)
    # Only a catalog with approvals is parsed again (most are drafts with none).
    approved = approvals(read_catalog(po)) \
        if b"\n# approved " in read_inside(po, po.absolute().parents[2]) else {}
    return Catalog(lang, translations, approved)


def _compiled(po: Path, prebuilt: bool) -> gettext.GNUTranslations:
    """The `.mo` of `po`, compiled again if it is stale or damaged (a checkout), or a
    UserError naming a damaged one (an installed package, whose files are read-only)."""
    mo = po.with_suffix(".mo")
    if prebuilt and mo.is_file():
        translations, why = _parse_mo(mo.read_bytes())
        if why:
            raise FileError(mo, f"the compiled catalog is damaged ({why}); install "
                                "handouts again")
        return translations
    try:
        translations, why = _parse_mo(compile_catalog(po).read_bytes())
        if why:  # newer than its .po, but damaged (a bad copy, a disk error)
            translations, why = _parse_mo(compile_catalog(po, force=True).read_bytes())
    except FileError:  # a read-only project (permissions, read-only disk): in memory
        translations, why = _parse_mo(mo_bytes(po))
    if why:
        raise RuntimeError(f"{mo}: compiled just now, but unreadable: {why}")  # a bug
    return translations


def damaged_mo(po: Path) -> str | None:
    """Why the `.mo` beside `po` cannot be read, or None (none yet, or it is fine)."""
    mo = po.with_suffix(".mo")
    try:
        data = mo.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    return _parse_mo(data)[1]


def _parse_mo(data: bytes) -> tuple[gettext.GNUTranslations | None, str | None]:
    """The translations in a `.mo`, or None and why not (gettext's own words)."""
    try:
        return gettext.GNUTranslations(io.BytesIO(data)), None
    except (OSError, struct.error, UnicodeDecodeError, IndexError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return None, why.rstrip(": ")


@contextmanager
def recording(into: dict[str, set[Key]] | None = None) -> Iterator[dict[str, set[Key]]]:
    """Note every (msgctxt, msgid) looked up in this context, by language tag."""
    used: dict[str, set[Key]] = {} if into is None else into
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


def check_all(locales: Path, problems: Problems, memo: Memo | None = None) -> None:
    """Check every catalog without compiling (for `handouts check`)."""
    for tag in available_languages(locales)[1:]:
        try:
            _, found = check_po(po_path(locales, language(tag)), memo=memo, parse=False)
            problems.items.extend(found)
        except UserError as exc:
            problems.extend(exc)
    if memo is not None:
        memo.save()
