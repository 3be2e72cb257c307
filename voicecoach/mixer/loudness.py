"""Loudness per ITU-R BS.1770 / EBU R128, and true peak, with numpy alone.

The K-weighting filter is applied as its impulse response (FFT convolution), which is
exact to far below a hundredth of a dB and linear: the K-weighted session is the sum of
the K-weighted clips, so the mixer can measure a whole session without filtering it.
``LoudnessMeter`` keeps one number per 100 ms and nothing else.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from ..model import SAMPLE_RATE

_HOP = SAMPLE_RATE // 10  # 100 ms; a gating block is 4 hops (400 ms, 75 % overlap)
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_IMPULSE_LENGTH = 8192  # 186 ms; the filter's response has died away long before


def _biquad(
    kind: str, gain_db: float, q: float, fc: float, rate: int
) -> tuple[list[float], list[float]]:
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
    return [x / den[0] for x in b], [1.0, den[1] / den[0], den[2] / den[0]]


@functools.cache
def k_impulse() -> np.ndarray:
    """The K-weighting filter's impulse response at ``SAMPLE_RATE``."""
    x = [0.0] * _IMPULSE_LENGTH
    x[0] = 1.0
    for kind, gain, q, fc in (("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0),
                              ("high_pass", 0.0, 0.5, 38.0)):  # fmt: skip
        b, a = _biquad(kind, gain, q, fc, SAMPLE_RATE)
        y = [0.0] * len(x)
        x1 = x2 = y1 = y2 = 0.0
        for n, xn in enumerate(x):
            yn = b[0] * xn + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
            x2, x1, y2, y1 = x1, xn, y1, yn
            y[n] = yn
        x = y
    h = np.array(x)
    h.setflags(write=False)
    return h


#: FFT sizes up to this have the filter's spectrum kept (8 MB at most; a clip is smaller).
_KEEP_SPECTRUM_SIZE = 1 << 20


@functools.lru_cache(maxsize=8)
def _k_spectrum(size: int) -> np.ndarray:
    """``rfft`` of the K-weighting impulse at one FFT size: the same numbers every time."""
    spectrum = np.fft.rfft(k_impulse(), size)
    spectrum.setflags(write=False)
    return spectrum


def _convolve(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    n = x.size + h.size - 1
    size = 1 << (n - 1).bit_length()
    if h is k_impulse() and size <= _KEEP_SPECTRUM_SIZE:
        spectrum = _k_spectrum(size)
    else:
        spectrum = np.fft.rfft(h, size)
    return np.fft.irfft(np.fft.rfft(x, size) * spectrum, size)[:n]


def k_weight(x: np.ndarray) -> np.ndarray:
    """K-weighted signal with its tail (``len(x) + 8191`` samples)."""
    return _convolve(x.astype(np.float64), k_impulse())


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * math.log10(mean_square) if mean_square > 0 else -math.inf


class LoudnessMeter:
    """Integrated loudness of a stream of mono blocks at ``SAMPLE_RATE``."""

    def __init__(self) -> None:
        self._tail = np.zeros(_IMPULSE_LENGTH - 1)
        self._pending = np.zeros(0)
        self._hops: list[float] = []

    def add(self, block: np.ndarray) -> None:
        """Adds audio; it is K-weighted here (overlap-add keeps the filter's memory)."""
        y = _convolve(block.astype(np.float64), k_impulse())
        y[: self._tail.size] += self._tail[: y.size]
        leftover = self._tail[y.size :] if self._tail.size > y.size else np.zeros(0)
        out, rest = y[: block.size], y[block.size :]
        self._tail = rest.copy()
        self._tail[: leftover.size] += leftover
        self.add_weighted(out)

    def add_weighted(self, weighted: np.ndarray) -> None:
        """Adds audio that is already K-weighted."""
        data = np.concatenate([self._pending, weighted]) if self._pending.size else weighted
        whole = data.size // _HOP * _HOP
        if whole:
            squares = np.square(data[:whole], dtype=np.float64)
            self._hops.extend(squares.reshape(-1, _HOP).mean(axis=1).tolist())
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
    return _lufs(float(np.mean(k_weight(x)[: x.size] ** 2)))


def oversample(x: np.ndarray, factor: int = 4) -> np.ndarray:
    """Band-limited upsampling through the FFT (the clip is padded against wrap-around)."""
    size = 1 << (x.size + 128 - 1).bit_length()
    pad = np.zeros(size)
    pad[64 : 64 + x.size] = x
    up = np.fft.irfft(np.fft.rfft(pad), size * factor)
    up *= factor  # in place: the 4x signal is the largest array a build makes
    return up[64 * factor : (64 + x.size) * factor]


def true_peak_db(x: np.ndarray) -> float:
    """Peak of the 4x oversampled signal, in dBTP (dB relative to full scale)."""
    if x.size == 0:
        return -math.inf
    up = oversample(x)
    peak = max(float(up.max()), -float(up.min()))  # = max |up|, without a copy of it
    return 20 * math.log10(peak) if peak > 0 else -math.inf
