"""The music bed under a session: looped, ducked under speech, faded in and out.

A routine's ``music:`` is one short file; the bed loops it (its end crossfaded into its
start), brings it to the routine's level, dips it 12 dB wherever someone speaks (held
down across short gaps, so it does not swell between lines) and fades it over the
session's first and last seconds. ``blocks`` asks for it one block at a time.
"""

from __future__ import annotations

import math

import numpy as np

from ..model import Music, samples
from .loudness import clip_loudness

_DUCK_DB = -12.0
_DUCK_ATTACK = samples(0.15)
_DUCK_RELEASE = samples(1.0)
#: Lines closer than this keep the music down between them (no swell in short gaps).
_DUCK_HOLD = samples(3.0)
#: The bed fades in at the start and out at the end of the session.
_MUSIC_FADE = samples(3.0)
_MUSIC_CROSSFADE = samples(0.5)


def prepare_music(music: np.ndarray, spec: Music | None) -> np.ndarray:
    """A loopable bed at the routine's level: its end crossfaded into its start."""
    volume_db = spec.volume_db if spec else -20.0
    x = music.astype(np.float32)
    loud = clip_loudness(x)
    if math.isfinite(loud):
        x = x * np.float32(10 ** ((-16.0 + volume_db - loud) / 20))
    n = min(_MUSIC_CROSSFADE, x.size // 4)
    if n:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        head = x[:n] * ramp + x[x.size - n :] * (1 - ramp)
        x = np.concatenate([head, x[n : x.size - n]])
    return x


def ducked_spans(speech: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the music stays down: the spoken spans, merged across short gaps."""
    return _hold_gaps(speech, _DUCK_HOLD)


def bed_block(
    bed: np.ndarray, ducked: list[tuple[int, int]], start: int, end: int, total: int
) -> np.ndarray:
    """Samples start..end of the bed as it sounds in a ``total``-sample session."""
    gain = _duck(ducked, start, end) * _fade(start, end, total)
    block: np.ndarray = _bed_slice(bed, start, end) * gain
    return block


def _bed_slice(bed: np.ndarray, start: int, end: int) -> np.ndarray:
    idx = np.arange(start, end) % bed.size
    return bed[idx]


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
