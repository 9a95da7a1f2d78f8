"""Every handout of the matrix (languages x stages x routes, Letter and A4, normal and large
print) fits its pages: at most 4 pages (large print 6), nothing cut off at an edge, no page
half empty but the last, no heading or single list item or line alone, no phone number or
time broken. Laid out once per module in two processes; tests/layout_rules.py reads the boxes.
"""

from __future__ import annotations

import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor

import pytest

from conftest import DEMO, copy_clinic
from handouts.commands.build import Options, plan
from handouts.domain import ROUTES
from handouts.inputs.patient import make_patient
from handouts.pipeline.make import compose, load_inputs
from handouts.pipeline.render import lay_out
from layout_rules import page_problems

MAX_PAGES = {False: 4, True: 6}  # normal, large print
_INPUTS = {}  # per paper, in the forked workers too


def _lay_out(job):
    paper, h = job
    inputs = _INPUTS[paper]
    roots = (inputs.project.templates_dir, inputs.clinic.folder)
    document, _ = lay_out(compose(inputs, h).html, inputs.project.templates_dir, roots)
    return len(document.pages), page_problems(document)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    a4 = copy_clinic(tmp_path_factory.mktemp("a4") / "clinic")
    yaml = a4 / "clinic.yaml"
    yaml.write_text(yaml.read_text().replace("paper: letter", "paper: a4"))
    _INPUTS.update(letter=load_inputs(DEMO), a4=load_inputs(a4))
    jobs = []
    for paper, inputs in _INPUTS.items():
        for route in ROUTES:
            for large in (False, True):
                jobs += [(paper, h) for h in plan(inputs, Options(
                    clinic_dir=inputs.clinic.folder, route=route, large_print=large))]
        # Personalised infusion-day sheets: a long name, and the timeline's clock times.
        patient = make_patient("Ana María López-Quiñones de la Vega", "2026-12-01T07:30",
                               "Dr. Rivera")
        for lang in inputs.clinic.languages:
            for route in ROUTES:
                jobs += [(paper, h) for h in plan(inputs, Options(
                    clinic_dir=inputs.clinic.folder, stages=("infusion-day",), langs=(lang,),
                    route=route, patient=patient, output="x.pdf"))]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_lay_out, jobs, chunksize=4))
    shutil.rmtree(a4)
    return {(paper, h): r for (paper, h), r in zip(jobs, results, strict=True)}


def name(paper, h) -> str:
    personal = "+patient" if h.patient else ""
    large = " large print" if h.large_print else ""
    return f"{h.language.tag}/{h.stage}-{h.route}{personal} ({paper}{large})"


def test_the_matrix_is_whole(matrix):
    languages = len(_INPUTS["letter"].clinic.languages)
    assert languages == 11
    # 11 languages x 3 stages x 3 routes x 2 sizes, and the personalised infusion days
    assert len(matrix) == 2 * (languages * 3 * 3 * 2 + languages * 3)


def test_page_counts(matrix):
    too_long = [f"{name(paper, h)}: {pages} pages" for (paper, h), (pages, _) in matrix.items()
                if pages > MAX_PAGES[h.large_print]]
    assert too_long == []


def test_pages_are_laid_out_right(matrix):
    wrong = [f"{name(paper, h)}: {p}" for (paper, h), (_, problems) in matrix.items()
             for p in problems]
    assert wrong == []
