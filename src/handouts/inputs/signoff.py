"""Per-topic clinical sign-off, bound to the text it approved.

`handouts content review TOPIC --by "NAME, credential"` writes three lines of the
topic's YAML and nothing else (comments and layout stay as they are):

    reviewed_by: "Dr. Ana Ruiz, MD"
    reviewed_on: 2026-11-22
    reviewed_fingerprint: "3f2a9c1b04e5d6a7"

The fingerprint is `Topic.fingerprint`: the English text, routes and sources. Any
change to them leaves the recorded sign-off in place but no longer current, so the
handouts say "Pending clinical review" again and `handouts check` names the topic.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..domain import did_you_mean, invalid, quote, reviewer
from ..errors import Problem
from ..files import atomic_write
from .content import Content, Topic, load_content

_LINE = r"^{key}:[ \t]*(?:\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^#\n]*?)(?P<comment>[ \t]+#[^\n]*)?$"


@dataclass(frozen=True)
class SignoffStatus:
    topic: str
    version: str
    by: str | None
    on: dt.date | None
    state: str  # "signed off", "changed since sign-off", "not signed off"
    path: str


def topic_state(topic: Topic) -> str:
    if topic.signed_off:
        return "signed off"
    if topic.reviewed_by:
        return "changed since sign-off"
    return "not signed off"


def status(content: Content) -> list[SignoffStatus]:
    return [SignoffStatus(t.id, t.version, t.reviewed_by, t.reviewed_on, topic_state(t),
                          t.path) for t in sorted(content.topics.values(), key=lambda t: t.id)]


def changed_since_signoff(content: Content) -> list[Problem]:
    """One line per topic whose text, routes or sources changed after its sign-off."""
    out = []
    for row in status(content):
        if row.state == "changed since sign-off":
            line = _key_line(Path(row.path).read_text(encoding="utf-8"), "reviewed_by")
            out.append(Problem(row.path, line, f"{row.topic}: changed since its clinical "
                               f"sign-off by {row.by} on {row.on}; its handouts say "
                               f"'Pending clinical review' until 'handouts content review "
                               f"{row.topic} --by ...'"))
    return out


def _key_line(text: str, key: str) -> int | None:
    m = re.search(_LINE.format(key=key), text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _rewrite(text: str, values: dict[str, str]) -> str:
    """`text` with each top-level `key: value` line replaced, a trailing comment kept;
    a missing key is added after the line of the one before it."""
    previous = None
    for key, value in values.items():
        pattern = re.compile(_LINE.format(key=key), re.M)
        m = pattern.search(text)
        if m:
            comment = m.group("comment") or ""
            text = text[:m.start()] + f"{key}: {value}{comment}" + text[m.end():]
        else:
            after = re.compile(_LINE.format(key=previous), re.M).search(text)
            text = text[:after.end()] + f"\n{key}: {value}" + text[after.end():]
        previous = key
    return text


def sign_off(content_dir: Path, topics: list[str], by: str, every: bool = False,
             on: dt.date | None = None) -> list[Path]:
    """Record `by`'s sign-off of each topic as it is now; return the files written."""
    by = reviewer(by, "clinician", "Ana Ruiz, MD")
    content = load_content(content_dir)
    if every:
        topics = sorted(content.topics)
    if not topics:
        raise invalid("TOPIC", "name at least one topic, or use --all")
    for tid in topics:
        if tid not in content.topics:
            raise invalid("TOPIC", f"{tid!r} is not one of {quote(sorted(content.topics))}"
                          + did_you_mean(tid, content.topics))
    written = []
    day = (on or dt.date.today()).isoformat()
    for tid in topics:
        topic = content.topics[tid]
        path = Path(topic.path)
        text = _rewrite(path.read_text(encoding="utf-8"), {
            "reviewed_by": json.dumps(by, ensure_ascii=False),
            "reviewed_on": day,
            "reviewed_fingerprint": f'"{topic.fingerprint}"',
        })
        atomic_write(path, text.encode("utf-8"))
        written.append(path)
    # Read back: the sign-off must now be current (a layout we could not rewrite shows).
    stale = [t for t in topics if not load_content(content_dir).topics[t].signed_off]
    if stale:  # a bug, not a user error
        raise RuntimeError(f"sign-off not recorded for {stale}")
    return written


def status_table(rows: list[SignoffStatus]) -> str:
    head = f"{'topic':<20} {'version':>7}  {'reviewed by':<28} {'on':<10}  state"
    lines = [head, "-" * len(head)]
    for r in rows:
        state = r.state if r.state == "signed off" else r.state.upper()  # what needs doing
        lines.append(f"{r.topic:<20} {r.version:>7}  {(r.by or '-'):<28} "
                     f"{(r.on.isoformat() if r.on else '-'):<10}  {state}")
    return "\n".join(lines)
