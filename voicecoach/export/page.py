"""The share page: one self-contained ``index.html`` a client opens on a phone, offline.

Everything the page needs (CSS, JS, captions, QR code) is inline or beside it (icons, and
for hosting the manifest and service worker of offline.py); a Content-Security-Policy
forbids any other load. The script (page.js) adds the floor view, step skipping, the lock
screen (Media Session), the screen wake lock, resume and a done-log kept in the browser.

The page is a Jinja2 template (``templates/page.html``) with autoescape on: every
user-written text is HTML-escaped, and data for the script is JSON with ``<``, ``>`` and
``&`` escaped, so no routine, note or client name can inject markup.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..errors import UserError
from ..files import atomic_path, write_bytes_atomic, write_text_atomic
from ..model import CHECKIN_FORMAT, DIFFICULTIES, STEP_BACK_S, ShareKey, Timeline, seconds, steps_of
from ..phrases import checkin_texts, side_label, side_place
from ..timing import clock
from .follow import breath_rows, wait_rows
from .icon import icon_png
from .offline import ICON_SIZES_PX, icon_name, write_icons, write_offline
from .sidecars import render_vtt, script_lines
from .xmltext import xml_chars, xml_timeline


@dataclass(frozen=True)
class PageInfo:
    """What the page says beyond the timeline: who it is for and a personal note."""

    client: str | None = None
    note: str | None = None
    base_url: str | None = None
    cover: Path | None = None
    #: The same session at other detail levels beside this one, the client's choice.
    levels: tuple[LevelLink, ...] = ()
    #: Files of those levels (pages, audio, sidecars) the offline copy keeps too.
    extra_files: tuple[str, ...] = ()
    #: The share's id and check-in key; without one the page asks no check-in questions.
    key: ShareKey | None = None
    routine_id: str = ""


@dataclass(frozen=True)
class LevelLink:
    """One detail level of a shared session: its page, and what it costs to fetch."""

    detail: str
    page: str
    size_bytes: int
    duration_s: float


#: Image types a cover may have, by file suffix.
COVER_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def _clean(text: str | None) -> str | None:
    return None if text is None else xml_chars(text)


def check_cover(cover: Path) -> None:
    """A cover the page can show: a PNG or JPEG file (checked before anything is built)."""
    if cover.suffix.lower() not in COVER_TYPES:
        raise UserError(f"cover image {cover} is not a PNG or JPEG", "give a .png or .jpg file")


def render_page(
    timeline: Timeline,
    audio_name: str,
    info: PageInfo,
    qr_png: bytes | None,
    cover_name: str | None = None,
) -> str:
    """The page's HTML (``templates/page.html``); pure, so tests can look at it without a
    browser.

    ``cover_name`` is a cover image beside the page, shown first on the lock screen.
    """
    here = resources.files("voicecoach.export")
    # keep.js: the audio in IndexedDB where no service worker may run (plain-http LAN).
    code = (here / "page.js").read_text("utf-8") + (here / "keep.js").read_text("utf-8")
    if "</script" in code.lower() or "<!--" in code:
        raise ValueError("page.js must not contain </script or <!--")
    timeline = xml_timeline(timeline)
    info = replace(info, client=_clean(info.client), note=_clean(info.note))
    script = []
    speech = []
    for heading, ev, text in script_lines(timeline):
        script.append(
            {"heading": heading, "start": f"{ev.start_s:.3f}", "end": f"{ev.end_s:.3f}",
             "clock": clock(ev.start_s), "text": text}
        )  # fmt: skip
        speech.append([round(ev.start_s, 3), round(ev.end_s, 3), text])
    vtt = base64.b64encode(render_vtt(timeline).encode("utf-8")).decode("ascii")
    data = {
        "speech": speech,
        "steps": step_rows(timeline),
        "chapters": [[round(c.start_s, 3), c.title] for c in timeline.chapters],
        "back_s": STEP_BACK_S,
        "id": f"{audio_name}:{timeline.duration_sample}",
        "title": timeline.title,
        "client": info.client,
        "album": f"For {info.client}" if info.client else (timeline.author or "voicecoach"),
        "duration_s": round(timeline.duration_s, 3),
        "artwork": artwork(cover_name),
        "artwork_inline": [
            {"src": data_uri(icon_png(ICON_SIZES_PX[0])), "sizes": "192x192", "type": "image/png"}
        ],
        "waits": wait_rows(timeline),
        "breath": breath_rows(timeline),
        "checkin": checkin_data(timeline, info),
    }
    chapters = [
        {"start": f"{c.start_s:.3f}", "clock": clock(c.start_s), "title": c.title}
        for c in timeline.chapters
    ]
    return (
        _templates()
        .get_template("page.html")
        .render(
            lang=timeline.language,
            title=timeline.title,
            author=timeline.author,
            length=clock(timeline.duration_s),
            client=info.client,
            note=info.note,
            levels=level_rows(info.levels, timeline.detail),
            safety=timeline.safety,
            audio_src=audio_name,
            vtt_src=f"data:text/vtt;base64,{vtt}",
            chapters=chapters,
            script=script,
            qr=data_uri(qr_png) if qr_png is not None and info.base_url else None,
            base_url=info.base_url,
            checkin=checkin_texts(timeline.language) if info.key is not None else None,
            difficulties=DIFFICULTIES,
            icon=icon_name(ICON_SIZES_PX[0]),
            data=Markup(script_json(data)),
            script_js=Markup(code.rstrip("\n")),
        )
    )


@functools.cache
def _templates() -> jinja2.Environment:
    """The export's Jinja2 templates: autoescape on, every undefined name an error."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("voicecoach.export", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_escape,
    )


def _escape(value: object) -> object:
    """Text escaped as ``html.escape`` does (quotes as ``&quot;`` and ``&#x27;``), which the
    page has always used, so its bytes stay the same; markup passes through as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html.escape(value))
    return value


# -- check-ins: what the page asks after a session and signs for the therapist -------------


#: The share's own record in its folder: which share this is (never the key).
SHARE_RECORD = "share.json"


def checkin_data(timeline: Timeline, info: PageInfo) -> dict[str, object] | None:
    """What page.js needs to ask and sign a check-in: the share's id and key, who and what
    it is for, and the questions in the session's language."""
    if info.key is None:
        return None
    return {
        "format": CHECKIN_FORMAT,
        "share": info.key.share_id,
        "key": info.key.key_hex,
        "client": info.client or "",
        "routine": info.routine_id,
        "title": timeline.title,
        "text": checkin_texts(timeline.language),
    }


def share_record(timeline: Timeline, info: PageInfo, created: str) -> dict[str, object]:
    """``share.json``: the share's id, client, routine and date (its key stays out of it)."""
    assert info.key is not None
    return {
        "share": info.key.share_id,
        "client": info.client or "",
        "routine": info.routine_id,
        "title": timeline.title,
        "language": timeline.language,
        "created": created,
    }


def step_rows(timeline: Timeline) -> list[list[object]]:
    """``[start_s, end_s, heading, side, text, side label]`` per jump point, the terminal
    player's steps (chapters and routine steps); the heading is the section, or the chapter
    before it; the label names the side in the session's language."""
    rows: list[list[object]] = []
    for step in steps_of(timeline):
        start_s = seconds(step.start_sample)
        heading = step.section
        if not heading:
            before = [c.title for c in timeline.chapters if c.start_sample <= step.start_sample]
            heading = before[-1] if before else timeline.title
        end_s = seconds(step.end_sample)
        side = side_place(step.side, timeline.language)
        label = side_label(step.side, timeline.language)
        rows.append([round(start_s, 3), round(end_s, 3), heading, side, step.text, label])
    return rows


def artwork(cover_name: str | None) -> list[dict[str, str]]:
    """Lock-screen images: the cover (if any), then the generated square icons."""
    out = []
    if cover_name:
        out.append({"src": cover_name, "type": COVER_TYPES[Path(cover_name).suffix.lower()]})
    for size in ICON_SIZES_PX:
        out.append({"src": icon_name(size), "sizes": f"{size}x{size}", "type": "image/png"})
    return out


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    text = xml_chars(json.dumps(value, ensure_ascii=False))
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG bytes (segno, error correction M)."""
    import segno  # only when a page has a QR code

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=8, border=2)
    return buf.getvalue()


def level_rows(levels: tuple[LevelLink, ...], current: str) -> list[dict[str, object]]:
    """The choice between the levels a share folder holds, each with its length and size
    (none when there is only one)."""
    if len(levels) < 2:
        return []
    return [
        {
            "label": f"{level.detail.capitalize()} · {clock(level.duration_s)} · "
            f"{level.size_bytes / 1e6:.1f} MB",
            "href": level.page,
            "current": level.detail == current,
        }
        for level in levels
    ]


def write_share(
    audio: Path, timeline: Timeline, folder: Path, info: PageInfo, page: str = "index.html"
) -> Path:
    """Writes ``page`` (``index.html``) beside a built session, with its icons (and cover),
    the web app manifest and service worker for hosting, and ``qr.png`` with a base URL.

    ``audio`` and its sidecars must already be in ``folder``; returns the page.
    """
    timeline = xml_timeline(timeline)  # the manifest and service worker carry its title
    url = page_url(info.base_url) if info.base_url else None
    png = qr_png(url) if url else None
    files = [page, audio.name, *write_icons(folder), *info.extra_files]
    files += [p.name for p in (audio.with_suffix(".vtt"), audio.with_suffix(".txt")) if p.exists()]
    cover_name = None
    if info.cover is not None:
        check_cover(info.cover)
        cover_name = f"cover{info.cover.suffix.lower()}"
        write_bytes_atomic(folder / cover_name, info.cover.read_bytes())
        files.append(cover_name)
    text = render_page(timeline, audio.name, replace(info, base_url=url), png, cover_name)
    write_text_atomic(folder / page, text)
    if info.key is not None and page == "index.html":
        from datetime import datetime, timezone

        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        fields = share_record(timeline, info, created)
        clean = {k: xml_chars(v) if isinstance(v, str) else v for k, v in fields.items()}
        record = json.dumps(clean, indent=2, ensure_ascii=False)
        write_text_atomic(folder / SHARE_RECORD, record + "\n")
    if png is not None:
        write_bytes_atomic(folder / "qr.png", png)
        files.append("qr.png")
    write_offline(folder, timeline.title, timeline.language, sorted(set(files)))
    return folder / page


def zip_folder(folder: Path, archive: Path) -> Path:
    """Zips a share folder's files under one top-level folder, reproducibly and atomically."""
    top = archive.name.removesuffix(".zip")
    with atomic_path(archive) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            entry = zipfile.ZipInfo(f"{top}/{path.name}", date_time=(2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            z.writestr(entry, path.read_bytes())
    return archive


def check_base_url(base_url: str) -> None:
    """Fails unless ``base_url`` is a web address (it goes into a QR code or a feed)."""
    if not base_url.startswith(("https://", "http://")):
        raise UserError(
            f"--base-url {base_url!r} is not a web address",
            "give the address where the folder is hosted, e.g. https://example.org/ana/",
        )


def page_url(base_url: str) -> str:
    """Where the page will live: ``base_url`` itself, ending in ``/`` for a folder."""
    return base_url if base_url.endswith((".html", "/")) else base_url + "/"


def scratch_folder(near: Path) -> Path:
    """A temporary folder beside ``near`` (same disk, so renames are atomic)."""
    near.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{near.name}.{os.getpid()}.", dir=near.parent))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
