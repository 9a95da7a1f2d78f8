"""`handouts i18n`: the catalog workflow, as thin wrappers over Babel.

extract -> locales/handouts.pot (left untouched when only its date would change)
init LL -> a new locales/<folder>/LC_MESSAGES/handouts.po, marked unreviewed
update  -> merge the .pot into every .po (fuzzy and obsolete entries kept, Babel's way)
compile -> .mo files, refusing catalogs with broken translations
status  -> a table per language; --check fails on anything not shippable
review  -> record a qualified reviewer's sign-off in the catalog header comment
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

from ..domain import SOURCE_LANGUAGE, invalid
from ..errors import Problem, UserError, display_path
from ..files import atomic_write
from ..inputs.languages import is_known_locale, language, parse_language, to_tag
from ..project import Project
from .catalogs import DOMAIN, available_languages, compile_catalog, po_path, read_review
from .checks import check_po

METHOD_MAP = [("content/**.yaml", "handouts.i18n.extract:extract_yaml"),
              ("templates/**.j2", "jinja2")]
OPTIONS_MAP = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
UNREVIEWED = ("Draft translation. Not yet reviewed by a qualified medical translator.\n"
              "Reviewed-By: \nReviewed-On: ")


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
    tag: str
    name: str
    total: int
    translated: int
    fuzzy: int
    reviewed_by: str | None
    reviewed_on: str | None

    @property
    def untranslated(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def status(project: Project) -> tuple[list[Status], list[Problem]]:
    """Per-language progress, and every problem that `status --check` fails on."""
    pot = _require_pot(project)
    problems: list[Problem] = []
    template = _read(pot)
    if not pot_is_current(pot, template_catalog(project)):
        problems.append(Problem(display_path(pot), None, "out of date with content and "
                                "templates; run 'handouts i18n extract' then 'update'"))
    ids = {(m.id, m.context) for m in template if m.id}
    rows = []
    for tag in available_languages(project.locales_dir)[1:]:
        lang = language(tag)
        path = po_path(project.locales_dir, lang)
        catalog, found = check_po(path)
        problems += found
        current = [m for m in catalog if m.id and (m.id, m.context) in ids]
        translated = sum(1 for m in current if m.string and not m.fuzzy)
        fuzzy = sum(1 for m in current if m.fuzzy)
        review = read_review(path)
        row = Status(tag, lang.english_name, len(ids), translated, fuzzy, review.by, review.on)
        rows.append(row)
        if row.translated < row.total:
            problems.append(Problem(display_path(path), None,
                                    f"{tag}: {row.percent:.1f} % translated ({row.fuzzy} "
                                    f"fuzzy, {row.untranslated} untranslated); shipped "
                                    "languages must be at 100 %"))
    return rows, problems


def status_table(rows: list[Status]) -> str:
    head = f"{'language':<24} {'translated':>10} {'fuzzy':>6} {'untransl.':>9}  reviewed"
    lines = [head, "-" * len(head)]
    lines.append(f"{SOURCE_LANGUAGE + ' English (source)':<24} {'100.0 %':>10} {0:>6} "
                 f"{0:>9}  source")
    for r in rows:
        reviewed = f"{r.reviewed_by} on {r.reviewed_on}" if r.reviewed_by else "NOT REVIEWED"
        lines.append(f"{r.tag + ' ' + r.name:<24} {r.percent:>8.1f} % {r.fuzzy:>6} "
                     f"{r.untranslated:>9}  {reviewed}")
    return "\n".join(lines)


def review(project: Project, tag: str, by: str, on: dt.date | None = None) -> Path:
    """Record a reviewer's sign-off in the header comment of LL's catalog."""
    available = available_languages(project.locales_dir)[1:]
    lang = parse_language(tag, available, "LL")
    if not by.strip() or len(by) > 120 or any(c in by for c in "\n\r\0"):
        raise invalid("--by", f"{by!r}; give the reviewer's name")
    path = po_path(project.locales_dir, lang)
    catalog = _read(path)
    comment = catalog.header_comment
    comment = re.sub(r"(?m)^# Draft translation\..*\n?", "", comment)
    comment = re.sub(r"(?m)^# Reviewed-(By|On):.*\n?", "", comment).rstrip("\n")
    day = (on or dt.date.today()).isoformat()
    catalog.header_comment = f"{comment}\n# Reviewed-By: {by.strip()}\n# Reviewed-On: {day}"
    atomic_write(path, _po_bytes(catalog, ignore_obsolete=False))
    return path
