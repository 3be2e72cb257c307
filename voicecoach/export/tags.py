"""Tags and chapters: ID3 (with CHAP/CTOC) for MP3 via mutagen; ffmetadata for the rest."""

from __future__ import annotations

from pathlib import Path

from ..model import Timeline

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


def ffmetadata(timeline: Timeline) -> str:
    """An ffmetadata file with the session's tags and chapters."""
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
    for start, end, title in _chapter_bounds_ms(timeline):
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}"]
        lines.append(f"title={_escape(title)}")
    return "\n".join(lines) + "\n"


def write_tags(path: Path, fmt: str, timeline: Timeline, cover: Path | None) -> None:
    """Adds what ffmpeg did not write: ID3 for MP3, and cover art where supported."""
    if fmt == "mp3":
        _write_id3(path, timeline, cover)
    elif cover is not None and fmt == "m4a":
        from mutagen.mp4 import MP4, MP4Cover

        audio = MP4(path)
        kind = MP4Cover.FORMAT_PNG if cover.suffix.lower() == ".png" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(cover.read_bytes(), imageformat=kind)]
        audio.save()
    elif cover is not None and fmt == "flac":
        from mutagen.flac import FLAC, Picture

        audio = FLAC(path)
        picture = Picture()
        picture.type = 3
        picture.mime = _mime(cover)
        picture.data = cover.read_bytes()
        audio.add_picture(picture)
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
