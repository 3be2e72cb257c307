"""The compiler's pure parts: the performed order, and hold-cue planning and placement."""

from __future__ import annotations

import typing
from dataclasses import replace
from itertools import pairwise

from voicecoach.compiler import Estimate, compile_routine, performed_steps, performed_units
from voicecoach.compiler.cues import CUE_MARGIN, Cue, HoldWords, hold_cues, place
from voicecoach.model import SAMPLE_RATE, CueName, EventKind, samples
from voicecoach.phrases import Phrases
from voicecoach.routine import HandsFree, Hold, builtin_ids, load_routine, parse_routine

from .test_handsfree import SIDED

HOLD_START = samples(10)


def _hold(seconds_: float, **changes: object) -> Hold:
    routine = parse_routine(SIDED.replace("hold: 40s", f"hold: {seconds_:g}s"), "s.yaml")
    hold = routine.sections[0].steps[0]
    assert isinstance(hold, Hold)
    return replace(hold, **changes)


def _words(gentle: bool = False) -> HoldWords:
    return HoldWords(Phrases("en", 0), 0, "right", ("right", "left"), None, gentle)


def test_event_steps_follow_the_performed_order() -> None:
    """Every event's ``step`` names the unit it was spoken in: same section and side."""
    routine = parse_routine(SIDED, "s.yaml")
    units = performed_units(routine)
    assert [u.side for u in units] == ["right", "right", "left", "left"]
    assert performed_steps(routine) == [u.step for u in units]
    stepped = [e for e in compile_routine(routine).events if e.step is not None]
    assert {e.step for e in stepped} == set(range(len(units)))
    for event in stepped:
        unit = units[event.step]
        assert (event.section, event.side) == (unit.section.title, unit.side), event


def test_every_emitted_cue_and_kind_is_declared() -> None:
    cues, kinds = set(typing.get_args(CueName)), set(typing.get_args(EventKind))
    for rid in builtin_ids():
        for pace in ("gentle", "normal"):
            for event in compile_routine(load_routine(rid), pace=pace, client="Sam").events:
                assert event.cue in cues, event
                assert event.kind in kinds, event


def test_countdown_words_sit_on_the_last_seconds() -> None:
    end = HOLD_START + samples(30)
    cues = hold_cues(_hold(30, breathing=None), HOLD_START, end, _words(), HandsFree())
    countdown = [c for c in cues if c.cue == "countdown"]
    assert [c.text for c in countdown] == ["Three", "Two", "One"]
    assert [c.start_sample for c in countdown] == [end - k * SAMPLE_RATE for k in (3, 2, 1)]
    assert any(c.cue == "halfway" for c in cues), "a 30 s hold gets a halfway cue"


def test_gentle_cues_are_sounds_and_short_holds_skip_automatic_cues() -> None:
    end = HOLD_START + samples(30)
    gentle = hold_cues(_hold(30, breathing=None), HOLD_START, end, _words(True), HandsFree())
    assert {(c.cue, c.kind) for c in gentle} == {("countdown", "tick"), ("halfway", "chime")}
    short_end = HOLD_START + samples(8)
    short = hold_cues(_hold(8, breathing=None), HOLD_START, short_end, _words(), HandsFree())
    assert short == [], "an 8 s hold is under the countdown and halfway thresholds"


def test_place_keeps_cues_apart_and_clear_of_the_countdown() -> None:
    end = HOLD_START + samples(30)
    cues = hold_cues(_hold(30), HOLD_START, end, _words(), HandsFree(), next_line="Next: the ball.")
    late = Cue(1, end - samples(1.5), "tick", "encourage", sound="tick", movable=True)
    placed = place([*cues, late], HOLD_START, end, Estimate())
    spans = sorted((p.start_sample, p.end_sample, p.cue.cue) for p in placed)
    for (_, a_end, a), (b_start, _, b) in pairwise(spans):
        if "countdown" not in (a, b):
            assert b_start - a_end >= CUE_MARGIN, (a, b)
    first_count = min(p.start_sample for p in placed if p.cue.cue == "countdown")
    assert any(p.cue.cue == "next" for p in placed), "the next step is announced"
    for found in placed:
        if found.cue.cue != "countdown" and found.cue.priority < 3:
            assert found.end_sample <= first_count - CUE_MARGIN, found
    assert all(p.start_sample >= HOLD_START and p.end_sample <= end for p in placed)


def test_place_drops_what_does_not_fit_and_the_cues_that_follow_it() -> None:
    lead = Cue(0, HOLD_START, "speech", "breath", "Breathe in.")
    follower = Cue(0, samples(4), "speech", "breath", "Breathe out.", follows=lead)
    blocker = Cue(3, HOLD_START, "speech", "countdown", "Three")
    placed = place([lead, follower, blocker], HOLD_START, HOLD_START + samples(3), Estimate())
    assert [p.cue for p in placed] == [blocker]


def test_rounds_expand_into_units_and_rests_name_what_follows() -> None:
    from voicecoach.compiler import rounds_at
    from voicecoach.compiler.circuit import Wording, coming_up

    text = """\
format: voicecoach/1
id: r
title: R
sections:
  - title: Set
    steps:
      - rounds: 2-4
        rest: 10s
        setup: standing tall
        steps:
          - {hold: 30s, say: Squats. Sit back.}
          - {rest: 5s}
          - {repeat: 6, say: Lunges.}
      - rest: 5s
      - hold: 20s
"""
    routine = parse_routine(text, "r.yaml")
    assert len(performed_units(routine)) == 2 * 3 + 1 + 2, "a range counts its lowest"
    units = performed_units(rounds_at(routine, 1.0))
    assert [u.round.number for u in units if u.round and u.opens] == [1, 2, 3, 4]
    assert [type(u.step).__name__ for u in units[:7]] == [
        *["Hold", "Rest", "Repeat"],
        *["Rest", "Hold", "Rest", "Repeat"],
    ]
    assert units[0].setup is not None and all(u.setup is None for u in units[1:])
    assert units[0].first and units[-1].last and not any(u.first for u in units[1:])
    w = Wording(Phrases("en", 0), 0, None, 0.5, 0.5)
    assert coming_up(w, units[1:]) == "Rest. Next: lunges, six times."
    assert coming_up(w, units[3:]) == "Rest. Next: squats, thirty seconds."
    assert coming_up(w, units[-2:]) == "Rest.", "a hold without an instruction is not named"
    assert coming_up(w, []) == "Rest."
