"""What makes a translation unfit to print: changed placeholders or bold marks, markup,
a lone `%`. The same checks guard `.mo` compilation, `handouts check` and
`handouts i18n status --check`.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from ..domain import bold_marks, has_stray_percent, is_number, placeholder_names
from ..errors import Problem, UserError, display_path

_BRACES = re.compile(r"\{(\w+)\}")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&[A-Za-z#][A-Za-z0-9]*;")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted, in both `%(name)s` and `{name}` forms."""
    return sorted(placeholder_names(text) + ["{" + n + "}" for n in _BRACES.findall(text)])


def message_problems(msgid: str, msgstr: str, counted: bool = False) -> list[str]:
    """What is wrong with one translation (empty when fine).

    `counted`: `msgstr` is one plural form of an entry that counts; such a form may leave
    out the number (Arabic writes the dual "ساعتين" with no 2), nothing else."""
    out = []
    expected, got = placeholders(msgid), placeholders(msgstr)
    if counted:
        def kept(names: list[str]) -> list[str]:
            return [n for n in names if not is_number(n)]

        same = kept(expected) == kept(got) and set(got) <= set(expected)
    else:
        same = expected == got
    if not same:
        out.append(f"placeholders differ: msgid has {expected}, msgstr has {got}")
    if has_stray_percent(msgstr):
        out.append("a lone '%' in msgstr; write '%%' for a percent sign")
    if _MARKUP.search(msgstr) and not _MARKUP.search(msgid):
        out.append(f"msgstr contains markup {_MARKUP.search(msgstr).group(0)!r}; "
                   "translations are plain text")
    if bold_marks(msgid) != bold_marks(msgstr):
        out.append("bold markers '**' differ between msgid and msgstr")
    return out


def check_po(po: Path) -> tuple[object, list[Problem]]:
    """Parse a `.po` and list every broken translation with its line."""
    shown = display_path(po)
    try:
        with po.open("rb") as f:
            catalog = read_po(f, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(Problem(shown, None, f"cannot read catalog: {exc}")) from None
    problems = []
    for msg in catalog:
        if not msg.id or not msg.string or msg.fuzzy:
            continue
        if isinstance(msg.id, tuple):  # a plural entry: every form against msgid_plural
            found = [f"msgstr[{i}]: {p}" for i, form in enumerate(msg.string)
                     for p in message_problems(msg.id[1], form or msg.id[1], counted=True)]
        else:
            found = message_problems(msg.id, msg.string)
        problems += [Problem(shown, msg.lineno, p) for p in found]
    return catalog, problems

