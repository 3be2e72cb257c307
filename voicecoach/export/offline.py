"""What makes a hosted share folder work without signal and install to a home screen.

A web app manifest, icons, and a service worker (``sw.js``) that caches the page, the
audio and the captions on the first visit. The page registers the worker only when it is
served over http(s) (a secure context such as https or localhost), so opening
``index.html`` from disk works exactly as before.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from string import Template

from ..files import write_bytes_atomic, write_text_atomic
from .icon import ACCENT_RGB, icon_png

MANIFEST = "manifest.webmanifest"
WORKER = "sw.js"
#: Home-screen icon sizes (Chrome wants 192 and 512 to offer installing).
ICON_SIZES_PX = (192, 512)


def icon_name(size_px: int) -> str:
    return f"icon-{size_px}.png"


def write_icons(folder: Path) -> list[str]:
    """The generated square icons; returns their file names."""
    names = []
    for size in ICON_SIZES_PX:
        write_bytes_atomic(folder / icon_name(size), icon_png(size))
        names.append(icon_name(size))
    return names


def render_manifest(title: str, language: str) -> str:
    """The web app manifest: opens ``index.html`` full screen with the generated icon."""
    accent = "#{:02x}{:02x}{:02x}".format(*ACCENT_RGB)
    manifest = {
        "name": title,
        "short_name": title,  # the home screen shortens it as it needs
        "lang": language,
        "start_url": "index.html",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": accent,
        "icons": [
            {"src": icon_name(s), "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
            for s in ICON_SIZES_PX
        ],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


def render_worker(folder: Path, files: list[str]) -> str:
    """``sw.js`` caching ``files`` (names in ``folder``); its version is their content hash,
    so a rebuilt folder replaces the old cache on the next online visit."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0")
        with (folder / name).open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    source = (resources.files("voicecoach") / "export" / WORKER).read_text("utf-8")
    return Template(source).substitute(
        version=digest.hexdigest()[:16], files=json.dumps(sorted(files), ensure_ascii=False)
    )


def write_offline(folder: Path, title: str, language: str, files: list[str]) -> list[str]:
    """Writes the manifest and the worker caching ``files`` plus themselves; returns the
    names written. ``files`` must already be in ``folder`` (the page, audio, captions...)."""
    write_text_atomic(folder / MANIFEST, render_manifest(title, language))
    cached = [*files, MANIFEST]
    write_text_atomic(folder / WORKER, render_worker(folder, cached))
    return [MANIFEST, WORKER]
