"""Loudness per ITU-R BS.1770 / EBU R128, measured while streaming.

The mixer needs the integrated loudness of a whole session without holding it in
memory: ``LoudnessMeter`` keeps one number per 100 ms and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import signal

from .model import SAMPLE_RATE

_HOP = SAMPLE_RATE // 10  # 100 ms; a gating block is 4 hops (400 ms, 75 % overlap)
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0


def _biquad(kind: str, gain_db: float, q: float, fc: float, rate: int) -> np.ndarray:
    """One second-order section of the K-weighting filter, for any sample rate."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * fc / rate
    alpha = math.sin(w0) / (2 * q)
    cos = math.cos(w0)
    if kind == "high_shelf":
        b = [
            a * ((a + 1) + (a - 1) * cos + 2 * math.sqrt(a) * alpha),
            -2 * a * ((a - 1) + (a + 1) * cos),
            a * ((a + 1) + (a - 1) * cos - 2 * math.sqrt(a) * alpha),
        ]
        den = [
            (a + 1) - (a - 1) * cos + 2 * math.sqrt(a) * alpha,
            2 * ((a - 1) - (a + 1) * cos),
            (a + 1) - (a - 1) * cos - 2 * math.sqrt(a) * alpha,
        ]
    else:
        b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
        den = [1 + alpha, -2 * cos, 1 - alpha]
    return np.array([*(x / den[0] for x in b), 1.0, den[1] / den[0], den[2] / den[0]])


K_WEIGHTING = np.vstack(
    [
        _biquad("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0, SAMPLE_RATE),
        _biquad("high_pass", 0.0, 0.5, 38.0, SAMPLE_RATE),
    ]
)


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * math.log10(mean_square) if mean_square > 0 else -math.inf


class LoudnessMeter:
    """Integrated loudness of a stream of mono blocks at ``SAMPLE_RATE``."""

    def __init__(self) -> None:
        self._zi = np.zeros((K_WEIGHTING.shape[0], 2))
        self._pending = np.zeros(0)
        self._hops: list[float] = []

    def add(self, block: np.ndarray) -> None:
        weighted, self._zi = signal.sosfilt(K_WEIGHTING, block.astype(np.float64), zi=self._zi)
        data = np.concatenate([self._pending, weighted]) if self._pending.size else weighted
        whole = data.size // _HOP * _HOP
        if whole:
            self._hops.extend(np.mean(data[:whole].reshape(-1, _HOP) ** 2, axis=1).tolist())
        self._pending = data[whole:]

    @property
    def integrated_lufs(self) -> float:
        """Gated integrated loudness; -inf for silence or less than 400 ms."""
        hops = np.asarray(self._hops)
        if hops.size < 4:
            return -math.inf
        blocks = np.convolve(hops, np.ones(4) / 4, mode="valid")
        loud = blocks[blocks > 10 ** ((_ABSOLUTE_GATE + 0.691) / 10)]
        if loud.size == 0:
            return -math.inf
        relative = _lufs(float(loud.mean())) + _RELATIVE_GATE
        gated = loud[loud > 10 ** ((relative + 0.691) / 10)]
        return _lufs(float(gated.mean()))


def integrated_loudness(blocks: Iterable[np.ndarray]) -> float:
    """Integrated loudness (LUFS) of a stream of blocks."""
    meter = LoudnessMeter()
    for block in blocks:
        meter.add(block)
    return meter.integrated_lufs


def clip_loudness(x: np.ndarray) -> float:
    """Ungated K-weighted loudness of a short clip (words can be shorter than 400 ms)."""
    if x.size == 0:
        return -math.inf
    weighted = signal.sosfilt(K_WEIGHTING, x.astype(np.float64))
    return _lufs(float(np.mean(weighted**2)))


def true_peak_db(x: np.ndarray) -> float:
    """Peak of the 4x oversampled signal, in dBTP (dB relative to full scale)."""
    if x.size == 0:
        return -math.inf
    peak = float(np.abs(signal.resample_poly(x.astype(np.float64), 4, 1)).max())
    return 20 * math.log10(peak) if peak > 0 else -math.inf
