"""`handouts new-clinic DIR`: a commented clinic.yaml and a placeholder logo that build at once."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UserError
from ..files import atomic_write

CLINIC_YAML = """\
# {name}: settings for your handouts. Check them with:
#   handouts check --clinic {folder}
# Text in quotes is shown as written. Every key below is required.

id: {id}                       # lowercase letters, digits, '-'; also the output folder name
name: "{name}"                 # printed in the header and footer of every page
logo: logo.svg                 # an .svg or .png file in this folder (at most 5 MB, 16 megapixels)
logo_alt: "{name} logo"        # read aloud by screen readers in place of the logo

colors:                        # as #rrggbb; checked for WCAG 2.2 contrast on white paper
  primary: "#1f5f7a"           # headings, rules, box borders (needs 4.5:1 on white)
  accent: "#c9822b"            # the bar beside note boxes (needs 3:1 on white)
  text: "#1a1a1a"              # body text (needs 4.5:1 on white)

paper: letter                  # letter or a4
languages: [en]                # offered; the first is the default (see `handouts i18n status`)
routes: [iv]                   # any of iv, im, esketamine; the first is the default

contact:                       # phone numbers in quotes so YAML keeps them as text
  phone: "(555) 010-0000"
  after_hours_phone: "(555) 010-0001"
  address: "Street, City, State ZIP"
  website: "https://example.org"          # must start with https://
  emergency_number: "911"
  crisis_line: "988"

protocol:                      # filled into the handouts' text; checked against safe ranges
  fasting_solids_hours: 6      # last light meal (like toast) this many hours before (6 to 12)
  # fasting_heavy_meal_hours: 8  # meat, fried or fatty food (8 to 12; default 8)
  fasting_clear_liquids_hours: 2   # clear liquids allowed until this many hours before (2 to 8)
  arrive_minutes_early: 15     # 0 to 120
  # infusion_minutes: 40       # how long the IV drip runs (30 to 120; default 40)
  observation_minutes: 60      # rest at the clinic after IV/IM treatment (30 to 480)
  no_driving_hours: 24         # 24 to 72 (the ketamine label: 24 hours or more)
  escort_required: true        # true or false
  # Esketamine is observed for at least 120 minutes (its REMS); you may set more:
  # esketamine_observation_minutes: 120
"""

LOGO_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">
  <rect x="4" y="4" width="88" height="88" rx="16" fill="#1f5f7a"/>
  <text x="48" y="60" font-family="Noto Sans, sans-serif" font-size="34" font-weight="bold"
        text-anchor="middle" fill="#ffffff">{initials}</text>
</svg>
"""


def new_clinic(folder: Path) -> list[Path]:
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise UserError(f"{folder}: already exists and is not empty; choose a new folder")
    clinic_id = re.sub(r"[^a-z0-9-]+", "-", folder.name.lower()).strip("-")[:40] or "clinic"
    name = " ".join(w.capitalize() for w in clinic_id.split("-")) + " Clinic"
    initials = "".join(w[0] for w in clinic_id.split("-") if w)[:2].upper() or "C"
    written = [folder / "clinic.yaml", folder / "logo.svg"]
    atomic_write(written[0], CLINIC_YAML.format(id=clinic_id, name=name,
                                                folder=folder).encode("utf-8"))
    atomic_write(written[1], LOGO_SVG.format(initials=initials).encode("utf-8"))
    return written
