"""Wheel build hook (hatchling): the package carries the project's content, templates and
compiled catalogs under `handouts/data/`, so an installed package builds handouts from any
folder (see src/handouts/project.py).

The repository keeps `content/`, `templates/` and `locales/` at its top, where editors and
translators work; this hook copies them into the wheel, leaving out what is made on a
machine (`templates/fonts/`, `.mo` files), and compiles every `.po` to `.mo` here, with
the same checks as `handouts i18n compile`, so a broken catalog fails the build.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PARTS = ("content", "templates", "locales")
LEFT_OUT = ("templates/fonts/",)  # made per machine (pipeline/fonts.py), not shipped


class DataHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install runs from the checkout itself
        root = Path(self.root)
        include = build_data.setdefault("force_include", {})
        for part in PARTS:
            for path in sorted((root / part).rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and not rel.startswith(LEFT_OUT) \
                        and path.suffix != ".mo" and "__pycache__" not in rel:
                    include[str(path)] = f"handouts/data/{rel}"
        self._tmp = tempfile.TemporaryDirectory(prefix="handouts-mo-")
        for po, mo in self._compile(root, Path(self._tmp.name)):
            include[str(mo)] = f"handouts/data/{po.relative_to(root).with_suffix('.mo').as_posix()}"

    def _compile(self, root: Path, out: Path):
        sys.path.insert(0, str(root / "src"))
        try:
            from handouts.i18n.catalogs import mo_bytes
        finally:
            sys.path.pop(0)
        for po in sorted((root / "locales").glob("*/LC_MESSAGES/*.po")):
            mo = out / po.relative_to(root / "locales").with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            mo.write_bytes(mo_bytes(po))
            yield po, mo

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if getattr(self, "_tmp", None) is not None:
            self._tmp.cleanup()
