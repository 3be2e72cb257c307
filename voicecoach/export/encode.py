"""Streaming PCM into ffmpeg: the session is encoded as it is mixed, never held whole."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ProcessError, UserError
from ..files import atomic_path
from ..media import find_ffmpeg
from ..model import SAMPLE_RATE, Timeline
from .tags import VORBIS_CHAPTERS, ffmetadata, write_tags


@dataclass(frozen=True)
class FormatSpec:
    extension: str
    muxer: str
    codec: tuple[str, ...]
    lossy: bool = True
    #: Tags and chapters go in through an ffmetadata file (else mutagen writes them).
    via_ffmetadata: bool = True


FORMATS: dict[str, FormatSpec] = {
    "mp3": FormatSpec(
        "mp3", "mp3", ("-c:a", "libmp3lame", "-id3v2_version", "0"), via_ffmetadata=False
    ),
    "m4a": FormatSpec("m4a", "ipod", ("-c:a", "aac")),
    "ogg": FormatSpec("ogg", "ogg", ("-c:a", "libopus")),
    "flac": FormatSpec("flac", "flac", ("-c:a", "flac"), lossy=False),
    "wav": FormatSpec("wav", "wav", ("-c:a", "pcm_s16le"), lossy=False),
}  # fmt: skip


@dataclass(frozen=True)
class ExportSettings:
    fmt: str = "mp3"
    bitrate: str = "96k"
    cover: Path | None = None


def check_output_path(out_path: Path, fmt: str) -> None:
    """Fails before any work when the output cannot be written where asked."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise UserError(f"unknown format {fmt!r}", f"use --format {'|'.join(FORMATS)}")
    if out_path.is_dir():
        raise UserError(f"{out_path} is a directory", "give a file name with -o, e.g. -o out.mp3")
    if out_path.suffix and out_path.suffix.lower() != f".{spec.extension}":
        raise UserError(
            f"the output {out_path} does not end in .{spec.extension} but the format is {fmt}",
            f"name the file *.{spec.extension}, or pass the matching --format",
        )
    parent = out_path.parent
    for folder in [parent, *parent.parents]:
        if folder.exists():
            if not folder.is_dir():
                raise UserError(f"cannot write {out_path}: {folder} is a file", "choose another -o")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise UserError(f"cannot write to {parent}: {exc.strerror}", "choose another -o") from None


def to_pcm16(block: np.ndarray) -> bytes:
    """Float samples to 16-bit little-endian PCM (rounded, clipped; no random dither)."""
    return np.clip(np.round(block * 32767.0), -32768, 32767).astype("<i2").tobytes()


def encode(
    blocks: Iterable[np.ndarray],
    timeline: Timeline,
    out_path: Path,
    settings: ExportSettings,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Encodes the streamed session to ``out_path`` atomically, tags and chapters included.

    On any failure or interruption ffmpeg is stopped and nothing is left at ``out_path``.
    """
    spec = FORMATS[settings.fmt]
    ffmpeg = find_ffmpeg()
    with (
        atomic_path(out_path, suffix=f".{spec.extension}") as tmp,
        tempfile.TemporaryDirectory(prefix="voicecoach-") as work,
    ):
        cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error"]
        cmd += ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
        if spec.via_ffmetadata:
            meta = Path(work) / "meta.txt"
            text = ffmetadata(timeline, chapters=settings.fmt not in VORBIS_CHAPTERS)
            meta.write_text(text, encoding="utf-8")
            cmd += ["-i", str(meta), "-map_metadata", "1", "-map_chapters", "1"]
        else:
            cmd += ["-map_metadata", "-1"]
        cmd += ["-map", "0:a", *spec.codec]
        if spec.lossy:
            cmd += ["-b:a", settings.bitrate]
        cmd += ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", spec.muxer, "-y", str(tmp)]
        _run(cmd, blocks, Path(work) / "stderr.txt", progress)
        write_tags(tmp, settings.fmt, timeline, settings.cover)
    return out_path


def _run(
    cmd: list[str],
    blocks: Iterable[np.ndarray],
    stderr_path: Path,
    progress: Callable[[int], None] | None,
) -> None:
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=stderr)
        assert proc.stdin is not None
        done = 0
        try:
            for block in blocks:
                proc.stdin.write(to_pcm16(block))
                done += block.size
                if progress:
                    progress(done)
            proc.stdin.close()
            code = proc.wait()
        except BrokenPipeError:
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    if code != 0:
        raise ProcessError(cmd, code, stderr_path.read_text(errors="replace"))
