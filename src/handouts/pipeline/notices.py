"""What a handout's footer says about review, from exactly what the handout prints.

The translation notice names the reviewers only when every string the handout
looked up, in every translated language it shows, is approved as it is now; the
clinical notice goes only when every topic it shows is signed off as it is now.
So one changed warning sign puts the draft notice back on that language's
aftercare handouts, and on no other handout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..i18n.catalogs import Catalog, Key
from ..inputs.content import Topic


@dataclass(frozen=True)
class TranslationReview:
    """Who approved the strings of one handout, and when the last of them was approved."""

    by: str
    on: dt.date


def translation_review(used: dict[str, set[Key]], catalogs: list[Catalog]) \
        -> TranslationReview | None:
    """The reviewers, if every string looked up in a translated catalog is approved."""
    names: list[str] = []
    dates: list[dt.date] = []
    for catalog in catalogs:
        if catalog.is_source:
            continue
        for key in sorted(used.get(catalog.language.tag, ()), key=str):
            approval = catalog.approved.get(key)
            if approval is None:
                return None
            names.append(approval.by)
            dates.append(approval.on)
    if not names:
        return None
    return TranslationReview("; ".join(dict.fromkeys(sorted(names))), max(dates))


def clinical_review_pending(topics: list[Topic]) -> bool:
    """True unless every topic shown is signed off and unchanged since."""
    return not all(t.signed_off for t in topics)
