"""Clinical content: topics (`content/topics/*.yaml`) and stages (`content/stages.yaml`).

A topic is English source text split into translatable strings. Each string
knows its gettext context (`topic/block/field`), its line in the YAML (for
errors and for the `.pot` file) and an optional note for translators. Every
block names its sources, so every clinical fact can be traced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..domain import (
    ICONS,
    PLACEHOLDERS,
    ROUTES,
    STAGES,
    bold_marks,
    counted_placeholder,
    did_you_mean,
    has_stray_percent,
    is_number,
    placeholder_names,
    quote,
)
from ..errors import Problems, UserError
from .schema import Reader
from .yamlio import YMap, load_yaml

# summary: the "most important" box that opens a handout; diary: a 7-day table whose
# items are the column headings.
BLOCK_KINDS = ("text", "bullets", "steps", "checklist", "warning", "callout", "summary",
               "diary")
_NEEDS_ITEMS = ("bullets", "steps", "checklist", "summary", "diary")
TOPIC_ID = r"[a-z0-9][a-z0-9-]{0,40}"


@dataclass(frozen=True)
class Message:
    """One translatable string of the source text.

    A string that counts (it holds a number placeholder such as
    `%(no_driving_hours)s`) has its English singular in `one` and becomes a
    gettext plural entry (msgid = `one`, msgid_plural = `text`): the number
    chooses the form, so Russian reads "1 час / 2 часа / 6 часов".
    """

    text: str
    context: str           # msgctxt: names the topic and field
    path: str
    line: int
    note: str | None = None
    routes: frozenset[str] | None = None  # None: shown for every route
    one: str | None = None   # the singular, for a string that counts
    icon: str | None = None  # a pictogram shown with this text (domain.ICONS)

    def shown_for(self, route: str) -> bool:
        return self.routes is None or route in self.routes

    @property
    def count(self) -> str | None:
        """The placeholder whose number chooses the plural form, if this string counts."""
        return counted_placeholder(self.text) if self.one else None


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    date: str
    url: str | None


@dataclass(frozen=True)
class Block:
    id: str
    kind: str
    heading: Message | None
    text: Message | None
    items: tuple[Message, ...]
    sources: tuple[str, ...]
    routes: frozenset[str] | None
    write_lines: int = 0  # blank lines to write on, after a checklist
    closing: Message | None = None  # text after the items ("Call us at ...")

    def shown_for(self, route: str) -> bool:
        return self.routes is None or route in self.routes


@dataclass(frozen=True)
class Topic:
    id: str
    path: str
    version: str
    reviewed_by: str | None
    reviewed_on: dt.date | None
    title: Message
    blocks: tuple[Block, ...]
    sources: dict[str, Source]
    reviewed_fingerprint: str | None = None  # what the sign-off approved (signoff.py)

    @property
    def fingerprint(self) -> str:
        """The topic's English text, routes and sources, as a clinician signs them off
        (ids, kinds and sources cited included; comments, layout and notes left out)."""
        def text(m: Message | None):
            return None if m is None else [m.text, sorted(m.routes or ())]
        blocks = [[b.id, b.kind, sorted(b.routes or ()), text(b.heading), text(b.text),
                   [text(m) for m in b.items], list(b.sources), b.write_lines]
                  for b in self.blocks]
        sources = {k: [s.title, s.publisher, s.date, s.url] for k, s in self.sources.items()}
        data = json.dumps([self.id, self.title.text, blocks, sources], ensure_ascii=False,
                          sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]

    @property
    def signed_off(self) -> bool:
        """Signed off by a clinician, and unchanged since."""
        return bool(self.reviewed_by and self.reviewed_on
                    and self.reviewed_fingerprint == self.fingerprint)

    def messages(self) -> list[Message]:
        out = [self.title]
        for b in self.blocks:
            out += [m for m in (b.heading, b.text) if m] + list(b.items)
            out += [b.closing] if b.closing else []
        return out


@dataclass(frozen=True)
class Stage:
    id: str
    title: Message
    intro: Message
    entries: tuple[tuple[str, frozenset[str] | None], ...]  # (topic id, routes or None)

    def topic_ids(self, route: str) -> list[str]:
        return [t for t, routes in self.entries if routes is None or route in routes]

    def messages(self) -> list[Message]:
        return [self.title, self.intro]


@dataclass(frozen=True)
class Content:
    root: Path
    topics: dict[str, Topic]
    stages: dict[str, Stage]

    def messages(self) -> list[Message]:
        out: list[Message] = []
        for stage in self.stages.values():
            out += stage.messages()
        for topic in self.topics.values():
            out += topic.messages()
        return out

    @property
    def version(self) -> str:
        """The content version printed on handouts: the newest topic version."""
        return max((t.version for t in self.topics.values()), default="0")


def load_content(root: Path) -> Content:
    """Load every topic and the stage plan; raise UserError listing every problem."""
    root = Path(root)
    problems = Problems()
    topics: dict[str, Topic] = {}
    topic_dir = root / "topics"
    files = sorted(topic_dir.glob("*.yaml"))
    if not files:
        raise UserError(f"{topic_dir}: no topic files (*.yaml) found")
    for path in files:
        try:
            topic = _load_topic(path, problems)
        except UserError as exc:
            problems.extend(exc)
            continue
        if topic:
            topics[topic.id] = topic
    stages: dict[str, Stage] = {}
    try:
        stages = _load_stages(root / "stages.yaml", topics, problems)
    except UserError as exc:
        problems.extend(exc)
    problems.check()
    return Content(root=root, topics=topics, stages=stages)


def _message(r: Reader, key: str, context: str, *, required: bool = True,
             routes: frozenset[str] | None = None, note: str | None = None,
             icon: str | None = None) -> Message | None:
    text = r.text(key, required=required, max_len=2000)
    one = r.text(f"{key}_one", required=False, max_len=2000)
    if text is None:
        return None
    line = r.line(key) or 0
    _check_placeholders(text, r, line, r.name(key))
    if one is not None:
        _check_placeholders(one, r, r.line(f"{key}_one") or line, r.name(f"{key}_one"))
    _check_count(text, one, r, line, key)
    return Message(" ".join(text.split()), context, r.path, line, note, routes,
                   " ".join(one.split()) if one else None, icon)


def _check_count(text: str, one: str | None, r: Reader, line: int, key: str) -> None:
    """A string with a number placeholder is a plural entry: it needs its singular form."""
    numbers = [n for n in placeholder_names(text) if is_number(n)]
    label = r.name(key)
    if len(set(numbers)) > 1:
        r.problems.add(r.path, line, f"{label}: counts {quote(sorted(set(numbers)))}; a "
                       "string may count one number only (gettext chooses one plural form "
                       "per string), so split the sentence")
    elif numbers and one is None:
        r.problems.add(r.path, line, f"{label}: counts %({numbers[0]})s, so it needs its "
                       f"singular too: add '{key}_one' with the text for 1 (\"1 hour\")")
    elif one is not None and not numbers:
        r.problems.add(r.path, line, f"{label}_one: only a string with a number placeholder "
                       "has a singular form")
    elif one is not None and sorted(placeholder_names(one)) != sorted(placeholder_names(text)):
        r.problems.add(r.path, line, f"{label}_one: must have the same placeholders as "
                       f"{label}")


def _check_placeholders(text: str, r: Reader, line: int, label: str) -> None:
    for name in placeholder_names(text):
        if name not in PLACEHOLDERS:
            r.problems.add(r.path, line, f"{label}: unknown placeholder %({name})s; "
                           f"known: {quote(PLACEHOLDERS)}{did_you_mean(name, PLACEHOLDERS)}")
    if has_stray_percent(text):
        r.problems.add(r.path, line, f"{label}: a '%' that is not a placeholder must be "
                                     "written '%%'")
    if bold_marks(text) % 2:
        r.problems.add(r.path, line, f"{label}: unpaired '**' (bold text needs ** on both "
                                     "sides)")


def _icon(r: Reader) -> str | None:
    return r.choice("icon", ICONS, required=False)


def _routes(r: Reader) -> frozenset[str] | None:
    if not r.has("routes"):
        r.asked.add("routes")
        return None
    return frozenset(r.text_list("routes", choices=ROUTES))


def _load_topic(path: Path, problems: Problems, text: str | None = None) -> Topic | None:
    shown = str(path)
    data = load_yaml(path, text)
    r = Reader(data, shown, problems)
    tid = r.text("id", pattern=TOPIC_ID, expected="a topic id (lowercase, digits, '-')")
    if tid and tid != path.stem:
        r.error("id", f"{tid!r} must match the file name {path.stem!r}")
    tid = tid or path.stem
    version = r.text("version", expected="a version as text, e.g. \"1.0\"")
    reviewed_by = r.text("reviewed_by", nullable=True, required=True)
    reviewed_on = r.date("reviewed_on")
    reviewed_fingerprint = r.text("reviewed_fingerprint", required=False, nullable=True,
                                  pattern=r"[0-9a-f]{16}", expected="16 hex digits written "
                                  "by 'handouts content review'")
    if bool(reviewed_by) != bool(reviewed_on):
        r.error(None, "reviewed_by and reviewed_on go together: set both or leave both null")

    sources: dict[str, Source] = {}
    src = r.section("sources")
    if src:
        for sid in src.data:
            s = src.section(sid)
            if s is None:
                continue
            sources[sid] = Source(id=sid, title=s.text("title"), publisher=s.text("publisher"),
                                  date=s.text("date", expected="a date as text, e.g. "
                                              "\"2023-10\""),
                                  url=s.text("url", required=False,
                                             pattern=r"https://\S+", expected="an https:// URL"))
            s.finish()

    title = _message(r, "title", f"{tid}/title")
    blocks: list[Block] = []
    seen: set[str] = set()
    for i, (item, line, _) in enumerate(r.sequence("blocks")):
        b = Reader(item, shown, problems, f"blocks[{i}]", line)
        blocks_block = _load_block(b, tid, sources, seen)
        if blocks_block:
            blocks.append(blocks_block)
    r.finish()
    if not title:
        return None
    return Topic(id=tid, path=shown, version=version or "0", reviewed_by=reviewed_by,
                 reviewed_on=reviewed_on, title=title, blocks=tuple(blocks), sources=sources,
                 reviewed_fingerprint=reviewed_fingerprint)


def _load_block(b: Reader, tid: str, sources: dict[str, Source], seen: set[str]) -> Block | None:
    bid = b.text("id", pattern=TOPIC_ID, expected="a block id (lowercase, digits, '-')")
    if bid in seen:
        b.error("id", f"{bid!r} is used by another block of this topic")
    seen.add(bid or "")
    kind = b.choice("kind", BLOCK_KINDS)
    routes = _routes(b)
    note = b.text("note", required=False)
    ctx = f"{tid}/{bid}"
    heading = _message(b, "heading", f"{ctx}/heading", required=False, note=note,
                       icon=_icon(b))
    text = _message(b, "text", f"{ctx}/text", required=kind in ("text", "summary"), note=note)
    items: list[Message] = []
    for j, (item, line, _) in enumerate(b.sequence("items", required=kind in _NEEDS_ITEMS)):
        if isinstance(item, YMap):
            ir = Reader(item, b.path, b.problems, f"{b.where}.items[{j}]", line)
            msg = _message(ir, "text", f"{ctx}/{j}", routes=_routes(ir),
                           note=ir.text("note", required=False) or note, icon=_icon(ir))
            ir.finish()
        else:
            ir = Reader(YMap({"text": item}), b.path, b.problems, f"{b.where}.items[{j}]", line)
            ir.data.key_lines, ir.data.values, ir.data.line = {"text": line}, {}, line
            msg = _message(ir, "text", f"{ctx}/{j}", note=note)
        if msg:
            items.append(msg)
    closing = _message(b, "closing", f"{ctx}/closing", required=False, note=note)
    if kind == "callout" and not (text or items or closing):
        b.error(None, "a callout needs 'text', 'items' or 'closing'")
    cited = b.text_list("sources", allow_empty=True)
    for s in cited:
        if s not in sources:
            b.error("sources", f"{s!r} is not in this topic's sources: {quote(sources)}"
                               + did_you_mean(s, sources))
    write_lines = b.integer("write_lines", low=0, high=12, required=False, default=0)
    b.finish()
    if not (bid and kind):
        return None
    return Block(id=bid, kind=kind, heading=heading, text=text, items=tuple(items),
                 sources=tuple(cited), routes=routes, write_lines=write_lines,
                 closing=closing)


def _load_stages(path: Path, topics: dict[str, Topic] | None, problems: Problems,
                 text: str | None = None) -> dict[str, Stage]:
    """The stage plan; with `topics=None` topic ids are not checked (for extraction)."""
    shown = str(path)
    data = load_yaml(path, text)
    r = Reader(data, shown, problems)
    stages: dict[str, Stage] = {}
    for sid in STAGES:
        s = r.section(sid)
        if s is None:
            continue
        title = _message(s, "title", f"stage/{sid}/title")
        intro = _message(s, "intro", f"stage/{sid}/intro")
        entries: list[tuple[str, frozenset[str] | None]] = []
        for i, (item, line, _) in enumerate(s.sequence("topics")):
            if isinstance(item, str):
                tid, routes = item, None
            else:
                er = Reader(item, shown, problems, f"{sid}.topics[{i}]", line)
                tid, routes = er.text("topic"), _routes(er)
                er.finish()
            if tid and topics is not None and tid not in topics:
                problems.add(shown, line, f"{sid}.topics[{i}]: no topic {tid!r} in "
                             f"content/topics/{did_you_mean(tid, topics)}")
            elif tid:
                entries.append((tid, routes))
        s.finish()
        if title and intro:
            stages[sid] = Stage(id=sid, title=title, intro=intro, entries=tuple(entries))
    r.finish()
    return stages


def file_messages(path: Path, text: str) -> list[Message]:
    """The translatable strings of one content file (topic or stages.yaml)."""
    problems = Problems()
    if path.name == "stages.yaml":
        found = [m for s in _load_stages(path, None, problems, text).values()
                 for m in s.messages()]
    else:
        topic = _load_topic(path, problems, text)
        found = topic.messages() if topic else []
    problems.check()
    return found
