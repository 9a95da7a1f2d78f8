"""Where the project's own content, catalogs and templates live: the one home of that path.

Two kinds of project:

- a checkout of the handouts repository (`pyproject.toml`, `content/`, `locales/`,
  `templates/`): what developers, editors and translators work in, and what an editable
  install (`make setup`) runs from;
- the copy inside an installed package (`handouts/data/`, put there by the wheel, with its
  `.mo` files compiled when the wheel was built): read-only; what `pip install` or
  `pipx install` users run from any folder.

Handouts are built from `PROJECT`, the checkout this package runs from if there is one,
else the package's copy. Commands that write to the project (`i18n extract`, `update`,
`init`, `compile`, `review`) need a checkout: `--project DIR`, or the one around the
current folder (`authoring_project`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from .errors import UserError

PARTS = ("content", "locales", "templates")


@dataclass(frozen=True)
class Project:
    """A project folder: `content/`, `locales/` and `templates/` under `root`."""

    root: Path
    packaged: bool = False  # the installed package's read-only copy, .mo files compiled

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def cache_dir(self) -> Path:
        """Where the project's own derived files go (reading grades, fonts made on first
        use): `.cache/` in a checkout, the user's cache folder for an installed package."""
        if self.packaged:
            return user_cache_dir()
        return self.root / ".cache"


def user_cache_dir() -> Path:
    """The per-user cache folder (`~/.cache/handouts` on Linux, by platformdirs)."""
    from platformdirs import user_cache_path

    return user_cache_path("handouts", appauthor=False)


def is_checkout(folder: Path) -> bool:
    """A checkout of this repository: its pyproject.toml names the `handouts` project."""
    pyproject = folder / "pyproject.toml"
    if not all((folder / part).is_dir() for part in PARTS) or not pyproject.is_file():
        return False
    return re.search(r'(?m)^name\s*=\s*"handouts"\s*$',
                     pyproject.read_text(encoding="utf-8", errors="replace")) is not None


def find_checkout(start: Path) -> Project | None:
    """The checkout `start` is in (or is), looking up the folder tree."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if is_checkout(folder):
            return Project(folder)
    return None


def _shipped() -> Project:
    source_tree = Path(__file__).resolve().parents[2]  # src/handouts/.. in a checkout
    if is_checkout(source_tree):
        return Project(source_tree)
    data = files("handouts").joinpath("data")
    if not isinstance(data, Path):  # e.g. a zipped install: WeasyPrint needs real files
        raise RuntimeError(f"handouts is installed where its data are not files ({data})")
    return Project(data, packaged=True)


PROJECT = _shipped()


def authoring_project(explicit: Path | None, cwd: Path | None = None,
                      read_only: bool = False) -> Project:
    """The checkout an `i18n` command works on: `--project DIR`, else the checkout around
    the current folder, else the one this package runs from. A read-only command
    (`status`) may also read the installed package's own copy."""
    if explicit is not None:
        if not all((Path(explicit) / part).is_dir() for part in PARTS):
            raise UserError(f"{explicit}: not a handouts project (expected the folders "
                            f"{', '.join(p + '/' for p in PARTS)})")
        return Project(Path(explicit))
    found = find_checkout(cwd or Path.cwd())
    if found is not None:
        return found
    if not PROJECT.packaged or read_only:
        return PROJECT
    raise UserError("this command changes the catalogs, so it works in a checkout of the "
                    "handouts project (git clone, then run it inside the folder) or with "
                    "--project DIR; the installed package's copy is read-only")
