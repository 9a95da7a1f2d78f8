"""One handout to make: a stage, for a route, in a language (and the patient's details)."""

from __future__ import annotations

from dataclasses import dataclass

from ..inputs.clinic import Clinic
from ..inputs.languages import Language
from ..inputs.patient import Patient


@dataclass(frozen=True)
class Handout:
    """One handout to make: a stage, for a route, in a language, for a clinic."""

    stage: str
    route: str
    language: Language
    patient: Patient = Patient()
    large_print: bool = False
    second: Language | None = None  # bilingual: this language follows each section

    def filename(self, clinic: Clinic, ext: str = "pdf") -> str:
        """`aftercare.pdf`; `aftercare-esketamine.pdf` for a route other than the
        default; `aftercare+en.pdf` for a bilingual copy with English second."""
        suffix = "" if self.route == clinic.routes[0] else f"-{self.route}"
        second = f"+{self.second.tag}" if self.second else ""
        return f"{self.stage}{suffix}{second}.{ext}"


def handout_id(h: Handout) -> str:
    """How a handout is named in messages and logs: `es/aftercare`, never patient details."""
    return f"{h.language.tag}/{h.stage}"
