"""Audio files in and out of the package: where ffmpeg is, and reading a file as audio.

The mixer (stage 4) reads a user's sound and music files and export (stage 5) encodes the
session; both need ffmpeg, so finding it lives here, below both, in one place (as pydub
keeps its own ffmpeg plumbing in one place). Files are read into a pydub ``AudioSegment``,
the type Python users reach for to handle audio; the streaming mixer takes numpy arrays
(``segment_samples``), because pydub's overlay is quadratic over a long session.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import tempfile
import warnings
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .errors import Location, RoutineError, UserError
from .model import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    from pydub import AudioSegment

#: How many lines of ffmpeg's complaint an error quotes.
_STDERR_TAIL = 3
#: The longest a routine's own sound (a chime, a gong) may play; longer audio is music.
#: With the total and the count below, a build's peak memory stays within 150 MB whatever
#: the sounds: levelling a sound costs about 20 bytes a sample while it runs (with a cold
#: cache, three distinct 10-second sounds peak at 125 MB, six at 153, four of 30 s at 303).
MAX_SOUND_S = 10.0
#: How long a routine's own sounds may last together, and how many it may name.
MAX_SOUNDS_TOTAL_S = 30.0
MAX_SOUNDS = 16


@functools.cache
def find_ffmpeg() -> str:
    """Path of an ffmpeg executable; no system install is required."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise UserError(
            f"no ffmpeg found ({exc})", "run `make install`, or install ffmpeg on the system"
        ) from None


def pydub() -> type[AudioSegment]:
    """pydub's ``AudioSegment``, told where our ffmpeg is, so ``.export(...)`` works too.

    pydub warns at import when no ffmpeg is on PATH (ours may come from imageio-ffmpeg, so
    the converter is set here) and, on Python 3.12, that ``audioop`` is deprecated (3.13
    and later get the ``audioop-lts`` dependency instead): neither is the user's concern.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment

    AudioSegment.converter = find_ffmpeg()
    return cast("type[AudioSegment]", AudioSegment)


def _decode_command(path: Path, max_s: float | None, fmt: str) -> list[str]:
    """ffmpeg reading ``path`` (at most its first ``max_s`` seconds) as 16-bit mono."""
    cmd = [find_ffmpeg(), "-v", "error", "-nostdin", "-i", str(path)]
    if max_s is not None:
        cmd += ["-t", f"{max_s:.3f}"]
    cmd += ["-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", fmt, "-"]
    return cmd


def _unreadable(path: Path, what: str, where: Location | None, stderr: bytes) -> UserError:
    """The error for a file ffmpeg cannot decode: the file and ffmpeg's last words."""
    lines = stderr.decode(errors="replace").strip().splitlines()[-_STDERR_TAIL:]
    reason = [re.sub(r"^\[[^\]]*\]\s*", "", line) for line in lines]  # "[in#0 @ 0x..] "
    message = f"cannot read the {what} {path}: {'; '.join(reason) or 'no audio in it'}"
    hint = "use a wav, mp3, ogg or flac file that plays in a media player"
    if where is not None:
        return RoutineError(where, message, hint)
    return UserError(message, hint)


def read_audio(
    path: Path,
    what: str = "sound file",
    where: Location | None = None,
    max_s: float | None = None,
) -> AudioSegment:
    """Any wav/mp3/ogg/flac/m4a file as an ``AudioSegment``: 16-bit mono at ``SAMPLE_RATE``.

    ffmpeg decodes and resamples whatever the file holds into a WAV that pydub reads
    (pydub's ``from_file`` would first ask ffprobe, which imageio-ffmpeg does not ship).
    ``max_s`` reads only the file's start (an hour of silence is 372 KB of FLAC and 300 MB
    decoded). A file that cannot be decoded is a ``RoutineError`` at ``where`` (the routine
    entry that names the file) when given, else a ``UserError``; both name the file and
    quote the end of ffmpeg's complaint.
    """
    cmd = _decode_command(path, max_s, "wav")
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode == 0 and len(done.stdout) > 44:
        return pydub().from_wav(io.BytesIO(done.stdout))
    raise _unreadable(path, what, where, done.stderr)


def _decoded(
    path: Path, what: str, where: Location | None, max_s: float | None, chunk_bytes: int
) -> Iterator[bytes]:
    """ffmpeg's 16-bit samples of the file as they are decoded, whole samples per chunk."""
    cmd = _decode_command(path, max_s, "s16le")
    with (
        tempfile.TemporaryFile() as err,
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err) as proc,
    ):
        assert proc.stdout is not None
        count = 0
        try:
            while True:
                data = proc.stdout.read(chunk_bytes)
                usable = len(data) // 2 * 2
                if usable:
                    count += usable
                    yield data[:usable]
                if len(data) < chunk_bytes:
                    break
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()  # the reader stopped early: no need to decode the rest
            code = proc.wait()
        if code != 0 or count == 0:
            err.seek(0)
            raise _unreadable(path, what, where, err.read())


def stream_audio(
    path: Path,
    what: str = "sound file",
    where: Location | None = None,
    max_s: float | None = None,
    block_sample: int = 65536,
) -> Iterator[np.ndarray]:
    """The file's samples (float32 mono at ``SAMPLE_RATE``) in blocks, decoded as read.

    Memory stays at one block whatever the file's length; ``max_s`` stops ffmpeg early.
    Errors as ``read_audio``'s, raised once the decoder has finished.
    """
    import numpy as np

    for data in _decoded(path, what, where, max_s, block_sample * 2):
        yield np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def audio_length_s(path: Path, limit_s: float) -> float | None:
    """How long the file plays, read no further than just past ``limit_s``; None if it
    cannot be decoded (the mixer reports that, at the routine's line)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _length_s(str(path), stat.st_mtime_ns, stat.st_size, limit_s)


@functools.lru_cache(maxsize=64)
def _length_s(path: str, _mtime_ns: int, _size: int, limit_s: float) -> float | None:
    try:
        chunks = _decoded(Path(path), "sound file", None, limit_s + 0.05, 1 << 16)
        total = sum(len(data) for data in chunks)  # no numpy: validate starts fast
    except UserError:
        return None
    return total / 2 / SAMPLE_RATE


def sound_too_long(name: str, ref: str) -> tuple[str, str]:
    """Message and hint for a sound over ``MAX_SOUND_S`` (validate and build say the same)."""
    return (
        f"the sound {name!r} ({ref}) is longer than {MAX_SOUND_S:g} s, the limit for a sound",
        "cut the file to the moment it marks (a chime, a bell); long audio goes under `music:`",
    )


def segment_samples(segment: AudioSegment) -> np.ndarray:
    """A 16-bit mono segment's samples as float32 in [-1, 1), as the mixer takes them."""
    import numpy as np

    return np.array(segment.get_array_of_samples(), dtype=np.float32) / 32768.0


def read_audio_file(
    path: Path,
    what: str = "sound file",
    where: Location | None = None,
    max_s: float | None = None,
) -> np.ndarray:
    """``read_audio`` as float32 mono samples at ``SAMPLE_RATE``."""
    return segment_samples(read_audio(path, what, where, max_s))


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV file as int16 samples (channels averaged) and its rate.

    For WAVs written by our own tools (speech engines); a user's file goes through
    ``read_audio``, which takes any format and rate.
    """
    import numpy as np

    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        data = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit audio, got {8 * width}-bit")
    samples = np.frombuffer(data, dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return samples, rate
