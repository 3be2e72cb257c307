"""Reading back what we wrote: decode with ffmpeg, measure with ebur128."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from voicecoach.export import find_ffmpeg
from voicecoach.model import SAMPLE_RATE


def decode(path: Path) -> np.ndarray:
    """Any audio file to float32 mono samples at 44.1 kHz, as a player would hear it."""
    out = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "pipe:1"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(out, dtype="<f4")


def ebur128(path_or_samples: Path | np.ndarray) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from ffmpeg's own meter, independent of ours."""
    cmd = [find_ffmpeg(), "-hide_banner", "-nostats"]
    data = None
    if isinstance(path_or_samples, np.ndarray):
        cmd += ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
        data = path_or_samples.astype("<f4").tobytes()
    else:
        cmd += ["-i", str(path_or_samples)]
    cmd += ["-af", "ebur128=peak=true", "-f", "null", "-"]
    err = subprocess.run(cmd, input=data, capture_output=True, check=True).stderr.decode()
    summary = err[err.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return lufs, peak


def dbfs(x: np.ndarray) -> float:
    peak = float(np.abs(x).max()) if x.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def onset(x: np.ndarray, around: int, threshold_db: float = -50.0, window: int = 2205) -> int:
    """First sample near ``around`` whose level passes the threshold (-1 if none)."""
    lo = max(0, around - window)
    seg = np.abs(x[lo : around + window])
    loud = np.flatnonzero(seg > 10 ** (threshold_db / 20))
    return lo + int(loud[0]) if loud.size else -1


def ffmpeg_chapters(path: Path) -> list[tuple[float, float, str]]:
    """(start s, end s, title) of each chapter, as ``ffmpeg -i`` lists them, in its order.

    (``-f ffmetadata`` output is not used: it shifts chapters by the stream's start time.)
    """
    err = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True
    ).stderr.decode("utf-8")
    pattern = (
        r"Chapter #\d+:\d+: start (-?[\d.]+), end (-?[\d.]+)\n"
        r"(?:\s+Metadata:\n\s+title\s+: (.*)\n)?"
    )
    return [(float(a), float(b), title) for a, b, title in re.findall(pattern, err)]
