"""Adding a recording of a line: decode, clean, check and file it beside the routine.

Whatever the microphone or the file gave (any format ffmpeg decodes), a take is decoded
to mono at ``SAMPLE_RATE``, high-passed (rumble, handling noise), noise-reduced (a steady
hiss or fan) and trimmed of silence at both ends, so it sits in the session like a
synthesized clip; the mixer then levels it with the same loudness pipeline as every clip.

Reading is bounded: at most ``max_length_s(text) + _READ_SLACK_S`` seconds of a source are
decoded, so a file of any size costs a few megabytes at most.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import wave
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..files import write_bytes_atomic
from ..media import find_ffmpeg
from ..model import SAMPLE_RATE
from ..timing import estimate_speech_s
from .recordings import Recordings, Take

#: ffmpeg's cleaning: rumble below 80 Hz out, then an adaptive FFT denoiser.
CLEAN_FILTER = "highpass=f=80,afftdn=nr=12:nf=-40"
#: Below this (relative to the take's own peak, and never above -45 dBFS) is silence.
_TRIM_BELOW_PEAK_DB = 40.0
_TRIM_FLOOR_DB = -45.0
#: Kept around the speech so soft onsets and tails are not cut.
_PRE_ROLL_S = 0.03
_TAIL_KEEP_S = 0.08
_FADE_S = 0.005
#: A take is "far too long" past this many times the line's estimated length (+ slack).
_LONG_FACTOR = 4.0
_LONG_SLACK_S = 8.0
_READ_SLACK_S = 2.0
#: Warnings: a take whose peak is under this is nearly silent; one with this many samples
#: at full scale is clipped.
SILENT_PEAK_DB = -40.0
QUIET_LEVEL_DB = -45.0
CLIPPED_SAMPLES = 3
_STDERR_TAIL = 3


@dataclass(frozen=True)
class Added:
    """What adding a take did: the new set, the take, and anything worth a warning."""

    recordings: Recordings
    take: Take
    warnings: tuple[str, ...]


def max_length_s(text: str) -> float:
    """The longest take accepted for a line: generous, but not ten minutes for three words."""
    return _LONG_FACTOR * estimate_speech_s(text, 150, None) + _LONG_SLACK_S


def decode_take(source: Path, text: str) -> np.ndarray:
    """The source decoded and cleaned (float32 mono at ``SAMPLE_RATE``), not yet trimmed.

    A file ffmpeg cannot decode is a ``UserError`` quoting ffmpeg's reason.
    """
    limit_s = max_length_s(text) + _READ_SLACK_S
    cmd = [find_ffmpeg(), "-v", "error", "-nostdin", "-t", f"{limit_s:.3f}", "-i", str(source)]
    cmd += ["-vn", "-af", CLEAN_FILTER, "-ac", "1", "-ar", str(SAMPLE_RATE)]
    cmd += ["-c:a", "pcm_s16le", "-f", "s16le", "-"]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode(errors="replace").strip().splitlines()[-_STDERR_TAIL:]
        reason = "; ".join(re.sub(r"^\[[^\]]*\]\s*", "", line) for line in lines)
        raise UserError(
            f"cannot read the recording {source}: {reason or 'no audio in it'}",
            "use a file that plays in a media player (wav, flac, mp3, ogg, m4a, webm)",
        )
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768.0


def trim(audio: np.ndarray) -> np.ndarray:
    """The speech in ``audio`` with a little room around it; empty when there is none."""
    if audio.size == 0:
        return audio
    peak = float(np.max(np.abs(audio)))
    if peak <= 0.0:
        return audio[:0]
    threshold_db = max(_TRIM_FLOOR_DB, 20 * np.log10(peak) - _TRIM_BELOW_PEAK_DB)
    loud = np.flatnonzero(np.abs(audio) > 10 ** (threshold_db / 20))
    if loud.size == 0:
        return audio[:0]
    start = max(0, int(loud[0]) - int(_PRE_ROLL_S * SAMPLE_RATE))
    end = min(audio.size, int(loud[-1]) + 1 + int(_TAIL_KEEP_S * SAMPLE_RATE))
    out: np.ndarray = audio[start:end].copy()
    fade = min(out.size // 2, int(_FADE_S * SAMPLE_RATE))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[out.size - fade :] *= ramp[::-1]
    return out


def levels_db(audio: np.ndarray) -> tuple[float, float]:
    """(peak, RMS level) in dBFS; -120 for silence."""
    if audio.size == 0:
        return -120.0, -120.0
    peak = float(np.max(np.abs(audio)))
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return (
        20 * np.log10(peak) if peak > 0 else -120.0,
        20 * np.log10(rms) if rms > 0 else -120.0,
    )


def check_take(text: str, raw: np.ndarray, clean: np.ndarray, source: Path) -> list[str]:
    """Warnings for a take (silent, quiet, clipped); a ``UserError`` for one far too long."""
    limit = max_length_s(text)
    if clean.size / SAMPLE_RATE > limit:
        raise UserError(
            f"the recording {source} is {clean.size / SAMPLE_RATE:.0f} s of sound for "
            f"{text!r} (at most {limit:.0f} s for a line this long)",
            "record just the line; trim the file or pick the right one",
        )
    peak_db, level_db = levels_db(clean)
    warnings = []
    if clean.size == 0 or peak_db < SILENT_PEAK_DB:
        warnings.append(
            f"the recording of {text!r} is nearly silent (peak {peak_db:.1f} dBFS): "
            "check the microphone and record it again"
        )
    elif level_db < QUIET_LEVEL_DB:
        warnings.append(
            f"the recording of {text!r} is very quiet (level {level_db:.1f} dBFS, "
            f"peak {peak_db:.1f} dBFS): it will be raised, and its noise with it"
        )
    clipped = int(np.count_nonzero(np.abs(raw) >= 32767 / 32768))
    if clipped >= CLIPPED_SAMPLES:
        warnings.append(
            f"the recording of {text!r} is clipped ({clipped} samples at full scale, "
            f"peak {peak_db:.1f} dBFS): record it again a little further from the microphone"
        )
    return warnings


def wav_bytes(clip: np.ndarray) -> bytes:
    """A float clip as 16-bit mono WAV bytes at ``SAMPLE_RATE``."""
    pcm = np.clip(np.round(clip * 32767.0), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def add_take(recordings: Recordings, text: str, source: Path, *, force: bool = False) -> Added:
    """Decodes, cleans and files ``source`` as the recording of ``text``.

    A line already recorded is kept unless ``force``: nothing is overwritten without
    asking. The WAV is written before the manifest names it, both atomically; the file
    name is the hash of its bytes, so an old take is never overwritten in place.
    """
    text = " ".join(text.split())
    if not text:
        raise UserError("a recording needs the text of its line", "give the line it says")
    if text in recordings and not force:
        raise UserError(
            f"{text!r} is already recorded ({recordings[text].file})",
            "pass --force (or choose re-record) to replace it",
        )
    raw = decode_take(source, text)
    clean = trim(raw)
    warnings = check_take(text, raw, clean, source)
    if clean.size == 0:
        peak_db, level_db = levels_db(raw)
        raise UserError(
            f"the recording {source} of {text!r} holds no sound "
            f"(peak {peak_db:.1f} dBFS, level {level_db:.1f} dBFS)",
            "check the microphone and record it again",
        )
    data = wav_bytes(clean)
    name = hashlib.sha256(data).hexdigest()[:16] + ".wav"
    write_bytes_atomic(recordings.folder / name, data)
    peak_db, level_db = levels_db(clean)
    take = Take(
        text=text,
        file=name,
        length_sample=int(clean.size),
        peak_db=peak_db,
        level_db=level_db,
        added=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    updated = recordings.with_take(take)
    updated.save()
    return Added(updated, take, tuple(warnings))


def remove_take(recordings: Recordings, text: str) -> Recordings:
    """Forgets a line's recording (the manifest first, then its file, if no line shares it)."""
    if text not in recordings:
        raise UserError(f"{text!r} is not recorded", "`voicecoach recordings ROUTINE` lists them")
    old = recordings[text]
    updated = recordings.without(text)
    updated.save()
    if all(updated[key].file != old.file for key in updated):
        (recordings.folder / old.file).unlink(missing_ok=True)
    return updated


def read_take(path: Path) -> np.ndarray:
    """A recording's samples as float32, as the mixer takes clips."""
    with wave.open(str(path), "rb") as w:
        frames = w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
