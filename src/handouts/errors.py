"""User errors: problems a clinic admin, editor or translator can fix.

Every problem names a file (and a line when there is one). Loaders collect all
problems first and raise them together, so one run shows every mistake.
Bugs are not UserErrors: they raise as themselves, with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class UserError(Exception):
    """One or more problems in the user's input; the CLI prints them and exits 1."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("handouts", None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """Collects problems while loading; `check()` raises them all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str | Path, line: int | None, message: str) -> None:
        self.items.append(Problem(display_path(path), line, message))

    def extend(self, error: UserError) -> None:
        self.items.extend(error.problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def check(self) -> None:
        if self.items:
            raise UserError(self.items)


def display_path(path: str | Path) -> str:
    """A path as the user knows it: relative to the working folder when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
