"""Breath patterns: held breaths in `breathing`, `every: cycle`, and the `breathe:` step,
laid out on exact samples and heard there in the decoded audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voicecoach.compiler import compile_routine
from voicecoach.errors import RoutineErrors
from voicecoach.model import SAMPLE_RATE, samples
from voicecoach.pipeline import BuildSettings, build
from voicecoach.routine import parse_routine
from voicecoach.timing import tone_s

from .audio import decode, onset

HEAD = """\
format: voicecoach/1
id: breath
title: Breath
safety: [Stop if you feel dizzy.]
sections:
  - title: Breathing
    steps:
"""

BOX = (
    HEAD
    + """\
      - breathe:
        cycles: 3
        spoken: 1
        pattern: box
        say: Sit tall and let your shoulders drop.
      - breathe: 40s
        pattern: {inhale: 4s, hold: 7s, exhale: 8s}
"""
)


def errors(text: str) -> str:
    with pytest.raises(RoutineErrors) as info:
        parse_routine(text, "b.yaml")
    return "\n".join(e.format() for e in info.value.errors)


def test_breathing_takes_held_breaths_and_every_cycle() -> None:
    text = (
        HEAD
        + """\
      - hold: 40s
        say: Lie on your back.
        halfway: false
        breathing: {inhale: 4s, hold: 2s, exhale: 6s, every: cycle}
"""
    )
    timeline = compile_routine(parse_routine(text, "b.yaml"))
    breath = [e for e in timeline.events if e.cue == "breath"]
    start = next(e.start_sample for e in timeline.events if e.cue == "start")
    ins = [e for e in breath if e.text in ("Breathe in.", "Slow breath in.")]
    holds = [e for e in breath if e.text == "hold..."]
    assert len(ins) >= 2 and len(holds) == len(ins), [e.text for e in breath]
    # every cycle (12 s apart; the first slides past the start tone), and "hold" exactly
    # one inhale after each "in"
    starts = [e.start_sample for e in ins]
    assert all((at - start) % samples(12) == 0 for at in starts[1:]), starts
    assert [h.start_sample - i.start_sample for i, h in zip(ins, holds, strict=True)] == [
        samples(4)
    ] * len(ins)
    assert starts[0] >= start
    assert errors(text.replace("every: cycle", "every: cycles")).count("breathing every") == 1


def test_breathe_step_speaks_then_tones_on_the_patterns_samples() -> None:
    timeline = compile_routine(parse_routine(BOX, "b.yaml"))
    box = [e for e in timeline.events if e.cue == "breath" and e.step == 0]
    assert [e.text for e in box[:4]] == ["In...", "hold...", "and out.", "hold."]
    tones = [e for e in box if e.sound]
    assert [tone_s(e.sound or "")[0] for e in tones] == ["in", "hold", "out", "rest"] * 2
    first = box[0].start_sample
    expected = [first + k * samples(16) + p * samples(4) for k in (1, 2) for p in range(4)]
    assert [e.start_sample for e in tones] == expected
    assert {e.kind for e in tones} == {"breath_in", "breath_hold", "breath_out"}
    # 40 s of 4-7-8 (19 s a breath) is two whole breaths: two spoken, none left for tones
    relax = [e for e in timeline.events if e.cue == "breath" and e.step == 1]
    assert [e.text for e in relax] == ["In...", "hold...", "and out."] * 2
    steps = [e.start_sample for e in relax]
    assert steps[1] - steps[0] == samples(4) and steps[2] - steps[1] == samples(7)


def test_detail_levels_say_fewer_breaths() -> None:
    routine = parse_routine(BOX.replace("spoken: 1", "spoken: 2"), "b.yaml")
    said = {
        level: sum(
            1
            for e in compile_routine(routine, detail=level).events
            if e.step == 0 and e.kind == "speech" and e.cue == "breath"
        )
        for level in ("full", "brief", "minimal")
    }
    assert said == {"full": 8, "brief": 4, "minimal": 0}


def test_bad_patterns_are_located_errors() -> None:
    message = errors(BOX.replace("pattern: box", "pattern: boxx"))
    assert "b.yaml:11:18: unknown breath pattern 'boxx' (did you mean 'box'?)" in message
    assert "4-7-8" in message
    both = BOX.replace(
        "      - breathe:\n        cycles: 3", "      - breathe: 1m\n        cycles: 3"
    )
    assert "a length or `cycles`, not both" in errors(both)
    short = BOX.replace("breathe: 40s", "breathe: 10s")
    assert "shorter than one breath (19 s)" in errors(short)
    assert "needs a length or `cycles`" in errors(HEAD + "      - breathe:\n")
    assert "unknown key 'hold_outt'" in errors(
        HEAD + "      - {hold: 30s, say: Hi., breathing: {hold_outt: 2s}}\n"
    )


def _pitch(x: np.ndarray) -> float:
    """The frequency of a tone's fundamental: the strongest FFT bin below 400 Hz."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)
    band = (freqs > 100) & (freqs < 400)
    return float(freqs[band][np.argmax(spectrum[band])])


def test_decoded_build_holds_the_tones_at_the_planned_samples(tmp_path: Path) -> None:
    path = tmp_path / "breath.yaml"
    path.write_text(BOX, encoding="utf-8")
    result = build(
        BuildSettings(str(path), out=tmp_path / "b.flac", engine="tone", cache_dir=tmp_path / "c")
    )
    audio = decode(result.path)
    tones = [e for e in result.timeline.events if e.sound and e.sound.startswith("tone_")]
    assert len(tones) == 8
    window = samples(0.5)
    for e in tones:
        found = onset(audio, e.start_sample)
        assert abs(found - e.start_sample) <= samples(0.001), (e.sound, found, e.start_sample)
        assert np.abs(audio[e.start_sample - samples(0.2) : e.start_sample - 10]).max() < 0.003
        head = _pitch(audio[e.start_sample : e.start_sample + window])
        tail = _pitch(audio[e.end_sample - samples(0.3) - window : e.end_sample - samples(0.3)])
        phase = tone_s(e.sound or "")[0]
        if phase == "in":
            assert tail > head * 1.3, (head, tail)
        elif phase == "out":
            assert head > tail * 1.3, (head, tail)
        else:
            assert abs(head - tail) < 5, (phase, head, tail)
