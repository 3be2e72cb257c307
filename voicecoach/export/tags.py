"""Tags and chapters: ID3 (with CHAP/CTOC) for MP3 via mutagen; ffmetadata for the rest.

Chapters are written so that other programs (ffmpeg, players) read them in time order and
to the millisecond: MP3 CHAP frames are stored in time order, and Ogg and FLAC get Vorbis
``CHAPTERnnn`` comments written here (ffmpeg's Ogg writer rounds the seconds of a start
with a fraction of .5 s or more up, a second late; its FLAC writer writes none).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from ..model import Timeline
from ..timing import clock_ms
from .xmltext import xml_timeline

GENRE = "Spoken & Audio"


def _chapter_bounds_ms(timeline: Timeline) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) per chapter; each ends where the next starts."""
    starts = [round(c.start_s * 1000) for c in timeline.chapters]
    ends = [*starts[1:], round(timeline.duration_s * 1000)]
    return [(s, e, c.title) for s, e, c in zip(starts, ends, timeline.chapters, strict=True)]


def _escape(value: str) -> str:
    """ffmetadata escaping: '=', ';', '#', '\\' and newlines get a backslash."""
    out = value
    for ch in ("\\", "=", ";", "#", "\n"):
        out = out.replace(ch, "\\" + ch)
    return out


def ffmetadata(timeline: Timeline, chapters: bool = True) -> str:
    """An ffmetadata file with the session's tags and (unless told not to) chapters."""
    timeline = xml_timeline(timeline)
    lines = [";FFMETADATA1"]
    for key, value in (
        ("title", timeline.title),
        ("artist", timeline.author),
        ("album", timeline.title),
        ("comment", timeline.description),
        ("description", timeline.description),
        ("genre", GENRE),
    ):
        if value:
            lines.append(f"{key}={_escape(value)}")
    for start, end, title in _chapter_bounds_ms(timeline) if chapters else []:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}"]
        lines.append(f"title={_escape(title)}")
    return "\n".join(lines) + "\n"


def write_tags(path: Path, fmt: str, timeline: Timeline, cover: Path | None) -> None:
    """Adds what ffmpeg did not write: ID3 for MP3, and cover art where supported."""
    timeline = xml_timeline(timeline)
    if fmt == "mp3":
        _write_id3(path, timeline, cover)
    if fmt in VORBIS_CHAPTERS:
        _write_vorbis_chapters(path, fmt, timeline)
    elif cover is not None and fmt == "m4a":
        from mutagen.mp4 import MP4, MP4Cover

        audio = MP4(path)
        kind = MP4Cover.FORMAT_PNG if cover.suffix.lower() == ".png" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(cover.read_bytes(), imageformat=kind)]
        audio.save()
    elif cover is not None and fmt == "flac":
        from mutagen.flac import FLAC, Picture

        flac = FLAC(path)
        picture = Picture()
        picture.type = 3
        picture.mime = _mime(cover)
        picture.data = cover.read_bytes()
        flac.add_picture(picture)
        flac.save()


#: Formats whose chapters are Vorbis comments written here rather than by ffmpeg.
VORBIS_CHAPTERS = ("ogg", "flac")


def _write_vorbis_chapters(path: Path, fmt: str, timeline: Timeline) -> None:
    """``CHAPTER001=00:02:07.954`` and ``CHAPTER001NAME=...``, the form ffmpeg and players read."""
    from mutagen import FileType
    from mutagen.flac import FLAC
    from mutagen.oggopus import OggOpus

    audio: FileType = FLAC(path) if fmt == "flac" else OggOpus(path)
    if audio.tags is None:
        audio.add_tags()
    for i, (start_ms, _end, title) in enumerate(_chapter_bounds_ms(timeline)):
        audio[f"CHAPTER{i:03d}"] = [clock_ms(start_ms / 1000)]
        audio[f"CHAPTER{i:03d}NAME"] = [title]
    audio.save()


def _mime(cover: Path) -> str:
    return "image/png" if cover.suffix.lower() == ".png" else "image/jpeg"


def _write_id3(path: Path, timeline: Timeline, cover: Path | None) -> None:
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TIT2, TPE1, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=[timeline.title]))
    if timeline.author:
        tags.add(TPE1(encoding=3, text=[timeline.author]))
    tags.add(TALB(encoding=3, text=[timeline.title]))
    tags.add(TCON(encoding=3, text=[GENRE]))
    if timeline.description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[timeline.description]))
    if cover is not None:
        tags.add(APIC(encoding=3, mime=_mime(cover), type=3, desc="", data=cover.read_bytes()))
    ids = []
    for i, (start, end, title) in enumerate(_chapter_bounds_ms(timeline)):
        ids.append(f"chp{i}")
        tags.add(
            CHAP(
                element_id=f"chp{i}",
                start_time=start,
                end_time=end,
                sub_frames=[TIT2(encoding=3, text=[title])],
            )
        )
    if ids:
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=["Chapters"])],
            )
        )
    tags.save(path, v2_version=4)
    _chap_frames_in_time_order(path)


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _chap_start_ms(frame: bytes) -> int:
    """The start time of a CHAP frame: after the frame header and the element id's NUL."""
    body = frame[10:]
    after_id = body.index(b"\0") + 1
    start_ms: int = struct.unpack(">I", body[after_id : after_id + 4])[0]
    return start_ms


def _chap_frames_in_time_order(path: Path) -> None:
    """Puts the CHAP frames of an ID3v2.4 tag in time order, in place.

    mutagen stores frames by size, so the shortest title ("Finish") came first, and
    programs that list chapters as stored (ffmpeg) showed them out of order. Only the
    order of whole frames inside the tag changes: the tag keeps its length and bytes.
    """
    with open(path, "r+b") as fh:
        header = fh.read(10)
        # only the plain v2.4 tag mutagen writes: no unsynchronisation, extended header, footer
        if header[:3] != b"ID3" or header[3] != 4 or header[5] & 0xD0:
            return
        body = fh.read(_syncsafe(header[6:10]))
        frames, pos = [], 0
        while pos + 10 <= len(body) and body[pos] != 0:
            end = pos + 10 + _syncsafe(body[pos + 4 : pos + 8])
            frames.append(body[pos:end])
            pos = end
        chaps = iter(sorted((f for f in frames if f[:4] == b"CHAP"), key=_chap_start_ms))
        ordered = b"".join(next(chaps) if f[:4] == b"CHAP" else f for f in frames)
        assert len(ordered) == pos, "frames were reordered, not changed"
        fh.seek(10)
        fh.write(ordered)


def read_session_tags(path: Path) -> dict[str, Any]:
    """What a session file says about itself, in the shape of its ``.timeline.json``.

    The inverse of :func:`write_tags` for a file whose sidecars are gone: title, author,
    description, duration and chapters from the file's own tags (ID3 with CHAP frames,
    MP4 atoms and chapters, or Vorbis comments with ``CHAPTERnnn``). Raises
    ``ValueError`` saying why when the file has no readable audio or no title.
    """
    import mutagen

    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError) as exc:
        raise ValueError(f"its tags cannot be read ({exc})") from None
    if audio is None or not getattr(audio.info, "length", 0):
        raise ValueError("its tags cannot be read (not a session file)")
    tags = audio.tags
    if tags is not None and hasattr(tags, "getall"):  # ID3
        title = str(tags.get("TIT2", ""))
        author = str(tags.get("TPE1", ""))
        comments = tags.getall("COMM")
        description = str(comments[0]) if comments else ""
        found = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
        chapters = [(c.start_time / 1000, str(c.sub_frames.get("TIT2", ""))) for c in found]
    elif hasattr(audio, "chapters"):  # MP4
        title, author, description = (_first(tags, k) for k in ("\xa9nam", "\xa9ART", "desc"))
        chapters = [(c.start, c.title) for c in audio.chapters or []]
    else:  # Vorbis comments
        title, author, description = (_first(tags, k) for k in ("title", "artist", "description"))
        chapters = _vorbis_chapters(tags)
    if not title:
        raise ValueError("it has no title tag (not a session file?)")
    return {
        "title": title,
        "author": author,
        "description": description,
        "duration_s": round(float(audio.info.length), 3),
        "chapters": [{"start_s": round(s, 3), "title": t} for s, t in chapters],
    }


def _first(tags: object, key: str) -> str:
    try:
        values = tags[key]  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return ""
    return str(values[0]) if values else ""


def _vorbis_chapters(tags: object) -> list[tuple[float, str]]:
    found = []
    for i in range(1000):
        start = _first(tags, f"CHAPTER{i:03d}")
        if not start:
            break
        try:
            h, m, s = start.split(":")
            start_s = int(h) * 3600 + int(m) * 60 + float(s)
        except ValueError:
            break
        found.append((start_s, _first(tags, f"CHAPTER{i:03d}NAME")))
    return found
