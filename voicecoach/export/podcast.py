"""A private podcast feed from a folder of built sessions (RSS 2.0, iTunes, Podcasting 2.0).

Each session ``X.mp3`` (or .m4a/.ogg) becomes an episode with a ``X.chapters.json``
chapters file. Its title, duration and chapters come from ``X.timeline.json`` beside it,
else from the file's own tags (sidecars deleted, or files copied from elsewhere). Every
audio file left out is named with the reason. GUIDs come from the file name and first
publication dates are remembered in ``.feed-state.json``, so re-running after adding a
session changes no existing episode. The XML is built with ElementTree: every text is
escaped by construction.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import UserError
from ..files import write_bytes_atomic, write_text_atomic
from ..timing import clock
from .page import check_base_url
from .tags import read_session_tags
from .xmltext import xml_chars

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
MIME = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg"}
STATE = ".feed-state.json"
#: Formats a session can be built in that podcast apps do not play.
UNPLAYABLE = {".flac": "FLAC", ".wav": "WAV"}


@dataclass(frozen=True)
class FeedSettings:
    folder: Path
    base_url: str
    title: str | None = None
    author: str | None = None
    description: str | None = None
    image: str | None = None
    #: The sessions, when not every audio file directly in ``folder`` (a programme's, in
    #: its phases' sub-folders); their URLs keep the sub-folder.
    sessions: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Episode:
    audio: Path
    timeline: dict[str, Any]
    guid: str
    published: datetime


@dataclass(frozen=True)
class FeedResult:
    path: Path
    episodes: int
    #: (file name, why) for every audio file in the folder that is not an episode.
    skipped: tuple[tuple[str, str], ...] = ()


def find_episodes(
    folder: Path, state: dict[str, str], sessions: tuple[Path, ...] = ()
) -> tuple[list[Episode], list[tuple[str, str]]]:
    """Sessions in ``folder`` (or ``sessions``) in publication order (first seen, then
    name), and the audio files left out, each with the reason."""
    episodes, skipped = [], []
    for audio in sessions or sorted(folder.iterdir()):
        suffix = audio.suffix.lower()
        if not audio.is_file() or suffix not in (*MIME, *UNPLAYABLE):
            continue
        if suffix in UNPLAYABLE:
            why = f"podcast apps do not play {UNPLAYABLE[suffix]}; build it as .mp3 or .m4a"
            skipped.append((audio.name, why))
            continue
        try:
            timeline = _session(audio)
        except ValueError as exc:
            skipped.append((audio.name, str(exc)))
            continue
        guid = f"voicecoach:{audio.stem}"
        first = state.get(guid)
        if first is None:
            mtime = datetime.fromtimestamp(int(audio.stat().st_mtime), tz=timezone.utc)
            first = mtime.isoformat()
            state[guid] = first
        episodes.append(Episode(audio, timeline, guid, datetime.fromisoformat(first)))
    return sorted(episodes, key=lambda e: (e.published, e.audio.name)), skipped


def _session(audio: Path) -> dict[str, Any]:
    """The timeline sidecar when it is there and readable, else the file's own tags."""
    sidecar = audio.with_name(audio.stem + ".timeline.json")
    try:
        timeline = json.loads(sidecar.read_text(encoding="utf-8"))
        if isinstance(timeline, dict):
            return timeline
    except (OSError, ValueError):
        pass
    return read_session_tags(audio)


def write_feed(settings: FeedSettings) -> FeedResult:
    """Writes ``feed.xml`` and the chapters files; returns the feed, its episode count and
    the audio files left out (with why)."""
    folder, base = settings.folder, settings.base_url.rstrip("/") + "/"
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder", "pass the folder that holds built sessions")
    check_base_url(settings.base_url)
    state_path = folder / STATE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    except ValueError:
        state = {}
    episodes, skipped = find_episodes(folder, state, settings.sessions)
    if not episodes:
        reasons = "".join(f"\n  skipped {name}: {why}" for name, why in skipped)
        raise UserError(
            f"no built sessions in {folder}{reasons}",
            "build some first: `voicecoach build ROUTINE -o FOLDER/name.mp3`",
        )
    for prefix, uri in (("itunes", ITUNES), ("podcast", PODCAST)):
        ET.register_namespace(prefix, uri)
    first = episodes[0].timeline
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    title = settings.title or first.get("title") or "Sessions"
    author = settings.author or first.get("author") or "voicecoach"
    _text(channel, "title", title)
    _text(channel, "link", base)
    _text(channel, "description", settings.description or f"Guided sessions: {title}")
    _text(channel, "language", first.get("language", "en"))
    _text(channel, "generator", "voicecoach")
    _text(channel, f"{{{ITUNES}}}author", author)
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    _text(channel, f"{{{PODCAST}}}locked", "yes")
    if settings.image:
        ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": _url(base, settings.image)})
    for ep in reversed(episodes):
        item = ET.SubElement(channel, "item")
        t = ep.timeline
        _text(item, "title", t.get("title") or ep.audio.stem)
        _text(item, "description", t.get("description") or t.get("title") or "")
        _text(item, "guid", ep.guid).set("isPermaLink", "false")
        _text(item, "pubDate", format_datetime(ep.published))
        ET.SubElement(
            item,
            "enclosure",
            {
                "url": _url(base, _relative(ep.audio, folder)),
                "length": str(ep.audio.stat().st_size),
                "type": MIME[ep.audio.suffix.lower()],
            },
        )
        _text(item, f"{{{ITUNES}}}duration", clock(float(t.get("duration_s", 0))))
        _text(item, f"{{{ITUNES}}}author", t.get("author") or author)
        chapters = ep.audio.with_name(ep.audio.stem + ".chapters.json")
        write_text_atomic(chapters, json.dumps(chapters_json(t), indent=2, ensure_ascii=False))
        ET.SubElement(
            item,
            f"{{{PODCAST}}}chapters",
            {"url": _url(base, _relative(chapters, folder)), "type": "application/json+chapters"},
        )
    ET.indent(rss)
    feed = folder / "feed.xml"
    write_bytes_atomic(feed, ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n")
    write_text_atomic(state_path, json.dumps(state, indent=2, sort_keys=True) + "\n")
    return FeedResult(feed, len(episodes), tuple(skipped))


def chapters_json(timeline: dict[str, Any]) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters from a timeline."""
    return {
        "version": "1.2.0",
        "chapters": [
            {"startTime": round(c["start_s"], 3), "title": xml_chars(c["title"])}
            for c in timeline.get("chapters", [])
        ],
    }


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_chars(text)
    return element


def _url(base: str, name: str) -> str:
    """The file's address: its name's bytes, quoted (a name need not be valid UTF-8)."""
    return base + quote(os.fsencode(name))


def _relative(path: Path, folder: Path) -> str:
    """``path`` as a URL path under ``folder`` (``weeks-1-2/x.mp3``), else its name."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name
