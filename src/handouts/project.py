"""Where the project's own content, catalogs and templates live: the one home of that path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """A project folder: `content/`, `locales/` and `templates/` under `root`."""

    root: Path

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"


# The shipped project: the checkout this package was installed from (src/handouts/..).
PROJECT = Project(Path(__file__).resolve().parents[2])
