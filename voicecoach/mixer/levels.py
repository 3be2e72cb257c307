"""How one clip is levelled: loudness targets, normalizing, peak limiting, compression.

Every clip and sound is brought to its level before mixing (speech to the target, cues
below it, each peak-limited with soft edges), so the mix only adds and scales. These are
pure functions of a clip and a target; keeping their results between mixes is
``levelcache``'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import samples
from .loudness import clip_loudness, true_peak_db


@dataclass(frozen=True)
class LoudnessTarget:
    """Where a session's loudness lands, and how hard speech is compressed first."""

    lufs: float
    true_peak_db: float = -1.0
    compress: bool = False


LOUDNESS = {
    "headphones": LoudnessTarget(-16.0),
    "speaker": LoudnessTarget(-14.0, compress=True),
}

#: Level of each kind of sound relative to speech (LU). Cues sit under the voice.
RELATIVE_LU = {
    "chime": -6.0,
    "tick": -12.0,
    "breath_in": -12.0,
    "breath_out": -12.0,
    "breath_hold": -12.0,
}
#: Cues come up this much with ``--loudness speaker`` (compressed speech sounds louder).
SPEAKER_LIFT_LU = 3.0
#: Peak ceiling of a single clip: headroom for the final correction and lossy encoding.
_CLIP_PEAK_DB = -3.0
_FADE_IN = samples(0.0005)
_FADE_OUT = samples(0.003)


def level_speech(clip: np.ndarray, target: LoudnessTarget) -> np.ndarray:
    """A spoken clip at the target's loudness (compressed first when the target says so)."""
    x = clip.astype(np.float32)
    if target.compress:
        x = _compress(x)
    return level(x, target.lufs, edges=True)


def level(x: np.ndarray, lufs: float, *, edges: bool) -> np.ndarray:
    """Scales to a loudness with the true peak limited, and softens the first/last samples.

    Limiting lowers loudness a little, so scale and limit alternate until both hold.
    """
    x = np.array(x, dtype=np.float32)  # a copy, levelled in place
    for _ in range(3):
        loud = clip_loudness(x)
        if not math.isfinite(loud) or abs(lufs - loud) < 0.05:
            break
        x *= np.float32(10 ** ((lufs - loud) / 20))
        limited = _limit(x, _CLIP_PEAK_DB)
        if limited is x:  # scaling alone hit the target: measuring again would confirm it
            break
        x = limited
    if math.isfinite(peak := true_peak_db(x)) and peak > _CLIP_PEAK_DB:
        x *= np.float32(10 ** ((_CLIP_PEAK_DB - peak) / 20))
    if edges and x.size > _FADE_IN + _FADE_OUT:
        x[:_FADE_IN] *= np.linspace(0.0, 1.0, _FADE_IN, dtype=np.float32)
        x[x.size - _FADE_OUT :] *= np.linspace(1.0, 0.0, _FADE_OUT, dtype=np.float32)
    return x


_FRAME = samples(0.005)


def _limit(x: np.ndarray, ceiling_db: float) -> np.ndarray:
    """A look-ahead limiter for one clip: a smooth gain dip wherever peaks pass the ceiling.

    Peaks are taken per 5 ms frame (with both neighbours, so the gain is already down when
    a peak arrives) and the gain is interpolated between frames: no clicks, no overshoot.
    """
    ceiling = 10 ** (ceiling_db / 20) * 0.94  # inter-sample peaks sit up to ~0.5 dB higher
    frames = -(-x.size // _FRAME)
    padded = np.zeros(frames * _FRAME, dtype=np.float32)
    padded[: x.size] = np.abs(x)
    peak = padded.reshape(frames, _FRAME).max(axis=1)
    peak = np.maximum(peak, np.maximum(np.r_[peak[1:], 0.0], np.r_[0.0, peak[:-1]]))
    if peak.max(initial=0.0) <= ceiling:
        return x
    gain = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    centers = (np.arange(frames) + 0.5) * _FRAME
    smooth = np.interp(np.arange(x.size), centers, gain).astype(np.float32)
    limited: np.ndarray = x * smooth
    return limited


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    total = np.cumsum(np.r_[0.0, x])
    out = (total[width:] - total[:-width]) / width
    padded: np.ndarray = np.r_[
        np.full(width // 2, out[0]), out, np.full(width - 1 - width // 2, out[-1])
    ]
    return padded


def _compress(x: np.ndarray, threshold_db: float = -24.0, ratio: float = 3.0) -> np.ndarray:
    """Gentle compression so soft syllables carry across a room (``--loudness speaker``)."""
    if x.size < samples(0.01):
        return x
    power = _moving_mean(x.astype(np.float64) ** 2, samples(0.01))
    level_db = 10 * np.log10(np.maximum(power, 1e-12))
    over = np.maximum(0.0, level_db - threshold_db)
    gain_db = -over * (1 - 1 / ratio)
    compressed: np.ndarray = (x * 10 ** (gain_db / 20)).astype(np.float32)
    return compressed
