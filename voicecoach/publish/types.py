"""The media type of each file a share folder or a feed holds (one table for the upload
and the hand-over; Python's ``mimetypes`` knows neither .webmanifest nor .vtt everywhere)."""

from __future__ import annotations

import mimetypes

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".vtt": "text/vtt; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def media_type(name: str) -> str:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
