"""Shaping raw engine audio into a clip: 44.1 kHz, trimmed tight, 16-bit."""

from __future__ import annotations

import numpy as np

from ..model import SAMPLE_RATE

#: Level below which the engine's lead-in and tail count as silence.
TRIM_DB = -45.0
_TAIL_KEEP_S = 0.005
_FADE_OUT_S = 0.003


def shape_clip(raw: np.ndarray, rate: int) -> np.ndarray:
    """Engine audio to an int16 clip at ``SAMPLE_RATE`` whose first sample is speech.

    Quantizing here (not later) makes a fresh clip identical to its cached copy.
    Raises ``ValueError`` for empty, silent or non-finite audio.
    """
    audio: np.ndarray = np.asarray(raw)
    if audio.dtype == np.int16:
        audio = audio.astype(np.float32) / 32768.0
    audio = audio.astype(np.float32).reshape(-1)
    if audio.size == 0:
        raise ValueError("the engine returned no audio")
    if not np.all(np.isfinite(audio)):
        raise ValueError("the engine returned audio with NaN or infinite samples")
    if rate != SAMPLE_RATE:
        import soxr

        audio = soxr.resample(audio, rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    threshold = 10 ** (TRIM_DB / 20)
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        raise ValueError("the engine returned only silence")
    end = min(audio.size, loud[-1] + 1 + int(_TAIL_KEEP_S * SAMPLE_RATE))
    clip = audio[loud[0] : end].copy()
    fade = min(clip.size, int(_FADE_OUT_S * SAMPLE_RATE))
    clip[clip.size - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    quantized: np.ndarray = np.clip(np.round(clip * 32767.0), -32768, 32767).astype(np.int16)
    return quantized


def to_float(clip: np.ndarray) -> np.ndarray:
    """int16 clip to float32 in [-1, 1)."""
    return clip.astype(np.float32) / 32768.0
