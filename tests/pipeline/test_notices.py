"""Per-handout notices follow exactly what each handout prints.

A Spanish and a French catalog are approved in full on a copy of the project; then one
Spanish warning sign changes. Only the Spanish aftercare handouts (every route) go
back to the draft notice. Topics signed off, then one warning sign edited in English:
only aftercare says "Pending clinical review" again.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from conftest import DEMO, ROOT, copy_project, pdf_text, squash
from handouts.domain import ROUTES, STAGES
from handouts.i18n import workflow as i18n
from handouts.inputs.languages import language
from handouts.inputs.signoff import sign_off
from handouts.pipeline.handout import Handout
from handouts.pipeline.make import compose, load_inputs, make

DAY = dt.date(2026, 11, 22)
REVIEWED_ES = "Traducción revisada por María López, CHI el 22 de noviembre de 2026"
DRAFT_ES = "Traducción en borrador"
PENDING = "Pending clinical review"


def footer(inputs, stage: str, route: str, tag: str) -> str:
    html = compose(inputs, Handout(stage, route, language(tag))).html
    return squash(html[html.index('<div class="notices">'):html.index("</footer>")])


def matrix(inputs, tag: str) -> dict[tuple[str, str], str]:
    return {(s, r): footer(inputs, s, r, tag) for s in STAGES for r in ROUTES}


@pytest.fixture(scope="module")
def approved(tmp_path_factory):
    root = tmp_path_factory.mktemp("approved")
    project = copy_project(root)
    shutil.copy(ROOT / "babel.cfg", root)
    i18n.review(project, "es", "María López, CHI", on=DAY)
    i18n.review(project, "fr", "Jean Martin, CT", on=DAY)
    return project


def change_one_warning_sign(project) -> None:
    po = project.locales_dir / "es" / "LC_MESSAGES" / "handouts.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgstr "Dolor en el pecho"', 'msgstr "Dolor fuerte en el pecho"'), encoding="utf-8")
    mo = po.with_suffix(".mo")
    if mo.exists():  # the .mo is recompiled from the newer .po
        later = mo.stat().st_mtime_ns + 10**9
        os.utime(po, ns=(later, later))


def test_every_handout_of_an_approved_language_names_its_reviewer(approved):
    inputs = load_inputs(DEMO, approved)
    for (stage, route), text in matrix(inputs, "es").items():
        assert REVIEWED_ES in text and DRAFT_ES not in text, (stage, route, text)
    assert all("Traduction relue par Jean Martin, CT le 22 novembre 2026" in t
               for t in matrix(inputs, "fr").values())
    vi = footer(inputs, "aftercare", "iv", "vi")  # not approved: the draft notice
    assert "Bản dịch nháp" in vi or "chưa được" in vi, vi
    assert "Translation reviewed" not in footer(inputs, "aftercare", "iv", "en")


def test_one_changed_warning_sign_reopens_only_that_languages_aftercare(approved, tmp_path):
    project = copy_project(tmp_path, ("content", "templates", "locales"))
    for po in approved.locales_dir.glob("*/LC_MESSAGES/handouts.po"):
        shutil.copy(po, project.locales_dir / po.relative_to(approved.locales_dir))
    change_one_warning_sign(project)
    inputs = load_inputs(DEMO, project)
    for (stage, route), text in matrix(inputs, "es").items():
        if stage == "aftercare":
            assert DRAFT_ES in text and "Traducción revisada" not in text, (route, text)
        else:
            assert REVIEWED_ES in text and DRAFT_ES not in text, (stage, route, text)
    assert all("Traduction relue par Jean Martin" in t for t in matrix(inputs, "fr").values())
    # What the patient gets: real PDFs, before and after.
    before = pdf_text(make(load_inputs(DEMO, approved),
                           Handout("aftercare", "iv", language("es"))).data)
    after = pdf_text(make(inputs, Handout("aftercare", "iv", language("es"))).data)
    assert REVIEWED_ES in before and DRAFT_ES not in before
    assert DRAFT_ES in after and "Traducción revisada" not in after


def test_a_bilingual_copy_needs_both_languages_approved(approved):
    inputs = load_inputs(DEMO, approved)
    both = compose(inputs, Handout("aftercare", "iv", language("es"), second=language("fr")))
    assert ("Traducción revisada por Jean Martin, CT; María López, CHI el 22 de noviembre "
            "de 2026") in squash(both.html)
    mixed = compose(inputs, Handout("aftercare", "iv", language("es"), second=language("vi")))
    assert DRAFT_ES in mixed.html and "Traducción revisada" not in mixed.html


def test_clinical_notice_goes_only_when_every_topic_shown_is_signed_off(tmp_path):
    project = copy_project(tmp_path)
    assert all(PENDING in t for t in matrix(load_inputs(DEMO, project), "en").values())
    sign_off(project.content_dir, [], "Ana Ruiz, MD", every=True, on=DAY)
    assert not any(PENDING in t for t in matrix(load_inputs(DEMO, project), "en").values())
    topic = project.content_dir / "topics" / "warning-signs.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("      - A seizure\n",
                                                                "      - A fit (seizure)\n"),
                     encoding="utf-8")
    for (stage, route), text in matrix(load_inputs(DEMO, project), "en").items():
        assert (PENDING in text) == (stage == "aftercare"), (stage, route)
