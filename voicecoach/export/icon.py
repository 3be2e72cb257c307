"""A square PNG icon drawn with numpy: the share page's artwork and home-screen icon.

Used when no cover is given. No imaging library is needed: the picture is a few shapes
(a disc with a play triangle on the page's accent colour), supersampled for smooth edges
and written as an 8-bit RGB PNG with zlib, so the same size always gives the same bytes.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

#: The page's accent colour (``--accent`` in page.html) and the disc's colour.
ACCENT_RGB = (0x0B, 0x6E, 0x4F)
DISC_RGB = (0xFF, 0xFF, 0xFF)
_SUPERSAMPLE = 4


def icon_png(size_px: int) -> bytes:
    """A ``size_px`` x ``size_px`` icon as PNG bytes (deterministic)."""
    n = size_px * _SUPERSAMPLE
    # Pixel centres in [-1, 1], y pointing down.
    axis = (np.arange(n, dtype=np.float64) + 0.5) / n * 2.0 - 1.0
    y, x = np.meshgrid(axis, axis, indexing="ij")
    disc = x * x + y * y <= 0.66**2
    # A play triangle pointing right, centred on the disc's centre of mass.
    left, right, half = -0.20, 0.32, 0.30
    slope = half / (right - left)
    triangle = (x >= left) & (np.abs(y) <= (right - x) * slope)
    white = (disc & ~triangle).astype(np.float64)
    white = white.reshape(size_px, _SUPERSAMPLE, size_px, _SUPERSAMPLE).mean(axis=(1, 3))
    accent = np.array(ACCENT_RGB, dtype=np.float64)
    fill = np.array(DISC_RGB, dtype=np.float64)
    rgb = accent + (fill - accent) * white[..., None]
    return png_rgb(np.rint(rgb).astype(np.uint8))


def png_rgb(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of an ``(height, width, 3)`` uint8 array."""
    height, width, channels = pixels.shape
    if channels != 3 or pixels.dtype != np.uint8:
        raise ValueError("png_rgb wants an (h, w, 3) uint8 array")
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
