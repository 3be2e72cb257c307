"""Steps that wait for the listener: `until: ready` and `count: self`, in the timeline,
in the player (exact samples, a NullSink) and in `play --silent` in a real terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from voicecoach.compiler import compile_routine
from voicecoach.errors import RoutineErrors
from voicecoach.model import samples
from voicecoach.player import NullSink, Player
from voicecoach.routine import parse_routine

from .test_player import _screen, _wait_for

ROOT = Path(__file__).parents[1]

WAITS = """\
format: voicecoach/1
id: waits
title: Waits
language: %s
safety: [Stop on sharp pain.]
sections:
  - title: Ball
    steps:
      - hold: 12s
        say: Press the ball into the thigh.
        until: ready
      - repeat: 3
        say: Bend the knee.
        each: 3s
        count: self
        cap: 5s
      - rest: 8s
        until: ready
      - hold: 10s
        say: Lie back.
"""


def timeline(language: str = "en"):
    return compile_routine(parse_routine(WAITS % language, "waits.yaml"))


@pytest.mark.parametrize(
    ("language", "prompt"),
    [("en", "ready"), ("es", "listo"), ("de", "bereit")],
)
def test_the_prompt_is_said_at_the_steps_end_and_the_wait_marked(language, prompt) -> None:
    t = timeline(language)
    ready = [e for e in t.events if e.cue == "ready"]
    assert len(ready) == 2 and all(prompt in (e.text or "") for e in ready)
    waits = {w.step: w for w in t.waits}
    assert set(waits) == {0, 1, 2}
    first = [e for e in t.events if e.step == 0]
    timer_end = max(e.start_sample for e in first if e.cue == "countdown") + samples(1)
    # right at the end of the hold (its last countdown second), and the wait after it
    assert ready[0].start_sample == timer_end
    assert waits[0].at_sample == ready[0].end_sample and waits[0].line == 9
    assert waits[1].count == 3 and waits[1].cap_s == 5.0
    counts = [e for e in t.events if e.step == 1 and e.cue == "count"]
    assert waits[1].start_sample == counts[0].start_sample
    assert waits[1].at_sample == counts[0].start_sample + 3 * samples(3)
    # a waiting rest leads into the prompt, not a countdown
    assert not [e for e in t.events if e.step == 2 and e.cue == "countdown"]
    data = t.to_json()
    assert data["waits"][0]["line"] == 9 and data["waits"][1]["count"] == 3


def test_without_waits_the_json_is_unchanged() -> None:
    text = (WAITS % "en").replace("        until: ready\n", "")
    text = text.replace("count: self", "count: true")
    plain = parse_routine(text.replace("        cap: 5s\n", ""), "w.yaml")
    assert "waits" not in compile_routine(plain).to_json()


def test_until_takes_only_ready() -> None:
    with pytest.raises(RoutineErrors) as info:
        parse_routine((WAITS % "en").replace("until: ready", "until: done", 1), "w.yaml")
    assert "w.yaml:11:16: unknown until 'done'" in info.value.errors[0].format()
    with pytest.raises(RoutineErrors) as info:
        parse_routine((WAITS % "en").replace("        cap: 5s\n", "", 1).replace(
            "count: self", "cap: 5s"), "w.yaml")  # fmt: skip
    assert "`cap` is for a repeat with `count: self`" in info.value.errors[0].format()


def _player():
    t = timeline()
    pcm = (np.arange(t.duration_sample) % 30000).astype(np.int16)
    sink = NullSink()
    player = Player(pcm, t, sink)
    player.start()
    return t, player, sink


def _run(sink: NullSink, seconds: float) -> None:
    for _ in range(round(seconds / 0.05)):
        sink.advance(samples(0.05))


def test_the_player_stops_on_the_wait_until_a_tap() -> None:
    t, player, sink = _player()
    first = t.waits[0]
    _run(sink, first.at_sample / 44100 + 5)
    assert player.waiting == first and player.position == first.at_sample
    _run(sink, 30)
    assert player.position == first.at_sample, "it waits as long as it takes"
    player.tap()
    _run(sink, 0.5)
    assert player.waiting is None and player.position > first.at_sample


def test_the_player_counts_taps_and_counts_on_by_itself_after_the_cap() -> None:
    t, player, sink = _player()
    player.seek(t.waits[0].at_sample + 1)
    counting = t.waits[1]
    _run(sink, (counting.start_sample - player.position) / 44100 + 1)
    assert player.waiting == counting and player.position == counting.start_sample
    player.tap()
    assert player.counted == 1
    _run(sink, 4.9)
    assert player.counted == 1, "the cap is 5 s"
    _run(sink, 0.2)
    assert player.counted == 2, "no tap within the cap: counted on"
    player.tap()
    assert player.waiting is None and player.position == counting.at_sample


@pytest.mark.slow
def test_play_silent_waits_for_a_key(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is missing: run `make install`"
    path = tmp_path / "waits.yaml"
    path.write_text((WAITS % "en").replace("hold: 12s", "hold: 5s"), encoding="utf-8")
    session = f"vw{tmp_path.name[-8:]}"
    marker = tmp_path / "exit"
    command = (
        f"cd {ROOT} && VOICECOACH_CACHE={tmp_path / 'cache'} "
        f"{sys.executable} -m voicecoach play {path} --engine tone --silent; "
        f"echo $? > {marker}; sleep 60"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True
    )
    try:
        _wait_for(session, "q quit")
        waiting = _wait_for(session, "waiting for you", timeout=60)
        assert "Press the ball" in waiting
        time.sleep(1.5)
        assert "waiting for you" in _screen(session), "it waits"
        subprocess.run(["tmux", "send-keys", "-t", session, "Space"], check=True)
        _wait_for(session, "Bend the knee")
        _wait_for(session, "counting 0 of 3")
        for n in (1, 2):
            subprocess.run(["tmux", "send-keys", "-t", session, "Space"], check=True)
            _wait_for(session, f"counting {n} of 3")
        subprocess.run(["tmux", "send-keys", "-t", session, "Space"], check=True)
        screen = _wait_for(session, "Rest")
        assert "counting" not in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
