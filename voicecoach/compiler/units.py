"""The order a session is performed in: one place, read by the compiler and the lint.

A unit is one step as performed: each step of a sided section is performed once per side.
The unit's index in ``performed_units`` is the step number events carry
(``Event.step``), so the hands-free lint (``compiler/handsfree.py``) finds a step's events by the
same numbering the compiler gave them. This module imports nothing from the rest of the
compiler, so the lint can use it without importing the compiler back.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..routine import Routine, Section, Step, Text


@dataclass(frozen=True)
class Unit:
    """One step as performed: in its section, on one side, with what to set up first."""

    section: Section
    side_index: int
    side: str | None
    step: Step
    setup: Text | None


def performed_units(routine: Routine) -> list[Unit]:
    """The session as performed, step by step, each side expanded; index = ``Event.step``.

    A unit's ``setup`` is the step's own, or the section's for the section's first step.
    """
    out = []
    for section in routine.sections:
        for i, side in enumerate(section.sides or (None,)):
            for n, step in enumerate(section.steps):
                setup = step.setup or (section.setup if n == 0 else None)
                out.append(Unit(section, i, side, step, setup))
    return out


def performed_steps(routine: Routine) -> list[Step]:
    """Steps in the order performed, sides expanded; index = ``Event.step``."""
    return [unit.step for unit in performed_units(routine)]
