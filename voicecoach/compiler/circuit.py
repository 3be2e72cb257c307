"""What rounds, rests and the intro's totals say: pure wording from the performed units.

Part of the compiler stage, beside ``cues.py``: ``layout.py`` decides *when* these lines
are spoken; this module decides *what* they say, from the performed units (``units.py``),
the range positions of the pass and the language's phrases, so the wording can be read and
tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..phrases import Phrases
from ..routine import Hold, Repeat, Text, fill
from .units import Round, Unit


@dataclass(frozen=True)
class Wording:
    """What the wording depends on: the language, the seed, the client and range positions."""

    phrases: Phrases
    seed: int
    client: str | None
    t_count: float
    t_time: float


def round_title(w: Wording, title: str, where: Round) -> str:
    """A round's chapter: "Main set, round 2 of 3"."""
    return w.phrases.say("round_chapter", title=title, n=str(where.number), total=str(where.total))


def round_line(w: Wording, where: Round) -> str:
    """A round's announcement: "Round 2 of 3."."""
    return w.phrases.say("round", n=str(where.number), total=str(where.total))


def coming_up(w: Wording, upcoming: list[Unit]) -> str:
    """What a rest says about the units after it: "Rest. Next: push-ups, thirty seconds."

    It names the first hold or repeat among ``upcoming`` (across rounds, sides and
    sections) by the first sentence of its instruction, with its length or count; without
    one, or when it has no instruction to name it, just "Rest.".
    """
    p = w.phrases
    for unit in upcoming:
        step = unit.step
        if not isinstance(step, (Hold, Repeat)):
            continue
        if step.text is None:
            break
        text = step.text.pick(w.seed, unit.side or "")
        line = fill(text, unit.side, unit.section.sides, w.client)
        if isinstance(step, Hold):
            length = p.duration(step.duration.at(w.t_time), exact=True)
        else:
            length = p.times(round(step.count.at(w.t_count)))
        return p.say("rest_next", what=p.name(line), length=length)
    return p.say("rest")


def intro_text(w: Wording, intro: Text, units: list[Unit], length_s: float) -> str:
    """The intro with its totals filled in words: ``{steps}`` (holds and repeats
    performed), ``{length}`` (the whole session, ``length_s``) and ``{work}`` (the time
    in holds and repeats)."""
    p = w.phrases
    steps, work_s = 0, 0.0
    for unit in units:
        if isinstance(unit.step, Hold):
            steps, work_s = steps + 1, work_s + unit.step.duration.at(w.t_time)
        elif isinstance(unit.step, Repeat):
            count = round(unit.step.count.at(w.t_count))
            steps, work_s = steps + 1, work_s + count * unit.step.each_s
    totals = {"steps": p.words(steps), "length": p.duration(length_s), "work": p.duration(work_s)}
    return fill(intro.pick(w.seed), None, (), w.client, totals)
