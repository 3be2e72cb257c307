"""The studio's Clients view data and check-in drop: what clients sent back, per client.

The page itself (``templates/clients.html``) is served by ``app.clients_page``. Module-level
views over ``checkins`` (the database beside the share folders, at
``FOLDER/output/share``, where the studio's shares are written). A dropped check-in file
comes as the raw request body (capped like every body at 1 MB by ``security.Guard``), its
name in ``X-File-Name``; it is imported all or nothing, or refused with its reason.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..checkins import Store
from ..checkins.importer import import_bytes

_NAME_CHARS = 200


def store_of(request: Request) -> Store:
    """The studio's check-in database: beside the shares it makes (``output/share``)."""
    folder: Path = request.app.state.settings.folder
    return Store(folder / "output" / "share")


async def clients(request: Request) -> Response:
    """Every client: their shares (what and when) and the sessions they sent back."""
    store = store_of(request)
    shares, sessions = await run_in_threadpool(lambda: (store.shares(), store.sessions()))
    by_client: dict[str, dict[str, Any]] = defaultdict(lambda: {"shares": [], "sessions": []})
    for s in shares:
        by_client[s.client]["shares"].append(
            {"share": s.share_id, "routine": s.routine, "title": s.title, "created": s.created}
        )
    for r in sessions:
        by_client[r.client]["sessions"].append(
            {"share": r.share_id, "routine": r.routine, "done": r.done, "pain": r.pain,
             "difficulty": r.difficulty, "note": r.note}
        )  # fmt: skip
    body = [{"client": name, **data} for name, data in sorted(by_client.items())]
    return JSONResponse({"clients": body})


async def drop(request: Request) -> Response:
    """One dropped check-in file: ``200`` imported (or already), ``422`` refused with why."""
    raw = unquote(request.headers.get("x-file-name", "")[: _NAME_CHARS * 3])
    name = "".join(c for c in raw if c.isprintable())[:_NAME_CHARS] or "dropped file"
    data = await request.body()
    outcome = await run_in_threadpool(import_bytes, store_of(request), data, name)
    body = {
        "name": outcome.name,
        "status": outcome.status,
        "sessions": outcome.sessions,
        "client": outcome.client,
        "reason": outcome.reason,
        "detail": outcome.detail,
    }
    return JSONResponse(body, status_code=422 if outcome.status == "refused" else 200)


ROUTES = [
    Route("/api/clients", clients),
    Route("/api/checkins", drop, methods=["POST"]),
]
