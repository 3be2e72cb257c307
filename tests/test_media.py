"""Audio files in and out through pydub: users' sound files, and the session for Python users."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import Location, RoutineError, UserError
from voicecoach.media import read_audio, read_audio_file
from voicecoach.model import SAMPLE_RATE
from voicecoach.pipeline import BuildSettings, build

from .audio import decode
from .conftest import MINIMAL, invoke


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


def test_a_users_file_is_read_through_pydub_as_mono_at_our_rate(tmp_path: Path) -> None:
    t = np.arange(22050) / 22050
    tone = (np.sin(2 * np.pi * 440 * t) * 16000).astype(np.int16)
    stereo = np.repeat(tone, 2)  # same signal on both channels
    path = write_wav(tmp_path / "gong.wav", stereo, 22050, channels=2)
    segment = read_audio(path)
    assert (segment.channels, segment.frame_rate, segment.sample_width) == (1, SAMPLE_RATE, 2)
    assert abs(len(segment) - 1000) <= 1  # ms
    samples = read_audio_file(path)
    assert samples.dtype == np.float32 and abs(samples.size - SAMPLE_RATE) <= 2
    assert 0.45 < np.abs(samples).max() < 0.5  # 16000 / 32768, resampled not rescaled


def test_an_undecodable_file_names_itself_and_ffmpegs_reason(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"this is not audio" * 50)
    with pytest.raises(UserError, match=r"cannot read the music file .*broken\.mp3: .+") as info:
        read_audio_file(bad, "music file")
    assert "media player" in (info.value.hint or "")
    where = Location("legs.yaml", 7, 3)
    with pytest.raises(RoutineError) as located:
        read_audio_file(bad, "sound file", where)
    assert str(located.value).startswith("legs.yaml:7:3: cannot read the sound file")


def test_a_build_with_an_undecodable_sound_names_the_routine(tmp_path: Path) -> None:
    (tmp_path / "gong.wav").write_bytes(b"RIFF nonsense" * 40)
    routine = tmp_path / "gong.yaml"
    text = MINIMAL.replace("sections:", "sounds: {gong: gong.wav}\nsections:", 1)
    routine.write_text(text.replace("    steps:", "    transition: gong\n    steps:", 1))
    result = invoke(["build", str(routine), "-o", str(tmp_path / "x.wav"), "--engine", "tone"],
                    exit_code=2)  # fmt: skip
    line = f"{routine}:5:16: cannot read the sound file {tmp_path / 'gong.wav'}: "
    assert line in result.stderr, "located at the `sounds:` entry that names the file"
    assert not (tmp_path / "x.wav").exists()


def test_the_session_as_an_audio_segment(write_routine, tmp_path: Path) -> None:
    result = build(
        BuildSettings(
            str(write_routine(MINIMAL)),
            out=tmp_path / "tiny.wav",
            engine="tone",
            cache_dir=tmp_path / "cache",
        )
    )
    session = result.audio_segment()
    assert (session.channels, session.frame_rate, session.sample_width) == (1, SAMPLE_RATE, 2)
    assert session.frame_count() == result.timeline.duration_sample
    written = decode(result.path)
    mine = np.array(session.get_array_of_samples(), dtype=np.float32) / 32768
    assert np.array_equal(mine, written), "the very samples that were written"
    preview = tmp_path / "preview.mp3"
    session[:2000].fade_out(500).export(preview, format="mp3", bitrate="96k").close()
    assert abs(decode(preview).size - 2 * SAMPLE_RATE) < 2 * 1152
