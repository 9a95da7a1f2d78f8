"""Typed readers over loaded YAML: each check names the file, line and key.

A `Reader` wraps one YAML map. Its methods read one key each and record a
problem (never raise) when the value is missing or of the wrong kind, so a
loader can report every mistake in a file at once. `finish()` rejects keys
the reader never asked for, with a "did you mean" suggestion.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from ..domain import did_you_mean, quote
from ..errors import Problems
from .yamlio import Scalar, YList, YMap

_MISSING = object()


def _yaml_surprise(value: Any, scalar: Scalar | None) -> str:
    """Explain how YAML turned unquoted text into something else."""
    if scalar is None or scalar.quoted:
        return ""
    kind = {bool: "true/false", int: "a number", float: "a number",
            dt.date: "a date", dt.datetime: "a date and time"}.get(type(value))
    if kind is None or scalar.raw == str(value):
        return ""
    return f" (YAML reads {scalar.raw!r} as {kind}; put it in quotes: \"{scalar.raw}\")"


class Reader:
    """Reads the keys of one YAML map, recording problems in `problems`."""

    def __init__(self, data: Any, path: str, problems: Problems, where: str = "",
                 line: int | None = None):
        self.path, self.problems, self.where = path, problems, where
        self.ok = isinstance(data, YMap)
        if not self.ok:
            what = f"{where}: " if where else ""
            problems.add(path, line or getattr(data, "line", None),
                         f"{what}expected a map of keys, got {_kind(data)}")
            data = YMap()
            data.line, data.key_lines, data.values = line or 1, {}, {}
        self.data: YMap = data
        self.anchor = line or data.line  # where "missing key" errors point: the parent key
        self.asked: set[str] = set()

    # -- helpers ---------------------------------------------------------------
    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def line(self, key: str | None = None) -> int | None:
        if key is not None and key in self.data:
            scalar = self.data.values.get(key)
            return scalar.line if scalar else self.data.key_lines.get(key)
        return self.anchor

    def error(self, key: str | None, message: str) -> None:
        label = f"{self.name(key)}: " if key else (f"{self.where}: " if self.where else "")
        self.problems.add(self.path, self.line(key), label + message)

    def get(self, key: str, required: bool) -> Any:
        self.asked.add(key)
        if key not in self.data:
            if required:
                self.error(None, f"missing required key {self.name(key)!r}")
            return _MISSING
        return self.data[key]

    def has(self, key: str) -> bool:
        return key in self.data

    # -- typed reads -----------------------------------------------------------
    def text(self, key: str, *, required: bool = True, default: str | None = None,
             pattern: str | None = None, expected: str = "text",
             max_len: int = 10_000, nullable: bool = False) -> str | None:
        value = self.get(key, required)
        if value is _MISSING:
            return default
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.error(key, f"expected {expected}, got {_kind(value)}"
                            + _yaml_surprise(value, self.data.values.get(key)))
            return default
        if not value.strip():
            self.error(key, f"expected {expected}, got an empty value")
            return default
        if len(value) > max_len:
            self.error(key, f"is {len(value)} characters long; at most {max_len} allowed")
            return default
        if pattern and not re.fullmatch(pattern, value):
            self.error(key, f"expected {expected}, got {value!r}")
            return default
        return value

    def integer(self, key: str, *, low: int, high: int, unit: str = "",
                required: bool = True, default: int | None = None) -> int | None:
        value = self.get(key, required)
        if value is _MISSING:
            return default
        scalar = self.data.values.get(key)
        span = f"a whole number{(' of ' + unit) if unit else ''} from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"expected {span}, got {_kind(value)}")
            return default
        if scalar and re.fullmatch(r"[+-]?0[0-9_]+", scalar.raw):
            self.error(key, f"{scalar.raw!r} has a leading zero, which YAML reads as octal "
                            f"({value}); write it without the zero")
            return default
        if not low <= value <= high:
            self.error(key, f"expected {span}, got {value}")
            return default
        return value

    def boolean(self, key: str, *, required: bool = True, default: bool = False) -> bool:
        value = self.get(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {_kind(value)}")
            return default
        return value

    def choice(self, key: str, choices: Iterable[str], *, required: bool = True,
               default: str | None = None) -> str | None:
        choices = list(choices)
        value = self.text(key, required=required, default=None,
                          expected=f"one of {quote(choices)}")
        if value is None:
            return default
        if value not in choices:
            self.error(key, f"{value!r} is not one of {quote(choices)}"
                            + did_you_mean(value, choices))
            return default
        return value

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        value = self.get(key, required)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(key, f"expected a date as YYYY-MM-DD or null, got {_kind(value)}")
        return None

    def section(self, key: str, *, required: bool = True) -> Reader | None:
        value = self.get(key, required)
        if value is _MISSING:
            return None
        return Reader(value, self.path, self.problems, self.name(key), self.line(key))

    def sequence(self, key: str, *, required: bool = True,
                 allow_empty: bool = False) -> list[tuple[Any, int, Scalar | None]]:
        """The items of a list as (value, line, scalar-info) triples."""
        value = self.get(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, YList):
            self.error(key, f"expected a list, got {_kind(value)}")
            return []
        if not value and not allow_empty:
            self.error(key, "expected a list with at least one item, got an empty list")
        return list(zip(value, value.item_lines, value.values, strict=True))

    def text_list(self, key: str, *, choices: Iterable[str] | None = None,
                  required: bool = True, allow_empty: bool = False) -> list[str]:
        choices = list(choices) if choices is not None else None
        out: list[str] = []
        seen: set[str] = set()
        for i, (item, line, scalar) in enumerate(self.sequence(key, required=required,
                                                               allow_empty=allow_empty)):
            label = f"{self.name(key)}[{i}]"
            if not isinstance(item, str):
                self.problems.add(self.path, line, f"{label}: expected text, got "
                                  f"{_kind(item)}" + _yaml_surprise(item, scalar))
            elif choices is not None and item not in choices:
                self.problems.add(self.path, line, f"{label}: {item!r} is not one of "
                                  f"{quote(choices)}" + did_you_mean(item, choices))
            elif item in seen:
                self.problems.add(self.path, line, f"{label}: {item!r} is listed twice")
            else:
                seen.add(item)
                out.append(item)
        return out

    def finish(self) -> None:
        """Report keys nobody asked for: typos, or settings that do not exist."""
        for key in self.data:
            if key not in self.asked:
                hint = did_you_mean(str(key), self.asked)
                self.problems.add(self.path, self.data.key_lines.get(key),
                                  f"unknown key {self.name(str(key))!r}{hint}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, YMap | dict):
        return "a map"
    if isinstance(value, YList | list):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return type(value).__name__
