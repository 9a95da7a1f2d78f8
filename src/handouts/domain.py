"""The words every layer shares: stages, routes, placeholders, defaults, limits, and the
inline text syntax of the clinical text.

Nothing here reads a file. Each fact has this one home; the loaders, the pipeline and
the commands import it from here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

STAGES = ("consultation", "infusion-day", "aftercare")
ROUTES = ("iv", "im", "esketamine")
PAPERS = ("letter", "a4")
# What the operator reads (the page, a day list's bookmarks, README): one word per thing.
# The handouts say these in the patient's language, through the catalogs.
STAGE_NAMES = {"consultation": "Consultation", "infusion-day": "Infusion day",
               "aftercare": "Aftercare"}
ROUTE_NAMES = {"iv": "IV infusion", "im": "Injection into a muscle (IM)",
               "esketamine": "Esketamine nasal spray"}
# What the front desk prints most: the day's sheet and the one to take home.
DESK_STAGES = ("infusion-day", "aftercare")
SOURCE_LANGUAGE = "en"  # the language the clinical text is written in

# Esketamine (Spravato) label and REMS: observe at least 2 hours after each dose;
# no food for 2 hours and no liquids for 30 minutes before it.
ESKETAMINE_MIN_OBSERVATION_MINUTES = 120
ESKETAMINE_FOOD_HOURS = 2
ESKETAMINE_LIQUIDS_MINUTES = 30

# Placeholders the clinical text may use, and how each value is shown: phone
# numbers and URLs are left-to-right runs even inside Arabic text, and a phone
# number never breaks across lines.
PLACEHOLDERS: dict[str, str] = {
    "clinic_name": "text",
    "phone": "phone",
    "after_hours_phone": "phone",
    "emergency_number": "phone",
    "crisis_line": "phone",
    "website": "ltr",
    "address": "text",
    "fasting_solids_hours": "number",
    "fasting_heavy_meal_hours": "number",
    "fasting_clear_liquids_hours": "number",
    "arrive_minutes_early": "number",
    "infusion_minutes": "number",
    "observation_minutes": "number",
    "no_driving_hours": "number",
    "visit_hours": "number",          # computed: arrival to going home, rounded up
}

# Pictograms a topic may put beside a heading or an item (templates/icons/<id>.svg, from
# Tabler Icons, MIT). Those that show a direction (a car driving forward) are mirrored in
# right-to-left languages.
ICONS = ("no-food", "no-drinks", "no-driving", "driver", "no-alcohol", "call-emergency",
         "call-crisis", "call-clinic", "blood-pressure", "rest", "companion", "clock",
         "checklist", "diary")
DIRECTIONAL_ICONS = frozenset({"no-driving", "driver", "call-emergency"})

# Defaults of the command line and the library alike.
DEFAULT_CLINIC = Path("clinics/demo")
DEFAULT_OUT = Path("out")
DEFAULT_JOBS = 1                      # render processes; 0 renders in the calling process

# Limits on one render, wherever it runs (the web page, `build`).
RENDER_TIMEOUT = 30.0                 # seconds of wall-clock time
RENDER_MEMORY_LIMIT = 1536 * 2**20    # bytes of address space; a render needs ~300 MB
MAX_PAGES = 40                        # the longest real handout is far below this


# --- the inline text syntax ------------------------------------------------------------
# Clinical text and its translations are plain text with three marks: `**` around bold
# words, `%(name)s` for a clinic value, and `%%` for a percent sign (gettext's
# python-format). A `%` that is none of these is a mistake (`stray`).

_TOKEN = re.compile(r"\*\*|%\((\w+)\)s|%%|%")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "bold" (a ** mark), "placeholder", "percent" (%%), "stray" (lone %)
    text: str  # the text itself; for a placeholder, its name


def tokens(text: str) -> Iterator[Token]:
    """The marks and the text between them, in order."""
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            yield Token("text", text[pos:m.start()])
        mark = m.group(0)
        if mark == "**":
            yield Token("bold", mark)
        elif m.group(1):
            yield Token("placeholder", m.group(1))
        else:
            yield Token("percent" if mark == "%%" else "stray", mark)
        pos = m.end()
    if pos < len(text):
        yield Token("text", text[pos:])


def placeholder_names(text: str) -> list[str]:
    return [t.text for t in tokens(text) if t.kind == "placeholder"]


# The count a template's ngettext passes (Jinja's i18n extension names it `num`).
COUNT = "num"


def is_number(name: str) -> bool:
    """Whether a placeholder holds a number (which may choose a plural form)."""
    return PLACEHOLDERS.get(name) == "number" or name == COUNT


def counted_placeholder(text: str) -> str | None:
    """The number placeholder a string counts (the first), or None."""
    return next((n for n in placeholder_names(text) if is_number(n)), None)


def bold_marks(text: str) -> int:
    return sum(1 for t in tokens(text) if t.kind == "bold")


def has_stray_percent(text: str) -> bool:
    return any(t.kind == "stray" for t in tokens(text))


# An amount ("2 hours", "30 minutes") stays on one line: the space after its number
# becomes a no-break space.
_AMOUNT = re.compile(r"(\d) (?=[^\W\d_])")


def bind_amounts(text: str) -> str:
    """`text` with each number joined to the word after it by a no-break space."""
    return _AMOUNT.sub("\\1\u00a0", text)


def plain_text(text: str, fill: str) -> str:
    """The text as a reader sees it, each clinic value replaced by `fill`."""
    shown = {"bold": "", "percent": "%", "stray": "%"}
    return "".join(fill if t.kind == "placeholder" else shown.get(t.kind, t.text)
                   for t in tokens(text))


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`1 handout`, `3 handouts`: a count in the tool's own English messages (the
    handouts' counts use each language's gettext plural forms)."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


# --- "Invalid value for ..." -----------------------------------------------------------
# One wording for every option and form field, after Click's.

def quote(items: Iterable[str]) -> str:
    """`'a', 'b', 'c'`: how valid choices are listed in every message."""
    return ", ".join(repr(i) for i in items)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class InvalidValue(UserError):
    """`Invalid value for 'label': detail`; a day list shows it as `FILE:ROW: label: detail`."""

    def __init__(self, label: str, detail: str):
        self.label, self.detail = label, detail
        super().__init__(f"Invalid value for {label!r}: {detail}")


def invalid(label: str, detail: str) -> InvalidValue:
    """`Invalid value for 'label': detail`, for an option (`--lang`) or a form field."""
    return InvalidValue(label, detail)


def not_one_of(label: str, value: str, choices: Sequence[str], why: str = "") -> UserError:
    """`... 'x' is not one of 'a', 'b'`, then `(why)` or a close match."""
    hint = f" ({why})" if why else did_you_mean(value, choices)
    return invalid(label, f"{value!r} is not one of {quote(choices)}{hint}")


def reviewer(by: str, who: str, example: str) -> str:
    """A sign-off's `--by`: a name and a credential ("Ana Ruiz, MD"), on one line."""
    if not isinstance(by, str) or not by.strip() or len(by) > 120 \
            or any(not c.isprintable() for c in by) or "," not in by:
        raise invalid("--by", f"{by!r}; give the {who}'s name and credential, "
                      f"e.g. {example!r}")
    return " ".join(by.split())


def check_choice(value: str, choices: Sequence[str], label: str, why: str = "") -> str:
    """`value` if it is one of `choices`, else the UserError of `not_one_of`."""
    if value not in choices:
        raise not_one_of(label, value, choices, why)
    return value
