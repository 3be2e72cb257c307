"""Stage 5: the finished files: encoded audio with tags and chapters, and sidecars."""

from __future__ import annotations

from ..media import find_ffmpeg
from .encode import FORMATS, ExportSettings, FormatSpec, check_output_path, encode
from .sidecars import render_script, render_vtt, sidecar_paths, write_sidecars

__all__ = [
    "FORMATS",
    "ExportSettings",
    "FormatSpec",
    "check_output_path",
    "encode",
    "find_ffmpeg",
    "render_script",
    "render_vtt",
    "sidecar_paths",
    "write_sidecars",
]
