"""HTML to PDF with WeasyPrint, reading only the project's and the clinic's own files.

WeasyPrint is imported on first use, so commands that render nothing
(`check`, `i18n status`) start fast. One FontConfiguration is shared by every
render in the process. Output is reproducible: the same input gives the same
bytes (dates come from SOURCE_DATE_EPOCH, or are left out).
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..domain import MAX_PAGES
from ..errors import UserError
from . import scratch

MAX_ASSET_BYTES = 10 * 1024 * 1024
MAX_DATA_URL = 200_000
PDF_VARIANT = "pdf/ua-1"


@dataclass
class RenderLog:
    """What one render read and what WeasyPrint complained about."""

    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    missing_glyphs: set[int] = field(default_factory=set)   # code points no font has
    reads: dict[str, str] = field(default_factory=dict)     # file path -> sha256 of its bytes


# Files are read once per process for some resources (WeasyPrint fetches an @font-face
# source once per FontConfiguration), so a render's reads are every file this process
# has served; a cache entry then depends on a few files too many, never too few.
_READS: dict[str, str] = {}


class _Capture(logging.Handler):
    def __init__(self, log: RenderLog):
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith(".notdef glyph") and len(record.args or ()) == 2:
            self.log.missing_glyphs.add(record.args[1])  # (character, code point)
            return
        message = record.getMessage()
        if REFUSED in message:
            return  # said once, by the fetcher's own entry in `refused`
        self.log.warnings.append(message)


REFUSED = "refused resource outside the clinic and project"


@cache
def _weasy():
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves regular files inside the allowed folders; refuses everything else."""

        def __init__(self, roots: tuple[Path, ...], log: RenderLog,
                     aliases: dict[Path, Path] | None = None):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
            self.roots = tuple(r.resolve() for r in roots)
            self.log = log
            # A folder the HTML names, served from another (templates/fonts/ -> the cache).
            self.aliases = {k.resolve(): v for k, v in (aliases or {}).items()}

        def fetch(self, url, headers=None):
            if url.startswith("data:") and len(url) <= MAX_DATA_URL:
                # Inline data reads no file and opens no connection (e.g. our QR code).
                return super().fetch(url, headers)
            path = self._allowed_path(url)
            if path is None:
                self.log.refused.append(url[:200])
                raise ValueError(f"{REFUSED}: {url[:200]}")
            data = path.read_bytes()
            _READS[str(path)] = hashlib.sha256(data).hexdigest()
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": mime})

        def _allowed_path(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(unquote(parts.path))
            if path.parent in self.aliases:
                path = self.aliases[path.parent] / path.name
            try:
                path = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return None
            if not any(path == r or r in path.parents for r in self.roots):
                return None
            # Not a device or FIFO (/dev/zero would never end), not huge.
            if not path.is_file() or path.stat().st_size > MAX_ASSET_BYTES:
                return None
            return path

    class PrivateFonts(FontConfiguration):
        """WeasyPrint's font configuration with its @font-face copies in this process's
        private folder (scratch.py), which goes when the process does."""

        def add_font_face(self, rule_descriptors, url_fetcher):
            # A folder of this process's own: new, or after a fork (a batch worker).
            if self._folder is None or getattr(self, "_owner", None) != os.getpid():
                self._folder = Path(tempfile.mkdtemp(prefix="weasyprint-",
                                                     dir=scratch.folder()))
                self._owner = os.getpid()
            return super().add_font_face(rule_descriptors, url_fetcher)

    return weasyprint, PrivateFonts(), AssetFetcher


def render_pdf(html: str, base_dir: Path, asset_roots: tuple[Path, ...],
               aliases: dict[Path, Path] | None = None,
               max_pages: int = MAX_PAGES) -> tuple[bytes, RenderLog]:
    """Render one handout's HTML to PDF bytes, with what it read and the warnings it gave.

    Only files inside `asset_roots` are served; `aliases` maps a folder the HTML refers
    to onto the folder that holds its files; a review packet may allow more pages."""
    document, log = lay_out(html, base_dir, asset_roots, aliases, max_pages)
    # No `pdf_identifier`: pydyf would serialise (and compress) every object twice to
    # hash them, about 10 % of a render, and neither PDF 1.7 nor PDF/UA-1 asks for an /ID.
    pdf = _captured(log, lambda: document.write_pdf(pdf_variant=PDF_VARIANT))
    log.reads = dict(_READS)
    return pdf, log


def lay_out(html: str, base_dir: Path, asset_roots: tuple[Path, ...],
            aliases: dict[Path, Path] | None = None, max_pages: int = MAX_PAGES):
    """One handout's HTML laid out in pages (a WeasyPrint Document), before writing a PDF;
    the layout tests read its boxes."""
    weasyprint, font_config, fetcher_class = _weasy()
    log = RenderLog()

    def layout():
        fetcher = fetcher_class(asset_roots, log, aliases)
        html_doc = weasyprint.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/",
                                   url_fetcher=fetcher)
        return html_doc.render(font_config=font_config, pdf_variant=PDF_VARIANT)

    document = _captured(log, layout)
    if len(document.pages) > max_pages:
        raise UserError(f"the handout has {len(document.pages)} pages, more than "
                        f"{max_pages}: a style sheet or template makes the layout "
                        "explode (font size, page size?)")
    # A handout carries no files: drop <link rel=attachment> and <a rel=attachment>.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document, log


def _captured(log: RenderLog, work):
    """Run `work` with WeasyPrint's warnings going to `log`."""
    handler = _Capture(log)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        return work()
    finally:
        logger.removeHandler(handler)


def source_date() -> str | None:
    """The build date for PDF metadata, from SOURCE_DATE_EPOCH (None: leave it out)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.isdigit():
        return None
    import datetime as dt
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
