"""The author's own voice: which lines a session speaks, which are recorded, adding takes.

Used by ``voicecoach recordings`` and the studio's Record panel; both talk to this module,
which talks to the pipeline (to compile the session) and to the speech stage's recordings
folder. A line is what the session says, after ``{side}`` and the like are filled in, so
"Roll the right thigh" and "Roll the left thigh" are two lines to record.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import UserError
from .model import CueName
from .pipeline import BuildSettings, draft, recordings_of
from .routine import Routine
from .speech.recordings import Recordings, Take, read_recordings

#: The folder a routine's recordings go to when it names none yet.
DEFAULT_FOLDER = "recordings/"
#: The largest CSV ``import`` reads.
MAX_CSV_BYTES = 1024 * 1024
#: Cues whose words the author wrote; the rest are the built-in cue phrases.
_AUTHORED: frozenset[CueName] = frozenset(
    {"intro", "safety", "transition", "instruction", "then", "encourage", "next", "rest"}
)

LineKind = Literal["line", "cue"]


@dataclass(frozen=True)
class Line:
    """One distinct spoken line of a session and its recording, if any."""

    text: str
    kind: LineKind
    cue: str
    line: int | None
    take: Take | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "kind": self.kind,
            "cue": self.cue,
            "line": self.line,
            "recorded": self.take is not None,
        }
        if self.take is not None:
            out["take"] = self.take.to_json()
        return out


@dataclass(frozen=True)
class Script:
    """What ``recordings`` lists: the folder and the session's lines, in order of first use."""

    routine: Routine
    folder: Path
    named: bool
    lines: tuple[Line, ...]

    @property
    def recorded(self) -> int:
        return sum(1 for line in self.lines if line.take is not None)


def folder_of(routine: Routine) -> tuple[Path, bool]:
    """The routine's recordings folder and whether the routine names it."""
    named = routine.voice.recordings is not None
    ref = routine.voice.recordings if named else DEFAULT_FOLDER
    assert ref is not None
    return Path(routine.base_dir) / ref, named


def script(settings: BuildSettings, cues: bool = True) -> Script:
    """Every distinct line the session says (``cues``: the cue phrases too), marked."""
    routine, timeline = draft(settings)
    folder, named = folder_of(routine)
    recordings = recordings_of(routine) if named else read_recordings(folder)
    assert recordings is not None
    seen: dict[str, Line] = {}
    for event in timeline.events:
        if event.kind != "speech" or not event.text or event.text in seen:
            continue
        kind: LineKind = "line" if event.cue in _AUTHORED else "cue"
        if kind == "cue" and not cues:
            continue
        take = recordings.get(event.text)
        seen[event.text] = Line(event.text, kind, event.cue or "", event.line, take)
    return Script(routine, folder, named, tuple(seen.values()))


def _writable(routine: Routine) -> Recordings:
    if not folder_of(routine)[1]:
        raise UserError(
            f"{routine.location.path} does not name a recordings folder",
            "add `recordings: recordings/` under `voice:` in the routine, e.g. "
            "`voice: {engine: piper, recordings: recordings/}`",
        )
    if not Path(routine.location.path).is_file():
        raise UserError(
            f"{routine.id} is a built-in routine; recordings live beside a routine file",
            "copy it into your folder first (the studio's copy button does), then name the copy",
        )
    recordings = recordings_of(routine)
    assert recordings is not None
    return recordings


@dataclass(frozen=True)
class Imported:
    """What ``import`` did: one row per take, with its warnings."""

    added: tuple[Take, ...]
    warnings: tuple[str, ...]
    unknown: tuple[str, ...]


def read_csv(path: Path) -> list[tuple[int, str, Path]]:
    """(row number, text, file) of a ``text,file`` CSV; files relative to the CSV."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}", "check the path") from None
    if len(data) > MAX_CSV_BYTES:
        raise UserError(f"{path} is over 1 MB", "split it into smaller files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text", "save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"text", "file"} <= set(reader.fieldnames):
        raise UserError(
            f"{path} needs the columns text and file (it has {reader.fieldnames or 'none'})",
            'the first row must be `text,file`, e.g. `"Roll slowly.",takes/roll.wav`',
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        line, file = " ".join((row.get("text") or "").split()), (row.get("file") or "").strip()
        if not line or not file:
            raise UserError(f"{path}:{number}: a row needs both text and file", "fill it in")
        source = (path.parent / file).resolve()
        if not source.is_file():
            raise UserError(
                f"{path}:{number}: {file} does not exist", "paths are relative to the CSV"
            )
        rows.append((number, line, source))
    return rows


def import_csv(settings: BuildSettings, csv_path: Path, *, force: bool = False) -> Imported:
    """Adds every take a ``text,file`` CSV names; nothing is replaced unless ``force``.

    Every row is checked (columns, files, lines already recorded) before any take is
    added, so a mistake in row 40 leaves the folder as it was.
    """
    from .speech.takes import add_take

    routine = draft(settings)[0]
    recordings = _writable(routine)
    rows = read_csv(csv_path)
    if not force:
        taken = [f"{csv_path}:{n}: {t!r}" for n, t, _ in rows if t in recordings]
        if taken:
            raise UserError(
                "already recorded: " + "; ".join(taken[:5]) + (" ..." if len(taken) > 5 else ""),
                "pass --force to replace them",
            )
    spoken = {line.text for line in script(settings).lines}
    added: list[Take] = []
    warnings: list[str] = []
    for _, text, source in rows:
        done = add_take(recordings, text, source, force=force)
        recordings = done.recordings
        added.append(done.take)
        warnings.extend(done.warnings)
    unknown = tuple(t for _, t, _ in rows if t not in spoken)
    return Imported(tuple(added), tuple(warnings), unknown)


def record(settings: BuildSettings, text: str, source: Path, *, force: bool = False) -> Imported:
    """Adds one take (the studio's Record panel)."""
    from .speech.takes import add_take

    routine = draft(settings)[0]
    done = add_take(_writable(routine), text, source, force=force)
    return Imported((done.take,), done.warnings, ())


def forget(settings: BuildSettings, text: str) -> None:
    """Removes a line's take."""
    from .speech.takes import remove_take

    routine = draft(settings)[0]
    remove_take(_writable(routine), text)


def naming_folder(text: str, folder: str = DEFAULT_FOLDER) -> str:
    """The routine text with ``recordings: FOLDER`` added under ``voice:`` (the studio's edit).

    Comments and layout are kept: one line is added, or one entry to a flow mapping
    (``voice: {engine: piper}``). A text that already names a folder is returned as it is.
    """
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        raise UserError(
            "the routine has a YAML error", "fix it first (the problems list shows where)"
        ) from None
    if not isinstance(root, yaml.MappingNode):
        raise UserError("the routine is not a mapping of keys", "start from `voicecoach new`")
    lines = text.splitlines(keepends=True)
    entry = f"recordings: {folder}"
    for key, value in root.value:
        if key.value != "voice":
            continue
        if not isinstance(value, yaml.MappingNode):
            break
        if any(k.value == "recordings" for k, _ in value.value):
            return text
        if value.flow_style:
            end = value.end_mark  # just after the closing brace
            row, col = end.line, end.column - 1
            inner = lines[row][:col].rstrip()
            sep = "" if inner.endswith("{") else ", "
            lines[row] = lines[row][:col].rstrip() + sep + entry + lines[row][col:]
            return "".join(lines)
        first = value.value[0][0].start_mark if value.value else None
        if first is None:
            break
        indent = " " * first.column
        lines.insert(first.line, f"{indent}{entry}\n")
        return "".join(lines)
    else:
        after = max(
            (k.end_mark.line for k, _ in root.value if k.value in ("format", "id", "title")),
            default=-1,
        )
        at = after + 1
        lines.insert(at, f"voice: {{{entry}}}\n")
        return "".join(lines)
    raise UserError(
        "voice: is not a mapping, so the recordings folder cannot be added",
        f"write `voice: {{{entry}}}` yourself",
    )


def take_path(settings: BuildSettings, text: str) -> Path:
    """The WAV of a recorded line (to hear it back)."""
    routine = draft(settings)[0]
    recordings = _writable(routine)
    if text not in recordings:
        raise UserError(f"{text!r} is not recorded", "record it first")
    return recordings.path(text)
