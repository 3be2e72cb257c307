"""The studio's folder: routine files in it, reading, saving without losing text, checking.

Saving compares the file on disk with the version the editor opened (a SHA-256 of its
bytes); when they differ the save is refused with both texts, never a silent overwrite.
Checking a draft runs exactly what ``voicecoach validate --strict`` runs (load the routine,
compile it) and reports every problem at its line and column.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..compiler import Measure, compile_routine, length_range, performed_units, rounds_at
from ..errors import RoutineError, RoutineErrors, UserError
from ..files import write_text_atomic
from ..model import Diagnostic, Timeline
from ..pipeline import BuildSettings, load, plan_lengths
from ..routine import builtin_ids, resolve
from ..routine import starter_text as routine_starter
from .security import confine

ROUTINE_SUFFIXES = (".yaml", ".yml")
#: Folders never listed: built sessions and tool folders.
_SKIP_DIRS = {"output", "node_modules", "__pycache__"}
_LOCATION_RE = re.compile(r"^(?P<path>.*?):(?P<line>\d+):(?P<col>\d+)$")
_ID_LINE_RE = re.compile(r"^id:[ \t]*([^\s#]*)", re.MULTILINE)


#: Folders deep the list goes (``a/b.yaml`` is listed, ``a/b/c.yaml`` is not).
_LIST_DEPTH = 2


def flag(data: dict[str, Any], key: str) -> bool:
    """A JSON boolean of a request (absent is false); ``"false"`` is not one."""
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise UserError(f"{key} must be true or false, not {json.dumps(value)[:40]}")
    return value


def _reason(exc: OSError) -> str:
    """An OS error as a user reads it: "no space left on device"."""
    return (exc.strerror or str(exc)).lower()


class SaveConflict(UserError):
    """The file changed on disk since the editor opened it."""

    def __init__(self, theirs: str, version: str) -> None:
        super().__init__(
            "the file changed on disk since you opened it",
            "reload theirs, keep mine (overwrite), or show both",
        )
        self.theirs = theirs
        self.version = version


def version_of(data: bytes) -> str:
    """What a file's content is, for conflict checks: its SHA-256."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Workspace:
    """Routine files inside one folder; every path is confined to it."""

    folder: Path

    def routines(self) -> list[str]:
        """Routine files (relative, with ``/``), two levels deep, hidden folders skipped."""
        root = self.folder.resolve()
        found = []
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if (
                len(rel.parts) > _LIST_DEPTH
                or path.suffix not in ROUTINE_SUFFIXES
                or not path.is_file()
            ):
                continue
            if any(p.startswith(".") or p in _SKIP_DIRS for p in rel.parts):
                continue
            try:
                confine(root, rel.as_posix())
            except UserError:
                continue  # a symlink leaving the folder is not offered
            found.append(rel.as_posix())
        return found

    def path(self, name: str) -> Path:
        return confine(self.folder, name)

    def read(self, name: str) -> tuple[str, str]:
        """The file's text and version."""
        path = self.path(name)
        if not path.is_file():
            raise UserError(f"{name} does not exist in the studio's folder")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {name}: {_reason(exc)}") from None
        return data.decode("utf-8", errors="replace"), version_of(data)

    def save(self, name: str, text: str, base_version: str | None, force: bool = False) -> str:
        """Writes ``text`` atomically; refuses when the disk differs from ``base_version``.

        Only where ``routines`` lists (a saved file must show up in the list), and only
        into a folder that exists. A failed write (a full disk) names its cause; the file
        on disk is untouched and the editor keeps the draft.
        """
        path = self.path(name)
        if path.suffix not in ROUTINE_SUFFIXES:
            raise UserError(f"{name} is not a routine file", "routine files end in .yaml")
        parts = name.split("/")
        if len(parts) > _LIST_DEPTH or any(p in _SKIP_DIRS for p in parts):
            raise UserError(
                f"{name} would not appear in the list of routines",
                f"save at most {_LIST_DEPTH - 1} folder deep, outside "
                f"{', '.join(sorted(_SKIP_DIRS))}",
            )
        if not path.parent.is_dir():
            raise UserError(
                f"the folder {'/'.join(parts[:-1])!r} does not exist in the studio's folder",
                "create the folder first, or save beside the other routines",
            )
        try:
            return self._write(path, text, base_version, force)
        except OSError as exc:
            raise UserError(
                f"not saved: {_reason(exc)}",
                "your draft is kept in the editor; free some space (or fix the folder) "
                "and save again",
            ) from None

    def _write(self, path: Path, text: str, base_version: str | None, force: bool) -> str:
        if path.exists() and not force:
            data = path.read_bytes()
            if version_of(data) != base_version:
                raise SaveConflict(data.decode("utf-8", errors="replace"), version_of(data))
        elif not path.exists() and base_version is not None and not force:
            raise SaveConflict("", "")
        write_text_atomic(path, text)
        return version_of(text.encode("utf-8"))

    def create(self, stem: str, text: str) -> str:
        """A new routine file named after ``stem`` (numbered if taken); returns its name."""
        base = slug(stem) or "my-routine"
        for n in range(1, 1000):
            name = f"{base}.yaml" if n == 1 else f"{base}-{n}.yaml"
            if not self.path(name).exists():
                self.save(name, with_id(text, name[:-5]), None)
                return name
        raise UserError(f"too many routines named {base}", "choose another name")


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60]


def starter_text(stem: str = "my-routine") -> str:
    """The same starter as ``voicecoach new``."""
    return routine_starter(slug(stem) or "my-routine")


def with_id(text: str, rid: str) -> str:
    """A routine's text with its top-level ``id:`` set to ``rid`` (its comment kept), so
    each file's builds have their own output names."""
    return _ID_LINE_RE.sub(lambda m: "id: " + rid, text, count=1)


def id_of(text: str) -> str | None:
    """The top-level ``id:`` written in a routine's text, if any."""
    found = _ID_LINE_RE.search(text)
    return found.group(1) if found else None


def builtins() -> list[str]:
    return builtin_ids()


def builtin_text(rid: str) -> str:
    if rid not in builtin_ids():
        raise UserError(f"no built-in routine {rid!r}")
    return resolve(rid).read_text(encoding="utf-8")


# -- checking ---------------------------------------------------------------------------------


def problem(line: int, col: int, severity: str, message: str, hint: str | None) -> dict[str, Any]:
    return {"line": line, "col": col, "severity": severity, "message": message, "hint": hint}


def _from_error(error: UserError) -> dict[str, Any]:
    if isinstance(error, RoutineError):
        return problem(error.line, error.column, "error", error.message, error.hint)
    return problem(0, 0, "error", error.message, error.hint)


def _from_diagnostic(d: Diagnostic) -> dict[str, Any]:
    found = _LOCATION_RE.match(d.location)
    line, col = (int(found["line"]), int(found["col"])) if found else (0, 0)
    return problem(line, col, "error", d.message, d.hint or None)


def diagnostics(
    settings: BuildSettings,
) -> tuple[list[dict[str, Any]], Timeline | None, Measure | None]:
    """Every problem ``validate --strict`` reports for the routine, located; its timeline.

    The same steps as ``validate``: load (here: the draft text), take the planned lengths
    (``pipeline.plan_lengths``: cached clips, else the voice's calibrated estimate) and
    compile with the defaults; timing and hands-free warnings count, as with ``--strict``.
    Also returns the lengths, for the chart.
    """
    try:
        routine = load(settings)
        measure = plan_lengths(routine, settings.cache_dir)
        timeline = compile_routine(routine, measure)
    except RoutineErrors as exc:
        return [_from_error(e) for e in exc.errors], None, None
    except UserError as exc:
        return [_from_error(exc)], None, None
    return [_from_diagnostic(d) for d in timeline.diagnostics], timeline, measure


def check(settings: BuildSettings) -> dict[str, Any]:
    """What the page shows for a draft: problems, the timeline with the controls, the range.

    The chart's timeline follows the controls (length, pace, seed) as ``plan`` would;
    problems are those of ``validate --strict``. A length out of reach is reported and the
    chart falls back to the routine's natural length.
    """
    problems, plain, measure = diagnostics(settings)
    if plain is None or measure is None:
        return {"problems": problems, "timeline": None, "range": None}
    routine = load(settings)
    lo, hi = length_range(
        routine, measure, pace=settings.pace, seed=settings.seed, detail=settings.detail
    )
    timeline = plain
    try:
        timeline = compile_routine(
            routine,
            measure,
            length_s=settings.length_s,
            seed=settings.seed,
            pace=settings.pace,
            detail=settings.detail,
        )
    except UserError as exc:
        problems.append(_from_error(exc) | {"severity": "warning"})
    return {
        "problems": problems,
        "timeline": timeline_json(routine, timeline),
        "range": {"min_s": lo, "max_s": hi},
    }


def timeline_json(routine: Any, timeline: Timeline) -> dict[str, Any]:
    """The timeline JSON plus the performed steps (kind, line, section, side) for the chart.

    Steps that make no sound (pauses) have no events; the chart still draws them. Ranged
    ``rounds`` are counted as this timeline settled them, so step numbers match events'.
    """
    out = timeline.to_json()
    out["steps"] = [
        {
            "line": unit.step.location.line,
            "kind": type(unit.step).__name__.lower(),
            "section": unit.section.title,
            "side": unit.side or "",
        }
        for unit in performed_units(rounds_at(routine, timeline.count_position))
    ]
    return out
