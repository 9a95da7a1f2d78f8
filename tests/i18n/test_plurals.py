"""Counts take each language's plural forms: Russian's three, Arabic's six (its dual has no
numeral), in content (Localizer) and in templates (npgettext), for 1, 2, 5 and 24."""

from __future__ import annotations

import pytest

from handouts.i18n.catalogs import load_catalog
from handouts.inputs.languages import language
from handouts.pipeline.localize import Localizer
from handouts.pipeline.templating import gettext_callables
from handouts.project import PROJECT


def catalog(tag):
    return load_catalog(PROJECT.locales_dir, language(tag))


def drive_rule(demo_inputs, tag: str, hours: int) -> str:
    """first-day/rules/0, "Do not drive or use machines for N hours", for N hours."""
    msg = next(m for m in demo_inputs.content.topics["first-day"].messages()
               if m.context == "first-day/rules/0")
    assert msg.count == "no_driving_hours" and msg.one
    values = dict(demo_inputs.clinic.values("iv"), no_driving_hours=hours)
    return str(Localizer(catalog(tag), values).text(msg))


@pytest.mark.parametrize("tag, hours, expected", [
    ("en", 1, "Do not drive or use machines for 1\u00a0hour."),
    ("en", 24, "Do not drive or use machines for 24\u00a0hours."),
    # «в течение» takes the genitive: 1 часа, 2 часов, 5 часов, 24 часов
    ("ru", 1, "в течение 1\u00a0часа."),
    ("ru", 2, "в течение 2\u00a0часов."),
    ("ru", 5, "в течение 5\u00a0часов."),
    ("ru", 24, "в течение 24\u00a0часов."),
    # Arabic: one hour and two hours (the dual) in words; 3-10 plural; 11-99 singular
    ("ar", 1, "لمدة ساعة واحدة."),
    ("ar", 2, "لمدة ساعتين."),
    ("ar", 5, "لمدة 5\u00a0ساعات."),
    ("ar", 24, "لمدة 24\u00a0ساعة."),
])
def test_content_counts(demo_inputs, tag, hours, expected):
    assert drive_rule(demo_inputs, tag, hours).endswith(expected)


@pytest.mark.parametrize("tag, n, expected", [
    ("ru", 1, "За 1\u00a0час до приёма"),
    ("ru", 2, "За 2\u00a0часа до приёма"),
    ("ru", 5, "За 5\u00a0часов до приёма"),
    ("ru", 24, "За 24\u00a0часа до приёма"),
    ("ar", 1, "قبل موعدك بساعة واحدة"),
    ("ar", 2, "قبل موعدك بساعتين"),
    ("ar", 5, "قبل موعدك بـ 5\u00a0ساعات"),
    ("ar", 24, "قبل موعدك بـ 24\u00a0ساعة"),
    ("zh-Hans", 5, "预约时间前5小时"),  # one form for every number
])
def test_template_counts(tag, n, expected):
    """Template strings too: the amount is joined by a no-break space, like the content's."""
    npgettext = gettext_callables(catalog(tag), [])["npgettext"]
    assert str(npgettext("timeline", "%(num)s hour before your appointment",
                         "%(num)s hours before your appointment", n)) == expected


def test_every_catalog_has_every_form_its_header_asks_for():
    from handouts.i18n.catalogs import po_path
    from handouts.i18n.checks import read_catalog

    for tag in ("ru", "ar", "fr", "zh-Hans"):
        po = read_catalog(po_path(PROJECT.locales_dir, language(tag)))
        plural = [m for m in po if isinstance(m.id, tuple) and m.id[0]]
        assert plural, tag
        for m in plural:
            assert len(m.string) == po.num_plurals and all(m.string), (tag, m.context)
