"""A content-addressed cache of finished PDFs, so an unchanged handout is never laid out twice.

A cached answer is the answer a render would give, or there is none:

- the key is a hash of the composed HTML (content, translations, the clinic's values
  and CSS, the options) and of everything else that changes the bytes: the versions of
  handouts and of the libraries that lay out and write the PDF, the render code itself,
  the native text libraries, and the font files and font configuration of the system;
- an entry keeps the files its render read (logo, images, @font-face files) with their
  hashes, and is a hit only while each still has that hash;
- an entry keeps the warnings of its render, replayed on a hit, so `--strict` fails on a
  cached handout exactly as on a fresh render;
- an entry keeps the hash of its PDF, so a damaged entry is a miss, never a wrong PDF.

Personalised handouts are never cached: patient details stay off disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import sysconfig
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..files import atomic_write
from .make import Rendered

FORMAT = 2  # of an entry; entries of another format are misses
# Python packages whose version changes the PDF's bytes (layout, fonts, images, writing).
_LIBRARIES = ("handouts", "weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2",
              "tinyhtml5", "pillow")
# Native libraries WeasyPrint lays text out with; found by file name.
_NATIVE = ("libpango-1.0.so", "libpangoft2-1.0.so", "libharfbuzz.so", "libharfbuzz-subset.so",
           "libfontconfig.so", "libfreetype.so")


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def _stat_lines(paths) -> list[str]:
    """`path size mtime` of each regular file: enough to see a package upgrade."""
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.append(f"{path} {st.st_size} {st.st_mtime_ns}")
    return sorted(out)


def _files_under(folders) -> list[str]:
    found = []
    for folder in folders:
        for root, _, names in os.walk(folder):
            found += [os.path.join(root, n) for n in names]
    return found


def _native_libraries() -> list[str]:
    dirs = {"/usr/lib", "/usr/lib64", "/usr/local/lib"}
    if multiarch := sysconfig.get_config_var("MULTIARCH"):
        dirs.add(f"/usr/lib/{multiarch}")
    found = set()
    for d in dirs:
        for path in Path(d).glob("lib*.so*") if Path(d).is_dir() else ():
            if path.name.split(".so")[0] + ".so" in _NATIVE:
                found.add(str(path.resolve()))
    return sorted(found)


def _font_folders() -> list[str]:
    home = Path.home()
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return ["/usr/share/fonts", "/usr/local/share/fonts", str(data / "fonts"),
            str(home / ".fonts"), "/etc/fonts"]


@cache
def environment() -> bytes:
    """Everything outside the HTML that changes a render's bytes, once per process (~3 ms)."""
    from . import render

    lines = [f"cache format {FORMAT}"]
    lines += [f"{name} {_package_version(name)}" for name in _LIBRARIES]
    lines.append("render.py " + hashlib.sha256(Path(render.__file__).read_bytes()).hexdigest())
    lines += _stat_lines(_native_libraries())
    lines += _stat_lines(_files_under(_font_folders()))
    return "\n".join(lines).encode("utf-8")


def cache_key(html: str) -> str:
    h = hashlib.sha256(environment())
    h.update(html.encode("utf-8"))
    return h.hexdigest()


@lru_cache(maxsize=256)
def _file_hash(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _unchanged(path: str, digest: str) -> bool:
    try:
        st = os.stat(path)
        return _file_hash(path, st.st_mtime_ns, st.st_size) == digest
    except OSError:
        return False


class PdfCache:
    """Entries by key, one file each in `folder`: a JSON header line, then the PDF."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.entry"

    def get(self, key: str) -> Rendered | None:
        """The render kept under `key`, or None (missing, damaged, or a file it read changed)."""
        try:
            raw = self._path(key).read_bytes()
            head, data = raw.split(b"\n", 1)
            meta = json.loads(head)
        except (OSError, ValueError):
            return None
        if meta.get("format") != FORMAT or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return None
        reads = tuple((str(p), str(d)) for p, d in meta.get("reads", ()))
        if not all(_unchanged(p, d) for p, d in reads):
            return None
        return Rendered(data, tuple(str(w) for w in meta.get("warnings", ())), reads)

    def put(self, key: str, rendered: Rendered) -> None:
        meta = {"format": FORMAT, "sha256": hashlib.sha256(rendered.data).hexdigest(),
                "warnings": list(rendered.warnings), "reads": [list(r) for r in rendered.reads]}
        head = json.dumps(meta, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        atomic_write(self._path(key), head + b"\n" + rendered.data)
