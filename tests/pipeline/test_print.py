"""What a printed handout must be: PDF/UA structure, personal details, large print."""

from __future__ import annotations

import collections
import io
import re

import lxml.html
import pikepdf
import pytest

from conftest import DEMO, pdf_reader, pdf_text
from handouts.commands.build import Options, plan
from handouts.inputs.patient import make_patient
from handouts.pipeline.make import make

NAME = "Ana Testperson-Quiroga"
PROVIDER = "Dr. Rivera"


@pytest.fixture(scope="module")
def handouts(demo_inputs):
    """Rendered once: plain, personalised, and personalised large print (infusion day)."""
    patient = make_patient(NAME, "2026-12-01T07:30", PROVIDER)
    out = {}
    for key, p, large in (("plain", None, False), ("personal", patient, False),
                          ("large", patient, True)):
        opts = Options(clinic_dir=DEMO, stages=("infusion-day",), langs=("en",),
                       output=None if p is None else "x.pdf",
                       patient=p or make_patient(), large_print=large)
        (h,) = plan(demo_inputs, opts)
        out[key] = make(demo_inputs, h).data
    return out


def structure(data: bytes):
    pdf = pikepdf.open(io.BytesIO(data))
    tags, alts = [], []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                tags.append(str(node["/S"]))
                if str(node["/S"]) == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])
        elif isinstance(node, pikepdf.Array):
            for item in node:
                walk(item)

    walk(pdf.Root.StructTreeRoot)
    return pdf, tags, alts


def test_pdf_ua_structure(handouts):
    pdf, tags, alts = structure(handouts["plain"])
    assert pdf.Root.MarkInfo.Marked is True
    assert str(pdf.Root.Lang) == "en"
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    assert 'pdfuaid:part="1"' in str(pdf.open_metadata())
    headings = [int(t[2]) for t in tags if re.fullmatch(r"/H\d", t)]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False)), headings
    counts = collections.Counter(tags)
    assert counts["/L"] and counts["/LI"] and counts["/Lbl"]  # lists are tagged
    assert alts and all(alts), alts  # every figure (logo, QR code) has alt text
    assert "Cedar Ridge Ketamine Clinic" in alts
    assert "QR code for our website" in alts


def test_pictograms_are_artifacts_not_figures(handouts):
    """The icons repeat the words beside them: drawn inside /Artifact marked content, so
    they are neither in the tag tree (only the logo and the QR code are figures) nor read."""
    pdf, tags, alts = structure(handouts["plain"])
    assert sorted(alts) == ["Cedar Ridge Ketamine Clinic", "QR code for our website"]
    page = pdf.pages[0]
    drawn = [name for name, xobject in page.Resources.XObject.items()
             if xobject.get("/Subtype") == "/Form"]
    assert len(drawn) >= 6, drawn  # the summary's and the timeline's icons (SVG forms)
    inside_artifact = 0
    depth = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            depth.append(str(operands[0]))
        elif op == "EMC" and depth:
            depth.pop()
        elif op == "Do" and str(operands[0]) in drawn and "/Artifact" in depth:
            inside_artifact += 1
    assert inside_artifact >= 6


def test_tables_tagged(demo_inputs):
    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("en",)))
    _, tags, _ = structure(make(demo_inputs, h).data)
    assert {"/Table", "/TR", "/TH", "/TD"} <= set(tags)


def test_personal_details_in_text_not_metadata(handouts):
    data = handouts["personal"]
    text = pdf_text(data)
    assert NAME in text and PROVIDER in text
    assert "Tuesday, December 1, 2026, 7:30 AM" in text
    # The timeline's times, from clinic.yaml (tests/pipeline/test_timeline.py has them all)
    assert "1:30 AM Last light meal, like toast" in text  # 6 h before
    assert "7:15 AM Arrive at the clinic" in text  # 15 min early
    pdf = pikepdf.open(io.BytesIO(data))
    meta = str(pdf.open_metadata()) + repr(dict(pdf.docinfo))
    for secret in (NAME, "Testperson", PROVIDER, "2026-12-01"):
        assert secret not in meta
    assert NAME.encode() not in data.replace(b"\n", b"")  # text is in font encoding only
    assert "Name" in pdf_text(handouts["plain"]) and NAME not in pdf_text(handouts["plain"])


def font_sizes(data: bytes) -> collections.Counter:
    sizes: collections.Counter = collections.Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = abs(tm[0] * cm[0] + tm[1] * cm[2])
            sizes[round(size * scale, 1)] += len(text.strip())

    for page in pdf_reader(data).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_large_print_sizes(handouts):
    normal, large = font_sizes(handouts["personal"]), font_sizes(handouts["large"])
    assert min(large) >= 14, sorted(large)
    body = large.most_common(1)[0][0]
    assert body >= 16, large.most_common(3)
    assert min(normal) < 14  # the check can fail: normal print has small footer text
    assert len(pdf_reader(handouts["large"]).pages) >= len(pdf_reader(handouts["personal"]).pages)


def test_same_content_in_large_print(demo_inputs):
    """Large print changes the style only: the HTML differs by one class attribute."""
    html = {}
    for large in (False, True):
        (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",),
                                         langs=("en",), large_print=large))
        html[large] = make(demo_inputs, h, fmt="html").data.decode()
    assert html[True] != html[False]
    assert html[True].replace(' class="large-print"', "", 1) == html[False]


def test_footer_notices_keep_their_last_two_words_together_and_upright(demo_inputs):
    """No footer word alone on a line (a no-break space before each notice's last word),
    and no slanted letters for Arabic, Chinese or Korean, which have no italic."""
    from markupsafe import Markup
    from weasyprint.formatting_structure import boxes

    from handouts.pipeline.make import compose
    from handouts.pipeline.render import lay_out
    from handouts.pipeline.templating import nowidow

    assert str(nowidow(Markup('Pending <span lang="en">clinical review</span>'))) == \
        'Pending <span lang="en">clinical\u00a0review</span>'
    for tag, style in (("ar", "normal"), ("zh-Hans", "normal"), ("ko", "normal"),
                       ("es", "italic")):
        (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=(tag,)))
        html = compose(demo_inputs, h).html
        for span in lxml.html.fromstring(html).xpath('//span[@class="notice"]'):
            notice = "".join(span.itertext())
            assert "\u00a0" in notice or "\u2060" in notice, (tag, notice)
        document, _ = lay_out(html, demo_inputs.project.templates_dir,
                              (demo_inputs.project.templates_dir, demo_inputs.clinic.folder))
        notices = [b for page in document.pages for b in page._page_box.descendants()
                   if isinstance(b, boxes.TextBox) and b.element is not None
                   and "notice" in (b.element.get("class") or "").split()]
        assert notices, tag
        assert {b.style["font_style"] for b in notices} == {style}, tag
