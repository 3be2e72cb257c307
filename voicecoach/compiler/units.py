"""The order a session is performed in: one place, read by the compiler and the lint.

A unit is one step as performed: each step of a sided section is performed once per side,
and each step of a ``rounds`` group once per round (with the group's rest, if any, as a
step of its own before every round after the first). The unit's index in
``performed_units`` is the step number events carry (``Event.step``), so the hands-free
lint (``compiler/handsfree.py``) and the player's next/previous step find a step's events by the
same numbering the compiler gave them. This module imports nothing from the rest of the
compiler, so the lint can use it without importing the compiler back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..routine import Rounds, Routine, Section, Span, Step, Text


@dataclass(frozen=True)
class Round:
    """Where a unit sits in a ``rounds`` group: round ``number`` (from 1) of ``total``."""

    group: Rounds
    number: int
    total: int


@dataclass(frozen=True)
class Unit:
    """One step as performed: in its section, on one side, with what to set up first.

    ``first`` and ``last`` mark the first and last unit of a section's side; ``opens``
    marks the first unit of a round (where the round is announced).
    """

    section: Section
    side_index: int
    side: str | None
    step: Step
    setup: Text | None
    round: Round | None = None
    first: bool = False
    last: bool = False
    opens: bool = False


def rounds_at(routine: Routine, t_count: float) -> Routine:
    """The routine with every ``rounds`` range settled at position ``t_count`` in [0, 1].

    Counts round like a ``repeat``'s, so a pass of the compiler and the lint of its
    timeline see the same rounds.
    """

    def settle(step: Step) -> Step:
        if isinstance(step, Rounds) and step.count.is_range:
            n = float(round(step.count.at(t_count)))
            return replace(step, count=Span(n, n))
        return step

    sections = tuple(
        replace(section, steps=tuple(settle(step) for step in section.steps))
        for section in routine.sections
    )
    return replace(routine, sections=sections)


def performed_units(routine: Routine) -> list[Unit]:
    """The session as performed, step by step, sides and rounds expanded; index = ``Event.step``.

    A unit's ``setup`` is the step's own, or for the first step of a group or section the
    group's or section's. A ``rounds`` range counts its lowest value: settle ranges with
    ``rounds_at`` first (the compiler does).
    """
    out: list[Unit] = []
    for section in routine.sections:
        for i, side in enumerate(section.sides or (None,)):
            mine: list[Unit] = []
            for step in section.steps:
                if not isinstance(step, Rounds):
                    mine.append(Unit(section, i, side, step, step.setup))
                    continue
                total = round(step.count.lo)
                for number in range(1, total + 1):
                    where = Round(step, number, total)
                    if number > 1 and step.rest is not None:
                        mine.append(Unit(section, i, side, step.rest, None, where, opens=True))
                    for m, inner in enumerate(step.steps):
                        setup = inner.setup or (step.setup if number == 1 and m == 0 else None)
                        opens = m == 0 and (number == 1 or step.rest is None)
                        mine.append(Unit(section, i, side, inner, setup, where, opens=opens))
            if not mine:  # a section whose included blocks are empty
                continue
            mine[0] = replace(mine[0], setup=mine[0].setup or section.setup, first=True)
            mine[-1] = replace(mine[-1], last=True)
            out.extend(mine)
    return out


def performed_steps(routine: Routine) -> list[Step]:
    """Steps in the order performed, sides and rounds expanded; index = ``Event.step``."""
    return [unit.step for unit in performed_units(routine)]
