"""Per-string translation review, kept in the `.po` itself.

A reviewer's approval is a translator comment on the entry it approves:

    # approved 2026-11-22 3f2a9c1b04e5d6a7 by María López, CHI

The hex is a fingerprint of the entry's msgctxt, msgid, msgid_plural and every
msgstr form. Translator comments are the one part of an entry that `pybabel
update`, `msgmerge`, Poedit and Weblate all keep, so the approval travels with
the entry; because it names the text it approved, an entry whose English or
translation changed afterwards is simply not approved any more ("waiting for
review", in Weblate's words). States follow Weblate's: untranslated, fuzzy
(needs editing), translated (waiting for review), approved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

_APPROVED = re.compile(r"^approved (\d{4}-\d{2}-\d{2}) ([0-9a-f]{16}) by (.+)$")
STATES = ("untranslated", "fuzzy", "waiting", "approved")


@dataclass(frozen=True)
class Approval:
    by: str
    on: dt.date
    fingerprint: str


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value or "",)


def fingerprint(msg) -> str:
    """What an approval is bound to: msgctxt, msgid(s) and every msgstr form."""
    parts = [msg.context or "", *_forms(msg.id), "\x00", *_forms(msg.string)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def recorded(msg) -> Approval | None:
    """The approval written on an entry, whether or not it still matches."""
    for comment in msg.user_comments:
        m = _APPROVED.match(comment.strip())
        if m:
            try:
                return Approval(m.group(3).strip(), dt.date.fromisoformat(m.group(1)),
                                m.group(2))
            except ValueError:
                return None
    return None


def current(msg) -> Approval | None:
    """The approval of an entry if it approves exactly the entry as it is now."""
    found = recorded(msg)
    if found is None or msg.fuzzy or not all(_forms(msg.string)):
        return None
    return found if found.fingerprint == fingerprint(msg) else None


def state(msg) -> str:
    """untranslated, fuzzy, waiting (translated, not approved as it is) or approved."""
    if not any(_forms(msg.string)):
        return "untranslated"
    if msg.fuzzy:
        return "fuzzy"
    return "approved" if current(msg) else "waiting"


def key(msg) -> tuple[str | None, str]:
    """How the pipeline looks the entry up: (msgctxt, the singular msgid)."""
    return msg.context, _forms(msg.id)[0]


def matches(msg, patterns: tuple[str, ...]) -> bool:
    """Whether `--context GLOB`s select the entry (all entries when there are none)."""
    return not patterns or any(fnmatchcase(msg.context or "", p) for p in patterns)


def approve(msg, by: str, on: dt.date) -> None:
    """Record `by`'s approval of the entry as it is now, replacing an older one."""
    kept = [c for c in msg.user_comments if not _APPROVED.match(c.strip())]
    msg.user_comments = [*kept, f"approved {on.isoformat()} {fingerprint(msg)} by {by}"]


def approvals(catalog) -> dict[tuple[str | None, str], Approval]:
    """Every entry's current approval, by lookup key."""
    out = {}
    for msg in catalog:
        if msg.id:
            found = current(msg)
            if found:
                out[key(msg)] = found
    return out
