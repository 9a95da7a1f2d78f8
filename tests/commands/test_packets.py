"""Review packets, rendered once each by WeasyPrint and read back from the PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DEMO, copy_project, pdf_reader, pdf_text
from handouts import cli
from handouts.commands.packets import content_packet, translation_packet
from handouts.i18n import workflow as i18n
from handouts.inputs.content import load_content

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def packets(tmp_path_factory):
    root = tmp_path_factory.mktemp("packets")
    project = copy_project(root)
    i18n.review(project, "es", "María López, CHI", ("warning-signs/*",), on=DAY)
    out = root / "out"
    out.mkdir()
    assert cli.main(["i18n", "--project", str(root), "packet", "es", "--output",
                     str(out / "es.pdf")]) == 0
    pending = translation_packet(project, "es", out / "es-pending.pdf", pending=True)
    # Arabic and Chinese: only the scripts are tested, so only the entries whose msgctxt
    # starts with "a" (about-ketamine, aftercare, ...) are left waiting, which keeps
    # these two packets short.
    for tag in ("ar", "zh-Hans"):
        i18n.review(project, tag, "Test Reviewer, CHI", ("[!a]*",), on=DAY)
    arabic = translation_packet(project, "ar", out / "ar.pdf", pending=True)
    chinese = translation_packet(project, "zh-Hans", out / "zh.pdf", pending=True)
    clinical = content_packet(project, DEMO, out / "content.pdf")
    return project, out, pending, arabic, chinese, clinical


def fonts(path) -> set[str]:
    found = set()
    for page in pdf_reader(path.read_bytes()).pages:
        for font in page["/Resources"]["/Font"].values():
            found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return found


def test_translation_packet_lists_each_string_with_its_id_text_and_state(packets):
    _, out, *_ = packets
    text = pdf_text((out / "es.pdf").read_bytes())
    assert "Translation review: Spanish (es)" in text
    assert "warning-signs/emergency/0" in text and "Chest pain" in text
    assert "Dolor en el pecho" in text
    assert "approved by María López, CHI on 2026-11-22" in text
    assert "course/schedule-esketamine/0" in text and "waiting for review" in text
    assert "Handout: aftercare" in text and "On every handout" in text
    assert text.count("OK Change:") > 200  # room to mark every entry
    assert text.index("Handout: consultation") < text.index("about-ketamine/title") \
        < text.index("Handout: aftercare") < text.index("warning-signs/emergency/0")


def test_pending_keeps_only_what_awaits_review(packets):
    project, out, (path, count), *_ = packets
    text = pdf_text(path.read_bytes())
    row = next(r for r in i18n.status(project, full=False)[0] if r.tag == "es")
    warning_signs = sum(1 for m in i18n.template_catalog(project)
                        if m.id and (m.context or "").startswith("warning-signs/"))
    assert count == row.total - row.approved and row.approved == warning_signs
    assert "warning-signs/emergency/0" not in text and "course/schedule-esketamine/0" in text


def test_arabic_and_chinese_packets_render_their_scripts(packets):
    *_, (ar, _), (zh, _), _ = packets  # strict: a missing glyph would have raised
    assert "Noto-Sans-Arabic" in fonts(ar)
    assert any("CJK" in f for f in fonts(zh)), fonts(zh)
    assert "ARABIC ما هو الكيتامين، ومن قد يستفيد منه" in pdf_text(ar.read_bytes())
    assert "氯胺酮" in pdf_text(zh.read_bytes())


def test_content_packet_has_blocks_sources_values_and_a_signoff_line(packets):
    project, *_, (path, count) = packets
    text = pdf_text(path.read_bytes())
    content = load_content(project.content_dir)
    assert count == len(content.topics)
    fp = content.topics["warning-signs"].fingerprint
    version = content.topics["warning-signs"].version
    assert f"Sign-off: warning-signs, version {version}, fingerprint {fp}" in text
    assert "Call {emergency_number} now if you have:" in text
    assert "Clinic values: {emergency_number} = 911" in text
    assert "988 Suicide & Crisis Lifeline. Substance Abuse and Mental Health Services " \
           "Administration (SAMHSA), 2022-07. https://" in text  # URLs may break anywhere
    assert "988lifeline.org" in text and "**" not in text
    assert "rems-enroll · text · only for esketamine" in text
    assert "Name, credential" in text and "Signature" in text
    # Each block's clinic values for the routes it is shown on (esketamine: its 2 hours).
    assert "You stay with us for at least {observation_minutes} minutes" in text
    assert "{observation_minutes} = 120" in text and "{observation_minutes} = 60" in text
