"""What makes a translation unfit to print, with translate-toolkit's `pofilter` checks.

Two sets, both reported as `locales/<ll>/LC_MESSAGES/handouts.po:LINE: message`:

- `GATE`: a translation that would break the handout (a changed `%(name)s` or
  `{name}`, added tags, escapes or newlines, a lone `%`, unpaired `**`, a plural
  form missing). It refuses `.mo` compilation, so it never reaches a patient.
- `REVIEW`: what `handouts i18n status --check` adds for medical text: changed
  numbers (both ways: a number dropped or added), URLs, e-mail addresses,
  untranslated, blank and unchanged strings, names that must stay as they are
  (FDA, REMS, Spravato) and the language's glossary of required terms.

pofilter does the checks it has. Ours cover what it does not know: the `**` bold
marks, gettext's lone `%`, the Plural-Forms header, words that stand for a number
(the Arabic dual "ساعتين" is "2 hours"), and names inside text written without spaces
(pofilter's `notranslatewords` splits words on spaces, so it misses "FDA" in Chinese).
The judgement calls read `locales/terms.yaml` and `locales/<ll>/terms.yaml`.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from ..domain import bold_marks, counted_placeholder, has_stray_percent
from ..errors import Problem, UserError, display_path
from ..files import Memo, read_inside
from ..inputs.yamlio import load_yaml

GATE = ("printf", "pythonbraceformat", "xmltags", "escapes", "newlines")
REVIEW = ("urls", "emails", "untranslated", "blank", "unchanged")
TERMS = "terms.yaml"
CHECKS_MEMO = "catalog-checks.json"  # in the project's cache folder: check_po's memo


@dataclass(frozen=True)
class Terms:
    """The words a language's translations are held to (see README, Translations)."""

    do_not_translate: tuple[str, ...] = ()
    glossary: dict[str, tuple[str, ...]] = field(default_factory=dict)  # English -> any of
    number_words: dict[str, str] = field(default_factory=dict)  # word -> the number it says
    unchanged: frozenset[str] = frozenset()  # rightly the same as the English


def load_terms(locales: Path, folder: str) -> Terms:
    """`locales/terms.yaml` (every language) merged with `locales/<folder>/terms.yaml`."""
    common = _read_terms(locales / TERMS)
    own = _read_terms(locales / folder / TERMS)
    glossary = {k.lower(): tuple(v if isinstance(v, list) else [v])
                for k, v in (own.get("glossary") or {}).items()}
    return Terms(
        do_not_translate=tuple(common.get("do_not_translate") or ()),
        glossary=glossary,
        number_words={str(k): str(v) for k, v in (own.get("numbers") or {}).items()},
        unchanged=frozenset(str(s) for s in own.get("unchanged") or ()),
    )


def _read_terms(path: Path) -> dict:
    if not path.is_file():
        return {}
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise UserError(Problem(display_path(path), None, "expected a map of lists"))
    return data


def gate_problems(msgid: str, msgstr: str) -> list[str]:
    """Ours among the gate checks (cheap, so the pipeline re-checks each lookup)."""
    out = []
    longest = max_translation(msgid)
    if len(msgstr) > longest:
        # Named here, by its entry: on the page it would only make the layout explode.
        out.append(f"msgstr is {len(msgstr)} characters, far longer than its English "
                   f"({len(msgid)}); at most {longest}")
    if has_stray_percent(msgstr):
        out.append("a lone '%' in msgstr; write '%%' for a percent sign")
    if bold_marks(msgid) != bold_marks(msgstr):
        out.append("bold markers '**' differ between msgid and msgstr")
    return out


message_problems = gate_problems  # the pipeline's name for it


def max_translation(msgid: str) -> int:
    """The longest translation of `msgid` a handout takes: three times the English and a
    line more. In the shipped catalogs the most is 3.4 times a short English (Tagalog
    "Maintenance", 37 characters for 11), 95 characters or more inside; a pasted page
    is not."""
    return 3 * len(msgid) + 100


@cache
def _checker(folder: str, tests: tuple[str, ...]):
    from translate.filters.checks import CheckerConfig, StandardChecker

    return StandardChecker(CheckerConfig(targetlanguage=folder), limitfilters=list(tests))


def _pofilter(folder: str, tests: tuple[str, ...], ids: tuple[str, ...],
              strings: tuple[str, ...]) -> dict[str, str]:
    from translate.misc.multistring import multistring
    from translate.storage.pypo import pounit

    unit = pounit(multistring(list(ids)) if len(ids) > 1 else ids[0])
    unit.target = multistring(list(strings)) if len(ids) > 1 else strings[0]
    return _checker(folder, tests).run_filters(unit)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _with_number_words(text: str, words: dict[str, str]) -> str:
    """`text` with the number each listed word stands for written after it."""
    for word, number in words.items():
        # English words whole ("once", not "sconce"); others anywhere (Arabic "بساعتين")
        pattern = rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word)
        text = re.sub(pattern, lambda m, n=number: f"{m.group(0)} {n}", text, flags=re.I)
    return text


def _numbers_problem(folder: str, msgid: str, msgstr: str, terms: Terms) -> list[str]:
    """pofilter's `numbers` both ways: a number dropped, changed or added."""
    a = _with_number_words(msgid, terms.number_words)
    b = _with_number_words(msgstr, terms.number_words)
    if not (_pofilter(folder, ("numbers",), (a,), (b,))
            or _pofilter(folder, ("numbers",), (b,), (a,))):
        return []
    return [f"numbers: Different numbers: msgid has {', '.join(_NUMBER.findall(a)) or 'none'}"
            f", msgstr has {', '.join(_NUMBER.findall(b)) or 'none'}"]


def _review_problems(folder: str, msgid: str, msgstr: str, terms: Terms) -> list[str]:
    """Numbers, names kept as they are, the glossary."""
    out = _numbers_problem(folder, msgid, msgstr, terms)
    for name in terms.do_not_translate:
        if re.search(rf"\b{re.escape(name)}\b", msgid) and name not in msgstr:
            out.append(f"do not translate: {name!r} must stay as it is")
    for term, required in terms.glossary.items():
        if re.search(rf"\b{re.escape(term)}", msgid, re.I) and \
                not any(r.lower() in msgstr.lower() for r in required):
            out.append(f"glossary: {term!r} is translated {' or '.join(map(repr, required))}")
    return out


def _said(why) -> str:
    """pofilter's message; a check that fails without one gives its docstring instead."""
    text = str(why).strip()
    return "no translation yet" if text.startswith("Checks whether") else text


def entry_problems(msg, folder: str, terms: Terms | None, nplurals: int) -> list[str]:
    """Every problem of one catalog entry; `terms=None` runs only the gate."""
    ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
    strings = msg.string if isinstance(msg.string, tuple) else (msg.string or "",)
    if msg.fuzzy or (terms is None and not any(strings)):
        return []
    if not any(strings):
        return [f"{name}: {_said(why)}" for name, why in
                _pofilter(folder, ("untranslated",), ids, strings).items()]
    out = []
    tests = GATE if terms is None else GATE + REVIEW
    count = counted_placeholder(ids[-1]) if len(ids) > 1 else None
    if count:
        # A form may leave the count out where the language writes no numeral (Arabic's
        # singular and dual, "ساعتين"), so the checks compare everything else; and the
        # count's own number words say the count, not a number the English lacks.
        ids, strings = (tuple(t.replace(f"%({count})s", "") for t in texts)
                        for texts in (ids, strings))
        terms = replace(terms, number_words={}) if terms is not None else None
    if len(ids) > 1:
        missing = [str(i) for i, s in enumerate(strings) if not s]
        if missing or len(strings) < nplurals:
            out.append(f"plural forms: msgstr[{', '.join(missing) or len(strings)}] missing; "
                       f"the catalog's Plural-Forms asks for {nplurals}")
            tests = tuple(t for t in tests if t != "untranslated")  # said just above
    if terms is not None and msg.string in terms.unchanged:
        tests = tuple(t for t in tests if t != "unchanged")
    for name, why in _pofilter(folder, tests, ids, strings).items():
        out.append(f"{name}: {_said(why)}")
    pairs = [(ids[min(i, len(ids) - 1)], s) for i, s in enumerate(strings) if s]
    for msgid, msgstr in pairs:
        out += gate_problems(msgid, msgstr)
        if terms is not None:
            out += _review_problems(folder, msgid, msgstr, terms)
    return list(dict.fromkeys(out))


def read_catalog(po: Path, data: bytes | None = None):
    """Parse a `.po`; a file Babel cannot read is a UserError naming it."""
    if data is None:
        data = _read_po_bytes(po)
    try:
        return read_po(io.BytesIO(data), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(Problem(display_path(po), None, f"cannot read catalog: {exc}")) \
            from None


def _read_po_bytes(po: Path) -> bytes:
    # Inside locales/: a catalog linked to a file elsewhere is refused, never read.
    return read_inside(po, Path(po).absolute().parents[2])


def check_po(po: Path, full: bool = False, memo: Memo | None = None,
             parse: bool = True) -> tuple[object, list[Problem]]:
    """Parse a `.po` and list its problems with their lines: the gate, or (`full`) all.

    With `memo` the problems are remembered by a hash of the catalog, its terms and the
    checks' own code and version, so an unchanged catalog is not checked again (pofilter
    takes about 50 ms a catalog); `parse=False` then skips parsing too (catalog None)."""
    data = _read_po_bytes(po)
    folder = po.parent.parent.name
    shown = display_path(po)
    key = _memo_key(po, data, full) if memo is not None else None
    remembered = memo.get(key) if memo is not None else None
    catalog = read_catalog(po, data) if parse or remembered is None else None
    if remembered is not None:
        return catalog, [Problem(shown, line, message) for line, message in remembered]
    terms = load_terms(po.parent.parent.parent, folder) if full else None
    problems = []
    for msg in catalog:
        if not msg.id:
            continue
        context = f"[{msg.context}] " if msg.context else ""
        for p in entry_problems(msg, folder, terms, catalog.num_plurals):
            problems.append(Problem(shown, msg.lineno, context + p))
    if memo is not None:
        memo.put(key, [[p.line, p.message] for p in problems])
    return catalog, problems


def _memo_key(po: Path, data: bytes, full: bool) -> str:
    locales = po.parent.parent.parent
    parts = [_checks_version(), b"full" if full else b"gate", data]
    if full:
        for terms in (locales / TERMS, po.parent.parent / TERMS):
            parts.append(terms.read_bytes() if terms.is_file() else b"")
    return hashlib.sha256(b"\0".join(hashlib.sha256(p).digest() for p in parts)).hexdigest()


@cache
def _checks_version() -> bytes:
    """What the answer of the checks depends on besides the catalog: translate-toolkit's
    version and our checking code."""
    from importlib.metadata import version

    from .. import domain

    code = b"".join(Path(f).read_bytes() for f in (domain.__file__, __file__))
    return version("translate-toolkit").encode() + code
