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

from ..errors import UserError
from .nodes import Context, did_you_mean
from .values import Text

PLACEHOLDERS = ("side", "other_side", "client")
#: Titles are spoken (the routine's at the start, a section's as it begins) and shown in
#: players' one-line displays: a 200,000-character title was four hours of speech.
MAX_TITLE_CHARS = 120
#: A client's name is spoken ("{client}") and goes into file names (with the routine's id).
MAX_CLIENT_CHARS = 80
#: Totals the compiler fills after fitting, spoken as words; only in ``intro``.
TOTALS = ("steps", "length", "work")


def read_title(ctx: Context, node: yaml.Node, what: str) -> str:
    """A routine's or a section's title, at most ``MAX_TITLE_CHARS`` long."""
    title = ctx.string(node, what)
    if len(title) > MAX_TITLE_CHARS:
        raise ctx.error(
            node,
            f"the {what} is {len(title):,} characters long; a title may have at most "
            f"{MAX_TITLE_CHARS} (it is spoken, and shown on one line)",
            "shorten it; say more in `description:` or in the steps",
        )
    return title


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
    """A client name fit to be spoken and printed: control characters (a line break, a tab)
    become spaces, runs of spaces one, at most ``MAX_CLIENT_CHARS`` long."""
    printable = "".join(ch if ch.isprintable() else " " for ch in name)
    return " ".join(printable.split())[:MAX_CLIENT_CHARS]


def check_client_name(name: str) -> str:
    """The cleaned client name; a ``UserError`` naming the limit when it is too long."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())
    if len(cleaned) > MAX_CLIENT_CHARS:
        raise UserError(
            f"the client name is {len(cleaned):,} characters long; a client name may have at "
            f"most {MAX_CLIENT_CHARS}",
            "give the name the session greets (e.g. a first name)",
        )
    return clean_client_name(cleaned)
