"""What a speech engine is: the protocol every engine meets, and the voices it lists.

Kept apart from the engines themselves so that an engine in its own module (piper) and
the registry that names the engines can both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


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

    def version(self) -> str: ...

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(
        self, text: str, voice: str, rate: int, language: str
    ) -> tuple[np.ndarray, int]: ...
