"""Reading and writing files so that a reader never sees half of one, nothing is left
behind, and nothing outside the project is read.

Writing (`atomic_write`): the new bytes go into an unnamed file in the target's folder
(Linux's O_TMPFILE), which gets a name only once it is complete: a new name at once, an
existing file through a temp name and a rename. A run killed while it writes (even with
`kill -9`) leaves nothing: the kernel frees an unnamed file with its process. Where the
file system has no unnamed files, the temp file is named `.NAME.handouts-XXXXXXXX.part`
and locked (flock) by its writer while it lives; the first write of a later run into that
folder removes every such file whose lock is free, since its writer is gone.

Only regular files (or new names) are written (`check_target`): a folder, a FIFO or a
device node in the way is refused, so `--output /dev/null` never replaces the device.
An operating-system error (full disk, read-only folder) is a FileError naming the file.

Reading (`read_inside`): a file is read only if it is a regular file inside the folder it
belongs to, through symlinks resolved, so a topic linked to /etc/passwd is never opened.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import re
import stat
import tempfile
from functools import lru_cache
from pathlib import Path

from .errors import FileError, display_path, file_error

PART_INFIX = ".handouts-"  # in every named temp file: `.aftercare.pdf.handouts-k2j4x9ab.part`
_PART = re.compile(r"^\..+\.handouts-[a-z0-9_]{8}\.part$")
_AT_FDCWD = -100
_AT_EMPTY_PATH = 0x1000
# Errors that mean "this file system or kernel cannot do that": fall back, do not fail.
_UNSUPPORTED = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS, errno.EPERM,
                errno.ENOENT, errno.EXDEV, errno.EACCES}
_swept: set[str] = set()
_no_unnamed: set[int] = set()  # devices where an unnamed file cannot be given a name


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all; the old file stays until the new one
    replaces it. FileError (a UserError) names `path` on a full disk, a read-only folder,
    a folder or device in the way."""
    path = Path(path)
    try:
        check_target(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_once(path.parent)
        if not _write_unnamed(path, data):
            _write_named(path, data)
    except OSError as exc:
        raise file_error(exc, path, "write") from None


def check_target(path: Path) -> None:
    """Refuse to write over anything but a regular file: a folder, FIFO, device or socket."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise file_error(exc, path, "write") from None
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        raise FileError(path, "is a folder; give the name of a file to write")
    kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device")
    raise FileError(path, f"is {kind}, not a regular file; handouts writes only regular "
                          "files, so choose another name")


def _write_unnamed(path: Path, data: bytes) -> bool:
    """Write through an O_TMPFILE file; False where this file system cannot."""
    if not hasattr(os, "O_TMPFILE") or os.stat(path.parent).st_dev in _no_unnamed:
        return False
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in _UNSUPPORTED - {errno.EACCES, errno.ENOENT, errno.EPERM}:
            _no_unnamed.add(os.stat(path.parent).st_dev)
            return False
        raise
    temp = None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held while it lives, also once it has a name
        _write_all(fd, data)
        try:
            if not _link(fd, path):  # a new name: it appears whole
                _no_unnamed.add(os.fstat(fd).st_dev)
                return False
            return True
        except FileExistsError:
            pass
        while temp is None:
            candidate = _temp_name(path)
            try:
                if not _link(fd, candidate):
                    return False
                temp = candidate
            except FileExistsError:
                continue
        check_target(path)
        os.replace(temp, path)
        temp = None
        return True
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        os.close(fd)


def _write_named(path: Path, data: bytes) -> None:
    """Write through a named temp file beside `path`, locked while it lives."""
    while True:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}{PART_INFIX}", suffix=".part",
                                    dir=path.parent)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:  # not removed by a sweep before we locked it
                _write_all(fd, data)
                os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
                check_target(path)
                os.replace(temp, path)
                return
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _temp_name(path: Path) -> Path:
    token = os.urandom(6).hex()[:8]
    return path.parent / f".{path.name}{PART_INFIX}{token}.part"


@lru_cache(maxsize=1)
def _linkat():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.linkat
    except (OSError, AttributeError):
        return None


def _link(fd: int, dest: Path) -> bool:
    """Give the unnamed file `fd` the name `dest`; False where the system does not allow it."""
    linkat = _linkat()
    if linkat is not None:
        if linkat(fd, b"", _AT_FDCWD, os.fsencode(dest), _AT_EMPTY_PATH) == 0:
            return True
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise FileExistsError(code, os.strerror(code), str(dest))
        if code not in _UNSUPPORTED:
            raise OSError(code, os.strerror(code), str(dest))
    try:
        os.link(f"/proc/self/fd/{fd}", dest)  # follows the magic link to the unnamed file
        return True
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno in _UNSUPPORTED:
            return False
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _sweep_once(folder: Path) -> None:
    """Remove stale temp files the first time this process writes into `folder`."""
    key = os.path.abspath(folder)
    if key not in _swept:
        _swept.add(key)
        remove_stale_parts(folder)


def remove_stale_parts(folder: Path) -> list[Path]:
    """Remove the temp files in `folder` whose writer is gone (their lock is free)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        if _PART.match(name) and remove_if_abandoned(Path(folder) / name):
            removed.append(Path(folder) / name)
    return removed


def hold(lock_path: Path) -> int:
    """Create and lock `lock_path` (an flock, freed by the kernel when this process dies,
    even by `kill -9`); keep the returned descriptor open while the thing it marks lives."""
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def abandoned(lock_path: Path) -> int | None:
    """A descriptor holding `lock_path`'s lock if no live process holds it, else None.
    The caller removes what the lock marked, then closes the descriptor."""
    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
    except OSError:  # held by a live process (or this file system has no locks)
        pass
    os.close(fd)
    return None


def remove_if_abandoned(path: Path) -> bool:
    """Remove the temp file `path` if no live process holds its lock."""
    fd = abandoned(path)
    if fd is None:
        return False
    try:
        # Still the file we locked, not one that took its name meanwhile.
        if os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
            os.unlink(path)
            return True
    except OSError:
        pass
    finally:
        os.close(fd)
    return False


def check_inside(path: Path, root: Path) -> Path:
    """`path` resolved, if it is inside `root` (symlinks resolved); else a FileError."""
    path = Path(path)
    try:
        real = path.resolve(strict=True)
        base = Path(root).resolve(strict=True)
    except FileNotFoundError:
        raise FileError(path, "file not found") from None
    except (OSError, RuntimeError) as exc:
        raise FileError(path, f"cannot read: {exc}") from None
    if real != base and base not in real.parents:
        raise FileError(path, f"is a link to {real}, outside {display_path(root)}; "
                              "put the file itself there instead")
    return real


def read_inside(path: Path, root: Path, limit: int = 10 * 2**20) -> bytes:
    """The bytes of `path` if it is a regular file inside `root` (symlinks resolved);
    else a FileError. A file outside is never opened, so it is never quoted either."""
    real = check_inside(path, root)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise file_error(exc, path, "read") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileError(path, "is not a regular file (a FIFO or device?); give a file")
        if st.st_size > limit:
            raise FileError(path, f"is {st.st_size / 2**20:.0f} MB; at most "
                                  f"{limit // 2**20} MB is read")
        try:
            return f.read(limit + 1)
        except OSError as exc:
            raise file_error(exc, path, "read") from None


def read_cached(path: Path) -> bytes:
    """A file's bytes, read again only when its modification time or size changed."""
    st = path.stat()
    return _read(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _read(path: Path, mtime_ns: int, size: int) -> bytes:
    return path.read_bytes()


class Memo:
    """Answers remembered in a JSON file under a hash of everything they depend on, so a
    slow check runs only when its input changed. The file is a memory, not a record: a
    missing, damaged or unwritable one costs the work again, never a wrong answer (the key
    is the answer's whole input). The newest `keep` answers are kept."""

    def __init__(self, path: Path | None, keep: int = 500):
        self.path, self.keep, self.changed = path, keep, False
        self.known: dict = {}
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_bytes())
                self.known = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.known = {}

    def get(self, key: str):
        return self.known.get(key)

    def put(self, key: str, value) -> None:
        self.known.pop(key, None)  # to the end: the newest
        self.known[key] = value
        self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        kept = dict(list(self.known.items())[-self.keep:])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(kept, sort_keys=False).encode("utf-8"))
        except (FileError, OSError):
            pass  # a read-only or full disk: computed again next time
        self.changed = False
