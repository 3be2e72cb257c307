"""Stage 2's entry point: ``compile_routine`` turns a checked Routine into a Timeline.

It picks the pace, runs one ``Layout`` pass (``layout.py``) or fits ranges to a target
length (``fit.py``), adds the hands-free lint and enforces the 12-hour limit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from ..errors import RoutineError, UserError
from ..model import DETAILS, Detail, Timeline
from ..routine import Routine, clean_client_name
from ..timing import MAX_SESSION_S, clock
from . import handsfree
from .fit import PACES, fit_length
from .layout import Layout
from .measure import Estimate, Measure
from .units import rounds_at


def compile_routine(
    routine: Routine,
    measure: Measure | None = None,
    *,
    length_s: float | None = None,
    seed: int | None = None,
    pace: str = "normal",
    client: str | None = None,
    out_of_reach: Literal["error", "nearest"] = "error",
    detail: Detail = "full",
) -> Timeline:
    """The session's timeline; with ``length_s``, ranges are chosen to land on that length.

    ``pace`` (gentle, normal, brisk) sets where ranges sit and scales the gaps; with
    ``length_s`` the gaps stay scaled and the ranges are fitted to the length. ``client``
    adds a personal greeting and fills ``{client}`` in the routine's text. ``detail``
    (full, brief, minimal) sets how much is said (``detail.py``).

    Raises ``RoutineError`` when the target length cannot be reached (naming the shortest
    and longest possible) or the session would exceed 12 hours. Where the measure
    estimates some lines, a length is only called reachable when it is so whatever the
    estimates' error (``Measure.uncertain_s``), so ``build`` delivers what ``plan`` accepted;
    ``out_of_reach="nearest"`` lands on the nearest reachable length instead (``build``,
    before it has measured its lines).
    """
    measure = measure or Estimate(routine.voice.rate)
    seed = routine.seed if seed is None else seed
    if pace not in PACES:
        raise UserError(f"unknown pace {pace!r}", f"use --pace {'|'.join(PACES)}")
    if detail not in DETAILS:
        raise UserError(f"unknown detail {detail!r}", f"use --detail {'|'.join(DETAILS)}")
    position, gap_scale = PACES[pace]
    client = clean_client_name(client) if client else None
    if length_s is None:
        layout = Layout(routine, measure, seed, position, position, gap_scale, client, detail)
        done = layout.run()
    else:
        done = fit_length(routine, measure, seed, length_s, gap_scale, client, out_of_reach, detail)
    timeline = done.timeline
    lint = handsfree.lint(rounds_at(routine, done.t_count), timeline, done.spans, detail)
    timeline = replace(timeline, diagnostics=timeline.diagnostics + tuple(lint))
    if timeline.duration_s > MAX_SESSION_S:
        raise RoutineError(
            routine.location,
            f"the session would last {clock(timeline.duration_s)}; the limit is 12 hours",
            "shorten holds or repeats, or pass a shorter --length",
        )
    return timeline
