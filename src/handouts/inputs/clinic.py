"""The clinic: branding, contact details, protocol values, languages and routes.

Loaded from `clinics/<id>/clinic.yaml` and checked key by key. Protocol values
fill the placeholders in the clinical text, so one translation serves every
clinic; they are bounded to safe ranges, and a route's locked minimums (the
esketamine REMS) cannot be lowered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..domain import ESKETAMINE_MIN_OBSERVATION_MINUTES, PAPERS, ROUTES, did_you_mean, quote
from ..errors import Problems, UserError
from ..files import read_inside
from . import contrast
from .assets import css_problem, logo_problem
from .languages import is_known_locale, to_tag
from .schema import Reader
from .yamlio import load_yaml

CLINIC_ID = r"[a-z0-9-]{1,40}"
HEX_COLOR = r"#[0-9a-fA-F]{6}"
PHONE = r"[0-9+()\-. ]{2,25}"


@dataclass(frozen=True)
class Colors:
    primary: str
    accent: str
    text: str


@dataclass(frozen=True)
class Contact:
    phone: str
    after_hours_phone: str
    address: str
    website: str
    emergency_number: str
    crisis_line: str


@dataclass(frozen=True)
class Protocol:
    fasting_solids_hours: int         # a light meal, like toast (ASA: 6 h or more)
    fasting_clear_liquids_hours: int
    arrive_minutes_early: int
    observation_minutes: int
    no_driving_hours: int
    escort_required: bool
    esketamine_observation_minutes: int = ESKETAMINE_MIN_OBSERVATION_MINUTES
    fasting_heavy_meal_hours: int = 8  # meat, fried or fatty food (ASA: 8 h or more)
    infusion_minutes: int = 40         # how long the IV drip runs (40 in most studies)


@dataclass(frozen=True)
class Clinic:
    id: str
    name: str
    folder: Path
    logo: Path
    logo_alt: str
    colors: Colors
    paper: str
    languages: tuple[str, ...]
    routes: tuple[str, ...]
    contact: Contact
    protocol: Protocol
    style: str = ""                     # the clinic's style.css, checked, or ""
    templates_dir: Path | None = None   # the clinic's template overrides, if any

    def observation_minutes(self, route: str) -> int:
        """The clinic's observation time for a route (esketamine: its own, >= 120)."""
        if route == "esketamine":
            return self.protocol.esketamine_observation_minutes
        return self.protocol.observation_minutes

    def treatment_minutes(self, route: str) -> int:
        """How long the medicine itself takes: the IV drip; a shot or a spray, none."""
        return self.protocol.infusion_minutes if route == "iv" else 0

    def visit_minutes(self, route: str) -> int:
        """From arrival until the earliest time to go home."""
        return (self.protocol.arrive_minutes_early + self.treatment_minutes(route)
                + self.observation_minutes(route))

    def values(self, route: str) -> dict[str, str | int]:
        """Placeholder values for the clinical text, raw (not yet locale-formatted)."""
        c, p = self.contact, self.protocol
        return {
            "clinic_name": self.name, "phone": c.phone,
            "after_hours_phone": c.after_hours_phone,
            "emergency_number": c.emergency_number, "crisis_line": c.crisis_line,
            "website": c.website, "address": c.address,
            "fasting_solids_hours": p.fasting_solids_hours,
            "fasting_heavy_meal_hours": p.fasting_heavy_meal_hours,
            "fasting_clear_liquids_hours": p.fasting_clear_liquids_hours,
            "arrive_minutes_early": p.arrive_minutes_early,
            "infusion_minutes": p.infusion_minutes,
            "observation_minutes": self.observation_minutes(route),
            "no_driving_hours": p.no_driving_hours,
            # Rounded up to whole hours: the person taking you home plans for no less.
            "visit_hours": -(-self.visit_minutes(route) // 60),
        }


def load_clinic(folder: Path, known_languages: list[str] | None = None) -> Clinic:
    """Load and check `folder/clinic.yaml`; raise UserError listing every problem.

    Template overrides are checked by the pipeline (they need its Jinja setup)."""
    folder = Path(folder)
    path = folder / "clinic.yaml"
    if not folder.is_dir():
        raise UserError(f"{folder}: no such clinic folder (expected a folder with clinic.yaml)")
    data = load_yaml(path)
    problems = Problems()
    r = Reader(data, str(path), problems)
    clinic_id = r.text("id", pattern=CLINIC_ID,
                       expected="an id of 1-40 lowercase letters, digits or '-'")
    name = r.text("name", max_len=120)
    logo_name = r.text("logo", expected="a file name inside the clinic folder")
    logo = _logo_path(folder, logo_name, r) if logo_name else folder
    logo_alt = r.text("logo_alt", max_len=200)
    colors = _colors(r)
    paper = r.choice("paper", PAPERS, default="letter")
    languages = _languages(r, known_languages)
    routes = r.text_list("routes", choices=ROUTES)
    contact = _contact(r)
    protocol = _protocol(r)
    r.finish()
    _check_contrast(colors, r)  # on each colour that parsed, beside every other mistake
    style = _style(folder, problems)
    problems.check()
    templates_dir = folder / "templates"
    return Clinic(
        id=clinic_id, name=name, folder=folder.resolve(), logo=logo, logo_alt=logo_alt,
        colors=Colors(**colors), paper=paper,
        languages=tuple(to_tag(t) for t in languages), routes=tuple(routes),
        contact=contact, protocol=protocol, style=style,
        templates_dir=templates_dir.resolve() if templates_dir.is_dir() else None,
    )


def _colors(r: Reader) -> dict[str, str]:
    colors = r.section("colors")
    values: dict[str, str] = {}
    if colors:
        for key in ("primary", "accent", "text"):
            value = colors.text(key, pattern=HEX_COLOR, expected="a colour as #rrggbb")
            if value is not None:
                values[key] = value
        colors.finish()
    return values


def _languages(r: Reader, known: list[str] | None) -> list[str]:
    languages = r.text_list("languages")
    for i, tag in enumerate(languages):
        line = r.data["languages"].item_lines[i]
        if not is_known_locale(tag):
            r.problems.add(r.path, line, f"languages[{i}]: {tag!r} is not a language id "
                                         "such as 'es' or 'zh-Hans'")
        elif known is not None and to_tag(tag) not in known:
            r.problems.add(r.path, line, f"languages[{i}]: {tag!r} has no translation; "
                                         f"available: {', '.join(map(repr, known))}; "
                                         f"to start one: handouts i18n init {to_tag(tag)}")
    return languages


def _contact(r: Reader) -> Contact | None:
    c = r.section("contact")
    if not c:
        return None

    def phone(key: str) -> str | None:
        return c.text(key, pattern=PHONE, expected="a phone number")

    contact = Contact(
        phone=phone("phone"), after_hours_phone=phone("after_hours_phone"),
        address=c.text("address", max_len=200),
        website=c.text("website", pattern=r"https://[^\s<>\"']{3,200}",
                       expected="a web address starting with https://"),
        emergency_number=phone("emergency_number"), crisis_line=phone("crisis_line"),
    )
    c.finish()
    return contact


def _protocol(r: Reader) -> Protocol | None:
    p = r.section("protocol")
    if not p:
        return None
    protocol = Protocol(
        # ASA fasting guidance: a light meal 6 h, meat or fried or fatty food 8 h, clear
        # liquids 2 h before sedation.
        fasting_solids_hours=p.integer("fasting_solids_hours", low=6, high=12,
                                       unit="hours", default=6),
        fasting_heavy_meal_hours=_heavy_meal(p),
        fasting_clear_liquids_hours=p.integer("fasting_clear_liquids_hours", low=2,
                                              high=8, unit="hours", default=2),
        arrive_minutes_early=p.integer("arrive_minutes_early", low=0, high=120,
                                       unit="minutes", default=15),
        observation_minutes=p.integer("observation_minutes", low=30, high=480,
                                      unit="minutes", default=60),
        # KETALAR label: no driving or hazardous work for 24 hours or more.
        no_driving_hours=p.integer("no_driving_hours", low=24, high=72,
                                   unit="hours", default=24),
        escort_required=p.boolean("escort_required"),
        esketamine_observation_minutes=_esketamine_observation(p),
        # Most studies ran the drip over 40 minutes; some clinics run it longer.
        infusion_minutes=p.integer("infusion_minutes", low=30, high=120, unit="minutes",
                                   required=False, default=40),
    )
    p.finish()
    return protocol


def _heavy_meal(p: Reader) -> int:
    """Optional: at least 8 hours (ASA) and at least the light meal's fast, its default."""
    light = p.data.get("fasting_solids_hours")
    light = light if isinstance(light, int) and not isinstance(light, bool) \
        and 6 <= light <= 12 else 6
    key = "fasting_heavy_meal_hours"
    hours = p.integer(key, low=8, high=12, unit="hours", required=False,
                      default=max(8, light))
    if p.has(key) and hours is not None and hours < light:
        p.error(key, f"{hours} is less than fasting_solids_hours ({light}); a heavy meal "
                     "needs at least as long a fast as a light one")
    return max(hours or 8, light)


def _esketamine_observation(p: Reader) -> int:
    """Optional; the REMS minimum of 120 minutes cannot be lowered."""
    key = "esketamine_observation_minutes"
    if p.has(key) and isinstance(p.data[key], int) and not isinstance(p.data[key], bool) \
            and p.data[key] < ESKETAMINE_MIN_OBSERVATION_MINUTES:
        p.get(key, False)
        p.error(key, f"{p.data[key]} is below the esketamine REMS minimum of "
                     f"{ESKETAMINE_MIN_OBSERVATION_MINUTES} minutes, which cannot be lowered")
        return ESKETAMINE_MIN_OBSERVATION_MINUTES
    return p.integer(key, low=ESKETAMINE_MIN_OBSERVATION_MINUTES, high=480, unit="minutes",
                     required=False, default=ESKETAMINE_MIN_OBSERVATION_MINUTES)


# Where each colour meets a background on the page, and the ratio it needs there.
_CONTRAST_PAIRS = (
    ("text", "#ffffff", contrast.NORMAL_TEXT, "body text on white paper"),
    ("primary", "#ffffff", contrast.NORMAL_TEXT, "headings and the clinic name on white"),
    ("primary", "#f4f7f8", contrast.NORMAL_TEXT, "headings inside the grey note boxes"),
    ("accent", "#ffffff", contrast.NON_TEXT, "the accent bar beside note boxes"),
)


def _check_contrast(colors: dict[str, str], r: Reader) -> None:
    if not colors:
        return
    section = Reader(r.data["colors"], r.path, r.problems, "colors", r.line("colors"))
    for key, background, needed, where in _CONTRAST_PAIRS:
        if key not in colors:
            continue  # not a colour: reported already
        got = contrast.ratio(colors[key], background)
        if got < needed:
            section.error(key, f"{colors[key]} on {background} has contrast {got:.2f}:1, "
                               f"below the {needed}:1 WCAG 2.2 needs for {where}; "
                               "choose a darker colour")


def _style(folder: Path, problems: Problems) -> str:
    path = folder / "style.css"
    if not path.exists():
        return ""
    try:
        text = read_inside(path, folder).decode("utf-8")
    except UserError as exc:
        problems.extend(exc)
        return ""
    except UnicodeDecodeError as exc:
        problems.add(path, None, f"cannot read style sheet: {exc}")
        return ""
    why = css_problem(text)
    if why:
        problems.add(path, None, f"style sheet {why}")
        return ""
    return text


def _nearest_image(root: Path, name: str) -> str:
    """`; did you mean 'logo.svg'?`, or the images that are there, or nothing."""
    images = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                    if p.suffix.lower() in (".svg", ".png") and p.is_file()
                    and "templates" not in p.relative_to(root).parts[:1])[:50]
    hint = did_you_mean(name, images)
    if hint or not images:
        return hint
    return f"; the images there: {quote(images[:10])}"


def _logo_path(folder: Path, name: str, r: Reader) -> Path:
    """The logo must be an SVG or PNG file inside the clinic folder (no `..`, no symlink out)."""
    root = folder.resolve()
    candidate = (folder / name).resolve()
    if candidate != root and root not in candidate.parents:
        r.error("logo", f"{name!r} is outside the clinic folder; put the file in {folder}")
    elif candidate.suffix.lower() not in (".svg", ".png"):
        r.error("logo", f"{name!r} is not an .svg or .png file")
    elif not candidate.is_file():
        r.error("logo", f"{name!r} does not exist in {folder}{_nearest_image(root, name)}")
    else:
        why = logo_problem(candidate)
        if why:
            r.error("logo", f"{name!r} {why}")
    return candidate

