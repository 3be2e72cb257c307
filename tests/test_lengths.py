"""What plan, validate and list promise about lengths, build delivers (default espeak voice).

Each test uses its own clip cache, so "cold" means what a new user has: nothing cached
but the voice's one-time measurement.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from voicecoach.compiler import Estimate, compile_routine
from voicecoach.model import SAMPLE_RATE, Event, Timeline, Voice, samples
from voicecoach.routine import load_routine
from voicecoach.speech import clip_keys, register_engine, synthesize
from voicecoach.speech.calibrate import fit_lengths
from voicecoach.speech.engines import ToneEngine
from voicecoach.speech.lengths import PlanLengths
from voicecoach.timing import speech_features

from .conftest import MINIMAL, invoke

ROUTINES = Path(__file__).parents[1] / "voicecoach" / "routine" / "builtins"
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make install)"
)


def _plan_s(rid: str, *extra: str, exit_code: int = 0) -> tuple[float, str]:
    result = invoke(["plan", rid, "--json", *extra], exit_code=exit_code)
    if exit_code:
        return 0.0, result.stderr
    return json.loads(result.stdout)["duration_s"], result.stderr


def _build_s(rid: str, out: Path, *extra: str) -> float:
    invoke(["build", rid, "-o", str(out), "--format", "wav", "--quiet", *extra])
    return json.loads(out.with_suffix(".timeline.json").read_text("utf-8"))["duration_s"]


def _clock_s(text: str) -> float:
    minutes, secs = text.split(":")
    return int(minutes) * 60 + int(secs)


@pytest.mark.slow
@needs_espeak
@pytest.mark.parametrize("rid", ["hamstring-quick", "hamstring-quick-de"])
def test_plan_matches_build_on_a_cold_and_a_warm_cache(rid, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / "cache"))
    cold_s, said = _plan_s(rid)
    assert "measuring the espeak voice" in said, "the one-time measurement is announced"
    again_s, said = _plan_s(rid)
    assert said == "" and again_s == cold_s, "measured once, then kept in the cache"
    built_s = _build_s(rid, tmp_path / "out.wav")
    assert abs(cold_s - built_s) <= 0.03 * built_s, (cold_s, built_s)
    warm_s, _ = _plan_s(rid)
    assert abs(warm_s - built_s) <= 0.5, (warm_s, built_s)
    listed = next(line for line in invoke(["list"]).stdout.splitlines() if line.split()[0] == rid)
    assert _clock_s(listed.split()[1]) == int(warm_s), "list shows plan's length"


@pytest.mark.slow
@needs_espeak
def test_every_length_plan_accepts_build_delivers(tmp_path, monkeypatch) -> None:
    """plan hamstring-quick --length 6m was accepted and build refused it."""
    monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / "cache"))
    _, message = _plan_s("hamstring-quick", "--length", "2h", exit_code=2)
    low, high = re.search(r"lasts between (\d+:\d\d) and (\d+:\d\d)", message).groups()
    for edge_s in (_clock_s(high) + 1, _clock_s(low) - 1):  # within plan's 2 s tolerance
        target = f"{edge_s}s"
        planned_s, _ = _plan_s("hamstring-quick", "--length", target)
        assert abs(planned_s - edge_s) <= 2.0
        built_s = _build_s("hamstring-quick", tmp_path / f"{edge_s}.wav", "--length", target)
        assert abs(built_s - edge_s) <= 2.0, (edge_s, built_s)


def test_cached_clips_are_known_exactly_and_the_rest_estimated(tmp_path) -> None:
    voice = Voice(engine="tone")
    clips, _ = synthesize(["Stand tall."], voice, cache_dir=tmp_path)
    lengths = PlanLengths(clip_keys(voice, "en", None), tmp_path, Estimate(fit=(0.1, 0.05, 0.2)))
    assert lengths.speech("Stand tall.") == clips.lengths["Stand tall."]
    assert lengths.speech("Sit down, please.") == samples(0.1 + 13 * 0.05 + 0.2)
    spoken = ("Stand tall.", "Sit down, please.")
    starts = (0, SAMPLE_RATE * 5)
    events = tuple(
        Event(at, at + lengths.speech(t), "speech", text=t)
        for at, t in zip(starts, spoken, strict=True)
    )
    timeline = Timeline("t", "T", SAMPLE_RATE * 10, events)
    assert lengths.uncertain_s(timeline) == pytest.approx(0.04 * 0.95, abs=1e-4)


def test_the_fit_recovers_a_voice_and_never_goes_negative() -> None:
    texts = ["Three.", "Breathe in.", "Now the left side, the same way.", "Rest, then go on."]
    truth = {t: 0.2 + 0.07 * speech_features(t)[0] + 0.3 * speech_features(t)[1] for t in texts}
    assert fit_lengths(truth) == pytest.approx((0.2, 0.07, 0.3), abs=1e-6)
    fast = {t: 0.06 * speech_features(t)[0] - 0.5 for t in texts}
    assert all(v >= 0 for v in fit_lengths(fast))


def test_goldens_keep_the_rate_estimate() -> None:
    """compile_routine without a measure is unchanged: golden timelines stay put."""
    routine = load_routine("hamstring-quick")
    assert compile_routine(routine) == compile_routine(routine, Estimate(routine.voice.rate))


class _Brisk(ToneEngine):
    """Speaks twice as fast as the rate's estimate: a calibration moves every estimate."""

    name = "_brisk"

    def synthesize(self, text: str, voice: str, rate: int, language: str) -> tuple[Any, int]:
        return super().synthesize(text, voice, rate * 2, language)


register_engine(_Brisk.name, _Brisk)


@pytest.mark.slow
def test_build_bytes_do_not_depend_on_what_plan_left_in_the_cache(tmp_path, monkeypatch) -> None:
    """A line the compiler drops for want of room is never synthesized, so the estimate it
    was dropped on decides the session: build must start from the same one every time."""
    routine = tmp_path / "release.yaml"
    text = (ROUTINES / "hamstring-release.yaml").read_text(encoding="utf-8")
    routine.write_text(f"{text}\nvoice: {{engine: {_Brisk.name}}}\n", encoding="utf-8")
    out = {}
    for name, plan_first in (("alone", False), ("after-plan", True)):
        monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / name))
        if plan_first:  # measures the voice: estimates after this are calibrated
            invoke(["plan", str(routine)])
            assert list((tmp_path / name).rglob("*calibration*")), "plan stored no calibration"
        out[name] = tmp_path / f"{name}.wav"
        invoke(["build", str(routine), "-o", str(out[name]), "-q"])
    assert out["alone"].read_bytes() == out["after-plan"].read_bytes()


def test_build_says_a_line_the_estimate_dropped_when_its_real_length_fits(
    tmp_path, monkeypatch
) -> None:
    """The rate's estimate finds no room for "Rock a little ..." in hamstring-release; a
    voice that says it in half that time fits it, so build must measure it and say it."""
    monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / "cache"))
    rock = "Rock a little from side to side on the spot."
    routine = tmp_path / "release.yaml"
    text = (ROUTINES / "hamstring-release.yaml").read_text(encoding="utf-8")
    routine.write_text(f"{text}\nvoice: {{engine: {_Brisk.name}}}\n", encoding="utf-8")
    estimated = compile_routine(load_routine(str(routine)))
    assert rock in estimated.unsaid and rock not in estimated.speech_texts()
    out = tmp_path / "release.wav"
    invoke(["build", str(routine), "-o", str(out), "-q"])
    timeline = json.loads(out.with_suffix(".timeline.json").read_text("utf-8"))
    assert rock in [e.get("text") for e in timeline["events"]]


@pytest.mark.parametrize("ext", ["mp3", "ogg", "flac"])
def test_plan_reads_the_real_length_of_a_routines_own_sound(
    ext: str, tmp_path, monkeypatch, write_routine
) -> None:
    """A 2.3 s chime as MP3, Ogg or FLAC is planned at 2.3 s (not 1 s): plan agrees with build."""
    import subprocess

    import imageio_ffmpeg

    monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / "cache"))
    tone = "sine=frequency=880:duration=2.3:sample_rate=48000"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", tone,
                    "-ac", "2", str(tmp_path / f"gong.{ext}")], check=True)  # fmt: skip
    text = MINIMAL.replace("sections:", f"sounds: {{gong: gong.{ext}}}\nsections:", 1)
    text = text.replace("      - say: Hello", "      - chime: gong\n      - say: Hello")
    routine = tmp_path / "gong.yaml"
    routine.write_text(f"{text}voice: {{engine: tone}}\n", encoding="utf-8")
    planned = json.loads(invoke(["plan", str(routine), "--json"]).stdout)
    out = tmp_path / "gong.wav"
    invoke(["build", str(routine), "-o", str(out), "-q"])
    built = json.loads(out.with_suffix(".timeline.json").read_text("utf-8"))

    def gong(timeline: dict[str, Any]) -> tuple[float, float]:
        """How long the gong lasts, and the time from its start to the next line."""
        events = timeline["events"]
        (at,) = [i for i, e in enumerate(events) if e.get("sound") == "gong"]
        start = float(events[at]["start_s"])
        return float(events[at]["end_s"]) - start, float(events[at + 1]["start_s"]) - start

    assert gong(planned)[0] == pytest.approx(2.3, abs=0.001)
    assert gong(planned) == pytest.approx(gong(built), abs=1e-6)
