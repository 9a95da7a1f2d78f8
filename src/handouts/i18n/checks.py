"""What makes a translation unfit to print: changed placeholders or bold marks, markup,
a lone `%`. The same checks guard `.mo` compilation, `handouts check` and
`handouts i18n status --check`.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from ..domain import bold_marks, has_stray_percent, placeholder_names
from ..errors import Problem, UserError, display_path

_BRACES = re.compile(r"\{(\w+)\}")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&[A-Za-z#][A-Za-z0-9]*;")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted, in both `%(name)s` and `{name}` forms."""
    return sorted(placeholder_names(text) + ["{" + n + "}" for n in _BRACES.findall(text)])


def message_problems(msgid: str, msgstr: str) -> list[str]:
    """What is wrong with one translation (empty when fine)."""
    out = []
    if placeholders(msgid) != placeholders(msgstr):
        out.append(f"placeholders differ: msgid has {placeholders(msgid)}, "
                   f"msgstr has {placeholders(msgstr)}")
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
        pairs = zip(msg.id, msg.string, strict=False) if isinstance(msg.id, tuple) \
            else [(msg.id, msg.string)]
        for msgid, msgstr in pairs:
            for p in message_problems(msgid, msgstr or msgid):
                problems.append(Problem(shown, msg.lineno, p))
    return catalog, problems

