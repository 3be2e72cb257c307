"""What the share page needs to follow the person on the floor: steps that wait for them
and the phases of guided breaths.

Kept apart from ``page.py`` (which lays the page out) so each can be read alone: these
rows are the ``waits`` and ``breath`` of the page's JSON data, read by page.js.
"""

from __future__ import annotations

from ..model import SAMPLE_RATE, Timeline, seconds
from ..phrases import Phrases
from ..timing import tone_s

#: Phrase keys of the spoken breath phases, and the phase each one says.
_SPOKEN_PHASES = {
    "breath_phase_in": "in",
    "breath_phase_hold": "hold",
    "breath_phase_out": "out",
    "breath_phase_hold_out": "rest",
    "breathe_in": "in",
    "breathe_out": "out",
}


def wait_rows(timeline: Timeline) -> list[list[object]]:
    """``[start_s, at_s, count, cap_s, prompt]`` per wait (``Timeline.waits``).

    The page pauses at ``at_s`` for an ``until: ready`` step (after its spoken prompt,
    shown as the button's text), or at ``start_s`` to count taps up to ``count``.
    """
    prompts = {e.step: e.text for e in timeline.events if e.cue == "ready"}
    return [
        [seconds(w.start_sample), seconds(w.at_sample), w.count, w.cap_s,
         prompts.get(w.step) or ""]
        for w in timeline.waits
    ]  # fmt: skip


def breath_rows(timeline: Timeline) -> list[list[object]]:
    """``[start_s, end_s, phase]`` for every guided breath phase (in, hold, out, rest).

    A phase lasts until the next one of the same step begins; the last one of a step
    until its own tone or word ends. Tones name their phase; spoken phases are known by
    the language's breath phrases.
    """
    words: dict[str, str] = {}
    table = Phrases(timeline.language, 0)
    for key, phase in _SPOKEN_PHASES.items():
        for option in table.options(key):
            words.setdefault(option, phase)
    found: list[tuple[int, int, int | None, str]] = []
    for e in timeline.events:
        if e.cue != "breath":
            continue
        tone = tone_s(e.sound) if e.sound else None
        if tone is not None:
            phase = tone[0]
        elif e.kind == "breath_in":
            phase = "in"
        elif e.kind == "breath_out":
            phase = "out"
        else:
            phase = words.get(e.text or "", "")
        if phase:
            found.append((e.start_sample, e.end_sample, e.step, phase))
    rows = []
    for i, (start, end, step, phase) in enumerate(found):
        following = found[i + 1] if i + 1 < len(found) else None
        if following is not None and following[2] == step:
            end = max(end, following[0])
        else:
            end += round(0.3 * SAMPLE_RATE)
        rows.append([seconds(start), seconds(end), phase])
    return rows
