"""Turn source content into the handout's language, with the clinic's values filled in.

Text comes out as `Text`: a sequence of segments (plain, bold, or a clinic
value) that the template escapes and wraps; it is never markup. A string with
no usable translation falls back to English and keeps `lang="en"` so the PDF
says which language each run is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.numbers import format_decimal

from ..domain import PLACEHOLDERS, SOURCE_LANGUAGE, bind_amounts, tokens
from ..i18n.catalogs import Catalog
from ..i18n.checks import gate_problems
from ..inputs.content import Block, Message, Stage, Topic
from ..inputs.languages import text_direction

# After a clinic value the amount's space opens the next piece of text (domain.bind_amounts).
_AFTER_VALUE = re.compile(r"^ (?=[^\W\d_])")


@dataclass(frozen=True)
class Segment:
    text: str
    strong: bool = False
    value: str | None = None  # a clinic value, isolated with this direction ("ltr"/"rtl")
    nowrap: bool = False      # never broken across lines: a phone number, a Korean word


@dataclass(frozen=True)
class Text:
    segments: tuple[Segment, ...]
    lang: str | None = None  # set when this text is not in the handout's language
    icon: str | None = None  # a pictogram shown with it (domain.ICONS)

    def __str__(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass(frozen=True)
class LocalBlock:
    id: str
    kind: str
    heading: Text | None
    text: Text | None
    items: tuple[Text, ...]
    write_lines: int
    closing: Text | None = None


@dataclass(frozen=True)
class LocalTopic:
    id: str
    title: Text
    blocks: tuple[LocalBlock, ...]


class Localizer:
    """Looks up and fills the strings of one handout (one language, one route)."""

    def __init__(self, catalog: Catalog, values: dict[str, str | int],
                 missing: list[str] | None = None):
        self.catalog = catalog
        # `context|msgid` of each string shown in English for want of a usable translation
        self.missing = [] if missing is None else missing
        self.keep_words = catalog.language.keep_words  # each word an unbreakable segment
        locale = catalog.language.locale
        self.numbers = {k: v for k, v in values.items() if isinstance(v, int)}
        self.values = {k: format_decimal(v, locale=locale) if isinstance(v, int) else v
                       for k, v in values.items()}

    def text(self, msg: Message) -> Text:
        if msg.count:  # a plural entry: the clinic's number chooses the form
            n = self.numbers[msg.count]
            found = self.catalog.lookup_plural(msg.context, msg.one, msg.text, n)
            source = msg.one if n == 1 else msg.text
        else:
            found = self.catalog.lookup(msg.context, msg.text)
            source = msg.text
        if found and not gate_problems(msg.text, found):
            segments = self._segments(found)
            return Text(self._keep_words(segments) if self.keep_words else segments,
                        icon=msg.icon)
        if found:  # a broken translation must not reach a patient: use the source
            self.missing.append(f"{msg.context}|broken")
        elif found is None:
            self.missing.append(f"{msg.context}|{msg.text[:60]}")
        return Text(self._segments(source), lang=SOURCE_LANGUAGE, icon=msg.icon)

    @staticmethod
    def _keep_words(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
        out: list[Segment] = []
        for seg in segments:
            if seg.value:
                out.append(seg)
                continue
            for part in re.split(r"(\s+)", seg.text):
                if part:
                    out.append(Segment(part, seg.strong, nowrap=not part.isspace()))
        return tuple(out)

    def _segments(self, text: str) -> tuple[Segment, ...]:
        out: list[Segment] = []
        strong = False
        after_number = False
        for token in tokens(text):
            if token.kind == "bold":
                strong = not strong
                continue
            if token.kind == "placeholder":
                kind = PLACEHOLDERS[token.text]
                value = str(self.values[token.text])
                out.append(Segment(value, strong, "ltr" if kind in ("ltr", "number", "phone")
                                   else text_direction(value), nowrap=kind == "phone"))
                after_number = kind == "number"
                continue
            piece = "%" if token.kind == "percent" else token.text
            if after_number:  # "6 hours" is one amount: no line break inside it
                piece = _AFTER_VALUE.sub("\u00a0", piece, count=1)
            out.append(Segment(bind_amounts(piece), strong))
            after_number = False
        return tuple(out)

    def block(self, block: Block, route: str) -> LocalBlock:
        return LocalBlock(
            id=block.id, kind=block.kind,
            heading=self.text(block.heading) if block.heading else None,
            text=self.text(block.text) if block.text else None,
            items=tuple(self.text(m) for m in block.items if m.shown_for(route)),
            write_lines=block.write_lines,
            closing=self.text(block.closing) if block.closing else None,
        )

    def topic(self, topic: Topic, route: str) -> LocalTopic:
        return LocalTopic(
            id=topic.id, title=self.text(topic.title),
            blocks=tuple(self.block(b, route) for b in topic.blocks if b.shown_for(route)),
        )

    def stage(self, stage: Stage) -> tuple[Text, Text]:
        return self.text(stage.title), self.text(stage.intro)
