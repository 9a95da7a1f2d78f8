"""Catalogs: real .po files compiled to .mo on demand; broken translations refused."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import ROOT
from handouts.errors import UserError
from handouts.i18n.catalogs import compile_catalog, load_catalog
from handouts.i18n.checks import message_problems
from handouts.inputs.content import Message
from handouts.inputs.languages import language
from handouts.pipeline.localize import Localizer


@pytest.fixture
def locales(tmp_path):
    folder = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", folder, ignore=shutil.ignore_patterns("*.mo"))
    return folder


def test_mo_compiled_when_missing_and_when_po_is_newer(locales):
    po = locales / "es" / "LC_MESSAGES" / "handouts.po"
    mo = po.with_suffix(".mo")
    assert not mo.exists()
    catalog = load_catalog(locales, language("es"))
    assert mo.exists()
    assert catalog.lookup("route", "IV infusion") == "Infusión intravenosa (IV)"
    stamp = mo.stat().st_mtime_ns
    compile_catalog(po)  # .mo is current: untouched
    assert mo.stat().st_mtime_ns == stamp
    po.write_text(po.read_text().replace("Infusión intravenosa (IV)", "Infusión IV"))
    os.utime(po, ns=(stamp + 10**9, stamp + 10**9))
    assert load_catalog(locales, language("es")).lookup("route", "IV infusion") == "Infusión IV"


def test_broken_translation_refused_and_no_mo_left(locales):
    po = locales / "es" / "LC_MESSAGES" / "handouts.po"
    text = po.read_text()
    po.write_text(text.replace('msgstr "Página %(page)s de %(pages)s"',
                               'msgstr "Página %(pagina)s de %(pages)s"'))
    with pytest.raises(UserError) as exc:
        compile_catalog(po)
    assert "printf: Added printf variable: %(pagina)s" in str(exc.value)
    assert not po.with_suffix(".mo").exists()
    assert not list(po.parent.glob("*.part"))


@pytest.mark.parametrize("msgstr, problem", [  # pofilter's checks: tests/i18n/test_checks.py
    ("Llame al %(phone)s 100%", "a lone '%' in msgstr"),
    ("**Llame** al %(phone)s", "bold markers '**' differ"),
])
def test_message_problems(msgstr, problem):
    found = message_problems("Call %(phone)s", msgstr)
    assert any(problem in p for p in found), found


def test_missing_translation_falls_back_and_is_counted(locales):
    catalog = load_catalog(locales, language("es"))
    assert catalog.lookup("nowhere/x/text", "Not in the catalog") is None
    missing: list[str] = []
    msg = Message("Not in the catalog", "nowhere/x/text", "x.yaml", 1)
    text = Localizer(catalog, {}, missing).text(msg)
    assert missing == ["nowhere/x/text|Not in the catalog"]
    assert str(text) == "Not in the catalog" and text.lang == "en"
