"""A generic reader of YAML nodes that records located errors and keeps going.

The parser walks YAML *nodes* (not plain values) so that every problem can point at the
line and column it came from. ``Context`` holds the errors found so far and offers typed
readers (``string``, ``integer``, ``mapping``...) that record a problem and raise
``Invalid`` to abandon just the value being read; ``Context.attempt`` turns that back into
a default so the parse can report every problem at once. Nothing here knows what a routine
is: that is the parsers' job (``parse.py``, ``steps.py``).

The limits below refuse hostile files (alias bombs, deep nesting, custom tags) before any
value is built.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ..errors import Location, RoutineError

MAX_NODES = 50_000
MAX_DEPTH = 40

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()
T = TypeVar("T")
D = TypeVar("D")
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
_ALLOWED_TAGS = _PLAIN_TAGS | {f"tag:yaml.org,2002:{t}" for t in ("seq", "map", "timestamp")}


class Invalid(Exception):
    """Raised after an error is recorded, to abandon the current value."""


class Context:
    """One parse: the file's name and folder, and every error recorded so far.

    Readers record an error and raise ``Invalid``; ``attempt`` catches it so that a parse
    can carry on with a default and report every problem at once.
    """

    def __init__(self, path: str, base_dir: Path, allow: tuple[Path, ...] = ()) -> None:
        self.path = path
        self.base_dir = base_dir
        self.allow = allow
        self.errors: list[RoutineError] = []
        self._seen: set[tuple[str, str]] = set()
        self.nodes = 0
        #: Where each file the routine names is named, for errors found when it is read.
        self.files: dict[str, Location] = {}

    def loc(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def error(self, node: yaml.Node | None, message: str, hint: str | None = None) -> Invalid:
        loc = self.loc(node) if node is not None else Location(self.path, 1, 1)
        key = (str(loc), message)
        if key not in self._seen:
            self._seen.add(key)
            self.errors.append(RoutineError(loc, message, hint))
        return Invalid()

    def file_ref(self, node: yaml.Node, what: str) -> str:
        """A file named relative to the routine, refused if it leads out of the folder.

        ``..``, absolute paths and symlinks that end outside the routine's folder are
        refused unless the user allowed that place with ``--allow-path``. A file that does
        not exist is reported here, at the line naming it, not when ``build`` reads it.
        """
        ref, target = self._confined(node, what)
        if not (self.base_dir / ref).is_file():  # as the mixer will open it: `a/..` needs `a`
            raise self.error(
                node,
                f"the file {ref!r} ({what}) does not exist in {target.parent}",
                "check the name; the path is relative to the routine file",
            )
        self.files.setdefault(ref, self.loc(node))
        return ref

    def folder_ref(self, node: yaml.Node, what: str) -> str:
        """A folder named relative to the routine, confined like ``file_ref``.

        It need not exist yet (the studio makes the recordings folder on the first take),
        but a file of that name is refused.
        """
        ref, _ = self._confined(node, what)
        if (self.base_dir / ref).exists() and not (self.base_dir / ref).is_dir():
            raise self.error(
                node, f"{what} {ref!r} is a file, not a folder", "name a folder, e.g. recordings/"
            )
        return ref

    def _confined(self, node: yaml.Node, what: str) -> tuple[str, Path]:
        """The path of ``node`` and where it leads, refused if that is out of bounds."""
        ref = self.string(node, what)
        if "\0" in ref:
            raise self.error(node, f"{what} {ref!r} contains a NUL character", "fix the path")
        target = (self.base_dir / ref).resolve()
        roots = (self.base_dir.resolve(), *(p.resolve() for p in self.allow))
        if not any(target.is_relative_to(root) for root in roots):
            raise self.error(
                node,
                f"{what} {ref!r} is outside the routine's folder",
                f"move it next to the routine, or pass --allow-path {target.parent}",
            )
        return ref, target

    def sorted_errors(self) -> list[RoutineError]:
        return sorted(self.errors, key=lambda e: (e.line, e.column))

    def attempt(self, fn: Callable[..., T], *args: Any, default: D) -> T | D:
        try:
            return fn(*args)
        except Invalid:
            return default

    def compose(self, text: str) -> yaml.Node | None:
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "invalid YAML"
            context = f" ({exc.context})" if exc.context else ""
            message = f"YAML syntax error: {problem}{context}"
            hint = "check indentation and quoting; text containing ': ' or '#' needs quotes"
            opened = _OPENED.get(exc.context or "")
            if opened is not None and exc.context_mark is not None and mark is not None:
                # Something opened (a quote, a bracket, a key) and never closed: YAML only
                # notices lines later, so point at where it opened and say so.
                gave_up = f"{mark.line + 1}:{mark.column + 1}"
                message = f"YAML syntax error: {opened[0]} (YAML gave up at {gave_up}: {problem})"
                hint = opened[1]
                mark = exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            braces = _unquoted_braces(text, mark.line if mark else 0)
            if braces is not None:
                message, hint, col = braces
            self.errors.append(RoutineError(Location(self.path, line, col), message, hint))
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
        except Invalid:
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

    # typed readers; each raises Invalid after recording an error

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(
                node,
                f"{what} must be a single value, not a {kind_of(node)}",
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
                node, f"{what} must be text, got {describe(value)}", "put the text in quotes"
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
                node, f"{what} must be a whole number, got {describe(value)}", "e.g. 3"
            )
        if not lo <= value <= hi:
            raise self.error(
                node, f"{what} must be between {lo} and {hi}, got {value}", "pick a value in range"
            )
        return value

    def number(self, node: yaml.Node, what: str, lo: float, hi: float) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(node, f"{what} must be a number, got {describe(value)}", "e.g. -20")
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
                node, f"{what} must be true or false, got {describe(value)}", "write true or false"
            )
        return value

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(
                node,
                f"{what} must be a list, not a {kind_of(node)}",
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
                f"{what} must be a mapping of keys to values, not a {kind_of(node)}",
                "write `key: value` lines, indented under it",
            )
        out: dict[str, yaml.Node] = {}
        keys: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.construct(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.error(
                    key_node, f"keys in {what} must be text, got {describe(key)}", "quote the key"
                )
                continue
            if key in out:
                self.error(key_node, f"duplicate key {key!r} in {what}", "keep only one of them")
                continue
            if key not in allowed:
                self.error(
                    key_node,
                    f"unknown key {key!r} in {what}{did_you_mean(key, allowed)}",
                    f"allowed keys: {', '.join(allowed)}",
                )
                continue
            out[key] = value_node
            keys[key] = key_node
        missing = [key for key in required if key not in out]
        for key in missing:
            self.error(node, f"{what} is missing the required key {key!r}", f"add `{key}:`")
        if missing and not partial:
            raise Invalid()
        return out


_BRACED = re.compile(
    r"(?P<key>[\w-]+):\s*(?P<value>(?:[^\s\"'\[\],:{][^\"'\[\],:]*?)?\{\w+\}[^\"'\[\],}]*)"
)


#: YAML contexts where something opened and was not closed, with what to tell the user:
#: the error is located where it opened, not where YAML noticed (often lines later).
_OPENED = {
    "while scanning a quoted scalar": (
        "the quoted text that starts here is never closed",
        "end the text with the same quote mark it starts with",
    ),
    "while parsing a flow mapping": (
        "the `{` here is never closed with `}`",
        "close it on the same line; if the braces are part of the text, put the text in quotes",
    ),
    "while parsing a flow sequence": (
        "the `[` here is never closed with `]`",
        "close the list on the same line, e.g. `[right, left]`",
    ),
    "while scanning a simple key": (
        "this line has no `: ` after its key",
        "put a space after the colon (`say: text`), or quote text that contains ':'",
    ),
}


def _unquoted_braces(text: str, line: int) -> tuple[str, str, int] | None:
    """The message, hint and column (of the placeholder) for a ``{placeholder}`` in
    unquoted text on the failing line.

    In YAML a ``{`` starts a mapping, so ``- {hold: 15s, say: On your {side} arm.}`` is
    broken by the ``{side}`` inside it, not by ``: `` or ``#``: say so, and show the line
    quoted. None when the line has no unquoted placeholder.
    """
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return None
    found = _BRACED.search(lines[line])
    if found is None:
        return None
    key, value = found["key"], found["value"].rstrip()
    name = re.search(r"\{\w+\}", value)
    assert name is not None
    quoted = value.replace('"', '\\"')
    return (
        f"YAML syntax error: in `{key}: {value}`, YAML reads the unquoted {name[0]} as the "
        "start of a mapping, not as text (inside `{...}` or `[...]` above all)",
        f'put the text in quotes: `{key}: "{quoted}"`',
        found.start("value") + name.start() + 1,
    )


def kind_of(node: yaml.Node) -> str:
    """What a node is, in the words a message to the user uses."""
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


def describe(value: Any) -> str:
    """A value as a message shows it: its type and how it was written."""
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


def did_you_mean(word: str, options: tuple[str, ...] | list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def string_list(ctx: Context, node: yaml.Node, what: str) -> tuple[str, ...]:
    """A list of non-empty texts (``equipment``, ``sides``)."""
    return tuple(ctx.string(item, what) for item in ctx.sequence(node, what))
