"""What several ``voicecoach`` commands share: options, settings, progress bars.

``build``, ``share``, ``play``, ``plan`` and ``batch`` take the same ``--length``,
``--pace``, ``--detail``, ``--seed``, ``--engine``/``--voice``/``--rate`` and
``--allow-path``; they are declared once here, so they read the same in every command's
help. ``settings_from`` is the one way a command's options become a frozen settings
object, and ``Bars`` the progress a build shows on a terminal. The commands themselves
are in ``cli.py``.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..model import DETAILS, PACES


def printable(text: str, lines: bool = False) -> str:
    """Untrusted text (a CSV cell, a file name, an error quoting either) safe to print.

    Every character a terminal would act on instead of showing (escape sequences that set
    the window title or clear the screen, bidi overrides, NUL...) is written out as
    Python writes it (``\\x1b``); ``lines`` keeps line breaks (an error and its hint).
    """
    out = []
    for ch in str(text):
        if ch.isprintable() or ch == " " or (lines and ch == "\n"):
            out.append(ch)
        else:
            out.append(ascii(ch)[1:-1] if ch != "\\" else ch)
    return "".join(out)


def _length(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from ..routine import parse_duration

    seconds = parse_duration(value)
    if seconds is None or seconds <= 0:
        raise click.BadParameter(f"{value!r} is not a length; write e.g. 12m, 1m30s or 900")
    return seconds


length_option = click.option(
    "--length",
    callback=_length,
    metavar="DURATION",
    help="Target session length (e.g. 12m); ranges in the routine are chosen to fit it.",
)
seed_option = click.option(
    "--seed", type=int, help="Pick other wordings among a routine's alternatives."
)
pace_option = click.option(
    "--pace",
    type=click.Choice(PACES),
    default="normal",
    show_default=True,
    help="Longer or shorter holds and gaps, within the routine's ranges.",
)
detail_option = click.option(
    "--detail",
    type=click.Choice(DETAILS),
    default="full",
    show_default=True,
    help="How much is said: full (everything), brief (for regulars: no encouragement or "
    "coming-up lines, heard instructions shortened), minimal (titles, sides, tones, "
    "countdowns and the end).",
)
allow_path_option = click.option(
    "--allow-path",
    "allow_paths",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Also allow sound and music files from this folder (repeatable).",
)


def voice_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--engine``, ``--voice`` and ``--rate``: the same three on every command that speaks."""
    for option in reversed(
        [
            click.option(
                "--engine", help="Speech engine (see `voicecoach voices`) [routine's, else espeak]."
            ),
            click.option("--voice", help="Voice name of the engine (see `voicecoach voices`)."),
            click.option(
                "--rate", type=click.IntRange(60, 450), help="Speaking rate in words per minute."
            ),
        ]
    ):
        command = option(command)
    return command


strict_option = click.option(
    "--strict", is_flag=True, help="Treat timing warnings (lines that do not fit) as errors."
)


T = TypeVar("T")


def settings_from(cls: type[T], options: dict[str, Any]) -> T:
    """The one way a command's options become a frozen settings object (``cls``).

    Options keep their settings' names, but for ``--length`` (``length_s``) and
    ``--no-cache`` (``use_cache``); options ``cls`` has no field for are left out.
    """
    values = dict(options)
    if "length" in values:
        values["length_s"] = values.pop("length")
    if "no_cache" in values:
        values["use_cache"] = not values.pop("no_cache")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in values.items() if k in names})


class Bars:
    """Progress bars on stderr, one per stage, only when stderr is a terminal."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self._bar: Any = None
        self._label = ""

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.render_finish()
            self._bar = None

    def _update(self, label: str, done: int, total: int) -> None:
        if not self.show or total <= 0:
            return
        if self._label != label:
            self._close()
            self._label = label
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr)
        self._bar.update(done - self._bar.pos)

    def synth(self, done: int, total: int) -> None:
        self._update("synthesizing", done, total)

    def encode(self, done: int, total: int) -> None:
        self._update("mixing + encoding", done, total)
