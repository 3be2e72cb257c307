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
from ..model import SAMPLE_RATE, Music, Timeline
from ..timing import BUILTIN_SOUND_S


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
