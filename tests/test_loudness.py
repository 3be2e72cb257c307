"""Our loudness meter against pyloudnorm and ffmpeg, on generated signals."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from voicecoach.mixer.loudness import LoudnessMeter, clip_loudness, k_weight, true_peak_db
from voicecoach.model import SAMPLE_RATE

from .audio import ebur128

RNG = np.random.default_rng(3)
SIGNALS = {
    "noise": 0.1 * RNG.standard_normal(SAMPLE_RATE * 6),
    "sine": 0.3 * np.sin(2 * np.pi * 997 * np.arange(SAMPLE_RATE * 5) / SAMPLE_RATE),
    "gated": np.concatenate(
        [
            0.2 * RNG.standard_normal(SAMPLE_RATE * 3),
            np.zeros(SAMPLE_RATE * 4),
            0.02 * RNG.standard_normal(SAMPLE_RATE * 3),
        ]
    ),
}


@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_integrated_loudness_matches_reference_meters(name: str) -> None:
    x = SIGNALS[name]
    reference = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(x)
    for block in (997, 65536):
        meter = LoudnessMeter()
        for start in range(0, x.size, block):
            meter.add(x[start : start + block])
        assert meter.integrated_lufs == pytest.approx(reference, abs=0.01)
    ffmpeg_lufs, _ = ebur128(x.astype(np.float32))
    assert meter.integrated_lufs == pytest.approx(ffmpeg_lufs, abs=0.2)


def test_k_weighting_is_linear_so_clips_can_be_measured_in_place() -> None:
    a, b = SIGNALS["noise"][:44100], SIGNALS["sine"][:44100]
    assert np.allclose(k_weight(a + b), k_weight(a) + k_weight(b))


def test_true_peak_sees_between_samples() -> None:
    n = np.arange(4400)
    x = 0.5 * np.sin(2 * np.pi * (SAMPLE_RATE / 4) * n / SAMPLE_RATE + np.pi / 4)
    assert 20 * np.log10(np.abs(x).max()) < -8.9
    assert true_peak_db(x) == pytest.approx(20 * np.log10(0.5), abs=0.2)
    _, ffmpeg_peak = ebur128(np.tile(x, 20).astype(np.float32))
    assert true_peak_db(x) == pytest.approx(ffmpeg_peak, abs=0.7)


def test_clip_loudness_of_a_sine() -> None:
    x = SIGNALS["sine"]
    assert clip_loudness(x) == pytest.approx(
        pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(x), abs=0.05
    )
