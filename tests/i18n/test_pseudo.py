"""A pseudo-locale proves every visible string is translatable and longer text still fits.

Every msgstr is the msgid with accented letters, 30 % longer, inside ⟦ ⟧. After
the clinic's own values, digits and punctuation are removed from the PDF's
text, only pseudo text may remain: a hard-coded English word would show.
"""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.pofile import read_po, write_po

from conftest import copy_clinic, copy_project, pdf_reader, pdf_text
from handouts.commands.build import Options, build
from handouts.domain import STAGES
from handouts.domain import placeholder_names as placeholders
from handouts.i18n.workflow import template_catalog

ACCENTS = str.maketrans("aeiouycnsAEIOUYCNS", "åéîøûýçñšÅÉÎØÛÝÇÑŠ")
TOKEN = re.compile(r"(%\(\w+\)s|%%|\*\*)")
PSEUDO = "eo"  # Esperanto: a real locale no clinic of ours ships


def pseudo(text: str) -> str:
    parts = [p if TOKEN.fullmatch(p) else p.translate(ACCENTS) for p in TOKEN.split(text)]
    pad = "~" * max(1, len(text) * 3 // 10)
    return f"⟦{''.join(parts)} {pad}⟧"


@pytest.fixture(scope="module")
def pseudo_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("pseudo")
    project = copy_project(root, ("content", "templates"))
    (root / "locales" / PSEUDO / "LC_MESSAGES").mkdir(parents=True)
    buf = io.BytesIO()
    write_po(buf, template_catalog(project))  # fresh from content and templates
    buf.seek(0)
    catalog = read_po(buf, locale=PSEUDO)
    for msg in catalog:
        if isinstance(msg.id, tuple):  # a plural entry: every form, from msgid_plural
            msg.string = tuple(pseudo(msg.id[1]) for _ in range(catalog.num_plurals))
        elif msg.id:
            msg.string = pseudo(msg.id)
            assert placeholders(msg.string) == placeholders(msg.id)
    buf = io.BytesIO()
    write_po(buf, catalog)
    (root / "locales" / PSEUDO / "LC_MESSAGES" / "handouts.po").write_bytes(buf.getvalue())
    clinic = copy_clinic(root / "clinic")
    yaml = clinic / "clinic.yaml"
    yaml.write_text(re.sub(r"languages: \[.*\]", f"languages: [{PSEUDO}, en]",
                           yaml.read_text(), count=1))
    out = root / "out"
    result = build(Options(clinic_dir=clinic, langs=(PSEUDO,), out=out), project=project)
    result_large = build(Options(clinic_dir=clinic, langs=(PSEUDO,), stages=("aftercare",),
                                 large_print=True, out=root / "large"), project=project)
    return result, result_large


def residue(text: str) -> str:
    """What is left once pseudo text, clinic values, numbers and punctuation are gone."""
    # Innermost first: a footer (itself pseudo text) may fall inside a string that
    # runs across a page break.
    while re.search(r"⟦[^⟦⟧]*⟧", text):
        text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
    for value in ("Cedar Ridge Ketamine Clinic", "1200 Alder Street, Suite 300, Portland, OR "
                  "97205", "https://cedarridge.example", "cedarridge.example"):
        text = text.replace(value, " ")
    text = re.sub(r"[\d\s().,:;·•\-–/+~]+", " ", text)  # incl. list bullets
    return " ".join(text.split())


def test_every_visible_string_is_translatable(pseudo_build):
    result, _ = pseudo_build
    assert len(result.written) == len(STAGES)
    assert not [w for w in result.warnings if "no translation" in w], result.warnings
    for path in result.written:
        text = pdf_text(path.read_bytes())
        assert "⟦" in text
        # Pseudo text may break across lines, so join what pypdf split.
        assert residue(text) == "", f"{path.name}: untranslatable text {residue(text)!r}"


def test_longer_text_keeps_the_layout(pseudo_build):
    result, large = pseudo_build
    for path in [*result.written, *large.written]:
        pages = len(pdf_reader(path.read_bytes()).pages)
        assert 1 <= pages <= 12, f"{path.name}: {pages} pages"
        text = pdf_text(path.read_bytes())
        assert f"Page {pages} of {pages}" not in text  # the footer is translated too
