"""Checks on the files a clinic supplies: its logo and its style sheet.

A logo is opened here, when the clinic loads, so that a pixel bomb, a
truncated PNG or an SVG with entities, scripts or external references is
refused with its reason before any render starts.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 16_000_000
MAX_SVG_ELEMENTS = 5_000
MAX_CSS_BYTES = 200_000
_SVG_FORBIDDEN = {"script", "foreignObject", "image", "feImage", "iframe", "object",
                  "embed", "audio", "video"}
_HREF = re.compile(r"^(#|$)")  # only references inside the SVG itself


def logo_problem(path: Path) -> str | None:
    """Why this logo file cannot be used, or None when it is fine."""
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        return f"is {size / 1e6:.1f} MB; at most {MAX_LOGO_BYTES // 1_000_000} MB allowed"
    if path.suffix.lower() == ".png":
        return _png_problem(path)
    return _svg_problem(path)


def _png_problem(path: Path) -> str | None:
    from PIL import Image, ImageFile  # a WeasyPrint dependency

    with path.open("rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return "is not a PNG image"
    # Size from the header, before any decoder sees the file.
    w, h = struct.unpack(">II", head[16:24])
    if w * h > MAX_LOGO_PIXELS:
        return (f"is {w}x{h} pixels ({w * h / 1e6:.0f} megapixels); at most "
                f"{MAX_LOGO_PIXELS // 1_000_000} megapixels allowed")
    # WeasyPrint tells Pillow to accept truncated images; a logo check must not.
    accept_truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with Image.open(path) as img:
            img.load()  # decodes every row: catches a truncated file
    except Image.DecompressionBombError:
        return "is too large to decode safely"
    except (OSError, SyntaxError, ValueError) as exc:
        return f"is not a readable PNG image ({exc})"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = accept_truncated
    return None


def _svg_problem(path: Path) -> str | None:
    data = path.read_bytes()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return "has a DOCTYPE or ENTITY declaration; save it as plain SVG"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"is not valid SVG ({exc})"
    if root.tag.rsplit("}", 1)[-1] != "svg":
        return "is not an SVG image (its root element is not <svg>)"
    count = 0
    for el in root.iter():
        count += 1
        if count > MAX_SVG_ELEMENTS:
            return f"has more than {MAX_SVG_ELEMENTS} elements"
        name = el.tag.rsplit("}", 1)[-1]
        if name in _SVG_FORBIDDEN:
            return f"contains <{name}>; a logo may only hold shapes and text"
        for attr, value in el.attrib.items():
            local = attr.rsplit("}", 1)[-1]
            if local == "href" and not _HREF.match(value.strip()):
                return f"refers to {value[:80]!r}; a logo may not load other files"
            if local.startswith("on"):
                return f"has a script attribute {local!r}"
            if "url(" in value and not re.search(r"url\(\s*#", value):
                return f"refers to {value[:80]!r}; a logo may not load other files"
    uses = sum(1 for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "use")
    if uses > 100:
        return f"has {uses} <use> elements; at most 100 allowed"
    return None


def css_problem(text: str) -> str | None:
    """Why a clinic style sheet cannot be inlined, or None."""
    if len(text.encode("utf-8")) > MAX_CSS_BYTES:
        return f"is larger than {MAX_CSS_BYTES // 1000} kB"
    if "</" in text or "<!--" in text:
        return "contains '</' or '<!--', which would end the style element"
    return None
