"""The studio's Record panel API: the lines to record, takes in, takes out, hear a take.

Module-level views over ``recorder`` (which talks to the pipeline), with the studio's
helpers (``shared``): ``build_settings`` (the one way from a request's fields to the settings
the CLI builds), ``json_body`` and ``fail`` (a ``UserError`` as a JSON answer). A take's
audio comes as the raw request body (what MediaRecorder gave: webm, ogg or mp4), capped like
every body (1 MB: minutes of Opus, far more than a line).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .. import recorder
from ..errors import UserError
from .shared import build_settings, fail, json_body


def _line(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UserError("line must be the text of a line of the session")
    return value


async def lines(request: Request) -> Response:
    """Every line the session (the draft, with the controls) says, recorded or missing."""
    try:
        data = await json_body(request)
        settings = build_settings(request, data)
        found = await run_in_threadpool(recorder.script, settings, bool(data.get("cues", True)))
    except UserError as exc:
        return fail(exc)
    return JSONResponse(
        {
            "named": found.named,
            "folder": found.folder.name,
            "recorded": found.recorded,
            "lines": [line.to_json() for line in found.lines],
        }
    )


async def name_folder(request: Request) -> Response:
    """The draft with ``recordings: recordings/`` added under ``voice:`` (not saved here)."""
    try:
        data = await json_body(request)
        text = data.get("text")
        if not isinstance(text, str):
            raise UserError("text must be the routine's text")
        return JSONResponse({"text": recorder.naming_folder(text)})
    except UserError as exc:
        return fail(exc)


async def take(request: Request) -> Response:
    """A new take of ``?line=`` for the saved routine ``?name=``; ``force=1`` replaces one."""
    query = dict(request.query_params)
    try:
        text = _line(query.get("line"))
        force = query.get("force", "0")
        if force not in ("0", "1"):
            raise UserError("force must be 0 or 1")
        settings = build_settings(request, {"name": query.get("name")})
        audio = await request.body()
        if not audio:
            raise UserError("the take is empty", "record again; check the microphone")
        with tempfile.TemporaryDirectory(prefix="voicecoach-take-") as tmp:
            source = Path(tmp) / "take"
            source.write_bytes(audio)
            done = await run_in_threadpool(
                recorder.record, settings, text, source, force=force == "1"
            )
    except UserError as exc:
        return fail(exc)
    return JSONResponse(
        {"take": done.added[0].to_json(), "warnings": list(done.warnings)}, status_code=201
    )


async def delete(request: Request) -> Response:
    try:
        data = await json_body(request)
        settings = build_settings(request, {"name": data.get("name")})
        await run_in_threadpool(recorder.forget, settings, _line(data.get("line")))
    except UserError as exc:
        return fail(exc)
    return JSONResponse({"deleted": True})


async def audio(request: Request) -> Response:
    """A take's cleaned WAV, to hear it back."""
    query = dict(request.query_params)
    try:
        settings = build_settings(request, {"name": query.get("name")})
        path = await run_in_threadpool(recorder.take_path, settings, _line(query.get("line")))
    except UserError as exc:
        return fail(exc)
    return FileResponse(path, media_type="audio/wav", headers={"cache-control": "no-store"})


ROUTES = [
    Route("/api/recordings/lines", lines, methods=["POST"]),
    Route("/api/recordings/name", name_folder, methods=["POST"]),
    Route("/api/recordings/take", take, methods=["POST"]),
    Route("/api/recordings/delete", delete, methods=["POST"]),
    Route("/api/recordings/audio", audio),
]
