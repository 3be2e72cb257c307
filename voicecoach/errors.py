"""One exception tree for voicecoach.

``UserError`` and its children are mistakes a person can fix (bad routine, bad flag,
unwritable path): the CLI prints them once, without a traceback, and exits with 2.
Everything else under ``VoicecoachError`` is a failure of a part we depend on (an engine,
ffmpeg) and exits with 1, still without a traceback, naming what failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class VoicecoachError(Exception):
    """Base of every error voicecoach raises on purpose."""

    exit_code = 1

    def format(self) -> str:
        """The text the CLI prints after ``error: ``."""
        return str(self)


class UserError(VoicecoachError):
    """A mistake in input or options; the message says how to fix it."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Location:
    """Where in a routine file something is: 1-based line and column."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return self.path


class RoutineError(UserError):
    """One problem in a routine file, located at the YAML node that caused it."""

    def __init__(self, location: Location, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.location = location

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def format(self) -> str:
        return str(self) + (f"\n  hint: {self.hint}" if self.hint else "")


class RoutineErrors(UserError):
    """Every problem found in one or more routine files, in file order."""

    def __init__(self, errors: Sequence[RoutineError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def format(self) -> str:
        return "\nerror: ".join(e.format() for e in self.errors)


class EngineError(VoicecoachError):
    """A speech engine failed, hung or returned unusable audio for a phrase."""

    def __init__(self, engine: str, phrase: str, reason: str) -> None:
        super().__init__(f"speech engine {engine!r} failed on {phrase!r}: {reason}")
        self.engine = engine
        self.phrase = phrase
        self.reason = reason


class ProcessError(VoicecoachError):
    """An external program (ffmpeg, an engine) exited badly."""

    def __init__(self, command: Sequence[str], returncode: int, stderr: str) -> None:
        tail = "\n".join(stderr.strip().splitlines()[-8:])
        super().__init__(f"command failed with exit code {returncode}: {' '.join(command)}\n{tail}")
        self.command = list(command)
        self.returncode = returncode
        self.stderr_tail = tail


class PublishError(VoicecoachError):
    """Publishing to a web space failed; names the target (never its credentials) and why.
    What was already online stays as it was: the page is uploaded last."""

    def __init__(self, target: str, doing: str, cause: str) -> None:
        super().__init__(f"publishing to {target} failed while {doing}: {cause}")
        self.target = target
        self.doing = doing
        self.cause = cause
