"""The hands-free lint: can a listener with eyes closed follow this timeline?

It checks properties of a compiled timeline against the routine's ``hands_free`` limits
(defaults: at most 20 s of silence, 5 s to get into position, halfway cues on holds from
20 s, countdowns from 10 s). ``validate`` and ``build`` print its findings as warnings;
``--strict`` makes them errors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from itertools import pairwise

from ..model import Detail, Diagnostic, Event, Timeline, samples, seconds
from ..routine import Hold, Pause, Routine
from ..timing import clock
from . import words
from .units import performed_steps


def lint(
    routine: Routine,
    timeline: Timeline,
    spans: Mapping[int, tuple[int, int]] | None = None,
    detail: Detail = "full",
) -> list[Diagnostic]:
    """Everything that would leave a listener without a cue, lost, or unprepared.

    ``detail`` is the level the timeline was laid out at. A ``brief`` session leaves
    "coming up" lines out, so a position change is carried by the step's own instruction
    (said in full the first time) and is not asked to be announced beforehand. A
    ``minimal`` session is for a listener who knows the routine, so it is not asked for
    instructions, lead-ins, halfway cues or a section's spoken end either, only for the
    structure (silence, countdowns, announced chapters, the end).

    ``spans`` (from the compiler) says where each hold's timer and each pause ran, by
    performed step, so messages name their real lengths; without it they are read from
    the hold's cues.
    """
    spans = spans or {}
    limits = routine.hands_free
    out: list[Diagnostic] = []

    def warn(location: object, message: str, hint: str = "") -> None:
        found = Diagnostic(str(location), f"hands-free: {message}", hint=hint)
        if found not in out:
            out.append(found)

    events = timeline.events
    limit = samples(limits.max_silence_s)
    for a, b in pairwise(events):
        if b.start_sample - a.end_sample > limit:
            warn(
                routine.location,
                f"{seconds(b.start_sample - a.end_sample):.0f} s of silence at "
                f"{clock(a.end_s)} with no cue (the limit is {limits.max_silence_s:g} s)",
            )

    by_step: dict[int, list[Event]] = defaultdict(list)
    for e in events:
        if e.step is not None:
            by_step[e.step].append(e)
    for index, step in enumerate(performed_steps(routine)):
        mine = by_step.get(index, [])
        cues = {e.cue for e in mine}
        structure_only = detail == "minimal"
        if step.setup is not None and detail == "full" and "next" not in _cues_before(events, mine):
            warn(step.location, "the tool or position change is not announced beforehand")
        span = spans.get(index)
        if isinstance(step, Pause) and span and not step.silent:
            pause_s = seconds(span[1] - span[0])
            if pause_s > limits.max_silence_s:
                warn(
                    step.location,
                    f"a {pause_s:.0f} s pause with nothing said (the limit is "
                    f"{limits.max_silence_s:g} s); say what to do, or mark it `silent: true` "
                    "if the quiet is intended",
                )
        if not isinstance(step, Hold):
            continue
        if structure_only:
            pass
        elif step.text is None:
            warn(step.location, "a hold without a spoken instruction: say what to do")
        elif step.lead_in_s < limits.lead_in_s:
            warn(
                step.location,
                f"only {step.lead_in_s:g} s to get into position after the instruction "
                f"(at least {limits.lead_in_s:g} s; set `lead_in`)",
                f"give this hold `lead_in: {limits.lead_in_s:g}s`; or, if {step.lead_in_s:g} s "
                "is enough for this routine, lower the limit at the top of the file: "
                f"`hands_free: {{lead_in: {step.lead_in_s:g}s}}`",
            )
        length = seconds(span[1] - span[0]) if span else _hold_length(mine)
        wants_halfway = step.halfway is not None or step.halfway_auto
        wants_halfway = wants_halfway and not structure_only
        if length >= limits.halfway_from_s and wants_halfway and "halfway" not in cues:
            warn(step.location, f"a {length:.0f} s hold has no halfway cue (no room for it)")
        if length >= limits.countdown_from_s and "countdown" not in cues:
            warn(step.location, f"a {length:.0f} s hold has no countdown (set `countdown: 3`)")

    for chapter in timeline.chapters[1:]:
        at = [e for e in events if 0 <= e.start_sample - chapter.start_sample < samples(5)]
        if not any(e.kind == "chime" for e in at) or not any(e.kind == "speech" for e in at):
            warn(routine.location, f"{chapter.title!r} starts without a chime and announcement")
    for section in routine.sections if detail != "minimal" else ():
        if section.sides and not any(
            e.cue == "section_done" and e.section == section.title for e in events
        ):
            warn(section.location, f"the end of {section.title!r} is not announced")
    if not routine.safety:
        warn(routine.location, "no safety notes are spoken at the start (add `safety:`)")
    if not events or events[-1].cue != "outro":
        warn(routine.location, "the session has no clear spoken end")
    for found in words.check(routine, timeline, spans, detail):
        warn(found.location, found.message)
    return out


def _cues_before(events: tuple[Event, ...], mine: list[Event]) -> set[str | None]:
    """Cues of the few events just before a step begins (its announcement, if any)."""
    if not mine:
        return set()
    first = mine[0]
    index = events.index(first)
    window = events[max(0, index - 12) : index + 1]
    return {e.cue for e in window if first.start_sample - e.start_sample < samples(120)}


def _hold_length(mine: list[Event]) -> float:
    """A hold's timer length: from its start cue (or first event) to its last countdown."""
    start = next((e.start_sample for e in mine if e.cue == "start"), None)
    if start is None:
        return 0.0
    countdown = [e for e in mine if e.cue == "countdown"]
    end = countdown[-1].start_sample + samples(1) if countdown else max(e.end_sample for e in mine)
    return seconds(end - start)
