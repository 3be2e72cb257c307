"""A ``breathe`` step's breaths: where each phase of each breath starts, said or toned.

The first ``spoken`` breaths are said by phase ("In...", "hold...", "and out."), the rest
guided by tones that rise on the inhale, stay on a held breath and fall on the exhale
(``cues.Phase.tone``), each on the exact sample its phase begins. A length gives as many
whole breaths as fit in it. Brief sessions say one breath, minimal ones none. Pure: the
layout pass (``layout.py``) turns the plan into events.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Detail, samples
from ..routine import Breathe
from .cues import Phase, breath_phases


@dataclass(frozen=True)
class BreathPlan:
    """Every phase as (start sample, breath number, phase, spoken?), and where it ends."""

    phases: tuple[tuple[int, int, Phase, bool], ...]
    end: int


def breath_plan(step: Breathe, start: int, t_time: float, level: Detail) -> BreathPlan:
    """The breaths of ``step`` from ``start``, its length at range position ``t_time``."""
    phases = breath_phases(step.pattern)
    cycle = sum(p.length for p in phases)
    if step.cycles:
        count = step.cycles
    else:
        assert step.duration is not None
        count = max(1, samples(step.duration.at(t_time)) // cycle)
    said = {"full": step.spoken, "brief": min(step.spoken, 1), "minimal": 0}[level]
    out = [(start + k * cycle + p.offset, k, p, k < said) for k in range(count) for p in phases]
    return BreathPlan(tuple(out), start + count * cycle)
