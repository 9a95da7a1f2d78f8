"""The pictograms of templates/icons/ (Tabler Icons, MIT), as CSS background images.

A pictogram sits beside words that say the same thing, so it is drawn as a
background: WeasyPrint marks backgrounds as artifacts, which keeps them out of
the PDF's reading order and tag tree (a screen reader reads the words once).
Each is coloured here (the SVGs draw in `currentColor`, which a background
image cannot inherit): the clinic's primary colour, the warning red for the
emergency and crisis lines.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from ..domain import DIRECTIONAL_ICONS, ICONS

WARNING_RED = "#b3261e"  # the warning box's border; 6.1:1 on white
_RED = frozenset({"call-emergency", "call-crisis"})


@lru_cache(maxsize=16)
def icon_css(icons_dir: Path, primary: str) -> str:
    """One rule per pictogram: `.icon-<id>::before { background-image: url(data:...) }`."""
    rules = []
    for name in ICONS:
        svg = (icons_dir / f"{name}.svg").read_text(encoding="utf-8")
        svg = svg.replace("currentColor", WARNING_RED if name in _RED else primary)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        rules.append(f'.icon-{name}::before {{ background-image: '
                     f'url("data:image/svg+xml;base64,{data}"); }}')
    # A car or an ambulance drives toward the reading direction: mirrored in RTL.
    mirrored = ", ".join(f'[dir="rtl"] .icon-{n}::before' for n in sorted(DIRECTIONAL_ICONS))
    rules.append(f"{mirrored} {{ transform: scaleX(-1); }}")
    return "\n".join(rules)
