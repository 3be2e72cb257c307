"""The studio's web app: one server-rendered page, a small JSON API, progress as SSE.

Views are module-level ``async def view(request)`` functions (Starlette's way, Datasette's
too); what they share is on ``request.app.state`` (``settings``, ``workspace``, ``jobs``,
``voices``) and in ``shared`` (JSON in, errors out, the job lookup with its 404, the build
settings). A ``UserError`` a view raises becomes the JSON error the page shows. Every route
sits behind ``security.Guard``. The views only translate between HTTP and the library:
reading and saving go through ``workspace``, checking runs what ``validate --strict`` runs,
and every sound comes from the pipeline (``jobs``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..errors import UserError
from ..model import AUDIO_FORMATS, DETAILS, PACES
from ..pipeline import ShareSettings, choosable_voices, keep_levelled_clips, qr_png
from ..publish.target import page_address, parse_target
from ..routine import check_client_name, schema_text
from . import clients, folder, handover, programmes, record, workspace
from .jobs import Jobs
from .security import Guard
from .shared import NotFound, build_settings, fail, find_job, json_body, text_field

#: Levelled clips the studio keeps in memory between previews (a 5-minute session: ~40 MB).
LEVELLED_CACHE_BYTES = 256 * 2**20
#: Content-Security-Policy of every page: nothing but this server (CodeMirror sets styles).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.PackageLoader("voicecoach.studio", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
)


@dataclass(frozen=True)
class AppSettings:
    """What the app needs: the folder, the token, and the host:port names it answers to."""

    folder: Path
    token: str
    hosts: frozenset[str]
    port: int
    cache_dir: Path | None = None


async def index(request: Request) -> Response:
    ws: workspace.Workspace = request.app.state.workspace
    folder = str(request.app.state.settings.folder)
    data = {
        "folder": folder,
        "files": ws.routines(),
        "builtins": workspace.builtins(),
        "schema": _schema(),
    }
    context = {
        "folder": folder,
        "paces": PACES,
        "default_pace": "normal",
        "details": DETAILS,
        "data": data,
    }
    return templates.TemplateResponse(request, "index.html", context, headers=PAGE_HEADERS)


async def clients_page(request: Request) -> Response:
    """The Clients view (its data comes from ``clients.py``'s ``/api/clients``)."""
    return templates.TemplateResponse(request, "clients.html", {}, headers=PAGE_HEADERS)


async def files(request: Request) -> Response:
    ws: workspace.Workspace = request.app.state.workspace
    return JSONResponse({"files": ws.routines(), "builtins": workspace.builtins()})


async def read_file(request: Request) -> Response:
    ws: workspace.Workspace = request.app.state.workspace
    try:
        if request.query_params.get("builtin"):
            text = workspace.builtin_text(request.query_params["builtin"])
            return JSONResponse({"text": text, "version": None, "readonly": True})
        text, version = ws.read(request.query_params.get("name", ""))
    except UserError as exc:
        return fail(exc, 404)
    return JSONResponse({"text": text, "version": version, "readonly": False})


async def save(request: Request) -> Response:
    ws: workspace.Workspace = request.app.state.workspace
    data = await json_body(request)
    try:
        version = ws.save(
            text_field(data, "name"),
            text_field(data, "text", allow_empty=True),
            data.get("version"),
            force=workspace.flag(data, "force"),
        )
    except workspace.SaveConflict as exc:
        return JSONResponse(
            {"error": exc.message, "hint": exc.hint, "theirs": exc.theirs,
             "version": exc.version},
            status_code=409,
        )  # fmt: skip
    return JSONResponse({"version": version})


async def create(request: Request) -> Response:
    ws: workspace.Workspace = request.app.state.workspace
    data = await json_body(request)
    if data.get("builtin"):
        rid = text_field(data, "builtin")
        text = workspace.builtin_text(rid)
    else:
        rid = str(data.get("name") or "my-routine")
        text = workspace.starter_text(rid)
    by = folder.therapist(request.app.state.settings.folder)
    name = ws.create(rid, folder.with_author(text, by))
    return JSONResponse({"name": name, "files": ws.routines()})


async def check(request: Request) -> Response:
    settings = build_settings(request, await json_body(request))
    return JSONResponse(await run_in_threadpool(workspace.check, settings))


async def list_voices(request: Request) -> Response:
    """What ``voicecoach voices`` lists, less the lines saying an engine speaks another's."""
    voices: list[dict[str, str]] = request.app.state.voices
    if not voices:
        found = await run_in_threadpool(choosable_voices)
        voices.extend(
            {"engine": v.engine, "name": v.name, "language": v.language,
             "description": v.description}
            for v in found
            if v.language
        )  # fmt: skip
    return JSONResponse({"voices": voices})


async def play(request: Request) -> Response:
    job = request.app.state.jobs.preview(build_settings(request, await json_body(request)))
    return JSONResponse(job.snapshot())


async def build(request: Request) -> Response:
    data = await json_body(request)
    fmt = data.get("format") or "mp3"
    if fmt not in AUDIO_FORMATS:
        raise UserError(f"unknown format {fmt!r}")
    settings = replace(build_settings(request, data), fmt=fmt)
    job = request.app.state.jobs.build(settings, request.app.state.settings.folder)
    return JSONResponse(job.snapshot())


async def share(request: Request) -> Response:
    data = await json_body(request)
    client = str(data.get("client") or "").strip() or None
    if client:
        check_client_name(client)  # a 400 now, not a failed job later
    note = str(data.get("note") or "").strip() or None
    base_url = str(data.get("base_url") or "").strip() or None
    root = request.app.state.settings.folder
    by = folder.therapist(root)
    base = replace(build_settings(request, data), client=client, note=note, author=by)
    publish_url = str(data.get("publish") or "").strip()
    if publish_url:  # to the clinic's web space: a folder, its QR code the public address
        target = parse_target(publish_url, folder=root)
        address = page_address(target, base_url, "index.html")
        settings = ShareSettings(build=base, base_url=address, as_zip=False)
        job = request.app.state.jobs.share_and_publish(settings, root, target, address)
        return JSONResponse(job.snapshot())
    settings = ShareSettings(build=base, base_url=base_url, as_zip=bool(data.get("zip", True)))
    job = request.app.state.jobs.share(settings, root)
    return JSONResponse(job.snapshot())


async def job_state(request: Request) -> Response:
    return JSONResponse(_with_qr(find_job(request).snapshot(), request))


async def job_events(request: Request) -> Response:
    """Server-sent events: the job's state until it is done or failed."""
    job = find_job(request)

    async def stream() -> AsyncIterator[str]:
        last = None
        while True:
            snap = job.snapshot()
            finished = snap["state"] in ("done", "failed")
            text = json.dumps(_with_qr(snap, request) if finished else snap)
            if text != last:
                last = text
                yield f"data: {text}\n\n"
            if finished:
                return
            await asyncio.sleep(0.1)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"cache-control": "no-store"}
    )


async def preview_audio(request: Request) -> Response:
    job = find_job(request, kind="preview", done=True)
    return FileResponse(job.result["file"], media_type="audio/wav")


async def download(request: Request) -> Response:
    path = request.app.state.workspace.path(request.path_params["path"])
    if not path.is_file():
        raise NotFound("no such file")
    return FileResponse(path, filename=path.name)


def _with_qr(snap: dict[str, Any], request: Request) -> dict[str, Any]:
    """A share's QR code: the hosted page's address, never the studio's (see phone_qr)."""
    if snap["kind"] != "share" or snap["state"] != "done" or "phone" in snap["result"]:
        return snap
    snap["result"].update(phone_qr(snap["result"].get("page_url")))
    return snap


#: What the page says when a share has no hosted address for a QR code to carry.
PHONE_NOTE = (
    "No QR code: give “Hosted at” (the address where you will put the share folder) to get "
    "one. Otherwise send the zip (the client opens index.html) or just the MP3 to the phone."
)


def phone_qr(page_url: str | None) -> dict[str, str]:
    """How a share reaches a phone: a QR code of the hosted page, else a note.

    The studio's own address never goes into a QR code: it carries the token that reads and
    writes the whole folder, and on 127.0.0.1 a phone cannot open it anyway.
    """
    if not page_url:
        return {"phone": PHONE_NOTE}
    png = qr_png(page_url)
    return {
        "phone": f"Scan to open the session at {page_url}",
        "qr": "data:image/png;base64," + base64.b64encode(png).decode(),
        "qr_url": page_url,
    }


def _schema() -> Any:
    return json.loads(schema_text())


async def programme_page(request: Request) -> Response:
    """The programme view of one file (``/programme?name=ana.yaml``): calendar, charts,
    build and share (its API is in ``programmes.py``)."""
    name = request.query_params.get("name", "")
    programmes.programme_path(request, name)  # confined to the folder, and there
    return templates.TemplateResponse(request, "programme.html", {"name": name},
                                      headers=PAGE_HEADERS)  # fmt: skip


async def _user_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UserError)
    return fail(exc)


ROUTES = [
    Route("/", index),
    Route("/api/files", files),
    Route("/api/file", read_file),
    Route("/api/save", save, methods=["POST"]),
    Route("/api/new", create, methods=["POST"]),
    Route("/api/check", check, methods=["POST"]),
    Route("/api/voices", list_voices),
    Route("/api/play", play, methods=["POST"]),
    Route("/api/build", build, methods=["POST"]),
    Route("/api/share", share, methods=["POST"]),
    Route("/api/jobs/{job}", job_state),
    Route("/api/jobs/{job}/events", job_events),
    Route("/api/preview/{job}.wav", preview_audio),
    Route("/files/{path:path}", download),
    *record.ROUTES,
    *handover.ROUTES,
    *folder.ROUTES,
    Route("/programme", programme_page),
    *programmes.ROUTES,
    Route("/clients", clients_page),
    *clients.ROUTES,
    Mount("/static", StaticFiles(directory=str(resources.files("voicecoach.studio") / "static"))),
]


def create_app(settings: AppSettings) -> Guard:
    """The ASGI app, guarded; its state holds the settings, the workspace and the jobs."""
    # Previews mix the same lines again and again: remember them levelled.
    keep_levelled_clips(LEVELLED_CACHE_BYTES)
    jobs = Jobs()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            jobs.close()
            handover.stop_handover(app.state)

    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers={UserError: _user_error})
    app.state.settings = settings
    app.state.workspace = workspace.Workspace(settings.folder)
    app.state.jobs = jobs
    app.state.voices = []
    guarded = Guard(app, settings.token, settings.hosts, settings.port)
    guarded.state = app.state  # type: ignore[attr-defined]
    return guarded
