"""The author's own voice: takes imported, cleaned, used by the build where the timeline says.

Takes are made by a real voice different from the build's (espeak-ng's female variant),
with silence, hum and a gain the author's microphone might add, so cleaning, trimming and
levelling all have work to do. The build is decoded and searched for each take.
"""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio import decode, ebur128
from tests.conftest import invoke
from voicecoach.media import find_ffmpeg
from voicecoach.model import SAMPLE_RATE

ROUTINE = """\
format: voicecoach/1
id: legs
title: Legs
author: Test
voice: {recordings: recordings/}
safety: [Stop if anything hurts.]
sections:
  - title: Calf
    steps:
      - say: Sit tall with both legs long.
      - hold: 20s
        say: Press the ball into the calf and breathe.
      - say: Let the leg rest on the floor now.
"""
LINES = (
    "Sit tall with both legs long.",
    "Press the ball into the calf and breathe.",
    "Halfway there.",
)


def _say(text: str, path: Path, gain_db: float = -12.0) -> None:
    """A take as a microphone gives it: padded with hum and noise, at its own level."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us+f3", "-w", str(raw), text], check=True)
    with wave.open(str(raw), "rb") as w:
        rate = w.getframerate()
        voice = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    rng = np.random.default_rng(len(text))
    pad = np.zeros(int(0.6 * rate))
    audio = np.concatenate([pad, voice * 10 ** (gain_db / 20), pad])
    t = np.arange(audio.size) / rate
    audio += 0.002 * np.sin(2 * np.pi * 50 * t) + 0.0005 * rng.standard_normal(audio.size)
    _write(path, audio, rate)
    raw.unlink()


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("takes")
    rows = ["text,file"]
    for i, text in enumerate(LINES):
        _say(text, folder / f"take{i}.wav")
        rows.append(f'"{text}",take{i}.wav')
    (folder / "takes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def routine(tmp_path: Path) -> Path:
    path = tmp_path / "legs.yaml"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


def _listing(routine: Path) -> dict:
    return json.loads(invoke(["recordings", str(routine), "--json"]).stdout)


def test_import_lists_the_three_as_recorded_and_an_edit_makes_one_missing(
    routine: Path, takes: Path
) -> None:
    before = _listing(routine)
    assert before["recorded"] == 0 and before["named"] is True
    texts = [line["text"] for line in before["lines"]]
    assert set(LINES) <= set(texts)  # the cue phrase "Halfway there." is a line to record

    result = invoke(["recordings", "import", str(routine), str(takes / "takes.csv")])
    assert "imported 3 recordings" in result.stdout
    after = _listing(routine)
    recorded = {line["text"] for line in after["lines"] if line["recorded"]}
    assert recorded == set(LINES)
    manifest = json.loads((routine.parent / "recordings" / "manifest.json").read_text())
    assert manifest["format"] == "voicecoach.recordings/1" and len(manifest["lines"]) == 3

    routine.write_text(ROUTINE.replace("both legs long", "both legs straight"), encoding="utf-8")
    edited = {line["text"]: line["recorded"] for line in _listing(routine)["lines"]}
    assert edited["Sit tall with both legs straight."] is False
    assert edited["Press the ball into the calf and breathe."] is True


def test_nothing_is_overwritten_without_force(routine: Path, takes: Path) -> None:
    invoke(["recordings", "import", str(routine), str(takes / "takes.csv")])
    manifest = routine.parent / "recordings" / "manifest.json"
    first = manifest.read_bytes()
    result = invoke(["recordings", "import", str(routine), str(takes / "takes.csv")], 2)
    assert "already recorded" in result.stderr and "--force" in result.stderr
    assert manifest.read_bytes() == first
    invoke(["recordings", "import", str(routine), str(takes / "takes.csv"), "--force"])


def _correlate(build: np.ndarray, take: np.ndarray, start: int) -> tuple[float, int]:
    """Best normalized correlation of ``take`` with ``build`` near ``start``, and its lag."""
    span = int(0.01 * SAMPLE_RATE)
    lo = max(0, start - span)
    window = build[lo : start + take.size + span]
    best, lag = -1.0, 0
    for shift in range(0, window.size - take.size + 1, 1):
        seg = window[shift : shift + take.size]
        denom = float(np.linalg.norm(seg) * np.linalg.norm(take))
        c = float(np.dot(seg, take) / denom) if denom else 0.0
        if c > best:
            best, lag = c, lo + shift - start
    return best, lag


def test_build_holds_the_recordings_where_the_timeline_says_at_the_same_loudness(
    routine: Path, takes: Path, tmp_path: Path
) -> None:
    invoke(["recordings", "import", str(routine), str(takes / "takes.csv")])
    out = tmp_path / "out" / "legs.wav"
    invoke(["build", str(routine), "-o", str(out)], env={"VOICECOACH_CACHE": str(tmp_path)})
    timeline = json.loads(out.with_suffix(".timeline.json").read_text())
    audio = decode(out)
    speech = [e for e in timeline["events"] if e["kind"] == "speech"]
    recorded = [e for e in speech if e.get("recorded")]
    assert {e["text"] for e in recorded} == set(LINES)
    assert all(not e.get("recorded") for e in speech if e["text"] not in LINES)

    manifest = json.loads((routine.parent / "recordings" / "manifest.json").read_text())
    files = {entry["text"]: entry["file"] for entry in manifest["lines"].values()}
    for event in recorded:
        with wave.open(str(routine.parent / "recordings" / files[event["text"]]), "rb") as w:
            take = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
        start = round(event["start_s"] * SAMPLE_RATE)
        assert abs(event["end_s"] - event["start_s"] - take.size / SAMPLE_RATE) < 0.001
        score, lag = _correlate(audio, take, start)
        assert score > 0.95, (event["text"], score)
        assert abs(lag) <= 1, (event["text"], lag)

    def loudness(events: list[dict]) -> float:
        parts = [
            audio[round(e["start_s"] * SAMPLE_RATE) : round(e["end_s"] * SAMPLE_RATE)]
            for e in events
        ]
        return ebur128(np.concatenate(parts))[0]

    synthesized = [e for e in speech if not e.get("recorded") and e["end_s"] - e["start_s"] > 0.5]
    assert abs(loudness(recorded) - loudness(synthesized)) <= 1.0


def test_plan_length_equals_the_build_with_recordings(
    routine: Path, takes: Path, tmp_path: Path
) -> None:
    invoke(["recordings", "import", str(routine), str(takes / "takes.csv")])
    cache = tmp_path / "cache"
    out = tmp_path / "legs.wav"
    invoke(["build", str(routine), "-o", str(out)], env={"VOICECOACH_CACHE": str(cache)})
    built = json.loads(out.with_suffix(".timeline.json").read_text())["duration_s"]
    planned = json.loads(
        invoke(["plan", str(routine), "--json"], env={"VOICECOACH_CACHE": str(cache)}).stdout
    )["duration_s"]
    assert abs(planned - built) <= 0.5


def _write(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Float samples in [-1, 1] as a 16-bit mono WAV."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def _csv(folder: Path, text: str, file: str) -> Path:
    path = folder / "one.csv"
    path.write_text(f'text,file\n"{text}",{file}\n', encoding="utf-8")
    return path


def test_a_file_that_does_not_decode_is_named_with_ffmpegs_reason(
    routine: Path, tmp_path: Path
) -> None:
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    result = invoke(
        ["recordings", "import", str(routine), str(_csv(tmp_path, LINES[0], "bad.wav"))], 2
    )
    assert "cannot read the recording" in result.stderr and "bad.wav" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (routine.parent / "recordings" / "manifest.json").exists()


def test_far_too_long_is_refused_and_silent_or_clipped_is_warned(
    routine: Path, tmp_path: Path
) -> None:
    long = tmp_path / "long.flac"
    subprocess.run(
        [find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=300:duration=600", str(long)],
        check=True,
    )  # fmt: skip
    result = invoke(
        ["recordings", "import", str(routine), str(_csv(tmp_path, "Halfway there.", "long.flac"))],
        2,
    )
    assert "at most" in result.stderr and "Halfway there." in result.stderr

    rate = SAMPLE_RATE
    t = np.arange(rate) / rate
    loud = np.clip(3.0 * np.sin(2 * np.pi * 220 * t), -1, 1)  # clipped
    _write(tmp_path / "clip.wav", loud)
    result = invoke(
        ["recordings", "import", str(routine), str(_csv(tmp_path, LINES[0], "clip.wav"))]
    )
    assert "clipped" in result.stderr and "peak" in result.stderr

    quiet = 0.008 * np.sin(2 * np.pi * 220 * t)  # -42 dBFS
    _write(tmp_path / "quiet.wav", quiet)
    result = invoke(
        ["recordings", "import", str(routine), str(_csv(tmp_path, LINES[1], "quiet.wav"))]
    )
    assert "nearly silent" in result.stderr and "dBFS" in result.stderr

    _write(tmp_path / "silence.wav", np.zeros(rate))
    csv = _csv(tmp_path, LINES[2], "silence.wav")
    result = invoke(["recordings", "import", str(routine), str(csv)], 2)
    assert "holds no sound (peak -120.0 dBFS" in result.stderr


def test_routine_without_a_folder_or_a_folder_outside_is_told_where(
    tmp_path: Path, takes: Path
) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text(ROUTINE.replace("voice: {recordings: recordings/}\n", ""), encoding="utf-8")
    result = invoke(["recordings", "import", str(plain), str(takes / "takes.csv")], 2)
    assert "recordings: recordings/" in result.stderr

    outside = tmp_path / "sub" / "out.yaml"
    outside.parent.mkdir()
    outside.write_text(ROUTINE.replace("recordings/", "../../elsewhere/"), encoding="utf-8")
    result = invoke(["validate", str(outside)], 2)
    assert "out.yaml:5:" in result.stderr and "outside the routine's folder" in result.stderr


def test_a_damaged_manifest_is_named(routine: Path) -> None:
    folder = routine.parent / "recordings"
    folder.mkdir()
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    result = invoke(["recordings", str(routine)], 2)
    assert "manifest.json is damaged" in result.stderr


def test_csv_errors_are_located_and_nothing_is_imported(routine: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("line,path\nHello,a.wav\n", encoding="utf-8")
    result = invoke(["recordings", "import", str(routine), str(bad)], 2)
    assert "needs the columns text and file" in result.stderr
    bad.write_text("text,file\nHello,missing.wav\n", encoding="utf-8")
    result = invoke(["recordings", "import", str(routine), str(bad)], 2)
    assert "bad.csv:2: missing.wav does not exist" in result.stderr
    assert not (routine.parent / "recordings").exists()
