"""Finding a routine file (a path or a built-in id) and reading it from disk.

The I/O edge of the routine stage: size and encoding are checked here, before the text
reaches the parser (``parse.parse_routine``). Built-in routines are package data under
``voicecoach/routine/builtins/``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from ..errors import Location, RoutineError, RoutineErrors, UserError
from .parse import ID_RE, parse_routine
from .values import Routine

MAX_FILE_BYTES = 1_000_000


def builtin_ids() -> list[str]:
    """Ids of the routines shipped inside the package, sorted."""
    folder = resources.files("voicecoach.routine") / "builtins"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def starter_text(routine_id: str = "my-routine") -> str:
    """The commented starter routine (``voicecoach new``, the studio's New), with this id."""
    text = (resources.files("voicecoach.routine") / "starter.yaml").read_text(encoding="utf-8")
    return text.replace("my-routine", routine_id)


def schema_text() -> str:
    """The JSON Schema of the routine format, as shipped (``voicecoach schema``)."""
    return (resources.files("voicecoach.routine") / "schema.json").read_text(encoding="utf-8")


def resolve(ref: str) -> Path:
    """A routine reference (a file path or a built-in id) to the file to read."""
    path = Path(ref)
    if path.is_file():
        return path
    if ID_RE.match(ref):
        builtin = resources.files("voicecoach.routine") / "builtins" / f"{ref}.yaml"
        if builtin.is_file():
            return Path(str(builtin))
    hint = "give a path to a .yaml file, or a built-in id (`voicecoach list` shows them)"
    close = difflib.get_close_matches(ref, builtin_ids(), n=1)
    message = f"no routine file or built-in routine named {ref!r}"
    if close:
        message += f" (did you mean {close[0]!r}?)"
    raise UserError(message, hint)


def load_routine(ref: str, allow_paths: Sequence[Path] = ()) -> Routine:
    """Read and check a routine given by path or built-in id; raises ``RoutineErrors``.

    Sound and music files must lie in the routine's folder (or in ``allow_paths``).
    """
    path = resolve(ref)
    display = ref if Path(ref).is_file() else f"{ref}.yaml"
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RoutineErrors(
            [
                RoutineError(
                    Location(display),
                    f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})",
                    "split the routine into smaller files; a routine is a few kilobytes",
                )
            ]
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RoutineErrors(
            [RoutineError(Location(display), f"not UTF-8 text: {exc}", "save the file as UTF-8")]
        ) from None
    return parse_routine(text, display, base_dir=path.resolve().parent, allow_paths=allow_paths)
