"""The studio folder's own settings and its routine files' names: who the therapist is,
renaming and deleting a routine.

Settings live in ``FOLDER/.voicecoach/settings.json`` (a hidden folder: never listed, never
offered as a routine). A deleted routine is moved to ``FOLDER/.voicecoach/deleted/``, so
nothing written is ever lost by a click.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import UserError
from ..files import write_text_atomic
from .shared import fail, json_body
from .workspace import ROUTINE_SUFFIXES, Workspace, id_of, slug, with_id

SETTINGS_DIR = ".voicecoach"
SETTINGS_FILE = "settings.json"
#: Longest therapist name kept (it is a byline, not a text).
MAX_NAME_CHARS = 80
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_AUTHOR_LINE_RE = re.compile(r"^author:[ \t]*([^#\n]*?)[ \t]*(?=#|$)", re.MULTILINE)


class NameTaken(UserError):
    """A rename onto a file that exists."""


def settings_path(folder: Path) -> Path:
    return folder / SETTINGS_DIR / SETTINGS_FILE


def read_settings(folder: Path) -> dict[str, Any]:
    """The folder's settings; an unreadable or odd file counts as none (it is ours to fix)."""
    try:
        data = json.loads(settings_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def therapist(folder: Path) -> str | None:
    name = read_settings(folder).get("therapist")
    return name if isinstance(name, str) and name else None


def clean_name(value: object) -> str:
    """A person's name as given: control characters become a space, blanks trimmed."""
    if not isinstance(value, str):
        raise UserError("the therapist's name must be text")
    name = " ".join(_CONTROL_RE.sub(" ", value).split())
    if not name:
        raise UserError("the therapist's name is empty", "type the name clients know you by")
    if len(name) > MAX_NAME_CHARS:
        raise UserError(
            f"the therapist's name is {len(name)} characters long (at most {MAX_NAME_CHARS})",
            "shorten it",
        )
    return name


def save_therapist(folder: Path, value: object) -> str:
    """Keeps the therapist's name in the folder's settings; returns it cleaned."""
    name = clean_name(value)
    settings = read_settings(folder) | {"therapist": name}
    path = settings_path(folder)
    path.parent.mkdir(exist_ok=True)
    write_text_atomic(path, json.dumps(settings, ensure_ascii=False, indent=2) + "\n")
    return name


def with_author(text: str, author: str | None) -> str:
    """A routine's text with its top-level ``author:`` set to ``author`` (JSON-quoted, so
    any name is valid YAML); unchanged without an author or an ``author:`` line."""
    if not author:
        return text
    return _AUTHOR_LINE_RE.sub(lambda m: "author: " + json.dumps(author, ensure_ascii=False),
                               text, count=1)  # fmt: skip


def _routine_name(ws: Workspace, name: str) -> Path:
    path = ws.path(name)
    if path.suffix not in ROUTINE_SUFFIXES:
        raise UserError(f"{name} is not a routine file", "routine files end in .yaml")
    return path


def rename(ws: Workspace, old: str, new: str) -> str:
    """Renames routine ``old`` to ``new`` (a name: made a slug, ``.yaml`` added) in the same
    folder; an ``id:`` that named the old file follows the new name, so builds of the two
    never share an output. Returns the new relative name."""
    source = _routine_name(ws, old)
    if not source.is_file():
        raise UserError(f"{old} does not exist in the studio's folder")
    stem = slug(new.removesuffix(".yaml").removesuffix(".yml"))
    if not stem:
        raise UserError(f"{new!r} is not a usable name", "use letters, digits and '-'")
    rel = Path(old).with_name(stem + ".yaml").as_posix()
    target = _routine_name(ws, rel)
    if target == source:
        return old
    if target.exists():
        raise NameTaken(f"{rel} already exists", "choose another name")
    text = source.read_text(encoding="utf-8", errors="replace")
    if id_of(text) == source.stem:
        write_text_atomic(target, with_id(text, stem))
        source.unlink()
    else:
        source.rename(target)
    return rel


def delete(ws: Workspace, name: str) -> str:
    """Moves routine ``name`` into ``.voicecoach/deleted/`` (time-stamped); returns where."""
    source = _routine_name(ws, name)
    if not source.is_file():
        raise UserError(f"{name} does not exist in the studio's folder")
    bin_dir = ws.folder / SETTINGS_DIR / "deleted"
    bin_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = bin_dir / f"{source.stem}-{stamp}{source.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = bin_dir / f"{source.stem}-{stamp}-{n}{source.suffix}"
    source.rename(target)
    return target.relative_to(ws.folder).as_posix()


# -- views (module-level; errors answered by the app's UserError handler) ----------------


def _folder(request: Request) -> Path:
    folder: Path = request.app.state.settings.folder
    return folder


def _name(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise UserError(f"{key} must be a non-empty string")
    return value


async def settings_view(request: Request) -> Response:
    """GET: the folder's settings; POST ``{"therapist": NAME}`` keeps the name."""
    folder = _folder(request)
    if request.method == "POST":
        save_therapist(folder, (await json_body(request)).get("therapist"))
    return JSONResponse({"therapist": therapist(folder)})


async def rename_view(request: Request) -> Response:
    """``{"name": OLD, "to": NEW}``: 409 when NEW exists; answers the new name and the list."""
    ws: Workspace = request.app.state.workspace
    data = await json_body(request)
    try:
        name = rename(ws, _name(data, "name"), _name(data, "to"))
    except NameTaken as exc:
        return fail(exc, 409)
    return JSONResponse({"name": name, "files": ws.routines()})


async def delete_view(request: Request) -> Response:
    """``{"name": NAME}``: moved aside, never destroyed; answers where and the list."""
    ws: Workspace = request.app.state.workspace
    kept = delete(ws, _name(await json_body(request), "name"))
    return JSONResponse({"kept": kept, "files": ws.routines()})


ROUTES = [
    Route("/api/settings", settings_view, methods=["GET", "POST"]),
    Route("/api/rename", rename_view, methods=["POST"]),
    Route("/api/delete", delete_view, methods=["POST"]),
]
