"""Durations and counts as a routine writes them: ``45``, ``1m30s``, ``30-60s``, ``5-10``.

A duration may be a range (``Span``) that the compiler resolves later from the target
length; the readers here check units, order and limits and record located errors through
the node reader (``nodes.Context``).
"""

from __future__ import annotations

import re

import yaml

from .nodes import Context, describe
from .values import Span

MAX_REPS = 200
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$"
)


def parse_duration(text: str) -> float | None:
    """``45``, ``45s``, ``1m30s``, ``2m``, ``1h`` to seconds; None when not a duration."""
    match = _DURATION_RE.match(text.strip().lower())
    if not match or not any(match.groupdict().values()):
        return None
    h, m, s = (float(match[g]) if match[g] else 0.0 for g in ("h", "m", "s"))
    return h * 3600 + m * 60 + s


def _split_range(text: str) -> tuple[str, str] | None:
    """``30-60s`` to ``('30s', '60s')``: the unit written once applies to both ends."""
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


def read_duration_span(ctx: Context, node: yaml.Node, what: str, lo: float, hi: float) -> Span:
    """A duration or a range of them, within ``lo``..``hi`` seconds."""
    value = ctx.scalar(node, what)
    if isinstance(value, bool) or value is None:
        raise ctx.error(node, f"{what} must be a duration, got {describe(value)}", _DURATION_HINT)
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
            f"{what} must be between {lo:g} s and {hi:g} s, got {fmt_span(span)}",
            _DURATION_HINT,
        )
    return span


def read_duration(ctx: Context, node: yaml.Node, what: str, lo: float, hi: float) -> float:
    """A single duration in seconds; a range is an error here."""
    span = read_duration_span(ctx, node, what, lo, hi)
    if span.is_range:
        raise ctx.error(node, f"{what} must be a single duration, not a range", "e.g. 5s")
    return span.lo


def read_count_span(ctx: Context, node: yaml.Node, what: str) -> Span:
    """A repetition count or range of counts, 1 to ``MAX_REPS``."""
    value = ctx.scalar(node, what)
    hint = f"write a count like 8 or a range like 5-10 (at most {MAX_REPS})"
    if isinstance(value, bool):
        raise ctx.error(node, f"{what} must be a count, got {describe(value)}", hint)
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


def fmt_span(span: Span) -> str:
    """A span as messages print it: ``30 s`` or ``30-60 s``."""
    return f"{span.lo:g} s" if not span.is_range else f"{span.lo:g}-{span.hi:g} s"
