"""`handouts i18n`: the catalog workflow, as thin wrappers over Babel.

extract -> locales/handouts.pot (left untouched when only its date would change)
init LL -> a new locales/<folder>/LC_MESSAGES/handouts.po, marked unreviewed
update  -> merge the .pot into every .po (fuzzy and obsolete entries kept, Babel's way)
compile -> .mo files, refusing catalogs with broken translations
status  -> a table per language (Weblate's states); --check fails on anything not shippable
review  -> a qualified reviewer approves entries as they are now (see review.py)
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from ..domain import SOURCE_LANGUAGE, invalid, reviewer
from ..errors import Problem, UserError, display_path
from ..files import Memo, atomic_write
from ..inputs.languages import is_known_locale, language, parse_language, to_tag
from ..project import Project
from . import review as rv
from .catalogs import DOMAIN, available_languages, compile_catalog, po_path
from .checks import CHECKS_MEMO, check_po

METHOD_MAP = [("content/**.yaml", "handouts.i18n.extract:extract_yaml"),
              ("templates/**.j2", "jinja2")]
OPTIONS_MAP = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
UNREVIEWED = ("Draft translation. Each entry is reviewed by a qualified medical translator\n"
              "with 'handouts i18n review'; see README, Translations.")


def pot_path(project: Project) -> Path:
    return project.locales_dir / f"{DOMAIN}.pot"


def template_catalog(project: Project) -> Catalog:
    """Every translatable string of content and templates, as Babel extracts it."""
    catalog = Catalog(project="handouts", version="1", charset="utf-8",
                      msgid_bugs_address="", copyright_holder="", fuzzy=False)
    found = extract_from_dir(str(project.root), METHOD_MAP, OPTIONS_MAP, DEFAULT_KEYWORDS,
                             comment_tags=("Translators:",), strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def _po_bytes(catalog: Catalog, **kw) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=False, **kw)
    return buf.getvalue()


_DATE_LINE = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.M)


def _same_but_dates(a: bytes, b: bytes) -> bool:
    return _DATE_LINE.sub(b"", a) == _DATE_LINE.sub(b"", b)


def _messages(catalog: Catalog) -> dict:
    """What a catalog asks translators, header left out: its messages, where each comes
    from and what it tells them. The header changes with every Babel release
    (`Generated-By`) and every run (`POT-Creation-Date`); the messages do not."""
    return {(m.id, m.context): (m.string or "", sorted(m.locations), list(m.auto_comments),
                                list(m.user_comments), sorted(m.flags))
            for m in catalog if m.id}


def pot_is_current(path: Path, template: Catalog) -> bool:
    """Whether the .pot at `path` holds exactly the messages of `template` (its header aside)."""
    return path.exists() and _messages(_read(path)) == _messages(template)


def extract(project: Project) -> bool:
    """Write the .pot; return False when it was already current (only its header differed)."""
    template = template_catalog(project)
    path = pot_path(project)
    if pot_is_current(path, template):
        return False
    atomic_write(path, _po_bytes(template))
    return True


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def init(project: Project, tag: str) -> Path:
    lang = language(_valid_new(tag))
    path = po_path(project.locales_dir, lang)
    if path.exists():
        raise UserError(f"{display_path(path)}: already exists; use 'handouts i18n update'")
    template = _read(_require_pot(project))
    catalog = Catalog(locale=lang.folder, project="handouts", version="1", fuzzy=False,
                      header_comment=f"# {lang.english_name} translation of handouts.\n"
                      + "\n".join("# " + line for line in UNREVIEWED.splitlines()))
    catalog.update(template)
    atomic_write(path, _po_bytes(catalog))
    return path


def _valid_new(tag: str) -> str:
    if not isinstance(tag, str) or not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*",
                                                    tag) or not is_known_locale(tag):
        raise invalid("LL", f"{tag!r} is not a known language id such as 'es' or 'zh-Hans'")
    return to_tag(tag)


def _require_pot(project: Project) -> Path:
    path = pot_path(project)
    if not path.exists():
        raise UserError(f"{display_path(path)}: missing; run 'handouts i18n extract' first")
    return path


def read_template(project: Project) -> Catalog:
    """The .pot as Babel reads it (a UserError when it was never extracted)."""
    return _read(_require_pot(project))


def update(project: Project) -> list[Path]:
    template = _read(_require_pot(project))
    written = []
    for tag in available_languages(project.locales_dir)[1:]:
        path = po_path(project.locales_dir, language(tag))
        catalog = _read(path)
        catalog.update(template, no_fuzzy_matching=False)
        data = _po_bytes(catalog, ignore_obsolete=False)
        if not _same_but_dates(path.read_bytes(), data):
            atomic_write(path, data)
            written.append(path)
    return written


def compile_all(project: Project) -> list[Path]:
    return [compile_catalog(po_path(project.locales_dir, language(t)), force=True)
            for t in available_languages(project.locales_dir)[1:]]


@dataclass(frozen=True)
class Status:
    """One language's entries by Weblate's states; `changed`: approved once, since edited."""

    tag: str
    name: str
    total: int
    translated: int   # waiting for review + approved
    fuzzy: int
    approved: int
    changed: int

    @property
    def untranslated(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def current_entries(catalog, template) -> list:
    """The catalog's entries that the .pot still has."""
    ids = {(m.id, m.context) for m in template if m.id}
    return [m for m in catalog if m.id and (m.id, m.context) in ids]


def _row(tag: str, entries: list, total: int) -> Status:
    states = [rv.state(m) for m in entries]
    changed = sum(1 for m, s in zip(entries, states, strict=True)
                  if s != "approved" and rv.recorded(m))
    return Status(tag, language(tag).english_name, total,
                  translated=states.count("waiting") + states.count("approved"),
                  fuzzy=states.count("fuzzy"), approved=states.count("approved"),
                  changed=changed)


def status(project: Project, full: bool = True) -> tuple[list[Status], list[Problem]]:
    """Per-language progress and review, and every problem that `status --check` fails on
    (`full=False`: only the gate and completeness, which is quicker)."""
    pot = _require_pot(project)
    problems: list[Problem] = []
    template = _read(pot)
    if not pot_is_current(pot, template_catalog(project)):
        problems.append(Problem(display_path(pot), None, "out of date with content and "
                                "templates; run 'handouts i18n extract' then 'update'"))
    total = sum(1 for m in template if m.id)
    rows = []
    memo = Memo(project.cache_dir / CHECKS_MEMO)
    for tag in available_languages(project.locales_dir)[1:]:
        path = po_path(project.locales_dir, language(tag))
        catalog, found = check_po(path, full=full, memo=memo)
        problems += found
        row = _row(tag, current_entries(catalog, template), total)
        rows.append(row)
        if row.translated < row.total:
            problems.append(Problem(display_path(path), None,
                                    f"{tag}: {row.percent:.1f} % translated ({row.fuzzy} "
                                    f"fuzzy, {row.untranslated} untranslated); shipped "
                                    "languages must be at 100 %"))
    memo.save()
    return rows, problems


def status_table(rows: list[Status]) -> str:
    head = (f"{'language':<30} {'translated':>10} {'fuzzy':>6} {'untransl.':>9} "
            f"{'approved':>9} {'changed':>8}")
    lines = [head, "-" * len(head)]
    lines.append(f"{SOURCE_LANGUAGE + ' English (source)':<30} {'100.0 %':>10} {0:>6} "
                 f"{0:>9} {'source':>9} {0:>8}")
    for r in rows:
        lines.append(f"{r.tag + ' ' + r.name:<30} {r.percent:>8.1f} % {r.fuzzy:>6} "
                     f"{r.untranslated:>9} {r.approved:>4}/{r.total:<4} {r.changed:>8}")
    lines.append("approved: a reviewer approved the entry as it is now; changed: approved "
                 "once, edited since (waiting for review again)")
    return "\n".join(lines)


def review(project: Project, tag: str, by: str, contexts: tuple[str, ...] = (),
           on: dt.date | None = None) -> tuple[Path, dict[str, int]]:
    """Approve, as they are now, LL's translated entries whose msgctxt matches a glob.

    Entries already approved as they are keep their approval (and its date); untranslated
    and fuzzy entries have nothing to approve. Returns the catalog and how many matching
    entries were in each state before."""
    available = available_languages(project.locales_dir)[1:]
    lang = parse_language(tag, available, "LL")
    by = reviewer(by, "reviewer", "María López, CHI")
    path = po_path(project.locales_dir, lang)
    catalog = _read(path)
    template = _read(_require_pot(project))
    chosen = [m for m in current_entries(catalog, template) if rv.matches(m, contexts)]
    if not chosen:
        raise invalid("--context", f"{', '.join(map(repr, contexts))} matches no entry of "
                      f"{display_path(path)}")
    before = {s: 0 for s in rv.STATES}
    for msg in chosen:
        before[rv.state(msg)] += 1
        if rv.state(msg) == "waiting":
            rv.approve(msg, by, on or dt.date.today())
    if before["waiting"]:
        atomic_write(path, _po_bytes(catalog, ignore_obsolete=False))
    return path, before
