"""Every shipped language renders with real glyphs, embedded fonts, the right lang/dir and text."""

from __future__ import annotations

import subprocess

import pytest

from conftest import DEMO, ROOT, pdf_reader, squash
from handouts.commands.build import Options, plan
from handouts.i18n.catalogs import available_languages
from handouts.pipeline.localize import Localizer
from handouts.pipeline.make import make

SHIPPED = available_languages(ROOT / "locales")
# The script's face; Chinese and Korean use the subsets of Noto Sans CJK (handouts.fonts),
# and never the whole collection: every character of their catalogs is in the subset.
FONT_FOR = {"ar": "Noto-Sans-Arabic", "zh-Hans": "Handouts-CJK-SC", "ko": "Handouts-CJK-KR"}


@pytest.fixture(scope="module")
def rendered(demo_inputs, tmp_path_factory):
    """The aftercare handout in every language the demo clinic offers, rendered once."""
    folder = tmp_path_factory.mktemp("langs")
    out = {}
    for tag in demo_inputs.clinic.languages:
        (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=(tag,)))
        result = make(demo_inputs, h, strict=True)  # strict: no missing string
        path = folder / f"{tag}.pdf"
        path.write_bytes(result.data)
        out[tag] = (h, result, path)
    return out


def test_demo_clinic_offers_every_shipped_language(demo_inputs):
    assert sorted(demo_inputs.clinic.languages) == sorted(SHIPPED)
    assert len(SHIPPED) >= 11


@pytest.mark.parametrize("tag", SHIPPED)
def test_language_renders_cleanly(rendered, demo_inputs, tag):
    h, result, path = rendered[tag]
    assert result.warnings == (), result.warnings  # no missing glyph, nothing refused
    reader = pdf_reader(result.data)
    assert reader.trailer["/Root"]["/Lang"] == tag
    # Fonts: all embedded (subset), and the script's own Noto face where it needs one.
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts
    if tag in FONT_FOR:
        assert any(FONT_FOR[tag] in line for line in fonts), fonts
    assert not any("Noto-Sans-CJK" in line for line in fonts), fonts
    # Text extractable and equal to the catalog's strings.
    catalog = demo_inputs.catalogs[tag]
    loc = Localizer(catalog, demo_inputs.clinic.values(h.route))
    title, intro = loc.stage(demo_inputs.content.stages["aftercare"])
    assert title.lang is None  # translated, not a fallback
    page1 = squash(reader.pages[0].extract_text())
    if tag in ("zh-Hans", "ko", "ar"):  # extraction order/spacing differs: compare letters
        strip = lambda s: "".join(ch for ch in s if ch.isalnum())  # noqa: E731
        assert strip(str(title)) in strip(page1)
    else:
        assert squash(str(title)) in page1


def test_arabic_is_right_to_left_and_numbers_stay_readable(demo_inputs):
    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("ar",)))
    html = make(demo_inputs, h, fmt="html").data.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert '<bdi dir="ltr" class="phone">(555) 014-2290</bdi>' in html
    assert '<bdi dir="ltr">1200 Alder Street, Suite 300, Portland, OR 97205</bdi>' in html


@pytest.mark.parametrize("tag, expected", [
    ("en", "Tuesday, December 1, 2026, 7:30 AM"),
    ("es", "martes, 1 de diciembre de 2026, 7:30"),
    ("ar", "الثلاثاء، 1 ديسمبر 2026"),
])
def test_dates_in_the_handouts_locale(demo_inputs, tag, expected):
    from handouts.inputs.patient import make_patient

    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("infusion-day",), langs=(tag,),
                                     output="x.pdf",
                                     patient=make_patient("A", "2026-12-01T07:30")))
    html = make(demo_inputs, h, fmt="html").data.decode()
    assert expected in squash(html)  # Babel puts U+202F before AM
