"""Babel extractor for content YAML, registered as `handouts_yaml` under `babel.extractors`.

It follows Babel's four-argument contract, so `pybabel extract -F babel.cfg`
works as well as `handouts i18n extract`. Each string is a `pgettext` call:
its context names the topic and field, its line is the real line in the YAML,
and a block's `note` becomes a translator comment. A string that counts is an
`npgettext` call (msgid: the singular, msgid_plural: the plural), so each
language writes every plural form its `Plural-Forms` header asks for.
"""

from __future__ import annotations

from pathlib import Path

from ..files import check_inside
from ..inputs.content import file_messages


def extract_yaml(fileobj, keywords, comment_tags, options):
    """Yield (lineno, funcname, (context, message), comments) for one YAML file."""
    path = Path(getattr(fileobj, "name", "content.yaml"))
    if path.exists():
        check_inside(path, path.parent)  # a topic linked to a file elsewhere is not read
    text = fileobj.read()
    if isinstance(text, bytes):
        text = text.decode(options.get("encoding", "utf-8"))
    for msg in file_messages(path, text):
        comments = [msg.note] if msg.note else []
        if "%(" in msg.text:
            comments.append("Keep each %(name)s placeholder exactly as it is.")
        if msg.count:
            # One line (under the .pot's width): a wrapped comment reads back as two.
            comments.append(f"%({msg.count})s picks the plural form (a form may leave it "
                            "out, as Arabic's dual)")
            yield msg.line, "npgettext", (msg.context, msg.one, msg.text), comments
        else:
            yield msg.line, "pgettext", (msg.context, msg.text), comments
