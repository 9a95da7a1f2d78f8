"""Property tests: any text in any patient field or clinic string gives a PDF or a clean error."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO, copy_clinic
from handouts.commands.build import Options, plan
from handouts.errors import UserError
from handouts.inputs.clinic import load_clinic
from handouts.inputs.patient import make_patient
from handouts.pipeline.make import load_inputs, make

TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    list("<>&{}%()s*\u202e\u200b\0🙂ك中")), max_size=120)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def assert_safe_pdf(data: bytes) -> None:
    pdf = pikepdf.open(io.BytesIO(data))
    assert len(pdf.pages) >= 1
    names = pdf.Root.get("/Names", {})
    assert "/EmbeddedFiles" not in names and "/JavaScript" not in names
    assert b"/JavaScript" not in data and b"/JS " not in data and b"/EmbeddedFile" not in data


def assert_only_glyph_warnings(warnings) -> None:
    """Random text may hold characters no font has; nothing else may warn. (A character no
    font has, falling back to Noto Sans CJK, whose 65,535 glyph ids are all taken, also
    gets WeasyPrint's 'Too many glyphs missing from ...': Hypothesis found U+001E/U+001F.)"""
    assert all("no glyph in any installed font" in w or "no installed font has" in w
               or w.startswith("Too many glyphs missing from ") for w in warnings), warnings


@pytest.mark.weasyprint_warnings(required=False)
@SETTINGS
@given(name=TEXT, provider=TEXT)
def test_any_patient_text(demo_inputs, name, provider):
    try:
        patient = make_patient(name, "2026-12-01T09:30", provider)
    except UserError as exc:
        assert str(exc).startswith("handouts: Invalid value for")
        return
    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("infusion-day",),
                                     langs=("en",), output="x.pdf", patient=patient))
    result = make(demo_inputs, h)
    assert_safe_pdf(result.data)
    # A personalised handout's warnings never quote the patient's text.
    for w in result.warnings:
        assert re.fullmatch(r"1 character has no glyph in any installed font and prints "
                            r"as an empty box|\d+ characters have no glyph in any installed "
                            r"font and print as empty boxes", w), w


@pytest.mark.weasyprint_warnings(required=False)
@SETTINGS
@given(name=TEXT, address=TEXT)
def test_any_clinic_text(tmp_path_factory, name, address):
    folder = copy_clinic(tmp_path_factory.mktemp("c") / "clinic")
    data = yaml.safe_load((folder / "clinic.yaml").read_text())
    data["name"], data["contact"]["address"] = name, address
    (folder / "clinic.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        load_clinic(folder)
        inputs = load_inputs(folder)
    except UserError as exc:
        # A clean error: each problem names clinic.yaml, its line and the key it is about.
        assert exc.problems
        for problem in exc.problems:
            assert problem.path.endswith("clinic.yaml") and problem.line, problem
            assert problem.message.startswith(("name: ", "contact.address: ")), problem
        return
    (h,) = plan(inputs, Options(clinic_dir=folder, stages=("aftercare",), langs=("en",)))
    result = make(inputs, h)
    assert_safe_pdf(result.data)
    assert_only_glyph_warnings(result.warnings)
