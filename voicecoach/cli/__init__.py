"""The ``voicecoach`` command: options parsed into one frozen settings object, the library
called, errors translated (printed once, exit 2 for a routine's mistakes).

- ``commands.py``: the group and the session commands (plan, build, play, studio, ...);
- ``share.py``: the commands that make something to send (share, feed, batch);
- ``options.py``: the options several commands share, and their parsing.
"""

from __future__ import annotations

from .commands import cli, format_plan, main

__all__ = ["cli", "format_plan", "main"]
