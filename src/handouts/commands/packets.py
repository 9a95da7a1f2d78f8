"""Review packets: PDFs a reviewer reads and marks, made with the handouts' own renderer.

`handouts i18n packet LL` is for a bilingual medical translator: every entry of the
catalog, grouped by handout and topic, with its id (msgctxt), the English, the
translation, its state and room to mark it (`--pending`: only what awaits review).
`handouts content packet` is for the clinician: each topic's English block by
block, the sources each block cites, the clinic values it uses, and a sign-off
line bound to the topic's fingerprint.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..domain import ROUTES, tokens
from ..errors import UserError, display_path
from ..files import atomic_write, check_target
from ..i18n import review as rv
from ..i18n.catalogs import available_languages, po_path
from ..i18n.checks import read_catalog
from ..i18n.workflow import current_entries, read_template
from ..inputs.clinic import load_clinic
from ..inputs.content import Block, Content, Topic, load_content
from ..inputs.languages import language, parse_language
from ..inputs.signoff import topic_state
from ..pipeline.make import render_document
from ..pipeline.templating import environment
from ..project import Project

EVERY_HANDOUT = "every-handout"  # template strings: labels, footer, route names
PACKET_PAGES = 400  # a catalog's packet is long, but not endless


@dataclass(frozen=True)
class Entry:
    context: str
    english: tuple[str, ...]      # msgid (and msgid_plural)
    translation: tuple[str, ...]  # every msgstr form
    state: str
    approval: rv.Approval | None
    line: int


@dataclass(frozen=True)
class Group:
    stage: str | None   # None: strings on every handout
    topic: str          # topic id, "stage" or EVERY_HANDOUT
    title: str
    entries: tuple[Entry, ...]


def _entry(msg) -> Entry:
    forms = msg.string if isinstance(msg.string, tuple) else (msg.string or "",)
    ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
    return Entry(msg.context or "", ids, forms, rv.state(msg), rv.current(msg) or
                 rv.recorded(msg), msg.lineno)


def _topic_order(content: Content) -> list[tuple[str, str]]:
    """(stage, topic) in the order the handouts show them; each topic once."""
    seen: dict[str, str] = {}
    for sid, stage in content.stages.items():
        for route in ROUTES:
            for tid in stage.topic_ids(route):
                seen.setdefault(tid, sid)
    return [(sid, tid) for tid, sid in seen.items()]


def translation_groups(content: Content, entries: list[Entry]) -> list[Group]:
    """Entries grouped by handout (stage) and topic, then the strings of every handout."""
    by_topic: dict[str, list[Entry]] = {}
    for e in entries:
        head = e.context.split("/")[0]
        if head == "stage":
            head = "stage/" + e.context.split("/")[1]
        elif head not in content.topics:
            head = EVERY_HANDOUT
        by_topic.setdefault(head, []).append(e)
    groups = []
    for sid, stage in content.stages.items():
        groups.append(Group(sid, "stage", stage.title.text, tuple(by_topic.pop(f"stage/{sid}",
                                                                               ()))))
        for s, tid in _topic_order(content):
            if s == sid:
                groups.append(Group(sid, tid, content.topics[tid].title.text,
                                    tuple(by_topic.pop(tid, ()))))
    rest = [e for key in list(by_topic) for e in by_topic.pop(key)]
    groups.append(Group(None, EVERY_HANDOUT, "Labels and footer", tuple(rest)))
    return [g for g in groups if g.entries]


def translation_packet(project: Project, tag: str, output: Path, pending: bool = False,
                       today: dt.date | None = None) -> tuple[Path, int]:
    """Write LL's review packet; return the file and how many entries it lists."""
    lang = parse_language(tag, available_languages(project.locales_dir)[1:], "LL")
    po = po_path(project.locales_dir, lang)
    catalog = read_catalog(po)
    entries = [_entry(m) for m in current_entries(catalog, read_template(project))]
    counts = {s: sum(1 for e in entries if e.state == s) for s in rv.STATES}
    if pending:
        entries = [e for e in entries if e.state != "approved"]
    groups = translation_groups(load_content(project.content_dir), entries)
    html = _render(project, "translation.html.j2", lang=lang, english=language("en"),
                   groups=groups, counts=counts, pending=pending, po=display_path(po),
                   today=today or dt.date.today())
    return _write(project, html, output), len(entries)


@dataclass(frozen=True)
class BlockView:
    block: Block
    sources: tuple        # the Source of each id the block cites
    values: tuple         # (placeholder, value by route) it uses


def _block_view(topic: Topic, block: Block, clinic) -> BlockView:
    used: list[str] = []
    for m in [block.heading, block.text, *block.items]:
        if m:
            used += [t.text for t in tokens(m.text) if t.kind == "placeholder"]
    values = []
    for name in dict.fromkeys(used):
        by_route = {r: clinic.values(r)[name] for r in ROUTES if block.shown_for(r)}
        shown = sorted(set(map(str, by_route.values())))
        values.append((name, shown[0] if len(shown) == 1 else
                       "; ".join(f"{r}: {v}" for r, v in by_route.items())))
    return BlockView(block, tuple(topic.sources[s] for s in block.sources), tuple(values))


def content_packet(project: Project, clinic_dir: Path, output: Path,
                   today: dt.date | None = None) -> tuple[Path, int]:
    """Write the clinician's packet; return the file and how many topics it has."""
    content = load_content(project.content_dir)
    clinic = load_clinic(clinic_dir, available_languages(project.locales_dir))
    topics = []
    for sid, tid in _topic_order(content):
        topic = content.topics[tid]
        topics.append((sid, topic, topic_state(topic),
                       [_block_view(topic, b, clinic) for b in topic.blocks]))
    unused = [t for t in content.topics.values() if t.id not in {x[1].id for x in topics}]
    topics += [(None, t, topic_state(t), [_block_view(t, b, clinic) for b in t.blocks])
               for t in unused]
    html = _render(project, "content.html.j2", topics=topics, clinic=clinic,
                   version=content.version, today=today or dt.date.today(),
                   show=_shown_with_values, shown_path=display_path)
    return _write(project, html, output), len(topics)


def _shown_with_values(text: str) -> list[tuple[str, bool, bool]]:
    """The English as (piece, is a clinic value, bold), so the template marks values and
    prints `**bold**` as bold, as the handouts do."""
    out, strong = [], False
    for token in tokens(text):
        if token.kind == "bold":
            strong = not strong
        else:
            piece = "%" if token.kind in ("percent", "stray") else token.text
            out.append((piece, token.kind == "placeholder", strong))
    return out


def _fonts_css(project: Project) -> str:
    """The handouts' own font rules (one home: handout.css), so every script renders."""
    css = (project.templates_dir / "handout.css").read_text(encoding="utf-8")
    return "\n".join(re.findall(r"@font-face\s*\{[^}]*\}|^:lang\([^{]*\{[^}]*\}", css, re.M))


def _render(project: Project, name: str, **context) -> str:
    env = environment((project.templates_dir,))
    return env.get_template(f"packets/{name}").render(
        fonts_css=Markup(_fonts_css(project)), **context)


def _write(project: Project, html: str, output: Path) -> Path:
    check_target(Path(output))  # a folder, FIFO or device: refused before rendering
    rendered = render_document(project, html, max_pages=PACKET_PAGES)
    if rendered.warnings:  # a missing glyph: the reviewer could not read the string
        raise UserError(f"{display_path(output)}: not written: "
                        + "; ".join(rendered.warnings[:3]))
    atomic_write(Path(output), rendered.data)
    return Path(output)
