"""The compiler: golden timelines, length targeting, and invariants over generated routines."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from voicecoach.compiler import (
    LENGTH_TOLERANCE_S,
    Estimate,
    Measured,
    compile_routine,
    performed_steps,
    performed_units,
    rounds_at,
)
from voicecoach.errors import RoutineError, RoutineErrors
from voicecoach.model import SAMPLE_RATE, Timeline, samples
from voicecoach.phrases import Phrases
from voicecoach.routine import Hold, Routine, builtin_ids, load_routine, parse_routine

from .conftest import DATA, MINIMAL, check_golden

EXAMPLES = sorted((DATA / "routines").glob("*.yaml"))
GOLDEN = DATA / "golden"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_timelines_match_golden(path: Path) -> None:
    timeline = compile_routine(load_routine(str(path)))
    check_golden(path.with_suffix(".timeline.json"), timeline.to_json())


def test_a_missing_golden_fails_and_is_not_written(tmp_path: Path) -> None:
    missing = tmp_path / "new.timeline.json"
    with pytest.raises(pytest.fail.Exception, match="--update-goldens"):
        check_golden(missing, {"events": []})
    assert not missing.exists()


@pytest.mark.parametrize("rid", builtin_ids())
def test_builtin_timelines_match_golden(rid: str) -> None:
    timeline = compile_routine(load_routine(rid))
    check_golden(GOLDEN / f"{rid}.timeline.json", timeline.to_json())
    assert_invariants(timeline)
    assert not timeline.diagnostics, [str(d) for d in timeline.diagnostics]


def test_builtin_lengths() -> None:
    minutes = {rid: compile_routine(load_routine(rid)).duration_s / 60 for rid in builtin_ids()}
    assert 15 <= minutes["hamstring-release"] <= 20, minutes
    assert 4 <= minutes["hamstring-quick"] <= 6.5, minutes


def assert_invariants(timeline: Timeline) -> None:
    """What every timeline promises, whatever the routine."""
    events = timeline.events
    starts = [e.start_sample for e in events]
    assert starts == sorted(starts), "events are sorted"
    for a, b in pairwise(events):
        assert b.start_sample >= a.end_sample, f"{a} overlaps {b}"
    for e in events:
        assert e.end_sample > e.start_sample
        assert (e.text is not None) == (e.kind == "speech")
    countdown = [e for e in events if e.cue == "countdown"]
    for a, b in pairwise(countdown):
        if b.step == a.step and b.side == a.side:
            assert b.start_sample - a.start_sample == SAMPLE_RATE, "countdown on the second"
    assert timeline.duration_sample == max(e.end_sample for e in events) + samples(2.0)
    chapter_starts = [c.start_sample for c in timeline.chapters]
    assert chapter_starts == sorted(chapter_starts) and chapter_starts[0] == 0


def test_hold_timer_starts_after_instruction_and_lead_in() -> None:
    timeline = compile_routine(parse_routine(MINIMAL, "tiny.yaml"))
    instruction = next(e for e in timeline.events if e.text == "Press the ball into the thigh.")
    start = next(e for e in timeline.events if e.cue == "start")
    assert start.start_sample == instruction.end_sample + samples(2.0)
    countdown = [e for e in timeline.events if e.cue == "countdown"]
    assert [e.text for e in countdown] == ["Three", "Two", "One"]
    assert countdown[-1].start_sample == start.start_sample + samples(12) - SAMPLE_RATE


def test_measured_lengths_move_events_exactly() -> None:
    routine = parse_routine(MINIMAL, "tiny.yaml")
    planned = compile_routine(routine)
    lengths = {e.text: 12345 for e in planned.events if e.text}
    exact = compile_routine(routine, Measured(lengths, {"chime": 1000, "start": 500}))
    for e in exact.events:
        if e.kind == "speech":
            assert e.end_sample - e.start_sample == 12345


def test_countdown_wins_over_halfway_which_wins_over_breathing() -> None:
    text = MINIMAL.replace("hold: 12s", "hold: 20s").replace(
        "lead_in: 2s", "lead_in: 2s\n        countdown: 10"
    )
    # A 20 s hold with a 10 s countdown: halfway wants to sit where the countdown begins.
    timeline = compile_routine(parse_routine(text, "t.yaml"))
    cues = [
        e for e in timeline.events if e.step == 1 and e.cue in ("countdown", "halfway", "breath")
    ]
    countdown_start = min(e.start_sample for e in cues if e.cue == "countdown")
    assert len([e for e in cues if e.cue == "countdown"]) == 10
    for e in cues:
        if e.cue != "countdown":
            assert e.end_sample <= countdown_start
    assert_invariants(timeline)


def test_length_target_is_met_within_two_seconds() -> None:
    routine = load_routine("hamstring-release")
    for minutes in (15, 17.5, 20):
        timeline = compile_routine(routine, length_s=minutes * 60)
        assert abs(timeline.duration_s - minutes * 60) <= 2.0, (minutes, timeline.duration_s)
        assert_invariants(timeline)


def test_unreachable_length_names_the_possible_range() -> None:
    routine = parse_routine(MINIMAL, "tiny.yaml")
    with pytest.raises(
        RoutineError, match=r"out of reach: this routine lasts between \d+:\d\d and"
    ):
        compile_routine(routine, length_s=3600)


def test_sessions_over_twelve_hours_are_refused() -> None:
    text = (
        MINIMAL + "      - repeat: 200\n        each: 2m\n      - repeat: 200\n        each: 2m\n"
    )
    # Refused as the routine is read, at the step that passes 12 hours (before 400 counts
    # are unrolled); the compiler refuses what only its measured lengths show.
    with pytest.raises(RoutineErrors) as info:
        parse_routine(text, "long.yaml")
    [error] = info.value.errors
    assert (error.line, error.column) == (14, 9)  # the second repeat
    assert "lasts at least 13:" in error.message and "limit is 12 hours" in error.message
    speech = MINIMAL + "".join(f"      - say: {'Long line. ' * 60}\n" for _ in range(1300))
    with pytest.raises(RoutineError, match="limit is 12 hours"):
        compile_routine(parse_routine(speech, "talk.yaml"))


def test_seed_varies_wording_but_rebuilds_repeat() -> None:
    text = MINIMAL.replace("say: Hello there.", "say: [Hello there., Hi there., Welcome.]")
    routine = parse_routine(text, "v.yaml")
    first = compile_routine(routine, seed=1).to_json()
    assert compile_routine(routine, seed=1).to_json() == first
    wordings = {
        next(e.text for e in compile_routine(routine, seed=s).events if e.cue == "instruction")
        for s in range(12)
    }
    assert len(wordings) > 1


def test_fit_warning_when_instruction_outlasts_its_hold() -> None:
    long_line = "Press " + "very " * 30 + "slowly."
    text = MINIMAL.replace("say: Press the ball into the thigh.", f"say: {long_line}")
    text = text.replace("hold: 12s", "hold: 5s")
    timeline = compile_routine(parse_routine(text, "fit.yaml"))
    (warning,) = [d for d in timeline.diagnostics if "longer than the hold" in d.message]
    assert warning.location == "fit.yaml:9:9"
    assert warning.overflow_s > 0


def test_then_lines_are_said_in_order_spread_across_the_hold() -> None:
    text = MINIMAL.replace("hold: 12s", "hold: 90s").replace(
        "lead_in: 2s",
        "lead_in: 2s\n        then: [First move., Second move., Third move.]"
        "\n        encourage: {every: 5s, say: Keep going.}",
    )
    timeline = compile_routine(parse_routine(text, "then.yaml"))
    start = next(e for e in timeline.events if e.cue == "start").start_sample
    lines = [e for e in timeline.events if e.cue == "then"]
    assert [e.text for e in lines] == ["First move.", "Second move.", "Third move."]
    countdown = min(e.start_sample for e in timeline.events if e.cue == "countdown")
    share = (countdown - start) // 3
    assert lines[1].start_sample == start + share and lines[2].start_sample == start + 2 * share
    assert lines[0].start_sample >= start and lines[-1].end_sample <= countdown
    # They win over encouragement and breathing, which took the places left around them.
    assert any(e.cue == "encourage" for e in timeline.events)
    assert any(e.cue == "breath" for e in timeline.events)
    assert not [d for d in timeline.diagnostics if "then" in d.message]
    assert_invariants(timeline)


def test_then_lines_that_cannot_fit_are_reported_at_their_line() -> None:
    lines = ", ".join(f"Move number {n} with a long explanation of it." for n in range(6))
    text = MINIMAL.replace("lead_in: 2s", f"lead_in: 2s\n        then: [{lines}]")
    timeline = compile_routine(parse_routine(text, "crowded.yaml"))
    said = [e.text for e in timeline.events if e.cue == "then"]
    dropped = [d for d in timeline.diagnostics if "`then` line" in d.message]
    assert said and dropped and len(said) + len(dropped) == 6
    assert all(d.location.startswith("crowded.yaml:12:") for d in dropped)
    assert len({d.location for d in dropped}) == len(dropped), "each at its own line's column"
    assert said == sorted(said), "the lines that fit keep their order"


def _example(stem: str) -> Routine:
    return load_routine(str(DATA / "routines" / f"{stem}.yaml"))


def test_rests_name_the_next_exercise_across_rounds_sides_and_sections() -> None:
    timeline = compile_routine(_example("rest-boundaries"))
    right = "Rest. Next: lunge onto the right leg, twenty seconds."
    left = "Rest. Next: lunge onto the left leg, twenty seconds."
    plank = "Rest. Next: plank on your forearms, twenty-five seconds."
    rests = [e for e in timeline.events if e.cue == "rest"]
    assert [e.text for e in rests] == [right, left, left, left, plank, plank, "Rest."]
    for rest in rests:
        countdown = [e for e in timeline.events if e.step == rest.step and e.cue == "countdown"]
        assert [e.text for e in countdown] == ["Three", "Two", "One"]
        assert countdown[0].start_sample >= rest.end_sample
    assert_invariants(timeline)


def test_each_round_is_a_chapter_opened_by_a_chime_and_its_number() -> None:
    timeline = compile_routine(_example("w2a-workout"))
    titles = [c.title for c in timeline.chapters]
    rounds = [f"Main set, round {n} of 3" for n in (1, 2, 3)]
    assert titles == ["Introduction", "Warm-up", *rounds, "Cool-down"]
    for n, chapter in enumerate(timeline.chapters[2:5], start=1):
        opening = [e for e in timeline.events if e.start_sample >= chapter.start_sample][:3]
        assert opening[0].kind == "chime"
        assert f"Round {n} of 3." in [e.text for e in opening]
    # Each round's steps are steps of their own: three instructions, three step numbers.
    jacks = [e.step for e in timeline.events if e.text == "Jumping jacks."]
    assert len(jacks) == 3 and len(set(jacks)) == 3
    assert not timeline.diagnostics, [str(d) for d in timeline.diagnostics]


ROUNDS_ONLY = """\
format: voicecoach/1
id: rounds-only
title: Rounds only
intro: This takes {length}.
safety: [Stop on sharp pain.]
sections:
  - title: Circuit
    steps:
      - rounds: 2-4
        rest: 15s
        steps:
          - {hold: 30s, say: Jumping jacks.}
          - {rest: 10s}
          - {hold: 30s, say: Push-ups.}
"""


def test_length_fits_a_routine_whose_only_range_is_rounds() -> None:
    routine = parse_routine(ROUNDS_ONLY, "rounds.yaml")
    lengths = {
        n: compile_routine(
            parse_routine(ROUNDS_ONLY.replace("rounds: 2-4", f"rounds: {n}"), "fixed.yaml")
        ).duration_s
        for n in (2, 3, 4)
    }
    for n, length in lengths.items():
        timeline = compile_routine(routine, length_s=length)
        assert abs(timeline.duration_s - length) <= LENGTH_TOLERANCE_S
        said = [e.text for e in timeline.events if e.cue == "round" and e.kind == "speech"]
        assert said == [f"Round {k} of {n}." for k in range(1, n + 1)]
        assert timeline.chapters[-1].title == f"Circuit, round {n} of {n}"
        assert not [d for d in timeline.diagnostics if "--length" in d.message]
        performed = performed_units(rounds_at(routine, timeline.count_position))
        assert len(performed) == 1 + max(e.step for e in timeline.events if e.step is not None)
        assert {u.round.total for u in performed if u.round} == {n}, "the timeline's rounds"
        intro = timeline.events[1].text
        assert intro == f"This takes {Phrases('en', 0).duration(timeline.duration_s)}."
        assert_invariants(timeline)
    between = compile_routine(routine, length_s=(lengths[2] + lengths[3]) / 2)
    (miss,) = [d for d in between.diagnostics if "--length" in d.message]
    assert "the closest this routine comes is" in miss.message
    with pytest.raises(RoutineError, match="out of reach"):
        compile_routine(routine, length_s=lengths[4] + 60)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "has six exercises and takes six minutes; four minutes of it is work."),
        ("es", "tiene seis ejercicios y dura seis minutos; cuatro minutos son de trabajo."),
        ("de", "hat sechs Übungen und dauert sechs Minuten; vier Minuten davon ist Arbeit."),
    ],
)
def test_intro_totals_are_spoken_as_words_of_the_routines_language(
    language: str, words: str
) -> None:
    timeline = compile_routine(_example(f"totals-{language}"))
    intro = timeline.events[1]
    assert intro.cue == "intro" and intro.text is not None and intro.text.endswith(words)
    assert round(timeline.duration_s / 60) == 6  # six minutes, honestly
    # work: three rounds of a 40 s hold and 8 x 4 s repeats = 216 s, about four minutes
    assert intro.end_sample + samples(0.6) == timeline.events[2].start_sample


def test_intro_length_is_settled_with_measured_speech() -> None:
    routine = parse_routine(ROUNDS_ONLY.replace("rounds: 2-4", "rounds: 3"), "m.yaml")
    planned = compile_routine(routine)
    slow = {
        e.text: (5 if e.cue in ("instruction", "rest") else 1) * (e.end_sample - e.start_sample)
        for e in planned.events
        if e.text
    }
    exact = compile_routine(routine, Measured(slow, {}))
    intro = exact.events[1].text
    assert intro == f"This takes {Phrases('en', 0).duration(exact.duration_s)}."
    assert exact.duration_s > planned.duration_s + 20
    assert intro != planned.events[1].text, "the longer session says a longer length"
    assert_invariants(exact)


# -- invariants over generated routines -------------------------------------------------------

durations = st.one_of(
    st.integers(1, 90).map(str),
    st.tuples(st.integers(1, 40), st.integers(0, 40)).map(lambda t: f"{t[0]}-{t[0] + t[1]}s"),
)
texts = st.sampled_from(
    ["Roll slowly.", "Breathe and relax into the roller.", "Press.", "Ease off."]
)
steps = st.one_of(
    st.builds(lambda t: {"say": t}, texts),
    st.builds(lambda d: {"pause": d}, durations),
    st.builds(
        lambda d, t, c, g, h, then: {
            "hold": d,
            "say": t,
            "countdown": c,
            "breathing": {"guide": g},
            "halfway": h,
            **({"then": then} if then else {}),
        },
        st.integers(12, 120).map(lambda s: f"{s}s"),
        texts,
        st.integers(0, 5),
        st.sampled_from(["spoken", "tones", "none"]),
        st.booleans(),
        st.lists(st.sampled_from(["Move one.", "Now the second move.", "Last move."]), max_size=4),
    ),
    st.builds(
        lambda n, e, aloud: {"repeat": n, "each": f"{e}s", "count": aloud},
        st.integers(1, 12),
        st.integers(2, 8),
        st.booleans(),
    ),
    st.just({"chime": "bell"}),
    st.builds(lambda d: {"rest": d}, st.sampled_from(["2s", "5s", "10s", "5-20s"])),
)
steps = st.one_of(
    steps,
    st.builds(
        lambda n, rest, body: {"rounds": n, **({"rest": rest} if rest else {}), "steps": body},
        st.sampled_from([1, 2, 3, "1-3"]),
        st.sampled_from([None, "5s", "20s"]),
        st.lists(steps, min_size=1, max_size=3),
    ),
)
sections = st.lists(
    st.builds(
        lambda title, sided, body: {
            "title": title,
            **({"sides": ["right", "left"]} if sided else {}),
            "steps": body,
        },
        st.sampled_from(["Warm-up", "Roller", "Ball"]),
        st.booleans(),
        st.lists(steps, min_size=1, max_size=5),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sections=sections,
    gap=st.sampled_from(["0.5s", "1s", "2s"]),
    rate=st.integers(100, 220),
    totals=st.booleans(),
    length=st.sampled_from([None, 0.95, 1.05]),
)
def test_generated_routines_keep_the_invariants(
    sections: list, gap: str, rate: int, totals: bool, length: float | None
) -> None:
    doc = {
        "format": "voicecoach/1",
        "id": "gen",
        "title": "Generated",
        "gap": gap,
        "voice": {"rate": rate},
        "safety": ["Stop on sharp pain."],
        "sections": sections,
        **({"intro": "{steps} exercises in {length}; {work} of work."} if totals else {}),
    }
    routine = parse_routine(yaml.safe_dump(doc), "gen.yaml")
    timeline = compile_routine(routine, Estimate(rate))
    if length is not None:  # fitted a little shorter or longer, when ranges allow it
        try:
            target = timeline.duration_s * length
            timeline = compile_routine(routine, Estimate(rate), length_s=target)
        except RoutineError as exc:
            assume("out of reach" not in str(exc))
            raise
    assert_invariants(timeline)
    if length is None:  # at the normal pace, ranges (and so round counts) sit at 0.5
        assert_then_honest(rounds_at(routine, 0.5), timeline)
    assert_rests_honest(timeline)
    if totals:
        said = timeline.events[1].text or ""
        words = {Phrases("en", 0).duration(timeline.duration_s + k) for k in range(-31, 32)}
        assert any(f" in {w};" in said for w in words), (said, timeline.duration_s)
    json.dumps(timeline.to_json())


def assert_rests_honest(timeline: Timeline) -> None:
    """A rest names an exercise whose instruction follows it (or says just "Rest."), and
    counts down into it."""
    events = timeline.events
    for i, rest in enumerate(events):
        if rest.cue != "rest" or rest.text == "Rest.":
            continue
        named = (rest.text or "").removeprefix("Rest. Next: ").rsplit(",", 1)[0]
        later = {(e.text or "").rstrip(".").lower() for e in events[i:] if e.cue == "instruction"}
        assert named.lower() in later, rest


def assert_then_honest(routine: Routine, timeline: Timeline) -> None:
    """Every hold's ``then`` lines are said in order, and each one left out is reported."""
    reported = {d.location for d in timeline.diagnostics if "`then` line" in d.message}
    for index, step in enumerate(performed_steps(routine)):
        if not isinstance(step, Hold) or not step.then:
            continue
        said = [e.text for e in timeline.events if e.step == index and e.cue == "then"]
        written = [line.options[0] for line in step.then]
        it = iter(written)
        assert all(text in it for text in said), f"then lines out of order: {said}"
        if len(said) < len(written):
            locations = {str(line.location) for line in step.then}
            assert locations & reported, "a dropped line is reported"


def test_a_rest_too_short_for_its_announcement_and_countdown_says_so() -> None:
    text = ROUNDS_ONLY.replace("rounds: 2-4", "rounds: 2").replace("{rest: 10s}", "{rest: 5s}")
    timeline = compile_routine(parse_routine(text, "short.yaml"))
    (warning,) = {
        d.message for d in timeline.diagnostics if "no room for its countdown" in d.message
    }
    assert "the rest (5 s)" in warning
    short = [e.step for e in timeline.events if e.cue == "rest" and "push-ups" in (e.text or "")]
    assert len(short) == 2
    assert not [e for e in timeline.events if e.cue == "countdown" and e.step in short]
