"""User errors: problems a clinic admin, editor or translator can fix.

Every problem names a file (and a line when there is one). Loaders collect all
problems first and raise them together, so one run shows every mistake.
Bugs are not UserErrors: they raise as themselves, with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TOOL = "handouts"  # the place of a problem that belongs to no file


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    @property
    def placed(self) -> str:
        """The problem as told under another name (`es/aftercare: ...`): with its own
        file and line, or only its message if it has none but the tool's."""
        return self.message if self.path == TOOL else str(self)


class UserError(Exception):
    """One or more problems in the user's input; the CLI prints them and exits 1."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(TOOL, None, problems)]
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


# What to do about an operating-system error on a file, by errno name.
_ADVICE = {
    "ENOSPC": "free some space on that disk, or write somewhere else",
    "EDQUOT": "free some of your space on that disk, or write somewhere else",
    "EROFS": "write somewhere else, or mount that disk for writing",
    "EACCES": "permission denied; write somewhere you may write, or ask who owns the folder",
    "EPERM": "the system does not allow it; write somewhere else",
    "EISDIR": "it is a folder; give the name of a file",
    "ENOTDIR": "part of the path is a file, not a folder; check the path",
    "ENOENT": "there is no such file or folder; check the path",
    "ENAMETOOLONG": "the name is too long; choose a shorter one",
    "ELOOP": "the path has a loop of symbolic links; check the path",
    "EIO": "the disk reported an error; check the disk, or write somewhere else",
    "EMFILE": "too many files are open; close other programs and try again",
    "ENFILE": "too many files are open; close other programs and try again",
    "EBUSY": "the file is in use by another program; close it and try again",
    "ETXTBSY": "the file is in use by another program; close it and try again",
    "EXDEV": "the file cannot be moved across disks; write it on one disk",
}


class FileError(UserError):
    """An operating-system error on one file, said as the user can act on it."""

    def __init__(self, path: str | Path, message: str, errno: int | None = None):
        self.path = path
        self.errno = errno
        super().__init__(Problem(display_path(path), None, message))


def file_error(exc: OSError, path: str | Path | None = None, doing: str = "use") -> FileError:
    """`out/en/aftercare.pdf: cannot write: No space left on device; the disk is full; ...`.

    `path` is the file the user named or the tool chose (not a temp file beside it);
    `doing` is what was tried: read, write, use."""
    import errno as errnos

    name = errnos.errorcode.get(exc.errno or 0, "")
    what = exc.strerror or str(exc) or type(exc).__name__
    advice = _ADVICE.get(name, "check the path and the disk, then try again")
    where = path if path is not None else (exc.filename or TOOL)
    return FileError(where, f"cannot {doing}: {what}; {advice}", exc.errno)
