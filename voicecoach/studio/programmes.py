"""The studio's programme view API: a programme file's calendar and each phase's chart,
build and share.

Module-level views, like ``record.py``: the file comes through ``shared.build_settings``
(confined to the studio's folder, with the voice, the cache and ``output/``), a
``UserError`` becomes the JSON error the page shows, and builds run as the studio's jobs.
The page itself (``templates/programme.html``, ``static/programme.js``) draws each phase
with the editor's chart. Every problem comes back located, as ``programme plan`` prints it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import RoutineErrors
from ..pipeline import BuildSettings
from . import workspace
from .jobs import Jobs
from .shared import NotFound, build_settings, json_body, text_field


def programme_path(request: Request, name: str) -> BuildSettings:
    """The settings of the programme file ``name`` in the studio's folder (404 if absent)."""
    settings = build_settings(request, {"name": name})
    if not Path(settings.routine).is_file():
        raise NotFound(f"{name} does not exist in the studio's folder")
    return settings


async def _request(request: Request) -> tuple[str, BuildSettings, dict[str, Any]]:
    data = await json_body(request)
    name = text_field(data, "name")
    base = programme_path(request, name)
    engine, _, voice = str(data.get("voice") or "").partition("|")
    return name, replace(base, engine=engine or None, voice=voice or None), data


def plan(base: BuildSettings, name: str) -> dict[str, Any]:
    """Problems (located) or the plan, with each phase's timeline and steps for the chart."""
    from ..programme import load_programme, plan_programme
    from ..routine import apply_changes, load_routine

    try:
        programme = load_programme(base.routine)
    except RoutineErrors as exc:
        shown = Path(base.routine)
        problems = [
            workspace.problem(e.line, e.column, "error", e.message, e.hint)
            | {"file": name if Path(e.path) == shown else Path(e.path).name}
            for e in exc.errors
        ]
        return {"problems": problems, "plan": None, "phases": []}
    result = plan_programme(programme, base.engine)
    phases = []
    for pp in result.phases:
        routine = apply_changes(load_routine(pp.phase.routine_ref), pp.phase.changes)
        timeline = workspace.timeline_json(routine, pp.timeline)
        phases.append({"phase": pp.phase.label, "timeline": timeline})
    return {"problems": [], "plan": result.to_json(), "phases": phases}


async def plan_view(request: Request) -> Response:
    name, base, _ = await _request(request)
    return JSONResponse(await run_in_threadpool(plan, base, name))


async def build(request: Request) -> Response:
    from ..programme import ProgrammeSettings

    name, base, _ = await _request(request)
    folder: Path = request.app.state.settings.folder
    out = folder / "output" / Path(name).stem
    jobs: Jobs = request.app.state.jobs
    settings = ProgrammeSettings(Path(base.routine), out, replace(base, routine=""))
    return JSONResponse(jobs.programme(settings, folder).snapshot())


async def share(request: Request) -> Response:
    from ..programme.share import ShareProgramme

    name, base, data = await _request(request)
    base_url = str(data.get("base_url") or "").strip() or None
    folder: Path = request.app.state.settings.folder
    out = folder / "output" / "share" / Path(name).stem
    jobs: Jobs = request.app.state.jobs
    settings = ShareProgramme(Path(base.routine), out, replace(base, routine=""), base_url)
    return JSONResponse(jobs.programme_share(settings, folder).snapshot())


ROUTES = [
    Route("/api/programme/plan", plan_view, methods=["POST"]),
    Route("/api/programme/build", build, methods=["POST"]),
    Route("/api/programme/share", share, methods=["POST"]),
]
