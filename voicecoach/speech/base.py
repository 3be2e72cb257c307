"""What a speech engine is: the protocol every engine meets, and the voices it lists.

Kept apart from the engines themselves so that an engine in its own module (piper) and
the registry that names the engines can both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import UserError


@dataclass(frozen=True)
class VoiceInfo:
    engine: str
    name: str
    language: str
    description: str


class Engine(Protocol):
    """What every engine provides; ``synthesize`` returns audio and its sample rate."""

    name: str
    #: Safe to run in the calling process (pure Python, no native state).
    in_process: bool
    #: Does its work in a child process it bounds itself, so it may run in-process too.
    isolated: bool
    #: A stand-in for tests: `voices` leaves it out unless --all.
    for_tests: bool
    #: Speaks another engine's voices (pyttsx3 speaks espeak's): listed once, not copied.
    voices_of: str | None

    def version(self) -> str: ...

    def available(self) -> bool:
        """Whether the engine can speak on this machine (its library or program is here)."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def voice_key(self, voice: str, language: str) -> str:
        """What identifies the voice in the clip cache (e.g. a model's name and hash)."""
        ...

    def check(self, voice: str, language: str) -> None:
        """Raises ``UserError`` before any work when the engine or the voice is missing."""
        ...

    def synthesize(
        self, text: str, voice: str, rate: int, language: str
    ) -> tuple[np.ndarray, int]: ...


class BaseEngine:
    """What most engines share: a voice is its name, and ``check`` looks it up in ``voices``.

    ``missing`` is the message and hint when ``available`` says the engine is not here.
    """

    name: str
    missing: tuple[str, str] = ("", "")
    for_tests: bool = False
    voices_of: str | None = None

    def available(self) -> bool:
        return True

    def voices(self) -> list[VoiceInfo]:
        raise NotImplementedError

    def voice_key(self, voice: str, language: str) -> str:
        return voice

    def check(self, voice: str, language: str) -> None:
        if not self.available():
            raise UserError(*self.missing)
        if voice == "default":
            return
        voices = self.voices()
        names = {v.name.lower() for v in voices} | {v.language.lower() for v in voices}
        names |= {v.name.split("/")[-1].lower() for v in voices}
        if voice.lower() not in names:
            raise UserError(
                f"engine {self.name!r} has no voice {voice!r}",
                "run `voicecoach voices` to see the voices, then pass one with --voice",
            )
