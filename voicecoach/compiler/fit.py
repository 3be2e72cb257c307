"""Length fitting: where ranges sit so a session lands on a ``--length``.

A routine's durations and counts are ranges; a pace places them, and a target length
moves them. ``length_range`` names the shortest and longest session one can ask for;
``fit_length`` searches range positions (durations continuously, counts in whole steps)
by running ``Layout`` passes until one lands within ``LENGTH_TOLERANCE_S``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from ..errors import RoutineError, UserError
from ..model import Detail, Diagnostic
from ..routine import Routine, clean_client_name
from ..timing import clock
from .layout import Layout, Pass
from .measure import Estimate, Measure

#: Pace: where ranges sit without --length (0 = shortest, 1 = longest) and a gap scale.
PACES = {"gentle": (0.85, 1.4), "normal": (0.5, 1.0), "brisk": (0.15, 0.7)}
LENGTH_TOLERANCE_S = 2.0


def length_range(
    routine: Routine,
    measure: Measure | None = None,
    *,
    seed: int | None = None,
    pace: str = "normal",
    client: str | None = None,
    detail: Detail = "full",
) -> tuple[float, float]:
    """The shortest and longest session ``length_s`` can ask for: what ``--length`` accepts.

    Every range at its low end, then at its high end, with the pace's gaps, less the
    estimates' possible error (``Measure.uncertain_s``); the out-of-reach error names the
    same two numbers, and a target up to ``LENGTH_TOLERANCE_S`` outside is still reached.
    """
    measure = measure or Estimate(routine.voice.rate)
    seed = routine.seed if seed is None else seed
    if pace not in PACES:
        raise UserError(f"unknown pace {pace!r}", f"use --pace {'|'.join(PACES)}")
    client = clean_client_name(client) if client else None
    return _reach(measure, *_extremes(routine, measure, seed, PACES[pace][1], client, detail))


def _extremes(
    routine: Routine,
    measure: Measure,
    seed: int,
    gap_scale: float,
    client: str | None,
    detail: Detail = "full",
) -> tuple[Pass, Pass]:
    """Passes with every range at its low end and at its high end."""

    def run(t: float) -> Pass:
        return Layout(routine, measure, seed, t, t, gap_scale, client, detail).run()

    return run(0.0), run(1.0)


def _reach(measure: Measure, shortest: Pass, longest: Pass) -> tuple[float, float]:
    return (
        shortest.duration_s + measure.uncertain_s(shortest.timeline),
        longest.duration_s - measure.uncertain_s(longest.timeline),
    )


def fit_length(
    routine: Routine,
    measure: Measure,
    seed: int,
    target_s: float,
    gap_scale: float,
    client: str | None,
    out_of_reach: Literal["error", "nearest"] = "error",
    detail: Detail = "full",
) -> Pass:
    """Finds range positions (durations and counts) whose total lands on ``target_s``.

    When whole counts (rounds, repetitions) cannot land within the tolerance, the closest
    pass carries a diagnostic saying so.
    """

    def run(t_count: float, t_time: float) -> Pass:
        return Layout(routine, measure, seed, t_count, t_time, gap_scale, client, detail).run()

    shortest, longest = _extremes(routine, measure, seed, gap_scale, client, detail)
    low_s, high_s = _reach(measure, shortest, longest)
    if out_of_reach == "nearest":
        target_s = min(max(target_s, shortest.duration_s), longest.duration_s)
    elif not low_s - LENGTH_TOLERANCE_S <= target_s <= high_s + LENGTH_TOLERANCE_S:
        raise RoutineError(
            routine.location,
            f"a length of {clock(target_s)} is out of reach: this routine lasts between "
            f"{clock(low_s)} and {clock(high_s)}",
            "pick a --length in that range, or change the ranges in the routine",
        )

    def search(fn: Callable[[float], Pass]) -> Pass:
        lo, hi = 0.0, 1.0
        best = fn(0.5)
        for _ in range(30):
            mid = (lo + hi) / 2
            timeline = fn(mid)
            if abs(timeline.duration_s - target_s) < abs(best.duration_s - target_s):
                best = timeline
            if timeline.duration_s < target_s:
                lo = mid
            else:
                hi = mid
            if abs(best.duration_s - target_s) <= 0.05:
                break
        return best

    best = search(lambda t: run(t, t))
    if abs(best.duration_s - target_s) <= LENGTH_TOLERANCE_S:
        return best
    # Counts move in whole repetitions; settle them, then tune durations continuously.
    for step in range(21):
        t_count = step / 20
        candidate = search(functools.partial(run, t_count))
        if abs(candidate.duration_s - target_s) < abs(best.duration_s - target_s):
            best = candidate
        if abs(best.duration_s - target_s) <= LENGTH_TOLERANCE_S:
            break
    if abs(best.duration_s - target_s) > LENGTH_TOLERANCE_S:
        miss = Diagnostic(
            str(routine.location),
            f"--length {clock(target_s)}: the closest this routine comes is "
            f"{clock(best.duration_s)} (rounds and repetitions change in whole steps)",
        )
        timeline = best.timeline
        best = replace(best, timeline=replace(timeline, diagnostics=(*timeline.diagnostics, miss)))
    return best
