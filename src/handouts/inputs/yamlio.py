"""Read YAML safely, keeping the line of every key and value for error messages.

Only plain data is accepted (maps, lists, scalars): `!!python/...` and other
tags are refused, duplicate keys are refused, and alias bombs are cut off.
Scalars are resolved the YAML 1.1 way that PyYAML uses; the schema readers then
catch its surprises (`no` -> False, `9:30` -> 570, `0123` -> 83) using the raw
text kept here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, UserError, display_path
from ..files import read_inside

_MAX_NODES = 100_000  # far above any real topic or clinic file; stops alias bombs
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Scalar:
    """Where a scalar came from: its line and the exact text the user wrote."""

    __slots__ = ("line", "raw", "quoted")

    def __init__(self, line: int, raw: str, quoted: bool):
        self.line, self.raw, self.quoted = line, raw, quoted


class YMap(dict):
    """A dict that remembers the line of the map, of each key and each value."""

    line: int
    key_lines: dict[Any, int]
    values: dict[Any, Scalar]  # only for scalar values


class YList(list):
    """A list that remembers its own line and each item's."""

    line: int
    item_lines: list[int]
    values: list[Scalar | None]


def load_yaml(path: Path, text: str | None = None, root: Path | None = None) -> Any:
    """Parse one YAML file into YMap/YList/scalars, raising UserError with its line.

    The file is read only if it is a regular file inside `root` (default: its own
    folder), so a symlink to a file elsewhere is refused, never read or quoted."""
    shown = display_path(path)
    if text is None:
        data = read_inside(path, root if root is not None else Path(path).parent)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(Problem(shown, None, f"not UTF-8 text ({exc.reason})")) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader, shown).build(node, depth=0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise UserError(Problem(shown, line, f"YAML syntax error: {_explain(exc, text)}")) \
            from None
    except yaml.YAMLError as exc:
        raise UserError(Problem(shown, None, f"YAML error: {exc}")) from None
    finally:
        loader.dispose()


def _explain(exc: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's message, with the character it stopped at named the way a user knows it."""
    message = exc.problem or str(exc)
    if exc.context:
        message = f"{exc.context}, {message}"
    mark = exc.problem_mark
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines):
        return message
    row = lines[mark.line]
    char = row[mark.column] if mark.column < len(row) else ""
    if char == "\t" or "tab" in message or "\t" in row[:len(row) - len(row.lstrip())]:
        return (f"a tab at column {mark.column + 1}; indent with spaces (YAML does not "
                "allow tabs) [" + message + "]")
    if "cannot start any token" in message and char:
        return (f"{char!r} at column {mark.column + 1} cannot start a value; put the value "
                f"in quotes, e.g. \"{row[mark.column:].strip()}\" [{message}]")
    return message


class _Builder:
    def __init__(self, loader, shown: str):
        self.loader = loader
        self.shown = shown
        self.count = 0

    def fail(self, node, message: str) -> UserError:
        return UserError(Problem(self.shown, node.start_mark.line + 1, message))

    def build(self, node, depth: int) -> Any:
        self.count += 1
        if self.count > _MAX_NODES or depth > 50:
            raise self.fail(node, "document is too large or too deeply nested "
                                  "(too many aliases?)")
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self.fail(node, f"tag {node.tag!r} is not allowed; plain maps only")
            self.loader.flatten_mapping(node)
            out = YMap()
            out.line = node.start_mark.line + 1
            out.key_lines, out.values = {}, {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    raise self.fail(knode, "a key must be plain text")
                key = self.build(knode, depth + 1)
                kline = knode.start_mark.line + 1
                if key in out:
                    raise self.fail(knode, f"duplicate key {key!r} (first on line "
                                           f"{out.key_lines[key]})")
                out[key] = self.build(vnode, depth + 1)
                out.key_lines[key] = kline
                if isinstance(vnode, yaml.ScalarNode):
                    out.values[key] = _scalar_info(vnode)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self.fail(node, f"tag {node.tag!r} is not allowed; plain lists only")
            out = YList()
            out.line = node.start_mark.line + 1
            out.item_lines, out.values = [], []
            for item in node.value:
                out.append(self.build(item, depth + 1))
                out.item_lines.append(item.start_mark.line + 1)
                out.values.append(_scalar_info(item) if isinstance(item, yaml.ScalarNode)
                                  else None)
            return out
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self.fail(node, f"{exc.problem}; plain text, numbers and "
                                  "true/false only") from None


def _scalar_info(node) -> Scalar:
    return Scalar(node.start_mark.line + 1, node.value, node.style in ("'", '"', "|", ">"))
