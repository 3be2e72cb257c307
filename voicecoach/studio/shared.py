"""What every studio view shares: JSON in, errors out, the job a path names, the settings.

One helper for each job, so the views (``app.py``, ``record.py``) stay a few lines each. The
app's state (``request.app.state``) holds the studio's ``settings``, its ``workspace`` and
its ``jobs``; ``create_app`` puts them there.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import UserError
from ..model import DETAILS, PACES
from ..pipeline import BuildSettings
from ..routine import resolve
from . import workspace
from .jobs import Job
from .security import BadName, PathRefused


class NotFound(UserError):
    """What the request names is not there (404)."""


def fail(exc: UserError, status: int = 400) -> Response:
    """A ``UserError`` as the JSON the page shows: 403 for a path outside the folder, 400 for
    a name no file may have, 404 for something missing, else ``status``."""
    if isinstance(exc, PathRefused):
        status = 403
    elif isinstance(exc, BadName):
        status = 400
    elif isinstance(exc, NotFound):
        status = 404
    return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=status)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (bodies are capped by the guard)."""
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise UserError("the request is not JSON") from None
    if not isinstance(data, dict):
        raise UserError("the request is not a JSON object")
    return data


def find_job(request: Request, kind: str | None = None, done: bool = False) -> Job:
    """The job named by the path's ``{job}`` (of this kind, finished if asked), else 404."""
    job = request.app.state.jobs.get(request.path_params["job"])
    if job is None or (kind is not None and job.kind != kind) or (done and job.state != "done"):
        raise NotFound(f"no such {kind or 'job'}")
    found: Job = job
    return found


def text_field(data: dict[str, Any], key: str, allow_empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise UserError(f"{key} must be a non-empty string")
    return value


def build_settings(request: Request, data: dict[str, Any]) -> BuildSettings:
    """The draft and the controls, as the same settings object the CLI builds."""
    studio = request.app.state.settings
    ws: workspace.Workspace = request.app.state.workspace
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise UserError("text must be a string")
    if data.get("builtin"):
        rid = text_field(data, "builtin")
        if rid not in workspace.builtins():  # an id, never a path
            raise UserError(f"no built-in routine {rid!r}")
        path = resolve(rid)
    else:
        path = ws.path(text_field(data, "name"))
    length = data.get("length_s")
    if length is not None and (
        not isinstance(length, int | float) or not math.isfinite(length) or length <= 0
    ):
        raise UserError("length_s must be a positive number of seconds")
    pace = data.get("pace") or "normal"
    if pace not in PACES:
        raise UserError(f"unknown pace {pace!r}")
    detail = data.get("detail") or "full"
    if detail not in DETAILS:
        raise UserError(f"unknown detail {detail!r}")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or seed < 0):
        raise UserError("seed must be a whole number from 0")
    engine, _, voice = str(data.get("voice") or "").partition("|")
    return BuildSettings(
        routine=str(path),
        text=text,
        length_s=length,
        pace=pace,
        detail=detail,
        seed=seed,
        engine=engine or None,
        voice=voice or None,
        output_dir=studio.folder / "output",
        cache_dir=studio.cache_dir,
    )
