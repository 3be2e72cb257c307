"""Sections and their steps: say, pause, hold, repeat, chime, rest, rounds and included
blocks.

A ``Scope`` carries what a nested parse needs from above (the section's sides, the
routine's defaults, the block table and the include stack, to refuse cycles). Includes
are expanded here, so the ``Routine`` the compiler gets has no blocks left.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace

import yaml

from ..errors import Location
from ..timing import BUILTIN_SOUND_S, MAX_SESSION_S, clock
from .durations import fmt_span, read_count_span, read_duration, read_duration_span
from .nodes import MAX_NODES, Context, Invalid, did_you_mean, kind_of, string_list
from .text import parse_text, read_title
from .values import (
    Breathe,
    Breathing,
    Chime,
    Encourage,
    HandsFree,
    Hold,
    Pause,
    Repeat,
    Rest,
    Rounds,
    Say,
    Section,
    Span,
    Step,
    Text,
)

MAX_STEP_S = 3600.0
BREATHING_GUIDES = ("spoken", "tones", "none")
STEP_KINDS = ("say", "pause", "hold", "repeat", "chime", "rest", "breathe", "rounds", "include")
#: ``detail:`` on a line: the least detailed level it is still said at.
LINE_DETAILS = ("full", "brief", "minimal")
#: Named breath patterns for ``breathe: ... pattern:`` (seconds in, held, out, held out).
BREATH_PATTERNS = {
    "box": (4.0, 4.0, 4.0, 4.0),
    "4-7-8": (4.0, 7.0, 8.0, 0.0),
    "coherent": (5.5, 0.0, 5.5, 0.0),
}
MAX_BREATH_CYCLES = 200
MAX_ROUNDS = 50
#: Steps a routine may perform, rounds unrolled: far past any session (12 hours of them),
#: and compiled in well under a second. Rounds of included blocks once made 50 x 10,000.
MAX_PERFORMED_STEPS = 20_000
BUILTIN_SOUNDS = tuple(BUILTIN_SOUND_S)


@dataclass
class Expansion:
    """What the routine's includes add up to, counted before any is expanded.

    Ten blocks that each include the one before ten times are 1.6 KB of YAML and ten
    billion steps: each block's expanded size is counted once (memoized) from its nodes,
    and an include that would take the routine past ``MAX_NODES`` values is refused at
    its line, before it is expanded.
    """

    total: int = 0
    sizes: dict[str, int] = field(default_factory=dict)
    #: Steps performed so far, rounds unrolled (checked at each ``rounds``).
    performed: int = 0
    #: The session's shortest length so far (every range at its low end), rounds unrolled.
    min_s: float = 0.0
    #: Set once ``min_s`` passed ``MAX_SESSION_S`` (reported once, at the step that did).
    too_long: bool = False

    def lasts(self, ctx: Context, node: yaml.Node, seconds: float) -> None:
        """Adds a step's shortest length; refuses the routine once it passes 12 hours, as the
        compiler would, but before 10,000 repeats are unrolled into events."""
        self.min_s += seconds
        if self.too_long:
            raise Invalid()
        if self.min_s > MAX_SESSION_S:
            self.too_long = True
            raise ctx.error(
                node,
                f"by this step the session lasts at least {clock(self.min_s)}; the limit is "
                "12 hours",
                "shorten holds or repeats, or use fewer rounds",
            )

    def size(self, name: str, blocks: dict[str, yaml.Node], visiting: tuple[str, ...] = ()) -> int:
        """How many YAML values the block ``name`` stands for once its includes are expanded."""
        if name in self.sizes:
            return self.sizes[name]
        if name in visiting or name not in blocks:
            return 1  # a cycle or an unknown block: refused where it is included
        count = 0
        stack = [blocks[name]]
        while stack:
            node = stack.pop()
            included = _included_name(node)
            if included is not None:
                count += self.size(included, blocks, (*visiting, name))
                continue
            count += 1
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
        self.sizes[name] = count
        return count

    def steps_in(
        self, node: yaml.Node, blocks: dict[str, yaml.Node], seen: tuple[str, ...] = ()
    ) -> int:
        """How many steps a step list stands for once its includes are expanded."""
        if not isinstance(node, yaml.SequenceNode):
            return 0
        count = 0
        for item in node.value:
            name = _included_name(item)
            if name is None or name in seen or name not in blocks:
                count += 1
            else:
                count += self.steps_in(blocks[name], blocks, (*seen, name))
        return count


def _included_name(node: yaml.Node) -> str | None:
    """The block a mapping such as ``{include: b1}`` names, else None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "include":
            return value.value if isinstance(value, yaml.ScalarNode) else None
    return None


@dataclass
class Scope:
    """What a nested parse needs from above: sides, defaults and the block table."""

    blocks: dict[str, yaml.Node]
    sounds: tuple[str, ...]
    lead_in_s: float
    breathing: Breathing
    hands_free: HandsFree = field(default_factory=HandsFree)
    sides: tuple[str, ...] = ()
    stack: tuple[str, ...] = ()
    #: Inside a ``rounds`` step, where another ``rounds`` is refused.
    in_rounds: bool = False
    #: Shared by every nested scope of one routine.
    expansion: Expansion = field(default_factory=Expansion)


def parse_breathing(ctx: Context, node: yaml.Node, base: Breathing) -> Breathing:
    """Breathing settings over ``base`` (the routine's, for a hold); ``none`` turns it off."""
    if isinstance(node, yaml.ScalarNode) and ctx.scalar(node, "breathing") in ("none", False):
        return replace(base, guide="none")
    keys = ctx.mapping(
        node, "breathing", ("inhale", "hold", "exhale", "hold_out", "guide", "every")
    )
    guide = base.guide
    if "guide" in keys:
        guide = ctx.string(keys["guide"], "breathing guide")
        if guide not in BREATHING_GUIDES:
            raise ctx.error(
                keys["guide"],
                f"unknown breathing guide {guide!r}{did_you_mean(guide, BREATHING_GUIDES)}",
                f"use one of: {', '.join(BREATHING_GUIDES)}",
            )

    def dur(key: str, default: float, lo: float, hi: float) -> float:
        return read_duration(ctx, keys[key], f"breathing {key}", lo, hi) if key in keys else default

    every_s = base.every_s
    if "every" in keys:
        node = keys["every"]
        if isinstance(node, yaml.ScalarNode) and node.value == "cycle":
            every_s = 0.0
        else:
            every_s = read_duration(ctx, node, "breathing every", 10.0, 600.0)
    return Breathing(
        inhale_s=dur("inhale", base.inhale_s, 1.0, 20.0),
        exhale_s=dur("exhale", base.exhale_s, 1.0, 20.0),
        guide=guide,
        every_s=every_s,
        hold_s=dur("hold", base.hold_s, 0.0, 30.0),
        hold_out_s=dur("hold_out", base.hold_out_s, 0.0, 30.0),
    )


def parse_pattern(ctx: Context, node: yaml.Node) -> Breathing:
    """A ``breathe`` step's pattern: a name (box, 4-7-8, coherent) or its phases."""
    if isinstance(node, yaml.ScalarNode):
        name = ctx.string(node, "pattern")
        if name not in BREATH_PATTERNS:
            raise ctx.error(
                node,
                f"unknown breath pattern {name!r}{did_you_mean(name, tuple(BREATH_PATTERNS))}",
                f"use one of: {', '.join(BREATH_PATTERNS)}, or "
                "`{inhale: 4s, hold: 4s, exhale: 4s, hold_out: 4s}`",
            )
        inhale, hold, exhale, hold_out = BREATH_PATTERNS[name]
        return Breathing(inhale, exhale, "tones", 0.0, hold, hold_out)
    keys = ctx.mapping(node, "pattern", ("inhale", "hold", "exhale", "hold_out"), ("inhale",))

    def dur(key: str, lo: float, hi: float) -> float:
        return read_duration(ctx, keys[key], f"pattern {key}", lo, hi) if key in keys else 0.0

    inhale, exhale = dur("inhale", 1.0, 20.0), dur("exhale", 1.0, 20.0)
    if "exhale" not in keys:
        raise ctx.error(node, "pattern is missing the required key 'exhale'", "add `exhale:`")
    return Breathing(
        inhale, exhale, "tones", 0.0, dur("hold", 0.0, 30.0), dur("hold_out", 0.0, 30.0)
    )


def _block(ctx: Context, node: yaml.Node, scope: Scope, want: str) -> yaml.Node:
    name = ctx.string(node, "include")
    if name in scope.stack:
        cycle = " -> ".join((*scope.stack, name))
        raise ctx.error(node, f"include cycle: {cycle}", "a block may not include itself")
    if name not in scope.blocks:
        known = list(scope.blocks)
        raise ctx.error(
            node,
            f"unknown block {name!r}{did_you_mean(name, known)}",
            f"define it under `blocks:` (known: {', '.join(known) or 'none'})",
        )
    if not scope.stack:  # an outermost include: count all it stands for, nested ones too
        size = scope.expansion.size(name, scope.blocks)
        scope.expansion.total += size
        if scope.expansion.total > MAX_NODES:
            raise ctx.error(
                node,
                f"including {name!r} here adds {size:,} values (its includes expanded); the "
                f"routine would hold more than {MAX_NODES:,}, the format's limit",
                "include big blocks fewer times; to say steps again, use `rounds:` or "
                "`repeat:` instead of copies",
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


def parse_sections(ctx: Context, node: yaml.Node, scope: Scope) -> tuple[Section, ...]:
    """Every section that parses; a broken one is reported and skipped."""
    items = ctx.sequence(node, "sections")
    if not items:
        raise ctx.error(node, "sections is empty", "add at least one section")
    out = []
    for item in items:
        section = ctx.attempt(_parse_section, ctx, item, scope, default=None)
        if section is not None:
            out.append(section)
    return tuple(out)


def _parse_section(ctx: Context, node: yaml.Node, scope: Scope) -> Section:
    if isinstance(node, yaml.MappingNode) and any(
        k.value == "include" for k, _ in node.value if isinstance(k, yaml.ScalarNode)
    ):
        keys = ctx.mapping(node, "a section include", ("include",))
        body = _block(ctx, keys["include"], scope, "section")
        name = keys["include"].value
        return _parse_section(ctx, body, replace(scope, stack=(*scope.stack, name)))
    keys = ctx.mapping(
        node,
        "a section",
        ("title", "sides", "transition", "setup", "steps"),
        required=("title", "steps"),
        partial=True,
    )
    title = ""
    if "title" in keys:
        title = ctx.attempt(read_title, ctx, keys["title"], "section title", default="")
    sides: tuple[str, ...] = ()
    if "sides" in keys:
        sides = ctx.attempt(string_list, ctx, keys["sides"], "sides", default=())
        if len(set(sides)) != len(sides):
            ctx.error(keys["sides"], "sides repeat a name", "e.g. `sides: [right, left]`")
    transition: str | None = "chime"
    if "transition" in keys:
        transition = ctx.attempt(_sound_name, ctx, keys["transition"], scope, default=None)
    if "steps" not in keys:
        raise Invalid()
    if isinstance(keys["steps"], yaml.SequenceNode) and not keys["steps"].value:
        raise ctx.error(keys["steps"], f"section {title!r} has no steps", "add at least one step")
    steps = ctx.attempt(_parse_steps, ctx, keys["steps"], replace(scope, sides=sides), default=())
    if "title" not in keys:
        raise Invalid()
    setup = parse_text(ctx, keys["setup"], "setup", sides) if "setup" in keys else None
    return Section(title, steps, ctx.loc(node), sides, transition, setup)


def _sound_name(ctx: Context, node: yaml.Node, scope: Scope) -> str | None:
    name = ctx.string(node, "sound")
    if name == "none":
        return None
    if name not in scope.sounds:
        raise ctx.error(
            node,
            f"unknown sound {name!r}{did_you_mean(name, scope.sounds)}",
            f"built-in sounds: {', '.join(BUILTIN_SOUNDS)}; add your own under `sounds:`",
        )
    return name


def _parse_steps(ctx: Context, node: yaml.Node, scope: Scope) -> tuple[Step, ...]:
    out: list[Step] = []
    for item in ctx.sequence(node, "steps"):
        out.extend(ctx.attempt(_parse_step, ctx, item, scope, default=()))
    return tuple(out)


_STEP_KEYS = {
    "say": ("say", "setup", "detail"),
    "pause": ("pause", "silent", "setup"),
    "rest": ("rest", "setup", "until"),
    "breathe": ("breathe", "say", "cycles", "pattern", "spoken", "setup", "detail"),
    "rounds": ("rounds", "rest", "steps", "setup"),
    "chime": ("chime", "setup"),
    "include": ("include",),
    "hold": (
        "hold",
        "say",
        "lead_in",
        "breathing",
        "halfway",
        "countdown",
        "encourage",
        "then",
        "setup",
        "detail",
        "until",
    ),
    "repeat": ("repeat", "say", "each", "count", "lead_in", "setup", "detail", "until", "cap"),
}


def _step_kind(ctx: Context, node: yaml.Node) -> str:
    if not isinstance(node, yaml.MappingNode):
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        hint = "a step is a mapping such as `- say: Breathe out.` or `- hold: 30s`"
        if isinstance(value, str) and value in STEP_KINDS:
            hint = f"write `- {value}: ...` with a value after the colon"
        raise ctx.error(node, f"a step must be a mapping, not a {kind_of(node)}", hint)
    names = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
    for kind in ("rounds", "hold", "repeat", "breathe"):
        if kind in names:
            return kind
    kinds: list[str] = [n for n in names if n in STEP_KINDS]
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
            f"unknown step {word!r}{did_you_mean(word, STEP_KINDS)}",
            f"step kinds: {', '.join(STEP_KINDS)}",
        )
    return kinds[0]


def _parse_step(ctx: Context, node: yaml.Node, scope: Scope) -> tuple[Step, ...]:
    kind = _step_kind(ctx, node)
    if kind not in ("include", "rounds"):
        scope.expansion.performed += 1
    keys = ctx.mapping(node, f"a {kind} step", _STEP_KEYS[kind])
    value = keys[kind]
    loc = ctx.loc(node)
    setup = parse_text(ctx, keys["setup"], "setup", scope.sides) if "setup" in keys else None
    detail = _line_detail(ctx, keys["detail"]) if "detail" in keys else None
    ready = _until(ctx, keys["until"]) if "until" in keys else False
    if kind == "say":
        return (Say(parse_text(ctx, value, "say", scope.sides), loc, setup, detail),)
    if kind == "breathe":
        text = parse_text(ctx, keys["say"], "say", scope.sides) if "say" in keys else None
        breathe = replace(_parse_breathe(ctx, keys, loc, setup, detail), text=text)
        cycles_s = breathe.cycles * breathe.pattern.cycle_s
        scope.expansion.lasts(ctx, value, breathe.duration.lo if breathe.duration else cycles_s)
        return (breathe,)
    if kind == "pause":
        span = read_duration_span(ctx, value, "pause", 0.1, MAX_STEP_S)
        silent = ctx.boolean(keys["silent"], "silent") if "silent" in keys else False
        scope.expansion.lasts(ctx, node, span.lo)
        return (Pause(span, loc, setup, silent),)
    if kind == "chime":
        return (Chime(_sound_name(ctx, value, scope) or "chime", loc, setup),)
    if kind == "rest":
        span = read_duration_span(ctx, value, "rest", 1.0, MAX_STEP_S)
        scope.expansion.lasts(ctx, node, span.lo)
        return (Rest(span, loc, setup, ready),)
    if kind == "rounds":
        return (_parse_rounds(ctx, keys, scope, loc, setup),)
    if kind == "include":
        body = _block(ctx, value, scope, "steps")
        return _parse_steps(ctx, body, replace(scope, stack=(*scope.stack, value.value)))
    text = parse_text(ctx, keys["say"], "say", scope.sides) if "say" in keys else None
    lead_in_s = scope.lead_in_s if kind == "hold" and text else 0.0
    if "lead_in" in keys:
        lead_in_s = read_duration(ctx, keys["lead_in"], "lead_in", 0.0, 60.0)
    if kind == "repeat":
        each_s = read_duration(ctx, keys["each"], "each", 1.0, 120.0) if "each" in keys else 6.0
        aloud, by_self = True, False
        if "count" in keys:
            node = keys["count"]
            if isinstance(node, yaml.ScalarNode) and node.value == "self":
                by_self = True
            else:
                aloud = ctx.boolean(node, "count")
        if "cap" in keys and not by_self:
            raise ctx.error(keys["cap"], "`cap` is for a repeat with `count: self`", "remove it")
        count = read_count_span(ctx, value, "repeat")
        cap_s = read_duration(ctx, keys["cap"], "cap", 1.0, 600.0) if "cap" in keys else 0.0
        if by_self and not cap_s:
            cap_s = max(3 * each_s, 10.0)
        scope.expansion.lasts(ctx, node, count.lo * each_s)
        return (
            Repeat(
                count, loc, text, each_s, aloud, lead_in_s, setup, detail, ready, by_self, cap_s
            ),
        )
    hold = _parse_hold(ctx, keys, scope, loc, text, lead_in_s)
    scope.expansion.lasts(ctx, node, hold.duration.lo)
    return (replace(hold, setup=setup, detail=detail, until_ready=ready),)


def _line_detail(ctx: Context, node: yaml.Node) -> str:
    value = ctx.string(node, "detail")
    if value not in LINE_DETAILS:
        raise ctx.error(
            node,
            f"unknown detail {value!r}{did_you_mean(value, LINE_DETAILS)}",
            "write `detail: full` (said only in full sessions), `brief` or `minimal`",
        )
    return value


def _until(ctx: Context, node: yaml.Node) -> bool:
    value = ctx.string(node, "until")
    if value != "ready":
        raise ctx.error(
            node,
            f"unknown until {value!r}",
            "write `until: ready` (a player waits at the end of the step for a tap)",
        )
    return True


def _parse_breathe(
    ctx: Context,
    keys: dict[str, yaml.Node],
    loc: Location,
    setup: Text | None,
    detail: str | None,
) -> Breathe:
    node = keys["breathe"]
    pattern = parse_pattern(ctx, keys["pattern"]) if "pattern" in keys else None
    pattern = pattern or Breathing(5.5, 5.5, "tones", 0.0)
    duration: Span | None = None
    cycles = 0
    value = ctx.scalar(node, "breathe")
    if "cycles" in keys:
        cycles = ctx.integer(keys["cycles"], "cycles", 1, MAX_BREATH_CYCLES)
        if value not in (None, True):
            raise ctx.error(
                node,
                "a breathe step has a length or `cycles`, not both",
                "write `- breathe: 2m` or `- breathe:` with `cycles: 8`",
            )
    elif value is None:
        raise ctx.error(node, "breathe needs a length or `cycles`", "e.g. `- breathe: 2m`")
    else:
        duration = read_duration_span(ctx, node, "breathe", 5.0, MAX_STEP_S)
        if duration.lo < pattern.cycle_s:
            raise ctx.error(
                node,
                f"breathe of {fmt_span(duration)} is shorter than one breath "
                f"({pattern.cycle_s:g} s)",
                "lengthen it or use a shorter pattern",
            )
    spoken = ctx.integer(keys["spoken"], "spoken", 0, 20) if "spoken" in keys else 2
    return Breathe(pattern, loc, duration, cycles, spoken, setup, detail)


def _parse_rounds(
    ctx: Context, keys: dict[str, yaml.Node], scope: Scope, loc: Location, setup: Text | None
) -> Rounds:
    node = keys["rounds"]
    if scope.in_rounds:
        raise ctx.error(
            node,
            "rounds inside rounds are not supported",
            "raise the outer count, or write the inner steps out",
        )
    count = read_count_span(ctx, node, "rounds")
    if count.hi > MAX_ROUNDS:
        raise ctx.error(
            node, f"{count.hi:g} rounds is too many (the limit is {MAX_ROUNDS})", "lower it"
        )
    if "steps" not in keys:
        raise ctx.error(node, "rounds without steps", "add `steps:` with the steps of one round")
    if isinstance(keys["steps"], yaml.SequenceNode) and not keys["steps"].value:
        raise ctx.error(keys["steps"], "rounds has no steps", "add at least one step")
    # Counted before the steps are read: reading 10,000 included steps alone takes time.
    inner = scope.expansion.steps_in(keys["steps"], scope.blocks)
    if scope.expansion.performed + int(count.hi) * inner > MAX_PERFORMED_STEPS:
        raise _too_many_rounds(ctx, node, count.hi, inner)
    min_before = scope.expansion.min_s
    steps = _parse_steps(ctx, keys["steps"], replace(scope, in_rounds=True))
    one_round_s = scope.expansion.min_s - min_before
    if not steps and not ctx.errors:
        raise ctx.error(keys["steps"], "rounds has no steps", "add at least one step")
    # The inner steps are counted once as they were read; the other rounds repeat them.
    scope.expansion.performed += int(count.hi - 1) * len(steps) + int(count.hi)
    if scope.expansion.performed > MAX_PERFORMED_STEPS:
        raise _too_many_rounds(ctx, node, count.hi, len(steps))
    rest = None
    rest_s = 0.0
    if "rest" in keys:
        length = read_duration_span(ctx, keys["rest"], "rest between rounds", 1.0, MAX_STEP_S)
        rest = Rest(length, ctx.loc(keys["rest"]))
        rest_s = length.lo
    rounds = max(int(count.lo), 1)
    scope.expansion.lasts(ctx, node, (rounds - 1) * (one_round_s + rest_s))
    return Rounds(count, steps, loc, rest, setup)


def _too_many_rounds(ctx: Context, node: yaml.Node, rounds: float, steps: int) -> Invalid:
    return ctx.error(
        node,
        f"{rounds:g} rounds of {steps:,} steps take the routine past "
        f"{MAX_PERFORMED_STEPS:,} steps performed, the format's limit",
        "lower the rounds, or include fewer steps in them",
    )


def _parse_hold(
    ctx: Context,
    keys: dict[str, yaml.Node],
    scope: Scope,
    loc: Location,
    text: Text | None,
    lead_in_s: float,
) -> Hold:
    duration = read_duration_span(ctx, keys["hold"], "hold", 1.0, MAX_STEP_S)
    breathing: Breathing | None = scope.breathing
    if "breathing" in keys:
        breathing = parse_breathing(ctx, keys["breathing"], scope.breathing)
    if breathing is not None and breathing.guide == "none":
        breathing = None
    halfway: Text | None = None
    if "halfway" in keys:
        node = keys["halfway"]
        if isinstance(node, yaml.ScalarNode) and isinstance(ctx.scalar(node, "halfway"), bool):
            on = ctx.boolean(node, "halfway")
            halfway = Text((), ctx.loc(node)) if on else None
        else:
            halfway = parse_text(ctx, node, "halfway", scope.sides)
    else:
        halfway = Text((), loc)
    countdown = 3 if duration.lo >= 4 else 0
    if "countdown" in keys:
        countdown = ctx.integer(keys["countdown"], "countdown", 0, 10)
        if countdown and countdown + 1 > duration.lo:
            raise ctx.error(
                keys["countdown"],
                f"a countdown of {countdown} s does not fit a hold of {fmt_span(duration)}",
                "lower `countdown` or lengthen the hold",
            )
    encourage = None
    if "encourage" in keys:
        ek = ctx.mapping(keys["encourage"], "encourage", ("every", "say"), required=("say",))
        every = 20.0
        if "every" in ek:
            every = read_duration(ctx, ek["every"], "encourage every", 5.0, 600.0)
        encourage = Encourage(float(every), parse_text(ctx, ek["say"], "encourage", scope.sides))
    then: tuple[Text, ...] = ()
    if "then" in keys:
        items = ctx.sequence(keys["then"], "then")
        if not items:
            raise ctx.error(keys["then"], "then has no lines", "give the lines to say, in order")
        then = tuple(parse_text(ctx, item, "then", scope.sides) for item in items)
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
        then=then,
    )
