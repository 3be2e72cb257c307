"""Loading the audio a routine plays besides speech: its sounds and its music file.

A routine names sounds (a chime, a tick, its own files) and maybe a music bed; this
module turns those names into float32 arrays, from the routine's folder or the built-in
``audio_assets`` (checked against their checksums), and names the routine's line when a
file is missing or cannot be decoded.
"""

from __future__ import annotations

import functools
import hashlib
import io
import wave
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import Location, RoutineError, UserError
from ..media import MAX_SOUND_S, read_audio_file, sound_too_long, stream_audio
from ..model import SAMPLE_RATE, Music, Timeline, samples
from ..timing import BUILTIN_SOUND_S, tone_s

#: Pitches of the breath tones (Hz): they rise from low to high over an inhale, stay on
#: the high one while the breath is held, fall over the exhale and stay low when held out.
TONE_LOW_HZ = 196.0
TONE_HIGH_HZ = 294.0


@functools.cache
def breath_tone(name: str) -> np.ndarray | None:
    """A synthesized breath-phase tone (``timing.tone_name``), or None for other names.

    A soft sine with a little second harmonic whose pitch glides exponentially (in, out)
    or stays (hold, rest); exactly as long as the name says, with a 10 ms rise so its
    onset is where the timeline puts it, and a gentle fade at the end.
    """
    tone = tone_s(name)
    if tone is None:
        return None
    phase, length_s = tone
    n = samples(length_s)
    t = np.arange(n, dtype=np.float64) / max(n - 1, 1)
    lo, hi = TONE_LOW_HZ, TONE_HIGH_HZ
    start, end = {"in": (lo, hi), "out": (hi, lo), "hold": (hi, hi), "rest": (lo, lo)}[phase]
    freq = start * (end / start) ** t
    angle = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    angle -= angle[0] if n else 0.0
    wave_ = np.cos(angle) + 0.15 * np.cos(2 * angle)  # starts at its crest: a clean onset
    envelope = np.ones(n)
    rise, fall = min(samples(0.01), n // 4), min(samples(0.25), n // 3)
    envelope[:rise] = np.linspace(0.2, 1.0, rise)
    envelope[n - fall :] = np.linspace(1.0, 0.0, fall) ** 2
    data = (0.3 * wave_ * envelope).astype(np.float32)
    data.setflags(write=False)
    return data


@functools.cache
def _asset_sums() -> dict[str, str]:
    sums = resources.files("voicecoach") / "audio_assets" / "SHA256SUMS"
    return {
        name: digest for digest, name in (line.split() for line in sums.read_text().splitlines())
    }


@functools.cache
def builtin_sound(name: str) -> np.ndarray | None:
    """A built-in sound from ``audio_assets``, or None if there is no such sound.

    Each file is checked against ``SHA256SUMS``: a damaged asset is reported, never played.
    """
    if name not in BUILTIN_SOUND_S:
        return None
    path = resources.files("voicecoach") / "audio_assets" / f"{name}.wav"
    blob = path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != _asset_sums().get(path.name):
        raise UserError(
            f"the built-in sound {path.name} is damaged (its checksum does not match)",
            "reinstall voicecoach (`make install`), or run scripts/make_assets.py",
        )
    with wave.open(io.BytesIO(blob), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    data = data.astype(np.float32) / 32768.0
    data.setflags(write=False)
    return data


def load_sounds(
    timeline: Timeline, base_dir: Path, where: Mapping[str, Location] | None = None
) -> dict[str, np.ndarray]:
    """Audio for every sound the timeline uses: the routine's own files, else built-ins.

    ``where`` maps a file (as the routine names it) to the place that names it, so an
    undecodable file's error points into the routine (``Routine.file_locations``).
    """
    own = dict(timeline.sounds)
    out: dict[str, np.ndarray] = {}
    for name in sorted({e.sound for e in timeline.events if e.sound} | {"tick"}):
        if name in own:
            path = base_dir / own[name]
            if not path.is_file():
                raise UserError(
                    f"the sound {name!r} names {own[name]!r}, which does not exist in {base_dir}",
                    "fix the path under `sounds:` (relative to the routine file)",
                )
            at = (where or {}).get(own[name])
            # Read no further than the limit: an hour of silence is 372 KB of FLAC.
            sound = read_audio_file(path, "sound file", at, MAX_SOUND_S + 0.05)
            if sound.size > MAX_SOUND_S * SAMPLE_RATE:
                message, hint = sound_too_long(name, own[name])
                raise RoutineError(at, message, hint) if at else UserError(message, hint)
            out[name] = sound
            continue
        found = builtin_sound(name)
        if found is None:
            found = breath_tone(name)
        if found is None:
            raise UserError(f"unknown sound {name!r}", "add it under `sounds:` in the routine")
        out[name] = found
    return out


@dataclass(frozen=True)
class MusicFile:
    """A routine's music file, checked to decode; ``mix`` reads only what the session needs."""

    path: Path
    where: Location | None = None

    def chunks(self, need_sample: int) -> Iterator[np.ndarray]:
        """The file's first ``need_sample`` samples (or all, if it is shorter), in blocks."""
        return stream_audio(self.path, "music file", self.where, need_sample / SAMPLE_RATE + 0.01)


def load_music(
    music: Music, base_dir: Path, where: Mapping[str, Location] | None = None
) -> MusicFile:
    """The background bed named by the routine, once its first moments decode."""
    path = base_dir / music.path
    if not path.is_file():
        raise UserError(
            f"the music file {music.path!r} does not exist in {base_dir}",
            "fix `music: {file: ...}` (relative to the routine file)",
        )
    found = MusicFile(path, (where or {}).get(music.path))
    for _ in found.chunks(SAMPLE_RATE // 2):  # raises, at the routine's line, if it cannot
        pass
    return found
