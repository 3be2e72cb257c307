"""Detail levels (``--detail``): which lines a session says at ``full``, ``brief`` and
``minimal``.

One table, read by the layout pass (what it says) and the hands-free lint (what it may
ask of a session at that level), so the two cannot disagree:

- ``full`` says everything (the session as written);
- ``brief`` is for a listener who knows the routine: no encouragement, breathing guided
  only in the first hold that has it, no "coming up" lines, and an instruction already
  heard this session shortened to "Same on the left side.";
- ``minimal`` keeps section titles, side switches, start tones, rounds, countdowns and
  the end: the structure, without instructions.

A line's own ``detail:`` names the least detailed level it is still said at.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import DETAILS, CueName, Detail
from .cues import Cue

__all__ = ["DETAILS", "Detail", "keeps_cue", "kept_cues", "says_line", "title_for"]

_RANK: dict[str, int] = {"minimal": 0, "brief": 1, "full": 2}

#: Cues inside a hold each level keeps (``start`` is the start tone).
_HOLD_CUES: dict[str, frozenset[CueName]] = {
    "full": frozenset(
        ("countdown", "start", "halfway", "remaining", "next", "then", "encourage", "breath")
    ),
    "brief": frozenset(("countdown", "start", "halfway", "remaining", "then", "breath")),
    "minimal": frozenset(("countdown", "start")),
}


def says_line(level: Detail, line: str | None, default: str = "brief") -> bool:
    """Whether a line marked ``detail: line`` (``default`` when unmarked) is said at ``level``."""
    return _RANK[level] >= _RANK[line or default]


def keeps_cue(level: Detail, cue: CueName) -> bool:
    """Whether a cue inside a hold is kept at ``level``."""
    return cue in _HOLD_CUES[level]


def kept_cues(
    level: Detail, cues: list[Cue], breathed: bool, fresh_then: Callable[[int], bool]
) -> list[Cue]:
    """A hold's cues said at ``level``: at ``brief`` breathing is guided only while no
    earlier hold has been (``breathed``), and a ``then`` line only when ``fresh_then``
    (not heard before); a cue that follows one left out goes with it."""
    if level == "full":
        return cues
    out = []
    for cue in cues:
        if not keeps_cue(level, cue.cue):
            continue
        if cue.cue == "breath" and breathed:
            continue
        if cue.cue == "then" and cue.origin is not None and not fresh_then(cue.origin):
            continue
        out.append(cue)
    kept = {id(cue) for cue in out}
    return [c for c in out if c.follows is None or id(c.follows) in kept]


def title_for(title: str, level: Detail) -> str:
    """The session's title, tagged with its level when not full: "Quick release (brief)"."""
    return title if level == "full" else f"{title} ({level})"
