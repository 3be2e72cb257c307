"""The full-screen terminal view of ``play``: large, calm, readable from the floor.

It only draws the player's state and turns keys into player calls; curses restores the
terminal however the view ends (q, Ctrl-C, an error).
"""

from __future__ import annotations

import contextlib
import curses
import os
import sys
import textwrap
from typing import Any

from ..model import SAMPLE_RATE
from ..phrases import side_place
from ..timing import clock
from .core import Player

#: A 3x5 block font for the step clock, so it can be read at a distance.
DIGITS = {
    "0": ["███", "█ █", "█ █", "█ █", "███"],
    "1": [" ██", "  █", "  █", "  █", "  █"],
    "2": ["███", "  █", "███", "█  ", "███"],
    "3": ["███", "  █", "███", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"],
    "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"],
    "7": ["███", "  █", "  █", "  █", "  █"],
    "8": ["███", "█ █", "███", "█ █", "███"],
    "9": ["███", "█ █", "███", "  █", "███"],
    ":": ["   ", " █ ", "   ", " █ ", "   "],
}
HELP = "space pause / go on · → / n next · ← / p previous · r repeat · q quit"
HELP_SHORT = "space pause · n next · p back · r repeat · q quit"
KEYS_NEXT = (curses.KEY_RIGHT, ord("n"), ord("N"))
KEYS_PREV = (curses.KEY_LEFT, ord("p"), ord("P"))


def big(text: str) -> list[str]:
    """``text`` (digits and ':') in the block font, five rows."""
    return [" ".join(DIGITS[ch][row] for ch in text if ch in DIGITS) for row in range(5)]


def screen_lines(player: Player, title: str, width: int) -> list[tuple[str, int]]:
    """What the view shows, as (text, attribute) rows for a terminal ``width`` wide.

    Kept apart from curses so it can be checked without a terminal.
    """
    step = player.current()
    nxt = player.upcoming()
    rows: list[tuple[str, int]] = [(title, curses.A_DIM), ("", 0)]
    language = player.timeline.language
    where = step.section + (f" · {side_place(step.side, language)}" if step.side else "")
    rows.append((where or "Introduction", curses.A_BOLD))
    rows.append(("", 0))
    for line in textwrap.wrap(step.text, max(20, width - 4))[:6] or [""]:
        rows.append((line, curses.A_BOLD))
    rows.append(("", 0))
    left = step.end_sample - player.position
    rows += [(line, curses.A_BOLD) for line in big(clock(left / SAMPLE_RATE))]
    total_left = player.timeline.duration_sample - player.position
    state = "paused" if player.paused else ("finished" if player.finished else "playing")
    wait = player.waiting
    if wait is not None and wait.count:
        state = f"counting {player.counted} of {wait.count}: space for each repetition"
    elif wait is not None:
        state = "waiting for you: space, n or any key when you are ready"
    rows.append(
        (f"left in this step · {clock(total_left / SAMPLE_RATE)} left in the session · {state}", 0)
    )
    rows.append(("", 0))
    if nxt is not None:
        coming = nxt.section + (f" · {side_place(nxt.side, language)}" if nxt.side else "")
        rows.append((f"Next: {coming}" + (f" — {nxt.text}" if nxt.text else ""), curses.A_DIM))
    else:
        rows.append(("Next: the end", curses.A_DIM))
    return rows


def run_view(player: Player, title: str) -> None:
    """Runs the view until q (or the end of the session plus a key); restores the terminal."""
    curses.wrapper(_loop, player, title)


def _loop(screen: Any, player: Player, title: str) -> None:
    curses.curs_set(0)
    screen.timeout(200)
    while True:
        _follow_resize(screen)
        _draw(screen, player, title)
        key = screen.getch()
        if key in (ord("q"), ord("Q"), 27):
            return
        if key == ord(" "):
            player.tap()
        elif player.waiting and not player.waiting.count and key not in (-1, curses.KEY_RESIZE):
            player.tap()  # any key goes on from an `until: ready` step
        elif key in KEYS_NEXT:
            player.next_step()
        elif key in KEYS_PREV:
            player.previous_step()
        elif key in (ord("r"), ord("R")):
            player.repeat()
        elif key == curses.KEY_RESIZE:
            _follow_resize(screen)


def _follow_resize(screen: Any) -> None:
    """Adopts the terminal's current size; polled, so a resize is seen even when SIGWINCH
    is ignored by a parent process (ncurses only reports KEY_RESIZE when it may trap it)."""
    if sys.__stdout__ is None:
        return
    try:
        cols, lines = os.get_terminal_size(sys.__stdout__.fileno())
    except (OSError, ValueError, AttributeError):
        return
    if screen.getmaxyx() != (lines, cols):
        curses.resizeterm(lines, cols)
        screen.clear()


def _draw(screen: Any, player: Player, title: str) -> None:
    height, width = screen.getmaxyx()
    screen.erase()
    rows = screen_lines(player, title, width)
    for y, (text, attr) in enumerate(rows[: max(0, height - 2)]):
        _put(screen, y + 1, 2, text, attr, width)
    _put(screen, height - 1, 2, HELP if width >= len(HELP) + 4 else HELP_SHORT, curses.A_DIM, width)
    screen.refresh()


def _put(screen: Any, y: int, x: int, text: str, attr: int, width: int) -> None:
    """Writes what fits; curses raises when a write touches the last cell, which is fine."""
    with contextlib.suppress(curses.error):
        screen.addnstr(y, x, text, max(0, width - x - 1), attr)
