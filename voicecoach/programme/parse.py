"""Check a programme file (``format: voicecoach/programme/1``) and return a ``Programme``.

Built on the routine parser's node reader (``routine.nodes.Context``): every problem is
recorded at the line and column of the YAML node that caused it, with a hint, and the
parse goes on so that one run reports them all (``RoutineErrors``, exit 2, no traceback).
Beyond the shape of the file it checks what only a programme can get wrong: phases whose
weeks overlap or leave a gap, a routine that does not exist, a change naming no section
or step, and a phase ``length`` its routine cannot reach (each phase is compiled once on
the voice's estimate, through the pipeline, no synthesis).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from .. import model
from ..errors import Location, RoutineError, RoutineErrors, UserError
from ..model import PACES
from ..routine import Change, Routine, builtin_ids, load_routine
from ..routine.durations import read_duration
from ..routine.load import MAX_FILE_BYTES
from ..routine.nodes import Context, D, Invalid, T, did_you_mean
from ..routine.parse import ID_RE
from .changes import choice, read_changes
from .values import WEEKDAYS, Phase, Programme

FORMAT = "voicecoach/programme/1"
MAX_WEEKS = 104
MAX_PHASES = 52
#: Lengths a phase may ask for.
MIN_LENGTH_S, MAX_LENGTH_S = 30.0, 4 * 3600.0

_ROOT_KEYS = (
    "format",
    "id",
    "title",
    "client",
    "author",
    "note",
    "start",
    "days",
    "reminder",
    "timezone",
    "phases",
)
_PHASE_KEYS = ("weeks", "routine", "length", "pace", "detail", "days", "note", "changes")
_DAY_WORDS = {"daily": tuple(range(7)), "weekdays": tuple(range(5))}
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_WEEKS_RE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def load_programme(ref: str | Path, check: bool = True) -> Programme:
    """Read and check a programme file; raises ``RoutineErrors`` (each problem located).

    ``check`` also compiles every phase (its length must be reachable); ``False`` skips
    that, for a caller that compiles the phases itself right after.
    """
    path = Path(ref)
    display = str(ref)
    if not path.is_file():
        raise UserError(
            f"no programme file {display!r}",
            "give the path of a programme .yaml (`voicecoach new --programme FILE` writes one)",
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _one(display, f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})",
                   "a programme is a few kilobytes")  # fmt: skip
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _one(display, f"not UTF-8 text: {exc}", "save the file as UTF-8") from None
    return parse_programme(text, display, path.resolve().parent, check=check)


def schema_text() -> str:
    """The JSON Schema of the programme format, as shipped (``voicecoach schema --programme``)."""
    from importlib import resources

    return (resources.files("voicecoach.programme") / "schema.json").read_text(encoding="utf-8")


def _one(path: str, message: str, hint: str) -> RoutineErrors:
    return RoutineErrors([RoutineError(Location(path), message, hint)])


def is_programme(path: Path) -> bool:
    """True when ``path`` is a file that says it is a programme (its ``format`` line)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return re.search(r"(?m)^format:\s*[\"']?voicecoach/programme/", head) is not None


def parse_programme(
    text: str, path: str = "<programme>", base_dir: Path | None = None, check: bool = True
) -> Programme:
    """Check a programme's YAML text; ``path`` names it in messages, ``base_dir`` is where
    its routine files are looked for (the programme's folder)."""
    folder = Path(base_dir or Path(path).parent)
    ctx = Context(path, folder)
    root = ctx.compose(text)
    programme = None
    extra: list[RoutineError] = []
    parser = _Parser(ctx, folder, extra)
    if root is not None:
        with contextlib.suppress(Invalid):
            programme = parser.root(root)
    if programme is not None and check and not ctx.errors and not extra:
        _check_phases(ctx, programme, parser.nodes)
    if ctx.errors or extra or programme is None:
        raise RoutineErrors([*ctx.sorted_errors(), *extra])
    return programme


class _Parser:
    def __init__(self, ctx: Context, folder: Path, extra: list[RoutineError]) -> None:
        self.ctx = ctx
        self.folder = folder
        #: Problems inside the routine files a programme names (located in those files).
        self.extra = extra
        self.routines: dict[str, Routine | None] = {}
        #: Nodes to point at when a phase fails to compile: (routine, length) per phase.
        self.nodes: dict[int, tuple[yaml.Node, yaml.Node | None]] = {}

    def root(self, root: yaml.Node) -> Programme:
        ctx = self.ctx
        required = ("format", "id", "start", "days", "phases")
        keys = ctx.mapping(root, "the programme", _ROOT_KEYS, required, partial=True)

        def opt(key: str, fn: Callable[..., T], *args: Any, default: D) -> T | D:
            return ctx.attempt(fn, *args, default=default) if key in keys else default

        fmt = opt("format", ctx.string, keys.get("format"), "format", default=FORMAT)
        if fmt != FORMAT:
            hint = f"use `format: {FORMAT}`"
            if fmt == "voicecoach/1":
                hint = "this is a routine; `voicecoach plan` or `build` reads it"
            ctx.error(keys["format"], f"unsupported programme format {fmt!r}", hint)
        pid = opt("id", ctx.string, keys.get("id"), "id", default="programme")
        if "id" in keys and not ID_RE.match(pid):
            ctx.error(keys["id"], f"id {pid!r} must be lowercase letters, digits and '-'",
                      "for example `id: ana-hamstrings`")  # fmt: skip
        title = opt("title", ctx.string, keys.get("title"), "title", default="")
        client = opt("client", self.client, keys.get("client"), default=None)
        author = opt("author", ctx.string, keys.get("author"), "author", default="")
        note = opt("note", ctx.string, keys.get("note"), "note", default=None)
        start = opt("start", self.date, keys.get("start"), default=None)
        days = opt("days", self.days, keys.get("days"), default=())
        reminder = opt("reminder", self.time, keys.get("reminder"), default=None)
        zone = opt("timezone", self.timezone, keys.get("timezone"), default=None)
        phases = opt("phases", self.phases, keys.get("phases"), default=())
        if start is None or not days or not phases:
            raise Invalid()
        return Programme(
            id=pid,
            start=start,
            days=days,
            phases=phases,
            location=ctx.loc(root),
            title=title,
            client=client,
            author=author,
            note=note,
            reminder=reminder,
            timezone=zone,
            base_dir=str(self.folder),
        )

    def client(self, node: yaml.Node) -> str:
        """The client's name, cleaned and held to the limit every command holds it to."""
        from ..routine import check_client_name

        try:
            return check_client_name(self.ctx.string(node, "client"))
        except UserError as exc:
            raise self.ctx.error(node, exc.message, exc.hint) from None

    # -- dates, days and times ----------------------------------------------------------

    def date(self, node: yaml.Node) -> date:
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        hint = "write the date as YYYY-MM-DD, e.g. `start: 2027-01-04`"
        match = _DATE_RE.match(str(raw).strip()) if raw is not None else None
        if match is None:
            raise self.ctx.error(node, f"start: {raw!r} is not a date", hint)
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError as exc:
            raise self.ctx.error(node, f"start: {raw!r} is not a date ({exc})", hint) from None

    def days(self, node: yaml.Node, what: str = "days") -> tuple[int, ...]:
        ctx = self.ctx
        hint = f"use day names ({', '.join(WEEKDAYS)}), e.g. `days: [mon, wed, fri]`, or daily"
        if isinstance(node, yaml.ScalarNode):
            word = ctx.string(node, what).lower()
            if word in _DAY_WORDS:
                return _DAY_WORDS[word]
            raise ctx.error(node, f"{what} must be a list of days, not {word!r}", hint)
        out: list[int] = []
        items = ctx.sequence(node, what)
        if not items:
            raise ctx.error(node, f"{what} is empty", hint)
        for item in items:
            word = ctx.string(item, "day").lower()
            day = _weekday(word)
            if day is None:
                names = list(WEEKDAYS)
                ctx.error(item, f"unknown day {word!r}{did_you_mean(word[:3], names)}", hint)
                continue
            if day in out:
                ctx.error(item, f"{WEEKDAYS[day]} is listed twice", "name each day once")
                continue
            out.append(day)
        if not out:
            raise Invalid()
        return tuple(sorted(out))

    def time(self, node: yaml.Node) -> time:
        # The source text, not the value: YAML 1.1 reads an unquoted 18:30 as 1110.
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        match = _TIME_RE.match(str(raw).strip()) if isinstance(raw, str) else None
        hint = 'write the local time as HH:MM, e.g. `reminder: "18:30"`'
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise self.ctx.error(node, f"reminder: {raw!r} is not a time of day", hint)
        return time(int(match[1]), int(match[2]))

    def timezone(self, node: yaml.Node) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

        name = self.ctx.string(node, "timezone")
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            close = did_you_mean(name, sorted(available_timezones()))
            raise self.ctx.error(
                node,
                f"unknown time zone {name!r}{close}",
                "give an IANA name such as Europe/Madrid, or leave timezone out for the "
                "phone's own local time",
            ) from None
        return name

    # -- phases -------------------------------------------------------------------------

    def phases(self, node: yaml.Node) -> tuple[Phase, ...]:
        ctx = self.ctx
        items = ctx.sequence(node, "phases")
        if not items:
            raise ctx.error(node, "phases is empty", "add at least one phase: weeks and routine")
        if len(items) > MAX_PHASES:
            raise ctx.error(node, f"{len(items)} phases is too many (at most {MAX_PHASES})",
                            "join phases that change nothing")  # fmt: skip
        out: list[Phase] = []
        previous: tuple[int, int] | None = None
        for number, item in enumerate(items, start=1):
            phase = ctx.attempt(self.phase, item, number, default=None)
            weeks = self._weeks_of(item)
            if weeks is not None:
                self._check_order(item, weeks, previous)
                previous = weeks
            if phase is not None:
                out.append(phase)
        if len(out) != len(items):
            raise Invalid()
        return tuple(out)

    def _weeks_of(self, item: yaml.Node) -> tuple[int, int] | None:
        if not isinstance(item, yaml.MappingNode):
            return None
        for key, value in item.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "weeks":
                return self.ctx.attempt(self.weeks, value, default=None)
        return None

    def _check_order(
        self, item: yaml.Node, weeks: tuple[int, int], previous: tuple[int, int] | None
    ) -> None:
        node = next(v for k, v in item.value if k.value == "weeks")
        first = weeks[0]
        expected = previous[1] + 1 if previous else 1
        if first < expected:
            both = f"week {first}" if first == expected - 1 else f"weeks {first}-{expected - 1}"
            self.ctx.error(
                node,
                f"weeks {_range(weeks)} overlap the phase before (weeks "
                f"{_range(previous or (1, 1))}): {both} would be in both",
                f"start this phase at week {expected}"
                + (f", or end the one before at week {first - 1}" if first > 1 else ""),
            )
        elif first > expected:
            gap = f"week {expected}" if first == expected + 1 else f"weeks {expected}-{first - 1}"
            where = "before the first phase" if previous is None else "between phases"
            self.ctx.error(
                node,
                f"weeks {_range(weeks)} leave a gap {where}: {gap} has no phase",
                f"start this phase at week {expected}"
                + ("" if previous is None else ", or lengthen the phase before"),
            )

    def weeks(self, node: yaml.Node) -> tuple[int, int]:
        value = self.ctx.scalar(node, "weeks")
        hint = "write the weeks as a range from week 1, e.g. `weeks: 1-2`, or one week, `weeks: 3`"
        if isinstance(value, bool):
            raise self.ctx.error(node, f"weeks: {value!r} is not a week number", hint)
        match = _WEEKS_RE.match(str(value))
        if match is None:
            raise self.ctx.error(node, f"weeks: {value!r} is not a week or a range of weeks", hint)
        first, last = int(match[1]), int(match[2] or match[1])
        if first < 1 or last > MAX_WEEKS:
            raise self.ctx.error(node, f"weeks must be between 1 and {MAX_WEEKS}, got {value}",
                                 hint)  # fmt: skip
        if last < first:
            raise self.ctx.error(node, f"weeks: {value!r} is inverted",
                                 f"write it as {last}-{first}")  # fmt: skip
        return first, last

    def phase(self, node: yaml.Node, number: int) -> Phase:
        ctx = self.ctx
        keys = ctx.mapping(node, "a phase", _PHASE_KEYS, required=("weeks", "routine"),
                           partial=True)  # fmt: skip
        weeks = ctx.attempt(self.weeks, keys["weeks"], default=None) if "weeks" in keys else None
        routine = None
        ref = ""
        if "routine" in keys:
            found = ctx.attempt(self.routine, keys["routine"], default=None)
            if found is not None:
                ref, routine = found
        length_s = None
        if "length" in keys:
            length_s = ctx.attempt(read_duration, ctx, keys["length"], "length", MIN_LENGTH_S,
                                   MAX_LENGTH_S, default=None)  # fmt: skip
        pace = "normal"
        if "pace" in keys:
            pace = ctx.attempt(self.choice, keys["pace"], "pace", PACES, default="normal")
        detail = None
        if "detail" in keys:
            detail = ctx.attempt(self.detail, keys["detail"], default=None)
        days: tuple[int, ...] = ()
        if "days" in keys:
            days = ctx.attempt(self.days, keys["days"], "phase days", default=())
        note = (
            ctx.attempt(ctx.string, keys["note"], "note", default=None) if "note" in keys else None
        )
        changes: tuple[Change, ...] = ()
        if "changes" in keys:
            changes = ctx.attempt(read_changes, ctx, keys["changes"], routine, default=())
        if weeks is None or routine is None:
            raise Invalid()
        self.nodes[number] = (keys["routine"], keys.get("length"))
        return Phase(
            number=number,
            first_week=weeks[0],
            last_week=weeks[1],
            routine=ctx.string(keys["routine"], "routine"),
            location=ctx.loc(node),
            routine_ref=ref,
            routine_title=routine.title,
            length_s=length_s,
            pace=pace,
            detail=detail,
            days=days,
            note=note,
            changes=changes,
        )

    def choice(self, node: yaml.Node, what: str, options: tuple[str, ...]) -> str:
        return choice(self.ctx, node, what, options)

    def detail(self, node: yaml.Node) -> str:
        from ..pipeline import BuildSettings

        levels: tuple[str, ...] | None = getattr(model, "DETAILS", None)
        has_field = "detail" in {f.name for f in dataclasses.fields(BuildSettings)}
        if levels is None or not has_field:
            raise self.ctx.error(node, "this voicecoach has no detail levels yet",
                                 "remove `detail:`, or update voicecoach")  # fmt: skip
        return self.choice(node, "detail", levels)

    def routine(self, node: yaml.Node) -> tuple[str, Routine]:
        """The routine a phase names: a file beside the programme, or a built-in id."""
        ctx = self.ctx
        ref = ctx.string(node, "routine")
        builtins = builtin_ids()
        if (self.folder / ref).is_file() or "/" in ref or ref.endswith((".yaml", ".yml")):
            target = str(self.folder / ctx.file_ref(node, "routine"))
        elif ref in builtins:
            target = ref
        else:
            files = sorted(p.name for p in self.folder.glob("*.y*ml"))
            raise ctx.error(
                node,
                f"routine {ref!r} does not exist{did_you_mean(ref, [*builtins, *files])}",
                "name a built-in routine (`voicecoach list`) or a routine file beside the "
                "programme, e.g. `routine: legs.yaml`",
            )
        if target not in self.routines:
            try:
                self.routines[target] = load_routine(target)
            except RoutineErrors as exc:
                self.routines[target] = None
                ctx.error(node, f"routine {ref!r} has {len(exc.errors)} problem"
                          f"{'' if len(exc.errors) == 1 else 's'} (listed after this one)",
                          f"fix {ref} (`voicecoach validate {ref}`)")  # fmt: skip
                self.extra.extend(exc.errors)
            except UserError as exc:
                self.routines[target] = None
                ctx.error(node, f"routine {ref!r}: {exc.message}", exc.hint)
        routine = self.routines[target]
        if routine is None:
            raise Invalid()
        return target, routine


def _range(weeks: tuple[int, int]) -> str:
    return str(weeks[0]) if weeks[0] == weeks[1] else f"{weeks[0]}-{weeks[1]}"


def _weekday(word: str) -> int | None:
    for i, name in enumerate(WEEKDAYS):
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[i]
        if word in (name, full):
            return i
    return None


def _check_phases(
    ctx: Context, programme: Programme, nodes: dict[int, tuple[yaml.Node, yaml.Node | None]]
) -> None:
    """Compiles each phase on the voice's estimate: a ``length`` out of reach is located at
    the phase's ``length`` (else its ``routine``)."""
    from ..pipeline import draft
    from .sessions import phase_settings

    for phase in programme.phases:
        try:
            draft(phase_settings(programme, phase))
        except RoutineErrors:
            raise
        except UserError as exc:
            routine_node, length_node = nodes[phase.number]
            hint = (exc.hint or "").replace("a --length", "a `length:`") or None
            ctx.error(length_node or routine_node, f"{phase.label}: {exc.message}", hint)
