"""Locale data the handouts need and Babel's CLDR lacks, in one place.

1. Haitian Creole month and day names. CLDR (Babel 2.19) has none for `ht`, so Babel
   falls back to its root data and prints "2026 M12 3, Thu". The names and the order
   (weekday, day, month, year) are those of the GNU C Library's `ht_HT` locale
   (localedata/locales/ht_HT, from Sugar Labs / OLPC), written in full as a patient reads
   them. NEEDS REVIEW by a qualified Haitian Creole translator, like every draft here.

2. How a language words a time of day, and a time on another day than the appointment
   ("stop eating at 23:30 the day before"). CLDR joins a date and a time ("{1}, {0}")
   but has no words for "at" or "on"; where the catalogs' sentences need them, they are
   here: Portuguese "às 23:30" / "em seg., 30 de nov., às 23:30", Arabic
   "الساعة 11:30 م" / "يوم الاثنين 30 نوفمبر، الساعة 11:30 م", Chinese
   "23:30" / "11月30日（周一）23:30". Drafts, to be reviewed with the catalogs; the
   catalog's sentence around `%(time)s` then carries no "at" of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.dates import parse_pattern

# Monday first, as Babel numbers days (0 = Monday).
_HT_DAYS = ("lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch")
_HT_MONTHS = ("janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm",
              "oktòb", "novanm", "desanm")


class _HaitianCreole(Locale):
    """Babel's `ht` with month and day names (see the module docstring); no abbreviations,
    which the glibc data has but a patient need not decode."""

    @property
    def months(self):
        names = dict(enumerate(_HT_MONTHS, 1))
        widths = {w: names for w in ("wide", "abbreviated", "narrow")}
        return {"format": widths, "stand-alone": widths}

    @property
    def days(self):
        names = dict(enumerate(_HT_DAYS))
        widths = {w: names for w in ("wide", "abbreviated", "short", "narrow")}
        return {"format": widths, "stand-alone": widths}

    @property
    def date_formats(self):
        return {"full": parse_pattern("EEEE d MMMM y"), "long": parse_pattern("d MMMM y"),
                "medium": parse_pattern("d MMMM y"), "short": parse_pattern("dd/MM/y")}


_SUPPLEMENTED = {"ht": _HaitianCreole}


def supplemented(folder: str) -> Locale:
    """Babel's Locale for a catalog folder (`zh_Hans`), with what CLDR lacks filled in."""
    kind = _SUPPLEMENTED.get(folder)
    return kind(folder) if kind else Locale.parse(folder)


@dataclass(frozen=True)
class TimeWording:
    """How a language says a time: `time` on the appointment's day, `day_time` on another,
    with `day` as a CLDR skeleton (`skeleton=True`) or pattern. `day_time` None: CLDR's own
    date-time join ("{1}, {0}")."""

    time: str = "{time}"
    day_time: str | None = None
    day: str = "MMMEd"
    skeleton: bool = True


TIME_WORDING: dict[str, TimeWording] = {
    "pt_BR": TimeWording(time="às {time}", day_time="em {day}, às {time}"),
    "ar": TimeWording(time="الساعة {time}", day_time="يوم {day}، الساعة {time}",
                      day="EEEE d MMMM", skeleton=False),
    "zh_Hans": TimeWording(day_time="{day}{time}", day="M月d日（E）", skeleton=False),
    "ht": TimeWording(day="EEEE d MMMM", skeleton=False),
}
