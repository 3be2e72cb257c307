"""`play`: step navigation on exact samples, pause, the sinks, and the view in a real terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from voicecoach.compiler import compile_routine
from voicecoach.errors import UserError
from voicecoach.model import SAMPLE_RATE
from voicecoach.player import MiniaudioSink, NullSink, Player, start_step, steps_of
from voicecoach.player.view import big, screen_lines
from voicecoach.routine import load_routine

from .conftest import invoke

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def timeline():
    return compile_routine(load_routine("hamstring-quick"))


@pytest.fixture
def player(timeline) -> tuple[Player, NullSink]:
    """A player over a ramp (sample n has value n mod 30000), so positions can be read back."""
    pcm = (np.arange(timeline.duration_sample) % 30000).astype(np.int16)
    sink = NullSink()
    p = Player(pcm, timeline, sink)
    p.start()
    return p, sink


def test_steps_are_chapters_plus_steps_not_right_after_one(timeline) -> None:
    steps = steps_of(timeline)
    starts = [s.start_sample for s in steps]
    assert starts == sorted(set(starts)) and starts[0] == 0
    assert {c.start_sample for c in timeline.chapters} <= set(starts)
    reps = next(e for e in timeline.events if e.cue == "instruction" and "straighten" in e.text)
    assert reps.start_sample in starts, "the repetitions of the first ball side are a step"
    first_roll = next(e for e in timeline.events if e.step == 0)
    assert first_roll.start_sample not in starts, "folded into its chapter, 6 s before"
    assert steps[1].section == "Foam roller" and steps[1].side == "right"
    assert steps[1].text.startswith("Roller under the right thigh")


def test_next_and_previous_land_on_step_starts(player) -> None:
    p, sink = player
    steps = p.steps
    p.next_step()
    assert p.position == steps[1].start_sample
    assert sink.advance(4)[0] == steps[1].start_sample % 30000, "audio resumes on that sample"
    p.next_step()
    p.next_step()
    assert p.position == steps[3].start_sample
    sink.advance(SAMPLE_RATE)
    p.previous_step()
    assert p.position == steps[2].start_sample, "within 2 s of a start: the step before"
    p.seek(steps[2].start_sample + 5 * SAMPLE_RATE)
    p.previous_step()
    assert p.position == steps[2].start_sample, "later in a step: its own start"
    p.seek(steps[2].start_sample + 7 * SAMPLE_RATE)
    p.repeat()
    assert p.position == steps[2].start_sample
    p.seek(steps[-1].start_sample)
    p.next_step()
    assert p.finished
    assert not sink.advance(100).any(), "silence after the end"


def test_pause_stops_the_clock(player) -> None:
    p, sink = player
    sink.advance(1000)
    p.toggle_pause()
    assert not sink.advance(SAMPLE_RATE).any()
    assert p.position == 1000
    p.toggle_pause()
    assert sink.advance(10)[0] == 1000


def test_from_section_starts_at_its_first_step(player) -> None:
    p, _ = player
    start = start_step(p, "ball")
    assert p.steps[[s.start_sample for s in p.steps].index(start)].section.startswith("Ball")
    with pytest.raises(UserError) as err:
        start_step(p, "shoulders")
    assert "Foam roller, Ball pin and stretch, Finish" in (err.value.hint or "")


def test_screen_shows_step_time_left_and_next(player) -> None:
    p, _ = player
    p.next_step()
    text = "\n".join(line for line, _ in screen_lines(p, "Quick", 80))
    assert "Foam roller · right" in text and "Roller under the right thigh" in text
    assert "Next: Foam roller · left" in text
    left = (p.steps[1].end_sample - p.position) // SAMPLE_RATE
    assert "\n".join(big(f"{left // 60}:{left % 60:02d}")) in text


def test_no_audio_device_is_a_plain_error(monkeypatch) -> None:
    import miniaudio

    def no_device(*args, **kwargs):
        raise miniaudio.MiniaudioError("failed to init device", -401)

    monkeypatch.setattr(miniaudio, "PlaybackDevice", no_device)
    with pytest.raises(UserError) as err:
        MiniaudioSink.probe()
    assert "no audio output device" in str(err.value)
    assert "voicecoach build" in (err.value.hint or "")
    assert "--silent" in (err.value.hint or ""), "the silent clock mode is offered"
    from voicecoach.player import ClockSink, default_sink

    assert isinstance(default_sink(silent=True), ClockSink), "no device needed"


def test_silent_mode_is_documented() -> None:
    text = " ".join(invoke(["play", "--help"]).stdout.lower().split())
    assert "--silent" in text and "without sound" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "play ROUTINE" in readme and "--silent" in readme


def test_play_outside_a_terminal_suggests_build() -> None:
    result = invoke(["play", "hamstring-quick", "--engine", "tone"], exit_code=2)
    assert "play needs a terminal" in result.stderr and "voicecoach build" in result.stderr


def _screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def _wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; screen:\n{_screen(session)}")


@pytest.mark.slow
def test_view_in_a_real_terminal(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is missing: run `make install`"
    session = f"vc{tmp_path.name[-8:]}"
    marker = tmp_path / "exit"
    command = (
        f"cd {ROOT} && VOICECOACH_CACHE={tmp_path / 'cache'} "
        f"{sys.executable} -m voicecoach play hamstring-quick --engine tone --silent; "
        f"echo $? > {marker}; sleep 60"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True
    )
    try:
        screen = _wait_for(session, "q quit")
        assert "Introduction" in screen and "playing" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "n"], check=True)
        _wait_for(session, "Roller under the right thigh")
        subprocess.run(["tmux", "send-keys", "-t", session, "Space"], check=True)
        paused = _wait_for(session, "paused")
        time.sleep(1.2)
        assert _screen(session) == paused, "nothing moves while paused"
        subprocess.run(["tmux", "resize-window", "-t", session, "-x", "60", "-y", "24"], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = _screen(session).splitlines()
            if len(lines) == 24 and "q quit" in lines[-1] and "p back" in lines[-1]:
                break
            time.sleep(0.1)
        assert "p back" in lines[-1], "redrawn for the new size:\n" + "\n".join(lines)
        assert "Roller under the right thigh" in "\n".join(lines)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.read_text().strip() == "0"
        assert "q quit" not in _screen(session), "the terminal is restored"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def test_each_rounds_steps_are_places_to_jump_to() -> None:
    timeline = compile_routine(load_routine(str(ROOT / "tests/data/routines/w2a-workout.yaml")))
    steps = steps_of(timeline)
    second, third = (c.start_sample for c in timeline.chapters[3:5])
    in_round_two = [s.text for s in steps if second <= s.start_sample < third]
    moves = [t for t in in_round_two if t in ("Jumping jacks.", "Push-ups.", "Squats.")]
    assert moves == ["Jumping jacks.", "Push-ups.", "Squats."]
    p = Player(np.zeros(timeline.duration_sample, np.int16), timeline, NullSink())
    p.seek(second)
    p.next_step()
    assert p.current().text == "Jumping jacks."
    p.next_step()
    assert p.current().text.startswith("Rest. Next: push-ups")
    p.previous_step()
    p.previous_step()
    assert p.position == second, "back to the round's start"
