"""A content-addressed cache of finished PDFs, so an unchanged handout is never laid out twice.

The key is a hash of everything a render reads: the HTML (which holds the
content, the translations, the clinic's values and CSS, the options), the
bytes of the files it links to (the logo), and the versions of handouts and
WeasyPrint. Personalised handouts are never cached: patient details stay off disk.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path

from ..files import atomic_write, read_cached


@cache
def _versions() -> bytes:
    return f"handouts {version('handouts')}; weasyprint {version('weasyprint')}".encode()


def cache_key(html: str, linked: tuple[Path, ...]) -> str:
    h = hashlib.sha256(_versions())
    for path in linked:
        h.update(hashlib.sha256(read_cached(path)).digest())
    h.update(html.encode("utf-8"))
    return h.hexdigest()


class PdfCache:
    """PDFs by key, one file each in `folder`."""

    def __init__(self, folder: Path):
        self.folder = folder

    def get(self, key: str) -> bytes | None:
        path = self.folder / f"{key}.pdf"
        return path.read_bytes() if path.is_file() else None

    def put(self, key: str, data: bytes) -> None:
        atomic_write(self.folder / f"{key}.pdf", data)
