"""A patient's packet (several stages in one PDF) and a day's list of packets.

The command line (`build --stage A --stage B --output`, `build --list`) and the page's
day list make them here: every handout of every visit is composed (and so checked)
first, then all are rendered at once (`batch.render_batch`, longest first on the
pool), then each visit's handouts are put together (`assemble`). Nothing here is ever
cached or written: a packet carries a patient's details; the caller writes the bytes
where the user asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..domain import STAGE_NAMES
from ..errors import Problem, UserError
from ..inputs.daylist import Visit
from .assemble import Group, Part, assemble
from .batch import BatchTimeout, Outcome, render_batch
from .handout import Handout, handout_id
from .make import Composed, Inputs, compose, fail_on_warnings
from .pool import PoolBusy


@dataclass(frozen=True)
class Packet:
    """One visit's handouts, rendered, in stage order."""

    visit: Visit
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Day:
    packets: tuple[Packet, ...]
    warnings: tuple[str, ...]   # `day.csv:3: es/aftercare: message`, every one


def handouts_of(visit: Visit) -> list[Handout]:
    return [Handout(stage, visit.route, visit.language, visit.patient, visit.large_print,
                    visit.second) for stage in visit.stages]


def make_day(inputs: Inputs, visits: list[Visit], where: Callable[[Visit], str],
             strict: bool = False, *, pool=None, queue_wait: float | None = None,
             timeout: float | None = None, deadline: float | None = None,
             done: Callable[[int, int], None] | None = None) -> Day:
    """Every visit's handouts rendered; UserError names every one that could not be.

    `where(visit)` says where a visit came from in messages (`day.csv:3: `, or nothing
    for a packet from the command line); `done(finished, total)` reports progress."""
    warnings: list[tuple[int, str]] = []
    problems: list[Problem] = []
    composed: list[Composed] = []
    owners: list[int] = []
    for v, visit in enumerate(visits):
        for h in handouts_of(visit):
            try:
                c = compose(inputs, h, strict)
            except UserError as exc:
                problems += _named(where(visit), h, exc)
                continue
            warnings += [(v, f"{where(visit)}{handout_id(h)}: {w}") for w in c.warnings]
            composed.append(c)
            owners.append(v)
    if problems:
        raise UserError(problems)
    finished = [0]

    def one_done(i: int, outcome: Outcome) -> None:
        finished[0] += 1
        if done is not None:
            done(finished[0], len(composed))

    outcomes = render_batch(inputs, composed, strict, pool=pool, queue_wait=queue_wait,
                            timeout=timeout, deadline=deadline, done=one_done)
    for outcome in outcomes:  # the caller answers these for the whole day ("busy", "late")
        if isinstance(outcome, PoolBusy | BatchTimeout):
            raise outcome
    parts: list[list[Part]] = [[] for _ in visits]
    for c, v, outcome in zip(composed, owners, outcomes, strict=True):
        h, at = c.handout, where(visits[v])
        if isinstance(outcome, UserError):
            problems += _named(at, h, outcome)
            continue
        warnings += [(v, f"{at}{handout_id(h)}: {w}") for w in outcome.warnings]
        if strict and outcome.warnings:
            problems += _named(at, h, _strict_error(outcome.warnings))
        parts[v].append(Part(outcome.data, h.language.tag))
    if problems:
        raise UserError(problems)
    packets = tuple(Packet(visit, tuple(p)) for visit, p in zip(visits, parts, strict=True))
    return Day(packets, tuple(w for _, w in sorted(warnings, key=lambda pair: pair[0])))


def _strict_error(warnings: tuple[str, ...]) -> UserError:
    try:
        fail_on_warnings(warnings)
    except UserError as exc:
        return exc
    raise AssertionError("fail_on_warnings let warnings pass")


def _named(at: str, h: Handout, exc: UserError) -> list[Problem]:
    """`day.csv:3: es/aftercare: message`, the Problem's own place kept in its message."""
    return [Problem(f"{at}{handout_id(h)}", None,
                    p.message if p.path == "handouts" else str(p)) for p in exc.problems]


def packet_pdf(inputs: Inputs, packet: Packet) -> bytes:
    """One patient's packet: each handout from an odd page, a bookmark each."""
    return assemble([Group(None, packet.parts)], _titles(inputs, packet),
                    packet.visit.language.tag)


def day_pdf(inputs: Inputs, day: Day) -> bytes:
    """The whole list: a bookmark per row (row, language, stages: never a name), each
    patient's packet from a new sheet."""
    groups = [Group(row_label(p.visit), p.parts) for p in day.packets]
    title = f"Day list, {len(day.packets)} patient(s) – {inputs.clinic.name}"
    return assemble(groups, title, "en")


def row_label(visit: Visit) -> str:
    """`Row 3: Español – Infusion day, Aftercare`: the operator's words, no patient detail."""
    stages = ", ".join(STAGE_NAMES[s] for s in visit.stages)
    second = f" + {visit.second.english_name}" if visit.second else ""
    return f"Row {visit.row}: {visit.language.english_name}{second} – {stages}"


def row_filename(visit: Visit, width: int) -> str:
    """`row-03-infusion-day+aftercare-es.pdf` (width 2): row number, stages and language,
    never a name."""
    langs = visit.language.tag + (f"+{visit.second.tag}" if visit.second else "")
    return f"row-{visit.row:0{width}d}-{'+'.join(visit.stages)}-{langs}.pdf"


def _titles(inputs: Inputs, packet: Packet) -> str:
    """The handouts' own titles (stage titles in the patient's language) and the clinic."""
    from .localize import Localizer

    visit = packet.visit
    loc = Localizer(inputs.catalogs[visit.language.tag], inputs.clinic.values(visit.route))
    titles = [str(loc.stage(inputs.content.stages[s])[0]).replace("**", "")
              for s in visit.stages]
    return f"{' · '.join(titles)} – {inputs.clinic.name}"
