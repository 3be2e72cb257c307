"""The studio's "Hand over" button: serve a finished share folder to a phone on the local
network for a while (``voicecoach.publish.handover``), with its QR code and a countdown.

The studio itself stays on 127.0.0.1; the hand-over is its own listener on the LAN address,
serving that one folder under an unguessable path. One hand-over at a time: a new one ends
the last. The studio's shutdown ends it too.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import UserError
from ..pipeline import qr_png
from ..publish.handover import DEFAULT_S, Handover, HandoverSettings
from .shared import NotFound, json_body

#: Longest hand-over the studio starts (minutes).
MAX_MINUTES = 240


def _state(request: Request) -> dict[str, Any]:
    h: Handover | None = getattr(request.app.state, "handover", None)
    if h is None or not h.active:
        return {"active": False}
    return {
        "active": True,
        "url": h.url,
        "remaining_s": round(h.remaining_s(), 1),
        "folder": getattr(request.app.state, "handover_folder", ""),
        "qr": "data:image/png;base64," + base64.b64encode(qr_png(h.url)).decode(),
    }


async def start(request: Request) -> Response:
    """``{"job": ID, "minutes": 30}``: hands over the folder that share job made."""
    data = await json_body(request)
    job = request.app.state.jobs.get(str(data.get("job", "")))
    if job is None or job.kind != "share" or job.state != "done":
        raise NotFound("no such finished share")
    file = str(job.result.get("file", ""))
    if not file.endswith("index.html"):
        raise UserError("that share is a zip; make the share as a folder to hand it over")
    minutes = data.get("minutes", DEFAULT_S / 60)
    if not isinstance(minutes, (int, float)) or isinstance(minutes, bool):
        raise UserError("minutes must be a number")
    if not 0 < minutes <= MAX_MINUTES:
        raise UserError(f"minutes must be from 1 to {MAX_MINUTES}")
    folder = (request.app.state.settings.folder / file).parent
    settings = HandoverSettings(
        Path(folder),
        host=getattr(request.app.state, "handover_host", None),
        duration_s=float(minutes) * 60,
    )
    await run_in_threadpool(stop_handover, request.app.state)
    request.app.state.handover = await run_in_threadpool(Handover, settings)
    request.app.state.handover_folder = Path(file).parent.as_posix()
    return JSONResponse(_state(request))


async def state(request: Request) -> Response:
    return JSONResponse(_state(request))


async def stop(request: Request) -> Response:
    await run_in_threadpool(stop_handover, request.app.state)
    return JSONResponse(_state(request))


def stop_handover(app_state: Any) -> None:
    h: Handover | None = getattr(app_state, "handover", None)
    if h is not None:
        h.stop()
    app_state.handover = None


ROUTES = [
    Route("/api/handover", state),
    Route("/api/handover/start", start, methods=["POST"]),
    Route("/api/handover/stop", stop, methods=["POST"]),
]
