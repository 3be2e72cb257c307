"""The studio's web app: one server-rendered page, a small JSON API, progress as SSE.

Every route sits behind ``security.Guard``. The routes only translate between HTTP and
the library: reading and saving go through ``workspace``, checking runs what
``validate --strict`` runs, and every sound comes from the pipeline (``jobs``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import json
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import UserError
from ..export.page import qr_png, script_json
from ..pipeline import BuildSettings, ShareSettings
from ..routine import resolve, schema_text
from . import record, workspace
from .jobs import Jobs
from .security import Guard, PathRefused

_PACES = ("gentle", "normal", "brisk")
#: Levelled clips the studio keeps in memory between previews (a 5-minute session: ~40 MB).
LEVELLED_CACHE_BYTES = 256 * 2**20
_FORMATS = ("mp3", "m4a", "ogg", "flac", "wav")
#: Content-Security-Policy of every page: nothing but this server (CodeMirror sets styles).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class AppSettings:
    """What the app needs: the folder, the token, and the host:port names it answers to."""

    folder: Path
    token: str
    hosts: frozenset[str]
    port: int
    cache_dir: Path | None = None


def create_app(settings: AppSettings) -> Guard:
    """The ASGI app, guarded; ``app.state.jobs`` runs the builds."""
    from .. import mixer

    # Previews mix the same lines again and again: remember them levelled.
    mixer.keep_levelled(LEVELLED_CACHE_BYTES)
    ws = workspace.Workspace(settings.folder)
    jobs = Jobs()
    voices: list[dict[str, str]] = []

    def fail(exc: UserError, status: int = 400) -> JSONResponse:
        if isinstance(exc, PathRefused):
            status = 403
        return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=status)

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise UserError("the request is not JSON") from None
        if not isinstance(data, dict):
            raise UserError("the request is not a JSON object")
        return data

    def build_settings(data: dict[str, Any]) -> BuildSettings:
        """The draft and the controls, as the same settings object the CLI builds."""
        text = data.get("text")
        if text is not None and not isinstance(text, str):
            raise UserError("text must be a string")
        if data.get("builtin"):
            rid = _str(data, "builtin")
            if rid not in workspace.builtins():  # an id, never a path
                raise UserError(f"no built-in routine {rid!r}")
            path = resolve(rid)
        else:
            path = ws.path(_str(data, "name"))
        length = data.get("length_s")
        if length is not None and (
            not isinstance(length, int | float) or not math.isfinite(length) or length <= 0
        ):
            raise UserError("length_s must be a positive number of seconds")
        pace = data.get("pace") or "normal"
        if pace not in _PACES:
            raise UserError(f"unknown pace {pace!r}")
        seed = data.get("seed")
        if seed is not None and (not isinstance(seed, int) or seed < 0):
            raise UserError("seed must be a whole number from 0")
        engine, _, voice = str(data.get("voice") or "").partition("|")
        return BuildSettings(
            routine=str(path),
            text=text,
            length_s=length,
            pace=pace,
            seed=seed,
            engine=engine or None,
            voice=voice or None,
            output_dir=settings.folder / "output",
            cache_dir=settings.cache_dir,
        )

    async def index(request: Request) -> Response:
        template = Template(_resource("templates/index.html"))
        data = {
            "folder": str(settings.folder),
            "files": ws.routines(),
            "builtins": workspace.builtins(),
            "schema": json.loads(schema_text()),
        }
        page = template.substitute(folder=html.escape(str(settings.folder)), data=script_json(data))
        return HTMLResponse(page, headers=_page_headers())

    async def files(request: Request) -> Response:
        return JSONResponse({"files": ws.routines(), "builtins": workspace.builtins()})

    async def read_file(request: Request) -> Response:
        try:
            if request.query_params.get("builtin"):
                text = workspace.builtin_text(request.query_params["builtin"])
                return JSONResponse({"text": text, "version": None, "readonly": True})
            text, version = ws.read(request.query_params.get("name", ""))
            return JSONResponse({"text": text, "version": version, "readonly": False})
        except UserError as exc:
            return fail(exc, 404)

    async def save(request: Request) -> Response:
        try:
            data = await body(request)
            version = ws.save(
                _str(data, "name"),
                _str(data, "text", allow_empty=True),
                data.get("version"),
                force=bool(data.get("force")),
            )
        except workspace.SaveConflict as exc:
            return JSONResponse(
                {"error": exc.message, "hint": exc.hint, "theirs": exc.theirs,
                 "version": exc.version},
                status_code=409,
            )  # fmt: skip
        except UserError as exc:
            return fail(exc)
        return JSONResponse({"version": version})

    async def create(request: Request) -> Response:
        try:
            data = await body(request)
            if data.get("builtin"):
                rid = _str(data, "builtin")
                name = ws.create(rid, workspace.builtin_text(rid))
            else:
                stem = str(data.get("name") or "my-routine")
                name = ws.create(stem, workspace.starter_text(stem))
        except UserError as exc:
            return fail(exc)
        return JSONResponse({"name": name, "files": ws.routines()})

    async def check(request: Request) -> Response:
        try:
            found = await run_in_threadpool(workspace.check, build_settings(await body(request)))
        except UserError as exc:
            return fail(exc)
        return JSONResponse(found)

    async def list_voices(request: Request) -> Response:
        if not voices:
            from ..speech import choosable_voices  # what `voicecoach voices` lists

            found = await run_in_threadpool(choosable_voices)
            voices.extend(
                {"engine": v.engine, "name": v.name, "language": v.language,
                 "description": v.description}
                for v in found
                if v.language  # not the line saying an engine speaks another's voices
            )  # fmt: skip
        return JSONResponse({"voices": voices})

    async def play(request: Request) -> Response:
        try:
            job = jobs.preview(build_settings(await body(request)))
        except UserError as exc:
            return fail(exc)
        return JSONResponse(job.snapshot())

    async def build(request: Request) -> Response:
        try:
            data = await body(request)
            fmt = data.get("format") or "mp3"
            if fmt not in _FORMATS:
                raise UserError(f"unknown format {fmt!r}")
            base = build_settings(data)
            job = jobs.build(replace(base, fmt=fmt), settings.folder)
        except UserError as exc:
            return fail(exc)
        return JSONResponse(job.snapshot())

    async def share(request: Request) -> Response:
        try:
            data = await body(request)
            client = str(data.get("client") or "").strip() or None
            note = str(data.get("note") or "").strip() or None
            base_url = str(data.get("base_url") or "").strip() or None
            base = replace(build_settings(data), client=client, note=note)
            job = jobs.share(
                ShareSettings(build=base, base_url=base_url, as_zip=bool(data.get("zip", True))),
                settings.folder,
            )
        except UserError as exc:
            return fail(exc)
        return JSONResponse(job.snapshot())

    async def job_state(request: Request) -> Response:
        job = jobs.get(request.path_params["job"])
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return JSONResponse(_with_qr(job.snapshot(), request))

    async def job_events(request: Request) -> Response:
        """Server-sent events: the job's state until it is done or failed."""
        job = jobs.get(request.path_params["job"])
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)

        async def stream() -> AsyncIterator[str]:
            last = None
            while True:
                snap = job.snapshot()
                if snap["state"] in ("done", "failed"):
                    snap = _with_qr(snap, request)
                text = json.dumps(snap)
                if text != last:
                    last = text
                    yield f"data: {text}\n\n"
                if snap["state"] in ("done", "failed"):
                    return
                await asyncio.sleep(0.1)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"cache-control": "no-store"}
        )

    def _with_qr(snap: dict[str, Any], request: Request) -> dict[str, Any]:
        """A share's QR code: the page's future address, else this download's address."""
        if snap["kind"] != "share" or snap["state"] != "done" or "qr" in snap["result"]:
            return snap
        url = f"{request.base_url}files/{snap['result']['file']}?token={settings.token}"
        png = qr_png(url)
        snap["result"]["qr"] = "data:image/png;base64," + base64.b64encode(png).decode()
        snap["result"]["qr_url"] = url
        return snap

    async def preview_audio(request: Request) -> Response:
        job = jobs.get(request.path_params["job"])
        if job is None or job.kind != "preview" or job.state != "done":
            return JSONResponse({"error": "no such preview"}, status_code=404)
        return FileResponse(job.result["file"], media_type="audio/wav")

    async def download(request: Request) -> Response:
        try:
            path = ws.path(request.path_params["path"])
        except UserError as exc:
            return fail(exc)
        if not path.is_file():
            return JSONResponse({"error": "no such file"}, status_code=404)
        return FileResponse(path, filename=path.name)

    static = StaticFiles(directory=str(resources.files("voicecoach") / "studio" / "static"))
    app = Starlette(
        routes=[
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
            Mount("/static", static),
        ],
        lifespan=_lifespan(jobs),
    )
    app.state.jobs = jobs
    app.state.build_settings = build_settings
    app.state.fail = fail
    guarded = Guard(app, settings.token, settings.hosts, settings.port)
    guarded.state = app.state  # type: ignore[attr-defined]
    return guarded


def _lifespan(jobs: Jobs):  # type: ignore[no-untyped-def]
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):  # type: ignore[no-untyped-def]
        try:
            yield
        finally:
            jobs.close()

    return lifespan


def _resource(name: str) -> str:
    return (resources.files("voicecoach") / "studio" / name).read_text("utf-8")


def _page_headers() -> dict[str, str]:
    return {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
    }


def _str(data: dict[str, Any], key: str, allow_empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise UserError(f"{key} must be a non-empty string")
    return value
