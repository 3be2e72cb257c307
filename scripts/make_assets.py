#!/usr/bin/env python3
"""Synthesizes the built-in sounds into voicecoach/audio_assets/ (deterministic).

The sounds are generated here from sine partials and envelopes, so they are ours to
license (MIT, like the project). Run it again after changing a recipe; the files are
committed so that a build never needs this script.
"""

from __future__ import annotations

import hashlib
import wave
from pathlib import Path

import numpy as np

RATE = 44100
OUT = Path(__file__).resolve().parents[1] / "voicecoach" / "audio_assets"


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * RATE)) / RATE


def _edges(x: np.ndarray, fade_in_s: float = 0.004, fade_out_s: float = 0.05) -> np.ndarray:
    x = x.copy()
    n_in, n_out = int(fade_in_s * RATE), int(fade_out_s * RATE)
    x[:n_in] *= np.linspace(0, 1, n_in)
    x[len(x) - n_out :] *= np.linspace(1, 0, n_out)
    return x


def bell(f0: float, seconds: float, partials: list[tuple[float, float, float]]) -> np.ndarray:
    """Inharmonic partials (ratio, level, decay per second) with exponential decay."""
    t = _t(seconds)
    x = sum(level * np.sin(2 * np.pi * f0 * ratio * t) * np.exp(-decay * t)
            for ratio, level, decay in partials)  # fmt: skip
    return _edges(x)


def glide(f_from: float, f_to: float, seconds: float) -> np.ndarray:
    """A soft sine gliding in pitch, with a raised-cosine swell: breath in or out."""
    t = _t(seconds)
    freq = np.geomspace(f_from, f_to, t.size)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    swell = np.sin(np.pi * t / seconds) ** 2
    return (np.sin(phase) + 0.2 * np.sin(2 * phase)) * swell


def tick(seconds: float = 0.08) -> np.ndarray:
    """A short wood-block knock: a damped 1.2 kHz and 2.9 kHz pair."""
    t = _t(seconds)
    x = np.sin(2 * np.pi * 1200 * t) * np.exp(-60 * t) + 0.4 * np.sin(
        2 * np.pi * 2900 * t
    ) * np.exp(-90 * t)
    return _edges(x, 0.001, 0.01)


def start() -> np.ndarray:
    """Two short rising notes: 'begin'."""
    a = bell(660, 0.22, [(1, 1, 9), (2, 0.3, 14)])
    b = bell(880, 0.28, [(1, 1, 8), (2, 0.3, 12)])
    return np.concatenate([a, b])


SOUNDS = {
    "chime": lambda: bell(523.25, 1.2, [(1, 1, 3), (2.76, 0.4, 5), (5.4, 0.15, 8)]),
    "bell": lambda: bell(784, 1.5, [(1, 1, 2.5), (2.0, 0.5, 3.5), (3.01, 0.25, 5), (4.2, 0.1, 7)]),
    "breath_in": lambda: glide(220, 330, 1.0),
    "breath_out": lambda: glide(330, 220, 1.0),
    "tick": tick,
    "start": start,
}


def write(name: str, x: np.ndarray) -> Path:
    x = x / np.abs(x).max() * 10 ** (-3 / 20)
    path = OUT / f"{name}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.round(x * 32767).astype("<i2").tobytes())
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sums = []
    for name, make in SOUNDS.items():
        x = make()
        path = write(name, x)
        sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
        print(f"{path.name}: {len(x) / RATE:.3f} s")
    (OUT / "SHA256SUMS").write_text("".join(sorted(sums, key=lambda line: line[66:])))


if __name__ == "__main__":
    main()
