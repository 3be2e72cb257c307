"""Detail levels (``--detail full|brief|minimal``): what each says, word budgets, the lint."""

from __future__ import annotations

import json

import pytest

from voicecoach.compiler import compile_routine
from voicecoach.model import Timeline
from voicecoach.routine import builtin_ids, load_routine, parse_routine

from .conftest import invoke

ROUTINE = """\
format: voicecoach/1
id: levels
title: Levels
equipment: [a ball]
safety: [Stop on sharp pain., Keep off the back of the knee.]
sections:
  - title: Ball
    sides: [right, left]
    setup: sitting with the ball under your {side} thigh
    steps:
      - say: Sit tall on a firm chair.
      - say: A softer ball is gentler.
        detail: full
      - say: Keep your foot flat.
        detail: minimal
      - hold: 40s
        say: Lean your {side} thigh into the ball.
        encourage: {every: 10s, say: [Nice and slow.]}
      - hold: 30s
        say: Roll the {side} thigh slowly over the ball.
      - repeat: 4
        say: Straighten the {side} knee, then bend it.
"""


def words(timeline: Timeline) -> int:
    return sum(len((e.text or "").split()) for e in timeline.events if e.kind == "speech")


def spoken(timeline: Timeline) -> list[str]:
    return [e.text or "" for e in timeline.events if e.kind == "speech"]


def hands_free(timeline: Timeline) -> list[str]:
    return [d.message for d in timeline.diagnostics if d.message.startswith("hands-free")]


@pytest.mark.parametrize("rid", builtin_ids())
def test_builtins_meet_the_word_budgets_and_pass_their_lint(rid: str) -> None:
    routine = load_routine(rid)
    full = compile_routine(routine)
    brief = compile_routine(routine, detail="brief")
    minimal = compile_routine(routine, detail="minimal")
    assert words(brief) <= 0.60 * words(full), (rid, words(brief) / words(full))
    assert words(minimal) <= 0.25 * words(full), (rid, words(minimal) / words(full))
    for timeline in (full, brief, minimal):
        assert hands_free(timeline) == [], (rid, timeline.detail)
    assert full.to_json() == compile_routine(routine, detail="full").to_json()


def test_brief_drops_encouragement_coming_up_and_heard_instructions() -> None:
    routine = parse_routine(ROUTINE, "levels.yaml")
    full, brief = compile_routine(routine), compile_routine(routine, detail="brief")
    assert "Nice and slow." in spoken(full)
    assert "Nice and slow." not in spoken(brief)
    assert any(e.cue == "next" for e in full.events)
    assert not any(e.cue == "next" for e in brief.events)
    # Heard on the right: the left says it once, short, then the start tones lead.
    left = [e.text for e in brief.events if e.side == "left" and e.cue == "instruction"]
    assert left == ["Same on the left."]
    assert spoken(brief).count("Sit tall on a firm chair.") == 1
    # `detail: full` lines are left out below full; `minimal` ones are said everywhere.
    assert "A softer ball is gentler." in spoken(full)
    assert "A softer ball is gentler." not in spoken(brief)
    assert "Keep your foot flat." in spoken(compile_routine(routine, detail="minimal"))
    # Safety: a regular hears the first note only, without the preamble.
    assert "Stop on sharp pain." in spoken(brief)
    assert "Keep off the back of the knee." not in spoken(brief)
    # Every hold still starts on its tone.
    assert sum(1 for e in brief.events if e.cue == "start") == 4


def test_brief_guides_breathing_in_the_first_hold_only() -> None:
    text = ROUTINE.replace("sections:", "breathing: {guide: spoken, every: 12s}\nsections:")
    routine = parse_routine(text, "levels.yaml")
    full, brief = compile_routine(routine), compile_routine(routine, detail="brief")
    steps = {e.step for e in full.events if e.cue == "breath"}
    assert len(steps) > 1
    assert len({e.step for e in brief.events if e.cue == "breath"}) == 1


def test_minimal_keeps_the_structure_only() -> None:
    routine = parse_routine(ROUTINE, "levels.yaml")
    minimal = compile_routine(routine, detail="minimal")
    cues = {e.cue for e in minimal.events}
    assert cues <= {"intro", "transition", "side", "start", "countdown", "count", "instruction",
                    "pace", "outro", "round"}  # fmt: skip
    # A `detail: minimal` line is said, once: below full, what was heard is not repeated.
    assert [e.text for e in minimal.events if e.cue == "instruction"] == ["Keep your foot flat."]
    assert not any(e.kind == "speech" and e.cue == "count" for e in minimal.events)
    assert minimal.events[-1].cue == "outro"
    assert hands_free(minimal) == []
    # The same structure is there: a start tone and a countdown per hold.
    assert sum(1 for e in minimal.events if e.cue == "start") == 6  # 2 holds + 1 repeat, x2
    assert sum(1 for e in minimal.events if e.cue == "countdown") == 12


def test_the_level_is_named_in_the_title_and_the_json() -> None:
    routine = parse_routine(ROUTINE, "levels.yaml")
    brief = compile_routine(routine, detail="brief")
    assert brief.title == "Levels (brief)"
    assert brief.to_json()["detail"] == "brief"
    assert "detail" not in compile_routine(routine).to_json()


def test_plan_takes_detail(write_routine) -> None:
    path = str(write_routine(ROUTINE))
    data = json.loads(invoke(["plan", path, "--detail", "minimal", "--json"]).stdout)
    assert data["detail"] == "minimal" and data["title"] == "Levels (minimal)"
    result = invoke(["plan", path, "--detail", "chatty"], exit_code=2)
    assert "chatty" in result.stderr


def test_build_names_its_output_by_level(tmp_path) -> None:
    from voicecoach.pipeline import BuildSettings, _output

    routine = load_routine("hamstring-quick")
    fmt, out = _output(
        BuildSettings("hamstring-quick", detail="brief", output_dir=tmp_path), routine
    )
    assert (fmt, out.name) == ("mp3", "hamstring-quick-brief.mp3")
    assert (
        _output(BuildSettings("x", output_dir=tmp_path), routine)[1].name == "hamstring-quick.mp3"
    )


def test_a_line_detail_is_checked(write_routine) -> None:
    bad = ROUTINE.replace("detail: full", "detail: ful")
    result = invoke(["validate", str(write_routine(bad))], exit_code=2)
    assert "unknown detail 'ful' (did you mean 'full'?)" in result.stderr
    assert "routine.yaml:13:17:" in result.stderr
