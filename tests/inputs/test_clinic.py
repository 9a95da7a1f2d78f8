"""clinic.yaml checks (contrast, logo, keys, route minimums), new-clinic, and overrides."""

from __future__ import annotations

import os
import shutil
import struct
import zlib

import pytest

from conftest import DEMO, ROOTS, pdf_text
from handouts.cli import main
from handouts.commands.build import Options, build
from handouts.errors import UserError
from handouts.inputs.clinic import load_clinic
from handouts.inputs.contrast import ratio
from handouts.pipeline.make import load_inputs


def set_yaml(folder, old, new):
    path = folder / "clinic.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def errors(folder) -> str:
    with pytest.raises(UserError) as exc:
        load_clinic(folder)
    return str(exc.value)


def png(width, height, rows=None) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    body = rows if rows is not None else zlib.compress(b"\0" * (width * 3 + 1) * height)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                              8, 2, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_contrast_boundary():
    assert ratio("#767676", "#ffffff") >= 4.5 > ratio("#777777", "#ffffff")


def test_text_colour_at_the_wcag_boundary(clinic):
    set_yaml(clinic, 'text: "#1a1a1a"', 'text: "#767676"')
    load_clinic(clinic)  # passes at 4.54:1
    set_yaml(clinic, 'text: "#767676"', 'text: "#777777"')
    assert ("colors.text: #777777 on #ffffff has contrast 4.48:1, below the 4.5:1 WCAG 2.2 "
            "needs for body text on white paper; choose a darker colour") in errors(clinic)


def test_light_primary_fails_for_headings(clinic):
    set_yaml(clinic, 'primary: "#1f5f7a"', 'primary: "#7fb3c8"')
    assert "colors.primary: #7fb3c8 on #ffffff has contrast" in errors(clinic)


def test_unknown_key_did_you_mean(clinic):
    set_yaml(clinic, "paper: letter", "paper: letter\npaper_size: a4")
    assert "unknown key 'paper_size'; did you mean 'paper'?" in errors(clinic)


def test_esketamine_minimum_cannot_be_lowered(clinic):
    set_yaml(clinic, "escort_required: true",
             "escort_required: true\n  esketamine_observation_minutes: 90")
    assert ("protocol.esketamine_observation_minutes: 90 is below the esketamine REMS "
            "minimum of 120 minutes, which cannot be lowered") in errors(clinic)


def test_heavy_meal_fast_is_never_shorter_than_a_light_one(clinic):
    set_yaml(clinic, "fasting_solids_hours: 6 ", "fasting_solids_hours: 10 ")
    set_yaml(clinic, "fasting_heavy_meal_hours: 8 ", "fasting_heavy_meal_hours: 9 ")
    assert ("protocol.fasting_heavy_meal_hours: 9 is less than fasting_solids_hours (10); a "
            "heavy meal needs at least as long a fast as a light one") in errors(clinic)
    set_yaml(clinic, "fasting_heavy_meal_hours: 9 ", "fasting_heavy_meal_hours: 7 ")
    assert ("protocol.fasting_heavy_meal_hours: expected a whole number of hours from 8 to 12, "
            "got 7") in errors(clinic)


def test_optional_protocol_keys_default_from_the_guidance(clinic):
    set_yaml(clinic, "  fasting_heavy_meal_hours: 8      # meat, fried or fatty food\n", "")
    set_yaml(clinic, "  infusion_minutes: 40             # the IV drip\n", "")
    set_yaml(clinic, "fasting_solids_hours: 6 ", "fasting_solids_hours: 10 ")
    p = load_clinic(clinic).protocol
    assert (p.fasting_heavy_meal_hours, p.infusion_minutes) == (10, 40)  # never below light


def test_infusion_minutes_bounded(clinic):
    set_yaml(clinic, "infusion_minutes: 40 ", "infusion_minutes: 10 ")
    assert ("protocol.infusion_minutes: expected a whole number of minutes from 30 to 120, "
            "got 10") in errors(clinic)


def test_esketamine_observation_defaults_to_rems_minimum():
    c = load_clinic(DEMO)
    assert c.observation_minutes("iv") == 60 and c.observation_minutes("esketamine") == 120


@pytest.mark.parametrize("logo, message", [
    ("../logo.svg", "'../logo.svg' is outside the clinic folder"),
    ("/etc/passwd", "'/etc/passwd' is outside the clinic folder"),
    ("logo.gif", "'logo.gif' is not an .svg or .png file"),
    ("nothere.svg", "'nothere.svg' does not exist in"),
])
def test_logo_path_refused(clinic, logo, message):
    set_yaml(clinic, "logo: logo.svg", f"logo: {logo}")
    assert message in errors(clinic)


def test_logo_symlink_out_refused(clinic, tmp_path):
    outside = tmp_path / "outside.svg"
    shutil.copy(DEMO / "logo.svg", outside)
    (clinic / "logo.svg").unlink()
    os.symlink(outside, clinic / "logo.svg")
    assert "'logo.svg' is outside the clinic folder" in errors(clinic)


@pytest.mark.parametrize("name, data, message", [
    ("big.png", png(12_000, 12_000, rows=b""), "is 12000x12000 pixels (144 megapixels); "
     "at most 16 megapixels allowed"),
    ("huge.png", png(50_000, 50_000, rows=b""), "is 50000x50000 pixels"),
    ("cut.png", png(64, 64)[:60], "is not a readable PNG image"),
    ("bomb.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">'
     b'<!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">'
     b"<text>&b;</text></svg>", "has a DOCTYPE or ENTITY declaration"),
    ("img.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
     b'xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/passwd"/>'
     b"</svg>", "contains <image>"),
    ("ref.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(file:///x#a)"/>'
     b"</svg>", "a logo may not load other files"),
])
def test_bad_logo_files(clinic, name, data, message):
    (clinic / name).write_bytes(data)
    set_yaml(clinic, "logo: logo.svg", f"logo: {name}")
    assert message in errors(clinic)


def test_big_logo_file_refused(clinic):
    (clinic / "fat.svg").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg">'
                                     + b" " * 6_000_000 + b"</svg>")
    set_yaml(clinic, "logo: logo.svg", "logo: fat.svg")
    assert "'fat.svg' is 6.0 MB; at most 5 MB allowed" in errors(clinic)


def test_new_clinic_builds_at_once(tmp_path, capsys):
    folder = tmp_path / "Sunrise Care"
    assert main(["new-clinic", str(folder)]) == 0
    clinic = load_clinic(folder)
    assert clinic.id == "sunrise-care" and clinic.languages == ("en",)
    result = build(Options(clinic_dir=folder, out=tmp_path / "out"))
    assert len(result.written) == 3
    assert main(["new-clinic", str(folder)]) == 1
    assert "already exists and is not empty" in capsys.readouterr().err


# -- overrides -------------------------------------------------------------------------

def test_clinic_template_and_style_override(clinic, tmp_path):
    (clinic / "templates" / "stages").mkdir(parents=True)
    (clinic / "templates" / "stages" / "aftercare.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block after_topics %}'
        "<p class=\"ours\">{{ clinic.name }} cares {{ '<b>' }}</p>{% endblock %}")
    (clinic / "style.css").write_text("h1 { color: #5a1010; }")
    result = build(Options(clinic_dir=clinic, stages=("aftercare",), langs=("en",),
                           fmt="html", out=tmp_path))
    html = result.written[0].read_text()
    assert 'class="ours">Cedar Ridge Ketamine Clinic cares &lt;b&gt;</p>' in html
    assert "h1 { color: #5a1010; }" in html
    pdf = build(Options(clinic_dir=clinic, stages=("aftercare",), langs=("en",),
                        out=tmp_path / "pdf")).written[0]
    assert "Cedar Ridge Ketamine Clinic cares <b>" in pdf_text(pdf.read_bytes())


@pytest.mark.parametrize("source, message", [
    ("{{ clinic.name|safe }}", "'|safe' is not allowed"),
    ("{% autoescape false %}{{ clinic.name }}{% endautoescape %}",
     "'{% autoescape %}' is not allowed"),
    ("{{ ''.__class__ }}", "attribute '__class__' is not allowed"),
    ("{{ clinic.name", "template syntax error"),
])
def test_unsafe_templates_refused_at_load(clinic, source, message):
    (clinic / "templates").mkdir()
    (clinic / "templates" / "macros.html.j2").write_text(source)
    with pytest.raises(UserError) as exc:
        load_inputs(clinic)
    assert message in str(exc.value) and "macros.html.j2:1" in str(exc.value)


def test_sandbox_stops_huge_strings(clinic, tmp_path):
    (clinic / "templates" / "stages").mkdir(parents=True)
    (clinic / "templates" / "stages" / "aftercare.html.j2").write_text(
        "{{ 'a' * 10**9 }}{{ 2**1000000 }}")
    with pytest.raises(UserError) as exc:
        build(Options(clinic_dir=clinic, stages=("aftercare",), langs=("en",),
                      out=tmp_path))
    assert "template builds a string or list that is too long" in str(exc.value)
    assert not list(tmp_path.rglob("*.pdf"))


def test_style_cannot_close_its_element(clinic):
    (clinic / "style.css").write_text("h1{}</style><script>alert(1)</script>")
    assert "style.css: style sheet contains '</'" in errors(clinic)


def test_second_clinic_outputs_side_by_side(tmp_path):
    build(Options(clinic_dir=DEMO, stages=("consultation",), langs=("en",), out=tmp_path))
    build(Options(clinic_dir=ROOTS / "clinic-a4", stages=("consultation",), langs=("en",),
                  out=tmp_path))
    assert (tmp_path / "demo" / "en" / "consultation.pdf").exists()
    assert (tmp_path / "harbor-test" / "en" / "consultation.pdf").exists()
