"""End to end: each stage in English and Spanish, rendered once per module by WeasyPrint."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO, ROOTS, pdf_reader, pdf_text, squash
from handouts.commands.build import Options, build, plan
from handouts.domain import STAGES
from handouts.pipeline.localize import Localizer
from handouts.pipeline.make import load_inputs, make

LANGS = ("en", "es")


@pytest.fixture(scope="module")
def rendered(demo_inputs):
    """Every stage x language of the demo clinic, rendered once: {(lang, stage): Rendered}."""
    out = {}
    for h in plan(demo_inputs, Options(clinic_dir=DEMO, langs=LANGS)):
        out[(h.language.tag, h.stage)] = (h, make(demo_inputs, h))
    return out


def expected(inputs, h):
    """The stage's title and intro as the catalog says they must read in h's language."""
    catalog = inputs.catalogs[h.language.tag]
    loc = Localizer(catalog, inputs.clinic.values(h.route))
    title, intro = loc.stage(inputs.content.stages[h.stage])
    return str(title), str(intro), title.lang, intro.lang


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stage", STAGES)
def test_stage_text_in_its_language(rendered, demo_inputs, lang, stage):
    h, result = rendered[(lang, stage)]
    title, intro, title_fallback, intro_fallback = expected(demo_inputs, h)
    assert title_fallback is None and intro_fallback is None, "catalog lacks the stage title"
    text = pdf_text(result.data)
    assert squash(title) in text
    assert squash(intro) in text
    if lang != "en":
        english = demo_inputs.content.stages[stage].title.text
        assert english != title and english not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stage", STAGES)
def test_metadata_lang_title_and_letter_paper(rendered, demo_inputs, lang, stage):
    h, result = rendered[(lang, stage)]
    reader = pdf_reader(result.data)
    assert reader.trailer["/Root"]["/Lang"] == lang
    title = expected(demo_inputs, h)[0]
    assert reader.metadata.title == f"{title} – Cedar Ridge Ketamine Clinic"
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)


def test_no_weasyprint_warnings_or_missing_glyphs(rendered):
    for (lang, stage), (_, result) in rendered.items():
        render_warnings = [w for w in result.warnings if "no translation" not in w]
        assert render_warnings == [], f"{lang}/{stage}"


@pytest.mark.weasyprint_warnings
def test_missing_glyph_is_detected():
    """The check above can fail: a character no installed font has is reported."""
    from handouts.pipeline.render import render_pdf

    html = "<html lang=en><body><p>Private use: \ue000\ue001</p></body></html>"
    _, log = render_pdf(html, ROOTS, (ROOTS,))
    assert log.missing_glyphs == {0xE000, 0xE001}, log


def test_footer_has_page_numbers_version_and_review_notice(rendered, demo_inputs):
    _, result = rendered[("en", "consultation")]
    text = pdf_text(result.data)
    n = len(pdf_reader(result.data).pages)
    assert f"Page 1 of {n}" in text and f"Page {n} of {n}" in text
    assert f"Content version {demo_inputs.content.version}" in text
    assert "Pending clinical review" in text  # no topic is signed off yet
    es = pdf_text(rendered[("es", "consultation")][1].data)
    assert "Traducción en borrador" in es  # the Spanish catalog is unreviewed


def test_a4_clinic_with_png_logo(tmp_path):
    clinic = ROOTS / "clinic-a4"
    result = build(Options(clinic_dir=clinic, stages=("aftercare",), langs=("es",),
                           out=tmp_path))
    (path,) = result.written
    # esketamine is this clinic's first route, so the file has no route suffix.
    assert path == tmp_path / "harbor-test" / "es" / "aftercare.pdf"
    reader = pdf_reader(path.read_bytes())
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)
    assert reader.pages[0]["/Resources"]["/XObject"], "the PNG logo is embedded"
    assert "Harbor Light Mental Health" in pdf_text(path.read_bytes())


def test_two_builds_give_identical_bytes(tmp_path, demo_inputs):
    """In-process and from a fresh CLI process, the same handout has the same bytes."""
    h = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("es",)))[0]
    first = make(demo_inputs, h).data
    second = make(load_inputs(DEMO), h).data
    assert first == second
    out = tmp_path / "cli.pdf"
    subprocess.run([sys.executable, "-m", "handouts", "build", "--clinic", str(DEMO),
                    "--stage", "aftercare", "--lang", "es", "--output", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == first


def test_build_writes_the_tree_and_no_temp_files(tmp_path):
    result = build(Options(clinic_dir=DEMO, langs=LANGS, out=tmp_path))
    names = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "demo").rglob("*")
                   if p.is_file())
    assert names == sorted(f"demo/{lang}/{s}.pdf" for lang in LANGS for s in STAGES)
    assert len(result.written) == 6
    assert not list(tmp_path.rglob("*.part"))


def test_worker_processes_write_the_same_bytes_as_one_process(tmp_path):
    """--jobs 2 forks two workers, hands them the HTML already composed, longest first."""
    langs = ("en", "ko")
    serial = build(Options(clinic_dir=DEMO, langs=langs, out=tmp_path / "serial", jobs=0))
    parallel = build(Options(clinic_dir=DEMO, langs=langs, out=tmp_path / "parallel", jobs=2))
    assert len(serial.written) == len(parallel.written) == 6

    def tree(result, root):
        return {p.relative_to(root): p.read_bytes() for p in result.written}

    assert tree(parallel, tmp_path / "parallel") == tree(serial, tmp_path / "serial")


def test_cache_hit_skips_the_renderer(tmp_path, monkeypatch):
    import handouts.pipeline.batch as b  # where build renders (in this process: jobs=0)

    first = build(Options(clinic_dir=DEMO, langs=("en",), out=tmp_path, jobs=0))
    pdfs = {p: p.read_bytes() for p in first.written}

    def no_render(*args, **kwargs):
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(b, "render", no_render)
    again = build(Options(clinic_dir=DEMO, langs=("en",), out=tmp_path, jobs=0))
    assert {p: p.read_bytes() for p in again.written} == pdfs
    # A change to the inputs (here: large print) is a miss, and does render.
    with pytest.raises(AssertionError, match="rendered although"):
        build(Options(clinic_dir=DEMO, langs=("en",), stages=("aftercare",),
                      large_print=True, out=tmp_path, jobs=0))


def test_personalised_handouts_never_cached(tmp_path, demo_inputs):
    from handouts.inputs.patient import make_patient

    build(Options(clinic_dir=DEMO, langs=("en",), stages=("aftercare",), out=tmp_path,
                  output=tmp_path / "ana.pdf", patient=make_patient("Ana Example")))
    assert not (tmp_path / ".cache").exists()
    assert not any(b"Ana" in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
                   and p.name != "ana.pdf")


def test_route_other_than_default_gets_suffix(tmp_path):
    result = build(Options(clinic_dir=DEMO, stages=("aftercare",), langs=("en",),
                           route="esketamine", out=tmp_path))
    assert result.written == [tmp_path / "demo" / "en" / "aftercare-esketamine.pdf"]


def test_bilingual_handout(demo_inputs, tmp_path):
    result = build(Options(clinic_dir=DEMO, stages=("aftercare",), langs=("es",),
                           second_lang="en", out=tmp_path))
    (path,) = result.written
    assert path.name == "aftercare+en.pdf"
    h = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("es",),
                                  second_lang="en"))[0]
    html = make(demo_inputs, h, fmt="html").data.decode()
    assert '<html lang="es" dir="ltr"' in html
    # Every section again in English, the "most important" box included.
    assert html.count('class="topic second-lang" lang="en" dir="ltr"') == len(
        demo_inputs.content.stages["aftercare"].topic_ids(h.route)) - 1
    assert html.count('<div class="second-lang" lang="en" dir="ltr">') == 1
    text = pdf_text(path.read_bytes())
    assert "Después de su tratamiento" in text and "After your treatment" in text
    assert pdf_reader(path.read_bytes()).trailer["/Root"]["/Lang"] == "es"


def test_second_language_must_be_offered(capsys):
    from handouts.cli import main

    assert main(["build", "--stage", "aftercare", "--lang", "es", "--second-lang", "de"]) == 1
    assert "Invalid value for '--second-lang': 'de' is not one of 'en', 'es', 'zh-Hans'" in \
        capsys.readouterr().err
