"""The music bed under a session: looped, ducked under speech, faded in and out.

A routine's ``music:`` is one short file; the bed loops it (its end crossfaded into its
start), brings it to the routine's level, dips it 12 dB wherever someone speaks (held
down across short gaps, so it does not swell between lines) and fades it over the
session's first and last seconds. ``blocks`` asks for it one block at a time.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable

import numpy as np

from ..model import Music, samples
from .loudness import k_weight

_DUCK_DB = -12.0
_DUCK_ATTACK = samples(0.15)
_DUCK_RELEASE = samples(1.0)
#: Lines closer than this keep the music down between them (no swell in short gaps).
_DUCK_HOLD = samples(3.0)
#: The bed fades in at the start and out at the end of the session.
_MUSIC_FADE = samples(3.0)
_MUSIC_CROSSFADE = samples(0.5)


class Bed:
    """The music as the session plays it: at the routine's level, looped with its end
    crossfaded into its start, read from a temporary file one block at a time.

    Only as much music as the session lasts is kept (``need`` samples; the reader stops
    there), and never all of it in memory: a 30-minute MP3 under a 37-second session once
    took 6.7 GB. The level is measured as the samples arrive (K-weighting by overlap-add).
    """

    def __init__(self, chunks: Iterable[np.ndarray], spec: Music | None, need: int) -> None:
        volume_db = spec.volume_db if spec else -20.0
        # Lives as long as the block generator that reads it; closed when collected.
        self._file = tempfile.TemporaryFile(prefix="voicecoach-bed-")  # noqa: SIM115
        self._fd = self._file.fileno()
        squares, tail, size = 0.0, np.zeros(0), 0
        for chunk in chunks:
            x = chunk[: max(0, need - size)].astype(np.float32)
            if not x.size:
                break
            os.pwrite(self._fd, x.tobytes(), size * 4)
            size += x.size
            y = k_weight(x)  # x.size + 8191 samples: the filter's tail goes to what follows
            y[: min(tail.size, y.size)] += tail[: y.size]
            tail = y[x.size :]
            squares += float(np.sum(y[: x.size] ** 2))
        loud = _lufs(squares / size) if size else -math.inf
        self.gain = (
            np.float32(10 ** ((-16.0 + volume_db - loud) / 20)) if math.isfinite(loud) else None
        )
        self.size = size
        # A bed that covers the session never loops: no crossfade.
        n = min(_MUSIC_CROSSFADE, size // 4) if size < need else 0
        self._head: np.ndarray = np.zeros(0, dtype=np.float32)
        if n:
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
            self._head = self._read(0, n) * ramp + self._read(size - n, size) * (1 - ramp)
        #: The loop's length: the crossfaded end is folded into the head.
        self.period = size - n

    def _read(self, lo: int, hi: int) -> np.ndarray:
        """Samples lo..hi at the routine's level."""
        raw = np.frombuffer(os.pread(self._fd, (hi - lo) * 4, lo * 4), dtype=np.float32)
        return raw * self.gain if self.gain is not None else raw

    def slice(self, start: int, end: int) -> np.ndarray:
        """Session samples start..end of the looped bed."""
        parts = []
        t = start
        while t < end:
            pos = t % self.period
            if pos < self._head.size:
                hi = min(self._head.size, pos + end - t)
                parts.append(self._head[pos:hi])
            else:
                hi = min(self.period, pos + end - t)
                parts.append(self._read(pos, hi))
            t += hi - pos
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def __del__(self) -> None:
        self._file.close()


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * math.log10(mean_square) if mean_square > 0 else -math.inf


def ducked_spans(speech: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the music stays down: the spoken spans, merged across short gaps."""
    return _hold_gaps(speech, _DUCK_HOLD)


def bed_block(
    bed: Bed, ducked: list[tuple[int, int]], start: int, end: int, total: int
) -> np.ndarray:
    """Samples start..end of the bed as it sounds in a ``total``-sample session."""
    gain = _duck(ducked, start, end) * _fade(start, end, total)
    block: np.ndarray = bed.slice(start, end) * gain
    return block


def _hold_gaps(spans: list[tuple[int, int]], hold: int) -> list[tuple[int, int]]:
    """Spans merged across gaps shorter than ``hold``: where the music stays ducked."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s - out[-1][1] < hold:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _smooth(x: np.ndarray) -> np.ndarray:
    """0..1 to 0..1 with flat ends (smoothstep): gain moves without a corner."""
    smoothed: np.ndarray = x * x * (3 - 2 * x)
    return smoothed


def _duck(speech: list[tuple[int, int]], start: int, end: int) -> np.ndarray:
    """Music gain for samples start..end: down by 12 dB under speech, eased both ways."""
    gain = np.ones(end - start, dtype=np.float32)
    low = np.float32(10 ** (_DUCK_DB / 20))
    t = np.arange(start, end)
    for s, e in speech:
        if e + _DUCK_RELEASE < start or s - _DUCK_ATTACK > end:
            continue
        down = np.clip((s - t) / _DUCK_ATTACK, 0.0, 1.0)
        up = np.clip((t - e) / _DUCK_RELEASE, 0.0, 1.0)
        shape = low + (1 - low) * _smooth(np.maximum(down, up))
        np.minimum(gain, shape, out=gain)
    return gain


def _fade(start: int, end: int, total: int) -> np.ndarray:
    """The bed's fade in over the session's first seconds and out over its last."""
    n = min(_MUSIC_FADE, total // 2) or 1
    t = np.arange(start, end)
    edge = np.minimum(t / n, (total - t) / n)
    return _smooth(np.clip(edge, 0.0, 1.0)).astype(np.float32)
