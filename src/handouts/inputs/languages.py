"""Language ids: BCP 47 tags for people (`zh-Hans`), Babel's form for folders (`zh_Hans`).

Every language id that comes from a user is parsed here before it is used for
anything, and is only ever turned into a path after it matched a language that
exists, so `../x` or `es\\0` can never name a file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError

from ..domain import did_you_mean, invalid, quote
from .cldr import supplemented

_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")
# One name per language wherever it is shown. CLDR names `tl` after Filipino, its standard
# form, with a region ("Filipino (Pilipinas)"); clinics, interpreters and the US census say
# Tagalog, as our catalog id does. The other name still finds it in the page's filter.
_NAMES = {"tl": ("Tagalog", "Tagalog")}          # tag: (its own name, English name)
_ALSO_KNOWN_AS = {"tl": ("Filipino", "Pilipino")}


# Languages whose lines break between words, never inside one (CSS `word-break: keep-all`,
# which WeasyPrint lacks): the pipeline makes each of their words unbreakable.
KEEP_WORDS = frozenset({"ko"})


@dataclass(frozen=True)
class Language:
    tag: str       # BCP 47, as shown to people and in clinic.yaml: "zh-Hans"
    folder: str    # Babel's form, as used for catalog folders: "zh_Hans"

    @property
    def direction(self) -> str:
        """"ltr" or "rtl". Asked only when needed: it loads the locale's CLDR data
        (about 13 ms a language), which `check` and `i18n status` never need."""
        return self.locale.text_direction

    @property
    def keep_words(self) -> bool:
        return self.tag in KEEP_WORDS

    @property
    def locale(self) -> Locale:
        return _locale(self.folder)

    @property
    def native_name(self) -> str:
        """The language's name in itself ("Español", "العربية")."""
        if self.tag in _NAMES:
            return _NAMES[self.tag][0]
        return self.locale.display_name or self.tag

    @property
    def english_name(self) -> str:
        if self.tag in _NAMES:
            return _NAMES[self.tag][1]
        return self.locale.get_display_name("en") or self.tag

    @property
    def search_names(self) -> str:
        """Every name the front desk may type to find it: its own, English, other, the id."""
        return " ".join((self.native_name, self.english_name,
                         *_ALSO_KNOWN_AS.get(self.tag, ()), self.tag))


@cache
def _locale(folder: str) -> Locale:
    return supplemented(folder)  # Babel's, plus month and day names CLDR lacks


def to_tag(text: str) -> str:
    """Normalise either spelling to BCP 47 case: `zh_hans` -> `zh-Hans`, `PT-br` -> `pt-BR`."""
    parts = re.split(r"[-_]", text)
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p.lower())
    return "-".join(out)


def parse_language(text: str, available: list[str], label: str = "language") -> Language:
    """Check a user-given id against the languages that exist; raise UserError if unknown.

    `label` names the option or field in the message (`--lang`, `Language`)."""
    if not isinstance(text, str) or not _TAG.fullmatch(text):
        raise invalid(label, f"{text!r} is not a language id such as 'es' or 'zh-Hans'; "
                             f"choose one of {quote(available)}")
    tag = to_tag(text)
    if tag not in available:
        # The suggestion matches the normalised tag; the message shows what was typed.
        raise invalid(label, f"{text!r} is not one of {quote(available)}"
                             f"{did_you_mean(tag, available)}")
    return language(tag)


@cache
def language(tag: str) -> Language:
    """The Language for a tag already known to be valid (raises ValueError otherwise)."""
    folder = tag.replace("-", "_")
    try:
        _locale(folder)  # its data is loaded only when first used
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"unknown locale {tag!r}") from exc
    return Language(tag=tag, folder=folder)


def is_known_locale(tag: str) -> bool:
    try:
        language(to_tag(tag))
    except ValueError:
        return False
    return True


def text_direction(text: str) -> str:
    """"rtl" or "ltr" from the first strong character (the HTML `dir=auto` rule).

    WeasyPrint does not resolve `dir=auto`, so values typed by people (a clinic's
    address, a patient's name) get an explicit direction from here.
    """
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
