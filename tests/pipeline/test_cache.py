"""The PDF cache gives the answer a render would give, or none."""

from __future__ import annotations

import struct
import zlib

import pytest

from conftest import DEMO, copy_clinic, pdf_reader
from handouts.commands.build import Options, build
from handouts.pipeline import cache


def png(color: tuple[int, int, int]) -> bytes:
    """A real 4x4 PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(color) * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def with_image(tmp_path):
    """A clinic whose style sheet shows an image from its folder."""
    folder = copy_clinic(tmp_path / "clinic")
    (folder / "band.png").write_bytes(png((200, 30, 30)))
    # An absolute URL: the clinic's CSS is inlined, so a relative one means templates/.
    uri = (folder / "band.png").resolve().as_uri()
    (folder / "style.css").write_text(f"h1 {{ background: url({uri}); }}")
    return folder


def aftercare(folder, out):
    return build(Options(clinic_dir=folder, stages=("aftercare",), langs=("en",), out=out,
                         jobs=0))


def test_a_changed_file_the_render_read_is_a_miss(with_image, tmp_path, monkeypatch):
    import handouts.pipeline.batch as b  # where build renders (in this process: jobs=0)

    out = tmp_path / "out"
    (pdf,) = aftercare(with_image, out).written
    first = pdf.read_bytes()
    renders = []
    real = b.render
    monkeypatch.setattr(b, "render", lambda *a, **k: renders.append(1) or real(*a, **k))
    aftercare(with_image, out)
    assert renders == []  # unchanged: from the cache
    (with_image / "band.png").write_bytes(png((30, 30, 200)))  # same HTML, new image
    aftercare(with_image, out)
    assert renders == [1]
    assert pdf.read_bytes() != first


def test_a_damaged_entry_is_a_miss_never_a_wrong_pdf(tmp_path):
    out = tmp_path / "out"
    (pdf,) = aftercare(DEMO, out).written
    good = pdf.read_bytes()
    (entry,) = (out / ".cache").glob("*.entry")
    raw = bytearray(entry.read_bytes())
    raw[-100] ^= 0xFF  # one flipped byte inside the PDF
    entry.write_bytes(bytes(raw))
    pdf.unlink()
    aftercare(DEMO, out)
    assert pdf.read_bytes() == good
    assert len(pdf_reader(pdf.read_bytes()).pages) >= 1


def test_the_key_covers_library_versions_and_system_fonts(tmp_path, monkeypatch):
    fonts = tmp_path / "data" / "fonts"
    fonts.mkdir(parents=True)
    (fonts / "Extra.otf").write_bytes(b"one")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    def key() -> str:
        cache.environment.cache_clear()
        return cache.cache_key("<html></html>")

    try:
        before = key()
        assert key() == before
        (fonts / "Extra.otf").write_bytes(b"a newer font")
        after_font = key()
        assert after_font != before
        real = cache._package_version
        monkeypatch.setattr(cache, "_package_version",
                            lambda name: "999" if name == "weasyprint" else real(name))
        assert key() != after_font
        assert "weasyprint 999" in cache.environment().decode()
        assert "libpango-1.0.so" in cache.environment().decode()
    finally:
        monkeypatch.undo()
        cache.environment.cache_clear()


def test_truncated_random_and_empty_entries_are_rendered_again(tmp_path, monkeypatch):
    """The issue's case: one entry cut short, one filled with random bytes, one emptied.
    The next build renders those three again, writes the good PDFs, and mends the cache."""
    import os

    import handouts.pipeline.batch as b  # where a build with --jobs 0 renders

    out = tmp_path / "out"
    options = Options(clinic_dir=DEMO, langs=("en",), out=out, jobs=0)
    first = build(options).written
    good = {p: p.read_bytes() for p in first}
    entries = sorted((out / ".cache").glob("*.entry"))
    assert len(entries) == 3
    truncated, random, empty = entries
    truncated.write_bytes(truncated.read_bytes()[:5000])
    random.write_bytes(os.urandom(len(random.read_bytes())))
    empty.write_bytes(b"")
    renders = []
    real = b.render
    monkeypatch.setattr(b, "render", lambda *a, **k: renders.append(1) or real(*a, **k))
    result = build(options)
    assert len(renders) == 3
    assert {p: p.read_bytes() for p in result.written} == good
    monkeypatch.setattr(b, "render", lambda *a, **k: pytest.fail("rendered again"))
    build(options)  # every entry whole again: all three from the cache
