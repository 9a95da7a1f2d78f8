"""A patient's packet (several stages in one PDF) and a day's list of packets.

The command line (`build --stage A --stage B --output`, `build --list`) and the page's
day list make them here: the rows are checked when the list is read, then every
handout of every visit is composed and rendered at once (`batch.render_batch`, the
heaviest first on the pool), then each visit's handouts are put together (`assemble`).
Nothing here is ever cached or written: a packet carries a patient's details; the
caller writes the bytes where the user asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..domain import STAGE_NAMES, counted
from ..errors import Problem, UserError
from ..inputs.daylist import Visit
from ..inputs.patient import Patient
from .assemble import Group, Part, assemble
from .batch import BatchTimeout, Job, Outcome, render_batch
from .handout import Handout, handout_id
from .make import Inputs, compose
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
             own_pool: bool = False, done: Callable[[int, int], None] | None = None) -> Day:
    """Every visit's handouts rendered; UserError names every one that could not be.

    The rows were checked when the list was read; each handout is composed where it
    renders (in the workers, so a long list composes in parallel too), the heaviest
    first. `where(visit)` says where a visit came from in messages (`day.csv:3: `, or
    nothing for a packet from the command line); `done(finished, total)` reports
    progress; `own_pool` as in render_batch."""
    owned = [(v, h) for v, visit in enumerate(visits) for h in handouts_of(visit)]
    weights = _weights(inputs, [h for _, h in owned]) if pool is not None else {}
    jobs = [Job(h, None, weights.get(_kind(h), 0)) for _, h in owned]
    finished = [0]

    def one_done(i: int, outcome: Outcome) -> None:
        finished[0] += 1
        if done is not None:
            done(finished[0], len(jobs))

    outcomes = render_batch(inputs, jobs, strict, pool=pool, queue_wait=queue_wait,
                            timeout=timeout, deadline=deadline, own_pool=own_pool,
                            done=one_done)
    for outcome in outcomes:  # the caller answers these for the whole day ("busy", "late")
        if isinstance(outcome, PoolBusy | BatchTimeout):
            raise outcome
    warnings: list[str] = []
    problems: list[Problem] = []
    parts: list[list[Part]] = [[] for _ in visits]
    for (v, h), outcome in zip(owned, outcomes, strict=True):
        at = where(visits[v])
        if isinstance(outcome, UserError):  # with --strict, a warning is one of these
            problems += _named(at, h, outcome)
            continue
        warnings += [f"{at}{handout_id(h)}: {w}" for w in outcome.warnings]
        parts[v].append(Part(outcome.data, h.language.tag))
    if problems:
        raise UserError(problems)
    packets = tuple(Packet(visit, tuple(p)) for visit, p in zip(visits, parts, strict=True))
    return Day(packets, tuple(warnings))


def _kind(h: Handout) -> tuple:
    """What decides a handout's length: the same for every patient."""
    return h.stage, h.route, h.language.tag, h.second.tag if h.second else None, h.large_print


def _weights(inputs: Inputs, handouts: list[Handout]) -> dict[tuple, int]:
    """The length of the HTML of each kind of handout, composed once here without a
    patient, so the pool can start with the heaviest."""
    weights = {}
    for h in handouts:
        if (kind := _kind(h)) not in weights:
            plain = Handout(h.stage, h.route, h.language, Patient(), h.large_print, h.second)
            try:
                weights[kind] = len(compose(inputs, plain).html.encode("utf-8"))
            except UserError:
                weights[kind] = 0  # the worker says why
    return weights


def _named(at: str, h: Handout, exc: UserError) -> list[Problem]:
    """`day.csv:3: es/aftercare: message`, the Problem's own place kept in its message."""
    return [Problem(f"{at}{handout_id(h)}", None, p.placed) for p in exc.problems]


def packet_pdf(inputs: Inputs, packet: Packet) -> bytes:
    """One patient's packet: each handout from an odd page, a bookmark each."""
    return assemble([Group(None, packet.parts)], _titles(inputs, packet),
                    packet.visit.language.tag)


def day_pdf(inputs: Inputs, day: Day) -> bytes:
    """The whole list: a bookmark per row (row, language, stages: never a name), each
    patient's packet from a new sheet."""
    groups = [Group(row_label(p.visit), p.parts) for p in day.packets]
    title = f"Day list, {counted(len(day.packets), 'patient')} – {inputs.clinic.name}"
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
