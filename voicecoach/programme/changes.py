"""A phase's ``changes``: where (a section, a step) and what (holds, repeats, rounds,
rest, breathing), read with located errors and checked against the phase's routine
(``routine.change_problem``: no such section, no such step, no step of that kind).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from ..routine import BreathingChange, Change, Routine, change_problem
from ..routine.durations import read_count_span, read_duration, read_duration_span
from ..routine.nodes import Context, did_you_mean
from ..routine.steps import BREATHING_GUIDES, MAX_ROUNDS, MAX_STEP_S

MAX_CHANGES = 100
_CHANGE_KEYS = ("section", "step", "hold", "repeat", "each", "rounds", "rest", "breathing")


def choice(ctx: Context, node: yaml.Node, what: str, options: tuple[str, ...]) -> str:
    """One of ``options``, else a located error naming the closest."""
    value = ctx.string(node, what)
    if value not in options:
        raise ctx.error(node, f"unknown {what} {value!r}{did_you_mean(value, options)}",
                        f"use one of: {', '.join(options)}")  # fmt: skip
    return value


def read_changes(ctx: Context, node: yaml.Node, routine: Routine | None) -> tuple[Change, ...]:
    """A phase's ``changes``: each read, then checked against its routine (located)."""
    items = ctx.sequence(node, "changes")
    if len(items) > MAX_CHANGES:
        raise ctx.error(node, f"{len(items)} changes is too many (at most {MAX_CHANGES})",
                        "one change can set several values of a section")  # fmt: skip
    out = []
    for item in items:
        change = ctx.attempt(_change, ctx, item, default=None)
        if change is None:
            continue
        if routine is not None:
            problem = change_problem(routine, change)
            if problem is not None:
                ctx.error(item, *problem)
                continue
        out.append(change)
    return tuple(out)


def _change(ctx: Context, node: yaml.Node) -> Change:
    keys = ctx.mapping(node, "a change", _CHANGE_KEYS)
    values = [k for k in keys if k not in ("section", "step")]
    if not values:
        raise ctx.error(
            node,
            "this change sets nothing",
            "add a value to set: hold, repeat, each, rounds, rest or breathing, e.g. "
            "`{section: Foam roller, hold: 45s}`",
        )
    section = ctx.string(keys["section"], "section") if "section" in keys else None
    step: int | str | None = None
    if "step" in keys:
        raw = ctx.scalar(keys["step"], "step")
        if isinstance(raw, int) and not isinstance(raw, bool):
            step = ctx.integer(keys["step"], "step", 1, 1000)
        else:
            step = ctx.string(keys["step"], "step")
        if section is None:
            raise ctx.error(keys["step"], "a step is named within a section",
                            "add `section:` with the section's title")  # fmt: skip

    def span(key: str, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(ctx, keys[key], *args) if key in keys else None

    rounds = span("rounds", read_count_span, "rounds")
    if rounds is not None and rounds.hi > MAX_ROUNDS:
        raise ctx.error(keys["rounds"], f"{rounds.hi:g} rounds is too many "
                        f"(the limit is {MAX_ROUNDS})", "lower it")  # fmt: skip
    return Change(
        section=section,
        step=step,
        hold=span("hold", read_duration_span, "hold", 1.0, MAX_STEP_S),
        repeat=span("repeat", read_count_span, "repeat"),
        each_s=span("each", read_duration, "each", 1.0, 120.0),
        rounds=rounds,
        rest=span("rest", read_duration_span, "rest", 1.0, MAX_STEP_S),
        breathing=span("breathing", _breathing),
    )


def _breathing(ctx: Context, node: yaml.Node) -> BreathingChange:
    if isinstance(node, yaml.ScalarNode) and ctx.scalar(node, "breathing") in ("none", False):
        return BreathingChange(off=True)
    keys = ctx.mapping(
        node, "breathing", ("inhale", "hold", "exhale", "hold_out", "guide", "every")
    )
    guide = None
    if "guide" in keys:
        guide = choice(ctx, keys["guide"], "breathing guide", BREATHING_GUIDES)

    def dur(key: str, lo: float, hi: float) -> float | None:
        return read_duration(ctx, keys[key], f"breathing {key}", lo, hi) if key in keys else None

    return BreathingChange(
        inhale_s=dur("inhale", 1.0, 20.0),
        exhale_s=dur("exhale", 1.0, 20.0),
        hold_s=dur("hold", 0.0, 20.0),
        hold_out_s=dur("hold_out", 0.0, 20.0),
        guide=guide,
        every_s=dur("every", 10.0, 600.0),
    )
