"""Soft pace ticks: no silence outlasts the routine's ``max_silence``.

A listener with eyes closed must never wonder whether the session still runs; the layout
pass (``layout.py``) adds these ticks to the sorted events of a finished session.
"""

from __future__ import annotations

from ..model import Event, samples


def pace_ticks(events: list[Event], limit: int, tick: int) -> list[Event]:
    """``events`` (sorted) with ticks spread evenly in every silence longer than ``limit``
    samples; a tick lasts ``tick`` samples and belongs to the event before it."""
    out: list[Event] = []
    for event, following in zip(events, [*events[1:], None], strict=True):
        out.append(event)
        if following is None or following.start_sample - event.end_sample <= limit:
            continue
        gap = following.start_sample - event.end_sample
        count = -(-gap // (limit - tick - samples(1))) - 1
        spacing = gap // (count + 1)
        for k in range(1, count + 1):
            at = event.end_sample + k * spacing
            out.append(
                Event(at, at + tick, "tick", sound="tick", section=event.section,
                      side=event.side, cue="pace", step=event.step, line=event.line)
            )  # fmt: skip
    return sorted(out, key=lambda e: (e.start_sample, e.kind != "speech"))
