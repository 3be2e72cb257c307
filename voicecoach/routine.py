"""Stage 1: read a routine file, check every part of it, and return a ``Routine`` value.

The parser walks YAML *nodes* (not plain values) so that every problem can point at the
line and column it came from. It keeps going after a problem and reports all of them at
once (``RoutineErrors``); nothing later in the pipeline sees an invalid routine.
"""

from __future__ import annotations

import contextlib
import difflib
import random
import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import Location, RoutineError, RoutineErrors, UserError
from .model import Music, Voice
from .phrases import languages

FORMAT = "voicecoach/1"
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 40
MAX_REPS = 200
MAX_STEP_S = 3600.0
BREATHING_GUIDES = ("spoken", "tones", "none")
PLACEHOLDERS = ("side", "other_side", "client")
STEP_KINDS = ("say", "pause", "hold", "repeat", "chime", "include")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$"
)
T = TypeVar("T")
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
_ALLOWED_TAGS = _PLAIN_TAGS | {f"tag:yaml.org,2002:{t}" for t in ("seq", "map", "timestamp")}


# -- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A fixed value (``lo == hi``) or a range resolved later by the target length."""

    lo: float
    hi: float

    @property
    def is_range(self) -> bool:
        return self.hi > self.lo

    def at(self, t: float) -> float:
        """The value at position ``t`` in [0, 1] of the range."""
        return self.lo + (self.hi - self.lo) * t


@dataclass(frozen=True)
class Text:
    """A spoken line: one or more alternative wordings, with where it was written."""

    options: tuple[str, ...]
    location: Location

    def pick(self, seed: int, salt: str = "") -> str:
        """A stable choice: the same seed and place always give the same wording."""
        if len(self.options) == 1:
            return self.options[0]
        rng = random.Random(f"{seed}:{self.location.line}:{self.location.column}:{salt}")
        return rng.choice(self.options)


@dataclass(frozen=True)
class Breathing:
    inhale_s: float = 4.0
    exhale_s: float = 6.0
    guide: str = "spoken"
    every_s: float = 30.0


@dataclass(frozen=True)
class Encourage:
    every_s: float
    text: Text


@dataclass(frozen=True)
class HandsFree:
    """Limits of the hands-free lint; a routine may loosen or tighten them."""

    max_silence_s: float = 20.0
    lead_in_s: float = 5.0
    halfway_from_s: float = 20.0
    countdown_from_s: float = 10.0
    check_in_from_s: float = 90.0


@dataclass(frozen=True)
class Say:
    text: Text
    location: Location
    setup: Text | None = None


@dataclass(frozen=True)
class Pause:
    duration: Span
    location: Location
    setup: Text | None = None


@dataclass(frozen=True)
class Hold:
    duration: Span
    location: Location
    text: Text | None = None
    lead_in_s: float = 5.0
    breathing: Breathing | None = None
    halfway: Text | None = None
    countdown: int = 0
    encourage: Encourage | None = None
    setup: Text | None = None
    #: Not set in the file: the compiler decides from the hold's resolved length.
    halfway_auto: bool = False
    countdown_auto: bool = False


@dataclass(frozen=True)
class Repeat:
    count: Span
    location: Location
    text: Text | None = None
    each_s: float = 6.0
    count_aloud: bool = True
    lead_in_s: float = 0.0
    setup: Text | None = None


@dataclass(frozen=True)
class Chime:
    sound: str
    location: Location
    setup: Text | None = None


Step = Say | Pause | Hold | Repeat | Chime


@dataclass(frozen=True)
class Section:
    title: str
    steps: tuple[Step, ...]
    location: Location
    sides: tuple[str, ...] = ()
    transition: str | None = "chime"
    setup: Text | None = None


@dataclass(frozen=True)
class Routine:
    """A checked routine: everything the compiler needs, includes already expanded."""

    id: str
    title: str
    sections: tuple[Section, ...]
    location: Location
    author: str = ""
    description: str = ""
    language: str = "en"
    seed: int = 0
    gap_s: float = 1.0
    voice: Voice = field(default_factory=Voice)
    breathing: Breathing = field(default_factory=Breathing)
    equipment: tuple[str, ...] = ()
    intro: Text | None = None
    outro: Text | None = None
    safety: tuple[Text, ...] = ()
    sounds: tuple[tuple[str, str], ...] = ()
    music: Music | None = None
    base_dir: str = "."
    cues: str = "spoken"
    hands_free: HandsFree = field(default_factory=HandsFree)
    pronounce: tuple[tuple[str, str], ...] = ()


# -- public entry points --------------------------------------------------------------------


def builtin_ids() -> list[str]:
    """Ids of the routines shipped inside the package, sorted."""
    folder = resources.files("voicecoach") / "routines"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def resolve(ref: str) -> Path:
    """A routine reference (a file path or a built-in id) to the file to read."""
    path = Path(ref)
    if path.is_file():
        return path
    if _ID_RE.match(ref):
        builtin = resources.files("voicecoach") / "routines" / f"{ref}.yaml"
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


def parse_routine(
    text: str,
    path: str = "<routine>",
    base_dir: Path | None = None,
    allow_paths: Sequence[Path] = (),
) -> Routine:
    """Check a routine's YAML text; ``path`` is only used in messages and for relative files."""
    ctx = _Context(path, Path(base_dir or Path(path).parent), tuple(allow_paths))
    root = ctx.compose(text)
    routine = None
    if root is not None:
        with contextlib.suppress(_Invalid):
            routine = _parse_root(ctx, root, str(base_dir or Path(path).parent))
    if ctx.errors or routine is None:
        raise RoutineErrors(ctx.sorted_errors())
    return routine


# -- node walking ----------------------------------------------------------------------------


class _Invalid(Exception):
    """Raised after an error is recorded, to abandon the current value."""


class _Context:
    def __init__(self, path: str, base_dir: Path, allow: tuple[Path, ...] = ()) -> None:
        self.path = path
        self.base_dir = base_dir
        self.allow = allow
        self.errors: list[RoutineError] = []
        self._seen: set[tuple[str, str]] = set()
        self.nodes = 0

    def loc(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def error(self, node: yaml.Node | None, message: str, hint: str | None = None) -> _Invalid:
        loc = self.loc(node) if node is not None else Location(self.path, 1, 1)
        key = (str(loc), message)
        if key not in self._seen:
            self._seen.add(key)
            self.errors.append(RoutineError(loc, message, hint))
        return _Invalid()

    def file_ref(self, node: yaml.Node, what: str) -> str:
        """A file named relative to the routine, refused if it leads out of the folder.

        ``..``, absolute paths and symlinks that end outside the routine's folder are
        refused unless the user allowed that place with ``--allow-path``.
        """
        ref = self.string(node, what)
        if "\0" in ref:
            raise self.error(node, f"{what} {ref!r} contains a NUL character", "fix the path")
        target = (self.base_dir / ref).resolve()
        roots = (self.base_dir.resolve(), *(p.resolve() for p in self.allow))
        if not any(target.is_relative_to(root) for root in roots):
            raise self.error(
                node,
                f"{what} {ref!r} is outside the routine's folder",
                f"move the file next to the routine, or pass --allow-path {target.parent}",
            )
        return ref

    def sorted_errors(self) -> list[RoutineError]:
        return sorted(self.errors, key=lambda e: (e.line, e.column))

    def attempt(self, fn: Callable[..., T], *args: Any, default: T) -> T:
        try:
            return fn(*args)
        except _Invalid:
            return default

    def compose(self, text: str) -> yaml.Node | None:
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = exc.problem or "invalid YAML"
            context = f" ({exc.context})" if exc.context else ""
            self.errors.append(
                RoutineError(
                    Location(self.path, line, col),
                    f"YAML syntax error: {problem}{context}",
                    "check indentation and quoting; text containing ': ' or '#' needs quotes",
                )
            )
            return None
        except yaml.reader.ReaderError as exc:
            before = text[: max(exc.position, 0)]
            line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
            char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
            self.errors.append(
                RoutineError(
                    Location(self.path, line, col),
                    f"the file contains {char}, a control character YAML does not allow",
                    "delete it; if it came from copy and paste, retype the line",
                )
            )
            return None
        except yaml.YAMLError as exc:
            self.errors.append(
                RoutineError(
                    Location(self.path, 1, 1),
                    f"YAML error: {exc}",
                    "check the file is a plain YAML routine (`voicecoach new` writes one)",
                )
            )
            return None
        except RecursionError:
            self.errors.append(
                RoutineError(Location(self.path, 1, 1), "nesting is too deep", "flatten the file")
            )
            return None
        if node is None:
            self.errors.append(
                RoutineError(
                    Location(self.path, 1, 1),
                    "the file is empty",
                    "start from `voicecoach new routine.yaml`",
                )
            )
            return None
        try:
            self._check_size(node, 0)
        except _Invalid:
            return None
        return node

    def _check_size(self, node: yaml.Node, depth: int) -> None:
        """Refuses alias bombs and deep nesting before any value is built."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(
                node,
                f"the document expands to more than {MAX_NODES:,} values",
                "YAML aliases that repeat each other expand exponentially; remove them",
            )
        if depth > MAX_DEPTH:
            raise self.error(node, f"nesting is deeper than {MAX_DEPTH} levels", "flatten it")
        if node.tag not in _ALLOWED_TAGS:
            raise self.error(
                node, f"the YAML tag {node.tag!r} is not allowed", "write plain values only"
            )
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                self._check_size(child, depth + 1)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._check_size(key, depth + 1)
                self._check_size(value, depth + 1)

    # typed readers; each raises _Invalid after recording an error

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(
                node,
                f"{what} must be a single value, not a {_kind(node)}",
                "write one value after the colon, e.g. `gap: 1s`",
            )
        return self.construct(node)

    def construct(self, node: yaml.ScalarNode) -> Any:
        """A plain YAML value; custom tags (``!!python/...``) are refused, never run."""
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        try:
            return _constructor.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            raise self.error(node, f"bad value: {exc}", "write plain values only") from None

    def string(self, node: yaml.Node, what: str, *, allow_empty: bool = False) -> str:
        value = self.scalar(node, what)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self.error(
                node, f"{what} must be text, got {_describe(value)}", "put the text in quotes"
            )
        value = value.strip()
        if not value and not allow_empty:
            raise self.error(node, f"{what} is empty", "write some text or remove the key")
        if "\x00" in value:
            raise self.error(node, f"{what} contains a NUL character", "remove it")
        return value

    def integer(self, node: yaml.Node, what: str, lo: int, hi: int) -> int:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(
                node, f"{what} must be a whole number, got {_describe(value)}", "e.g. 3"
            )
        if not lo <= value <= hi:
            raise self.error(
                node, f"{what} must be between {lo} and {hi}, got {value}", "pick a value in range"
            )
        return value

    def number(self, node: yaml.Node, what: str, lo: float, hi: float) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(node, f"{what} must be a number, got {_describe(value)}", "e.g. -20")
        if not lo <= value <= hi:
            raise self.error(
                node,
                f"{what} must be between {lo:g} and {hi:g}, got {value:g}",
                "pick a value in range",
            )
        return float(value)

    def boolean(self, node: yaml.Node, what: str) -> bool:
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            raise self.error(
                node, f"{what} must be true or false, got {_describe(value)}", "write true or false"
            )
        return value

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(
                node,
                f"{what} must be a list, not a {_kind(node)}",
                "write `[a, b]` or one `- item` per line",
            )
        return list(node.value)

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
        *,
        partial: bool = False,
    ) -> dict[str, yaml.Node]:
        """Keys to value nodes; unknown, duplicate and missing keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(
                node,
                f"{what} must be a mapping of keys to values, not a {_kind(node)}",
                "write `key: value` lines, indented under it",
            )
        out: dict[str, yaml.Node] = {}
        keys: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.construct(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.error(
                    key_node, f"keys in {what} must be text, got {_describe(key)}", "quote the key"
                )
                continue
            if key in out:
                self.error(key_node, f"duplicate key {key!r} in {what}", "keep only one of them")
                continue
            if key not in allowed:
                self.error(
                    key_node,
                    f"unknown key {key!r} in {what}{_did_you_mean(key, allowed)}",
                    f"allowed keys: {', '.join(allowed)}",
                )
                continue
            out[key] = value_node
            keys[key] = key_node
        missing = [key for key in required if key not in out]
        for key in missing:
            self.error(node, f"{what} is missing the required key {key!r}", f"add `{key}:`")
        if missing and not partial:
            raise _Invalid()
        return out


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


def _did_you_mean(word: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- durations -------------------------------------------------------------------------------


def parse_duration(text: str) -> float | None:
    """``45``, ``45s``, ``1m30s``, ``2m``, ``1h`` to seconds; None when not a duration."""
    match = _DURATION_RE.match(text.strip().lower())
    if not match or not any(match.groupdict().values()):
        return None
    h, m, s = (float(match[g]) if match[g] else 0.0 for g in ("h", "m", "s"))
    return h * 3600 + m * 60 + s


def _split_range(text: str) -> tuple[str, str] | None:
    parts = text.split("-")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return None
    lo, hi = parts[0].strip(), parts[1].strip()
    if lo.replace(".", "", 1).isdigit():
        unit = re.sub(r"^[\d.]+", "", hi)
        if unit in ("s", "m", "h"):
            lo += unit
    return lo, hi


_DURATION_HINT = "write durations like 45, 45s, 1m30s or 2m, and ranges like 30-60s"


def _duration_span(ctx: _Context, node: yaml.Node, what: str, lo: float, hi: float) -> Span:
    value = ctx.scalar(node, what)
    if isinstance(value, bool) or value is None:
        raise ctx.error(node, f"{what} must be a duration, got {_describe(value)}", _DURATION_HINT)
    if isinstance(value, (int, float)):
        span = Span(float(value), float(value))
    else:
        text = str(value)
        single = parse_duration(text)
        if single is not None:
            span = Span(single, single)
        else:
            parts = _split_range(text)
            values = [parse_duration(p) for p in parts] if parts else [None]
            if parts is None or None in values:
                raise ctx.error(node, f"{what}: {text!r} is not a duration", _DURATION_HINT)
            span = Span(values[0] or 0.0, values[1] or 0.0)
            if span.lo > span.hi:
                raise ctx.error(
                    node,
                    f"{what}: range {text!r} is inverted (the first value must be the smaller)",
                    f"write it as {parts[1]}-{parts[0]}" if parts else None,
                )
    if not (lo <= span.lo and span.hi <= hi):  # also refuses .nan, which compares false
        raise ctx.error(
            node,
            f"{what} must be between {lo:g} s and {hi:g} s, got {_fmt_span(span)}",
            _DURATION_HINT,
        )
    return span


def _duration(ctx: _Context, node: yaml.Node, what: str, lo: float, hi: float) -> float:
    span = _duration_span(ctx, node, what, lo, hi)
    if span.is_range:
        raise ctx.error(node, f"{what} must be a single duration, not a range", "e.g. 5s")
    return span.lo


def _count_span(ctx: _Context, node: yaml.Node, what: str) -> Span:
    value = ctx.scalar(node, what)
    hint = f"write a count like 8 or a range like 5-10 (at most {MAX_REPS})"
    if isinstance(value, bool):
        raise ctx.error(node, f"{what} must be a count, got {_describe(value)}", hint)
    if isinstance(value, int):
        span = Span(value, value)
    else:
        parts = _split_range(str(value)) if isinstance(value, str) else None
        if not parts or not all(p.isdigit() for p in parts):
            raise ctx.error(node, f"{what}: {value!r} is not a whole count", hint)
        span = Span(int(parts[0]), int(parts[1]))
        if span.lo > span.hi:
            raise ctx.error(node, f"{what}: range {value!r} is inverted", hint)
    if span.lo < 1:
        raise ctx.error(node, f"{what} must be at least 1, got {span.lo:g}", hint)
    if span.hi > MAX_REPS:
        raise ctx.error(node, f"{what} of {span.hi:g} is absurd (the limit is {MAX_REPS})", hint)
    return span


def _fmt_span(span: Span) -> str:
    return f"{span.lo:g} s" if not span.is_range else f"{span.lo:g}-{span.hi:g} s"


# -- text --------------------------------------------------------------------------------------


def _text(ctx: _Context, node: yaml.Node, what: str, sides: tuple[str, ...]) -> Text:
    if isinstance(node, yaml.SequenceNode):
        items = ctx.sequence(node, what)
        if not items:
            raise ctx.error(node, f"{what} has no alternatives", "give at least one line")
        options = tuple(ctx.string(item, what) for item in items)
    else:
        options = (ctx.string(node, what),)
    for option in options:
        _check_placeholders(ctx, node, what, option, sides)
    return Text(options, ctx.loc(node))


def _check_placeholders(
    ctx: _Context, node: yaml.Node, what: str, text: str, sides: tuple[str, ...]
) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ctx.error(
            node, f"{what}: {exc} in {text!r}", "write {{ and }} for literal braces"
        ) from None
    for name in fields:
        if name not in PLACEHOLDERS:
            raise ctx.error(
                node,
                f"unknown placeholder {{{name}}} in {what}{_did_you_mean(name, PLACEHOLDERS)}",
                "placeholders: {side}, {other_side}, {client}; write {{ and }} for literal braces",
            )
        if not sides and name != "client":
            raise ctx.error(
                node,
                f"{{{name}}} is used in a section without sides",
                "add `sides: [right, left]` to the section, or write the side out",
            )


def fill(text: str, side: str | None, sides: tuple[str, ...], client: str | None = None) -> str:
    """Replaces ``{side}``, ``{other_side}`` and ``{client}`` in an already checked line.

    Without a client name, ``{client}`` disappears and the sentence closes up around it.
    """
    values = {"client": client or ""}
    if side is not None:
        values["side"] = side
        values["other_side"] = (
            sides[(sides.index(side) + 1) % len(sides)] if len(sides) > 1 else side
        )
    out = text.format_map(values)
    if not client and "{client}" in text:
        out = re.sub(r"\s+([,.!?;:])", r"\1", re.sub(r"\s{2,}", " ", out)).strip()
    return out


def clean_client_name(name: str) -> str:
    """A client name fit to be spoken and printed: no control characters, at most 80 long."""
    printable = "".join(ch for ch in name if ch.isprintable())
    return " ".join(printable.split())[:80]


# -- the routine ---------------------------------------------------------------------------------

_ROOT_KEYS = (
    "format",
    "id",
    "title",
    "author",
    "description",
    "language",
    "seed",
    "gap",
    "lead_in",
    "voice",
    "breathing",
    "equipment",
    "intro",
    "outro",
    "safety",
    "sounds",
    "music",
    "blocks",
    "sections",
    "cues",
    "hands_free",
    "pronounce",
)
CUE_STYLES = ("spoken", "gentle")
_BUILTIN_SOUNDS = ("chime", "bell", "tick", "start", "breath_in", "breath_out")


@dataclass
class _Scope:
    """What a nested parse needs from above: sides, defaults and the block table."""

    blocks: dict[str, yaml.Node]
    sounds: tuple[str, ...]
    lead_in_s: float
    breathing: Breathing
    hands_free: HandsFree = field(default_factory=HandsFree)
    sides: tuple[str, ...] = ()
    stack: tuple[str, ...] = ()


def _parse_root(ctx: _Context, root: yaml.Node, base_dir: str) -> Routine:
    required = ("format", "id", "title", "sections")
    keys = ctx.mapping(root, "the routine", _ROOT_KEYS, required, partial=True)
    a = ctx.attempt

    def opt(key: str, fn: Callable[..., T], *args: Any, default: T) -> T:
        return a(fn, ctx, keys[key], *args, default=default) if key in keys else default

    fmt = opt("format", _Context.string, "format", default=FORMAT)
    if fmt != FORMAT:
        ctx.error(keys["format"], f"unsupported format {fmt!r}", f"use `format: {FORMAT}`")
    rid = opt("id", _Context.string, "id", default="routine")
    if "id" in keys and not _ID_RE.match(rid):
        ctx.error(
            keys["id"],
            f"id {rid!r} must be lowercase letters, digits and '-'",
            "for example `id: hamstring-evening`",
        )

    title = opt("title", _Context.string, "title", default="")
    author = opt("author", _Context.string, "author", default="")
    description = opt("description", _Context.string, "description", default="")
    language = opt("language", _Context.string, "language", default="en")
    if language not in languages():
        ctx.error(
            keys["language"],
            f"no cue phrases for language {language!r}",
            f"available languages: {', '.join(languages())}",
        )
    seed = opt("seed", _Context.integer, "seed", 0, 2**31, default=0)
    gap_s = opt("gap", _duration, "gap", 0.0, 60.0, default=1.0)
    lead_in_s = opt("lead_in", _duration, "lead_in", 0.0, 60.0, default=5.0)
    voice = opt("voice", _parse_voice, default=Voice())
    breathing = opt("breathing", _parse_breathing, Breathing(), default=Breathing())
    equipment = opt("equipment", _string_list, "equipment", default=())
    intro = opt("intro", _text, "intro", (), default=None)
    outro = opt("outro", _text, "outro", (), default=None)
    safety_nodes = opt("safety", _Context.sequence, "safety", default=[])
    safety = tuple(
        t for t in (a(_text, ctx, n, "safety note", (), default=None) for n in safety_nodes) if t
    )
    sounds = opt("sounds", _parse_sounds, default=())
    music = opt("music", _parse_music, default=None)
    blocks = opt("blocks", _parse_blocks, default={})
    cues = opt("cues", _choice, "cues", CUE_STYLES, default="spoken")
    hands_free = opt("hands_free", _parse_hands_free, default=HandsFree())
    pronounce = opt("pronounce", _parse_pronounce, default=())

    scope = _Scope(
        blocks=blocks,
        sounds=_BUILTIN_SOUNDS + tuple(name for name, _ in sounds),
        lead_in_s=lead_in_s,
        breathing=breathing,
        hands_free=hands_free,
    )
    sections = opt("sections", _parse_sections, scope, default=())
    return Routine(
        id=rid,
        title=title,
        sections=sections,
        location=ctx.loc(root),
        author=author,
        description=description,
        language=language,
        seed=seed,
        gap_s=gap_s,
        voice=voice,
        breathing=breathing,
        equipment=equipment,
        intro=intro,
        outro=outro,
        safety=safety,
        sounds=sounds,
        music=music,
        base_dir=base_dir,
        cues=cues,
        hands_free=hands_free,
        pronounce=pronounce,
    )


def _parse_pronounce(ctx: _Context, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(
            node,
            "pronounce must map words to how they are said",
            'e.g. `pronounce: {piriformis: "peer-ih-FOR-miss"}`',
        )
    out = []
    for key_node, value_node in node.value:
        word = ctx.string(key_node, "word to pronounce")
        if not re.match(r"^[\w][\w' -]*$", word):
            raise ctx.error(
                key_node,
                f"pronounce: {word!r} is not a word or phrase",
                "use letters, spaces, hyphens and apostrophes only",
            )
        out.append((word, ctx.string(value_node, f"pronunciation of {word!r}")))
    return tuple(out)


def _choice(ctx: _Context, node: yaml.Node, what: str, options: tuple[str, ...]) -> str:
    value = ctx.string(node, what)
    if value not in options:
        raise ctx.error(
            node,
            f"unknown {what} {value!r}{_did_you_mean(value, options)}",
            f"use one of: {', '.join(options)}",
        )
    return value


def _parse_hands_free(ctx: _Context, node: yaml.Node) -> HandsFree:
    names = {
        "max_silence": "max_silence_s",
        "lead_in": "lead_in_s",
        "halfway_from": "halfway_from_s",
        "countdown_from": "countdown_from_s",
        "check_in_from": "check_in_from_s",
    }
    keys = ctx.mapping(node, "hands_free", tuple(names))
    values = {
        names[key]: _duration(ctx, value, f"hands_free {key}", 0.0, 3600.0)
        for key, value in keys.items()
    }
    return HandsFree(**values)


def _string_list(ctx: _Context, node: yaml.Node, what: str) -> tuple[str, ...]:
    return tuple(ctx.string(item, what) for item in ctx.sequence(node, what))


def _parse_voice(ctx: _Context, node: yaml.Node) -> Voice:
    keys = ctx.mapping(node, "voice", ("engine", "name", "rate"))
    default = Voice()
    return Voice(
        engine=ctx.string(keys["engine"], "voice engine") if "engine" in keys else default.engine,
        name=ctx.string(keys["name"], "voice name") if "name" in keys else default.name,
        rate=ctx.integer(keys["rate"], "voice rate", 60, 450) if "rate" in keys else default.rate,
    )


def _parse_breathing(ctx: _Context, node: yaml.Node, base: Breathing) -> Breathing:
    if isinstance(node, yaml.ScalarNode) and ctx.scalar(node, "breathing") in ("none", False):
        return Breathing(base.inhale_s, base.exhale_s, "none", base.every_s)
    keys = ctx.mapping(node, "breathing", ("inhale", "exhale", "guide", "every"))
    guide = base.guide
    if "guide" in keys:
        guide = ctx.string(keys["guide"], "breathing guide")
        if guide not in BREATHING_GUIDES:
            raise ctx.error(
                keys["guide"],
                f"unknown breathing guide {guide!r}{_did_you_mean(guide, BREATHING_GUIDES)}",
                f"use one of: {', '.join(BREATHING_GUIDES)}",
            )

    def dur(key: str, default: float, lo: float, hi: float) -> float:
        return _duration(ctx, keys[key], f"breathing {key}", lo, hi) if key in keys else default

    return Breathing(
        inhale_s=dur("inhale", base.inhale_s, 1.0, 20.0),
        exhale_s=dur("exhale", base.exhale_s, 1.0, 20.0),
        guide=guide,
        every_s=dur("every", base.every_s, 10.0, 600.0),
    )


def _parse_sounds(ctx: _Context, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(
            node, "sounds must map sound names to files", "e.g. `sounds: {gong: gong.wav}`"
        )
    out = []
    for key_node, value_node in node.value:
        name = ctx.string(key_node, "sound name")
        if not re.match(r"^[A-Za-z0-9_-]+$", name):
            raise ctx.error(
                key_node, f"sound name {name!r} may use letters, digits, '-' and '_'", "rename it"
            )
        path = ctx.file_ref(value_node, f"sound {name!r}")
        if not path.lower().endswith((".wav", ".mp3", ".ogg", ".flac")):
            raise ctx.error(
                value_node, f"sound {name!r}: {path!r} is not a wav/mp3/ogg/flac file", "convert it"
            )
        out.append((name, path))
    return tuple(out)


def _parse_music(ctx: _Context, node: yaml.Node) -> Music:
    keys = ctx.mapping(node, "music", ("file", "volume"), required=("file",))
    volume = ctx.number(keys["volume"], "music volume (dB)", -60, 0) if "volume" in keys else -20
    return Music(ctx.file_ref(keys["file"], "music file"), float(volume))


def _parse_blocks(ctx: _Context, node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(
            node,
            "blocks must map block names to step lists or sections",
            "see docs/routine-format.md",
        )
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        name = ctx.string(key_node, "block name")
        if name in out:
            ctx.error(key_node, f"duplicate block {name!r}", "rename one of them")
        out[name] = value_node
    return out


def _block(ctx: _Context, node: yaml.Node, scope: _Scope, want: str) -> yaml.Node:
    name = ctx.string(node, "include")
    if name in scope.stack:
        cycle = " -> ".join((*scope.stack, name))
        raise ctx.error(node, f"include cycle: {cycle}", "a block may not include itself")
    if name not in scope.blocks:
        known = list(scope.blocks)
        raise ctx.error(
            node,
            f"unknown block {name!r}{_did_you_mean(name, known)}",
            f"define it under `blocks:` (known: {', '.join(known) or 'none'})",
        )
    body = scope.blocks[name]
    is_section = isinstance(body, yaml.MappingNode)
    if want == "section" and not is_section:
        raise ctx.error(
            node, f"block {name!r} is a step list, not a section", "include it in steps"
        )
    if want == "steps" and is_section:
        raise ctx.error(
            node, f"block {name!r} is a section, not a step list", "include it in sections"
        )
    return body


def _parse_sections(ctx: _Context, node: yaml.Node, scope: _Scope) -> tuple[Section, ...]:
    items = ctx.sequence(node, "sections")
    if not items:
        raise ctx.error(node, "sections is empty", "add at least one section")
    out = []
    for item in items:
        section = ctx.attempt(_parse_section, ctx, item, scope, default=None)
        if section is not None:
            out.append(section)
    return tuple(out)


def _parse_section(ctx: _Context, node: yaml.Node, scope: _Scope) -> Section:
    if isinstance(node, yaml.MappingNode) and any(
        k.value == "include" for k, _ in node.value if isinstance(k, yaml.ScalarNode)
    ):
        keys = ctx.mapping(node, "a section include", ("include",))
        body = _block(ctx, keys["include"], scope, "section")
        name = keys["include"].value
        return _parse_section(ctx, body, _replace(scope, stack=(*scope.stack, name)))
    keys = ctx.mapping(
        node,
        "a section",
        ("title", "sides", "transition", "setup", "steps"),
        required=("title", "steps"),
        partial=True,
    )
    title = ""
    if "title" in keys:
        title = ctx.attempt(ctx.string, keys["title"], "section title", default="")
    sides: tuple[str, ...] = ()
    if "sides" in keys:
        sides = ctx.attempt(_string_list, ctx, keys["sides"], "sides", default=())
        if len(set(sides)) != len(sides):
            ctx.error(keys["sides"], "sides repeat a name", "e.g. `sides: [right, left]`")
    transition: str | None = "chime"
    if "transition" in keys:
        transition = ctx.attempt(_sound_name, ctx, keys["transition"], scope, default=None)
    if "steps" not in keys:
        raise _Invalid()
    if isinstance(keys["steps"], yaml.SequenceNode) and not keys["steps"].value:
        raise ctx.error(keys["steps"], f"section {title!r} has no steps", "add at least one step")
    steps = ctx.attempt(_parse_steps, ctx, keys["steps"], _replace(scope, sides=sides), default=())
    if "title" not in keys:
        raise _Invalid()
    setup = _text(ctx, keys["setup"], "setup", sides) if "setup" in keys else None
    return Section(title, steps, ctx.loc(node), sides, transition, setup)


def _replace(scope: _Scope, **changes: Any) -> _Scope:
    return _Scope(**{**scope.__dict__, **changes})


def _sound_name(ctx: _Context, node: yaml.Node, scope: _Scope) -> str | None:
    name = ctx.string(node, "sound")
    if name == "none":
        return None
    if name not in scope.sounds:
        raise ctx.error(
            node,
            f"unknown sound {name!r}{_did_you_mean(name, scope.sounds)}",
            f"built-in sounds: {', '.join(_BUILTIN_SOUNDS)}; add your own under `sounds:`",
        )
    return name


def _parse_steps(ctx: _Context, node: yaml.Node, scope: _Scope) -> tuple[Step, ...]:
    out: list[Step] = []
    for item in ctx.sequence(node, "steps"):
        out.extend(ctx.attempt(_parse_step, ctx, item, scope, default=()))
    return tuple(out)


_STEP_KEYS = {
    "say": ("say", "setup"),
    "pause": ("pause", "setup"),
    "chime": ("chime", "setup"),
    "include": ("include",),
    "hold": ("hold", "say", "lead_in", "breathing", "halfway", "countdown", "encourage", "setup"),
    "repeat": ("repeat", "say", "each", "count", "lead_in", "setup"),
}


def _step_kind(ctx: _Context, node: yaml.Node) -> str:
    if not isinstance(node, yaml.MappingNode):
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        hint = "a step is a mapping such as `- say: Breathe out.` or `- hold: 30s`"
        if isinstance(value, str) and value in STEP_KINDS:
            hint = f"write `- {value}: ...` with a value after the colon"
        raise ctx.error(node, f"a step must be a mapping, not a {_kind(node)}", hint)
    names = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
    for kind in ("hold", "repeat"):
        if kind in names:
            return kind
    kinds = [n for n in names if n in STEP_KINDS]
    if kinds == ["say"]:
        # `hodl: 30s` beside `say:` is a misspelt hold, not a say step with a stray key.
        for key, _ in node.value:
            close = difflib.get_close_matches(str(key.value), ["hold", "repeat"], n=1)
            if key.value not in STEP_KINDS and close:
                raise ctx.error(
                    key,
                    f"unknown step {key.value!r} (did you mean {close[0]!r}?)",
                    f"step kinds: {', '.join(STEP_KINDS)}",
                )
    if len(kinds) > 1:
        raise ctx.error(
            node,
            f"a step has exactly one kind; this one has {' and '.join(kinds)}",
            "split it into separate steps",
        )
    if not kinds:
        first = node.value[0][0] if node.value else node
        word = names[0] if names else ""
        raise ctx.error(
            first,
            f"unknown step {word!r}{_did_you_mean(word, STEP_KINDS)}",
            f"step kinds: {', '.join(STEP_KINDS)}",
        )
    return kinds[0]


def _parse_step(ctx: _Context, node: yaml.Node, scope: _Scope) -> tuple[Step, ...]:
    kind = _step_kind(ctx, node)
    keys = ctx.mapping(node, f"a {kind} step", _STEP_KEYS[kind])
    value = keys[kind]
    loc = ctx.loc(node)
    setup = _text(ctx, keys["setup"], "setup", scope.sides) if "setup" in keys else None
    if kind == "say":
        return (Say(_text(ctx, value, "say", scope.sides), loc, setup),)
    if kind == "pause":
        return (Pause(_duration_span(ctx, value, "pause", 0.1, MAX_STEP_S), loc, setup),)
    if kind == "chime":
        return (Chime(_sound_name(ctx, value, scope) or "chime", loc, setup),)
    if kind == "include":
        body = _block(ctx, value, scope, "steps")
        return _parse_steps(ctx, body, _replace(scope, stack=(*scope.stack, value.value)))
    text = _text(ctx, keys["say"], "say", scope.sides) if "say" in keys else None
    lead_in_s = scope.lead_in_s if kind == "hold" and text else 0.0
    if "lead_in" in keys:
        lead_in_s = _duration(ctx, keys["lead_in"], "lead_in", 0.0, 60.0)
    if kind == "repeat":
        each_s = _duration(ctx, keys["each"], "each", 1.0, 120.0) if "each" in keys else 6.0
        aloud = ctx.boolean(keys["count"], "count") if "count" in keys else True
        count = _count_span(ctx, value, "repeat")
        return (Repeat(count, loc, text, each_s, aloud, lead_in_s, setup),)
    return (replace(_parse_hold(ctx, keys, scope, loc, text, lead_in_s), setup=setup),)


def _parse_hold(
    ctx: _Context,
    keys: dict[str, yaml.Node],
    scope: _Scope,
    loc: Location,
    text: Text | None,
    lead_in_s: float,
) -> Hold:
    duration = _duration_span(ctx, keys["hold"], "hold", 1.0, MAX_STEP_S)
    breathing: Breathing | None = scope.breathing
    if "breathing" in keys:
        breathing = _parse_breathing(ctx, keys["breathing"], scope.breathing)
    if breathing is not None and breathing.guide == "none":
        breathing = None
    halfway: Text | None = None
    if "halfway" in keys:
        node = keys["halfway"]
        if isinstance(node, yaml.ScalarNode) and isinstance(ctx.scalar(node, "halfway"), bool):
            on = ctx.boolean(node, "halfway")
            halfway = Text((), ctx.loc(node)) if on else None
        else:
            halfway = _text(ctx, node, "halfway", scope.sides)
    else:
        halfway = Text((), loc)
    countdown = 3 if duration.lo >= 4 else 0
    if "countdown" in keys:
        countdown = ctx.integer(keys["countdown"], "countdown", 0, 10)
        if countdown and countdown + 1 > duration.lo:
            raise ctx.error(
                keys["countdown"],
                f"a countdown of {countdown} s does not fit a hold of {_fmt_span(duration)}",
                "lower `countdown` or lengthen the hold",
            )
    encourage = None
    if "encourage" in keys:
        ek = ctx.mapping(keys["encourage"], "encourage", ("every", "say"), required=("say",))
        every = _duration(ctx, ek["every"], "encourage every", 5.0, 600.0) if "every" in ek else 20
        encourage = Encourage(float(every), _text(ctx, ek["say"], "encourage", scope.sides))
    return Hold(
        duration,
        loc,
        text,
        lead_in_s,
        breathing,
        halfway,
        countdown,
        encourage,
        halfway_auto="halfway" not in keys,
        countdown_auto="countdown" not in keys,
    )


def iter_steps(routine: Routine) -> Iterator[tuple[Section, Step]]:
    """Every step with its section, in order (sides not expanded)."""
    for section in routine.sections:
        for step in section.steps:
            yield section, step
