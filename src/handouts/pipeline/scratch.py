"""This process's private temp folder, where WeasyPrint keeps its copies of @font-face files.

WeasyPrint's FontConfiguration copies each @font-face font it loads into a folder of its
own (`/tmp/weasyprint-*`, about 12 MB for our faces) and removes it only when the
configuration is garbage-collected: a long-lived one never is, a render worker ends with
`os._exit`, and a killed process cleans nothing. So that a day of use leaves nothing
behind, each rendering process keeps those folders inside one private folder,
`$TMPDIR/handouts-render-<pid>-XXXXXXXX/`, marked by a lock (flock) that the kernel frees
when the process ends, however it ends:

- a clean exit removes the folder (atexit, or `remove()` by a render worker on its way out);
- the first render of any later process removes every such folder whose lock is free
  (a process killed with `kill -9`, a worker its pool killed past the time limit).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

from ..files import abandoned, hold

PREFIX = "handouts-render-"
_YOUNG = 60.0  # seconds: a folder with no lock yet may be one being made right now
_own: dict = {"pid": None, "folder": None, "fd": None}


def folder() -> Path:
    """This process's private folder, made on first use (stale ones are swept first)."""
    if _own["pid"] != os.getpid():
        sweep()
        path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        # Locked before it has its name, so a sweep never sees it unlocked.
        fd = hold(path / ".lock.new")
        os.rename(path / ".lock.new", path / ".lock")
        _own.update(pid=os.getpid(), folder=path, fd=fd)
    return _own["folder"]


def remove() -> None:
    """Remove this process's folder now (at exit, or a worker's last act)."""
    if _own["pid"] == os.getpid() and _own["folder"] is not None:
        shutil.rmtree(_own["folder"], ignore_errors=True)
        os.close(_own["fd"])
    _forget()


def _forget() -> None:
    """After a fork the child makes its own folder; the parent's lock is not the child's."""
    if _own["fd"] is not None and _own["pid"] != os.getpid():
        try:
            os.close(_own["fd"])
        except OSError:
            pass
    _own.update(pid=None, folder=None, fd=None)


def sweep(base: Path | None = None) -> list[Path]:
    """Remove the private folders, of this user, whose process is gone."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    try:
        candidates = list(base.glob(f"{PREFIX}*"))
    except OSError:
        return removed
    for path in candidates:
        try:
            st = path.lstat()
        except OSError:
            continue
        if not path.is_dir() or path.is_symlink() or st.st_uid != os.getuid() \
                or path == _own["folder"]:
            continue
        fd = abandoned(path / ".lock")
        if fd is None:
            if (path / ".lock").exists() or time.time() - st.st_mtime < _YOUNG:
                continue  # its process lives, or is making it right now
        try:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


atexit.register(remove)
os.register_at_fork(after_in_child=_forget)
