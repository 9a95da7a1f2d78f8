"""The package's shape: imports point one way (commands -> pipeline -> i18n -> inputs ->
the shared base), and no function is longer than a screen."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "handouts"
# A module may import from its own layer and the layers below it, never above.
LAYERS = {"base": 0, "inputs": 1, "i18n": 2, "pipeline": 3, "commands": 4, "entry": 5}
BASE = {"errors", "files", "domain", "project"}
ENTRY = {"cli", "__init__", "__main__"}
MAX_LINES = 60


def layer(module: str) -> str:
    """`handouts.pipeline.make` -> "pipeline"; `handouts.errors` -> "base"."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in ENTRY:
        return "entry"
    if parts[0] in BASE:
        return "base"
    return parts[0]


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


def imported(module: str, path: Path) -> list[tuple[str, int]]:
    """Every handouts module `module` imports, with the line, relative imports resolved."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names] if not node.module else [target]
            found += [(n, node.lineno) for n in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
    return [(n, line) for n, line in found if n == "handouts" or n.startswith("handouts.")]


def test_every_module_is_in_a_known_layer():
    unknown = {layer(m) for m, _ in modules()} - set(LAYERS)
    assert not unknown, f"folders with no place in LAYERS: {unknown}"


def test_imports_point_down_the_layers():
    wrong = []
    for module, path in modules():
        for target, line in imported(module, path):
            if LAYERS[layer(target)] > LAYERS[layer(module)]:
                wrong.append(f"{path.relative_to(SRC)}:{line}: {layer(module)} imports "
                             f"{target} ({layer(target)})")
    assert wrong == []


def test_the_layer_check_can_fail(tmp_path):
    """Relative imports are resolved, so a base module importing the pipeline is caught."""
    fake = tmp_path / "domain.py"
    fake.write_text("from .pipeline.make import load_inputs\nfrom . import errors\n")
    found = imported("handouts.domain", fake)
    assert found == [("handouts.pipeline.make", 1), ("handouts.errors", 2)]
    assert LAYERS[layer(found[0][0])] > LAYERS[layer("handouts.domain")]
    assert layer("handouts.commands.web.app") == "commands"


@pytest.mark.parametrize("module, path", modules(), ids=[m for m, _ in modules()])
def test_no_function_longer_than_a_screen(module, path):
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_LINES]
    assert long == []
