"""Recording lines in the studio with a microphone: Chromium's fake device plays a WAV made
by a real voice; three lines are recorded with the keyboard alone (R, Space, Down), the
session is built, and the build is searched for each take where the timeline says."""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio import decode, ebur128
from tests.conftest import CHROMIUM, invoke, running_studio
from voicecoach.model import SAMPLE_RATE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).parents[1]
ROUTINE = """\
format: voicecoach/1
id: calf
title: Calf
author: Test
voice: {engine: tone}
safety: [Stop if anything hurts.]
sections:
  - title: Calf
    steps:
      - say: Sit tall with both legs long.
      - hold: 20s
        say: Press the ball into the calf and breathe.
      - say: Let the leg rest on the floor now.
"""


def _mic_source(path: Path) -> np.ndarray:
    """What the fake microphone plays (looped): a real voice, then a little silence."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(
        ["espeak-ng", "-v", "en-us+f3", "-w", str(raw), "Keep breathing slowly and softly."],
        check=True,
    )
    with wave.open(str(raw), "rb") as w:
        rate = w.getframerate()
        voice = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    gap = np.zeros(int(0.4 * rate), dtype="<i2")
    audio = np.concatenate([gap, voice, gap])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(audio.tobytes())
    return decode(path)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("recstudio")
    folder = base / "routines"
    folder.mkdir()
    (folder / "calf.yaml").write_text(ROUTINE, encoding="utf-8")
    with running_studio(folder, base / "cache") as url:
        yield url, folder, base


def selected(page) -> str:
    return page.locator("#rec-lines li[aria-selected=true] .text").text_content() or ""


def _best_match(source: np.ndarray, take: np.ndarray) -> float:
    """Highest normalized cross-correlation of ``take`` anywhere in the looped source."""
    looped = np.concatenate([source] * (take.size // source.size + 2))
    n = 1 << int(np.ceil(np.log2(looped.size + take.size)))
    corr = np.fft.irfft(np.fft.rfft(looped, n) * np.conj(np.fft.rfft(take, n)), n)
    valid = looped.size - take.size + 1
    running = np.concatenate([[0.0], np.cumsum(looped.astype(np.float64) ** 2)])
    energy = running[take.size :] - running[:valid]  # each window's energy, in O(n)
    scores = corr[:valid] / np.sqrt(np.maximum(energy, 1e-12) * float(take @ take))
    return float(scores.max())


def test_three_lines_recorded_in_the_studio_are_in_the_build(browser, studio, tmp_path) -> None:
    url, folder, base = studio
    wav = tmp_path / "mic.wav"
    source = _mic_source(wav)
    mic = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--autoplay-policy=no-user-gesture-required",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
        ],
    )
    try:
        page = mic.new_page(viewport={"width": 1440, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.locator("#files button", has_text="calf.yaml").click()
        page.wait_for_function("() => window.studio.state.timeline !== null")
        page.click("#record-panel summary")
        page.wait_for_selector("#rec-lines li")
        texts = page.locator("#rec-lines li .text").all_text_contents()
        wanted = [
            "Sit tall with both legs long.",
            "Press the ball into the calf and breathe.",
            "Let the leg rest on the floor now.",
        ]
        assert all(t in texts for t in wanted)
        page.locator("#rec-lines li", has_text=wanted[0]).click()
        for i, _ in enumerate(wanted):
            page.keyboard.press("r")
            page.wait_for_selector("#record-panel[data-recording]")
            page.wait_for_timeout(2600)  # one pass of the looped voice
            page.keyboard.press("Space")
            page.wait_for_function(
                "n => Number(document.getElementById('record-panel').dataset.takes || 0) >= n",
                arg=i + 1,
                timeout=20000,
            )
            for _ in range(40):  # Down to the next line to record
                if i + 1 == len(wanted) or selected(page) == wanted[i + 1]:
                    break
                page.keyboard.press("ArrowDown")
        marks = {
            li.locator(".text").text_content(): li.get_attribute("class")
            for li in page.locator("#rec-lines li").all()
        }
        assert all("recorded" in marks[t] for t in wanted), marks
        assert errors == []
    finally:
        mic.close()

    routine = folder / "calf.yaml"
    assert "recordings: recordings/" in routine.read_text(encoding="utf-8")
    listed = json.loads(invoke(["recordings", str(routine), "--json"]).stdout)
    assert {line["text"] for line in listed["lines"] if line["recorded"]} == set(wanted)

    # The other lines in a real voice, to compare loudness with speech, not tones.
    routine.write_text(routine.read_text().replace("engine: tone", "engine: espeak"))
    env = {"VOICECOACH_CACHE": str(base / "cache")}
    out = tmp_path / "calf.wav"
    invoke(["build", str(routine), "-o", str(out)], env=env)
    timeline = json.loads(out.with_suffix(".timeline.json").read_text())
    planned = json.loads(invoke(["plan", str(routine), "--json"], env=env).stdout)
    assert abs(planned["duration_s"] - timeline["duration_s"]) <= 0.5
    audio = decode(out)
    manifest = json.loads((folder / "recordings" / "manifest.json").read_text())
    files = {e["text"]: e["file"] for e in manifest["lines"].values()}
    recorded = [e for e in timeline["events"] if e.get("recorded")]
    assert {e["text"] for e in recorded} == set(wanted)
    for event in recorded:
        with wave.open(str(folder / "recordings" / files[event["text"]]), "rb") as w:
            take = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
        assert _best_match(source, take) > 0.6, event["text"]  # it is the microphone's voice
        start = round(event["start_s"] * SAMPLE_RATE)
        seg = audio[start : start + take.size]
        score = float(seg @ take / (np.linalg.norm(seg) * np.linalg.norm(take)))
        assert score > 0.95, (event["text"], score)

    def loudness(events: list[dict]) -> float:
        parts = [
            audio[round(e["start_s"] * SAMPLE_RATE) : round(e["end_s"] * SAMPLE_RATE)]
            for e in events
        ]
        return ebur128(np.concatenate(parts))[0]

    speech = [e for e in timeline["events"] if e["kind"] == "speech" and not e.get("recorded")]
    synthesized = [e for e in speech if e["end_s"] - e["start_s"] > 0.5]
    assert abs(loudness(recorded) - loudness(synthesized)) <= 1.0
