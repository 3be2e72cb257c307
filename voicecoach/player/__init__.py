"""``play``: build a session (from the clip cache, so it is quick) and play it with a view.

The player core (position, pause, step jumps) is separate from the sink (miniaudio, or a
null sink in tests) and from the terminal view, so each can be tested alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import UserError
from ..model import Step, steps_of
from ..pipeline import BuildSettings, build
from .core import ClockSink, MiniaudioSink, NullSink, Player, Sink, map_session_wav

__all__ = [
    "ClockSink",
    "MiniaudioSink",
    "NullSink",
    "PlaySettings",
    "Player",
    "Sink",
    "Step",
    "map_session_wav",
    "play",
    "start_step",
    "steps_of",
]


@dataclass(frozen=True)
class PlaySettings:
    build: BuildSettings
    from_section: str | None = None
    sink: Sink | None = None
    #: No sound: the view runs on a real-time clock, so no audio device is needed.
    silent: bool = False


def default_sink(silent: bool = False) -> Sink:
    """miniaudio; or, with ``silent`` (``play --silent``) or ``VOICECOACH_SINK=clock``, a
    device-less real-time clock, so a person can follow the view without sound."""
    if silent or os.environ.get("VOICECOACH_SINK") == "clock":
        return ClockSink()
    MiniaudioSink.probe()
    return MiniaudioSink()


def start_step(player: Player, section: str | None) -> int:
    """The sample where ``--from SECTION`` starts (a case-insensitive title prefix)."""
    if not section:
        return 0
    wanted = section.casefold()
    for step in player.steps:
        if step.section.casefold().startswith(wanted):
            return step.start_sample
    names = list(dict.fromkeys(s.section for s in player.steps if s.section))
    raise UserError(f"no section starts with {section!r}", f"sections: {', '.join(names)}")


def play(settings: PlaySettings) -> None:
    """Builds the session as WAV in a temporary folder, then plays it until the user quits."""
    from .view import run_view

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError(
            "play needs a terminal for its view and keys",
            "run it in a terminal, or write a file with `voicecoach build`",
        )
    sink = settings.sink or default_sink(settings.silent)
    base = settings.build
    with tempfile.TemporaryDirectory(prefix="voicecoach-play-") as tmp:
        result = build(replace(base, out=Path(tmp) / "session.wav", fmt="wav"))
        player = Player(map_session_wav(result.path), result.timeline, sink)
        player.start(start_step(player, settings.from_section))
        try:
            run_view(player, result.timeline.title)
        finally:
            player.stop()
