"""Finding ffmpeg: the system's when there is one, else the binary imageio-ffmpeg ships."""

from __future__ import annotations

import functools
import shutil

from ..errors import UserError


@functools.cache
def find_ffmpeg() -> str:
    """Path of an ffmpeg executable; no system install is required."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise UserError(
            f"no ffmpeg found ({exc})", "run `make install`, or install ffmpeg on the system"
        ) from None
