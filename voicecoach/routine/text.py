"""Spoken lines: reading them from the file and filling their placeholders.

The parser checks every ``{placeholder}`` when it reads a line (``parse_text``), so the
compiler's ``fill`` can substitute without failing. ``fill`` and ``clean_client_name``
are used by the compiler; they live here so the one list of placeholders (``PLACEHOLDERS``)
is next to both the check and the substitution.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

import yaml

from .nodes import Context, did_you_mean
from .values import Text

PLACEHOLDERS = ("side", "other_side", "client")
#: Totals the compiler fills after fitting, spoken as words; only in ``intro``.
TOTALS = ("steps", "length", "work")


def parse_text(
    ctx: Context, node: yaml.Node, what: str, sides: tuple[str, ...], *, totals: bool = False
) -> Text:
    """A line (or list of alternative wordings) with its placeholders checked.

    ``totals`` allows ``{steps}``, ``{length}`` and ``{work}`` (the intro's).
    """
    if isinstance(node, yaml.SequenceNode):
        items = ctx.sequence(node, what)
        if not items:
            raise ctx.error(node, f"{what} has no alternatives", "give at least one line")
        options = tuple(ctx.string(item, what) for item in items)
    else:
        options = (ctx.string(node, what),)
    for option in options:
        _check_placeholders(ctx, node, what, option, sides, totals)
    return Text(options, ctx.loc(node))


def _check_placeholders(
    ctx: Context, node: yaml.Node, what: str, text: str, sides: tuple[str, ...], totals: bool
) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ctx.error(
            node, f"{what}: {exc} in {text!r}", "write {{ and }} for literal braces"
        ) from None
    for name in fields:
        if name in TOTALS:
            if not totals:
                raise ctx.error(
                    node,
                    f"{{{name}}} is filled only in `intro`, not in {what}",
                    "move the sentence to `intro:`, or write the number out",
                )
            continue
        if name not in PLACEHOLDERS:
            raise ctx.error(
                node,
                f"unknown placeholder {{{name}}} in {what}{did_you_mean(name, PLACEHOLDERS)}",
                "placeholders: {side}, {other_side}, {client}, and in `intro` {steps}, {length}, "
                "{work}; write {{ and }} for literal braces",
            )
        if not sides and name != "client":
            raise ctx.error(
                node,
                f"{{{name}}} is used in a section without sides",
                "add `sides: [right, left]` to the section, or write the side out",
            )


def fill(
    text: str,
    side: str | None,
    sides: tuple[str, ...],
    client: str | None = None,
    totals: Mapping[str, str] | None = None,
) -> str:
    """Replaces ``{side}``, ``{other_side}`` and ``{client}`` in an already checked line,
    and with ``totals`` the intro's ``{steps}``, ``{length}`` and ``{work}``.

    Without a client name, ``{client}`` disappears and the sentence closes up around it.
    """
    values = {"client": client or "", **(totals or {})}
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
