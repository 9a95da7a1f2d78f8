"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it into place.

    An interrupted write (Ctrl-C, full disk) leaves the old file, or none, and
    no partial file under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_cached(path: Path) -> bytes:
    """A file's bytes, read again only when its modification time or size changed."""
    st = path.stat()
    return _read(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _read(path: Path, mtime_ns: int, size: int) -> bytes:
    return path.read_bytes()
