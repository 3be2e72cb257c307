"""How long spoken lines and sounds last: the compiler's only outside knowledge.

``plan`` passes an ``Estimate`` from the voice's rate; ``build`` passes ``Measured`` clip
lengths, so the same compiler gives the exact timeline of the finished audio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..model import samples
from ..timing import BUILTIN_SOUND_S, estimate_speech_s


class Measure(Protocol):
    """How long things last, in samples."""

    def speech(self, text: str) -> int: ...

    def sound(self, name: str) -> int: ...


@dataclass(frozen=True)
class Estimate:
    """Speech length from the voice rate (words per minute); used by ``plan``."""

    rate: int = 150
    sound_s: Mapping[str, float] = field(default_factory=lambda: dict(BUILTIN_SOUND_S))

    def speech(self, text: str) -> int:
        return samples(estimate_speech_s(text, self.rate))

    def sound(self, name: str) -> int:
        return samples(self.sound_s.get(name, 1.0))


@dataclass(frozen=True)
class Measured:
    """Exact lengths of synthesized clips and loaded sounds; unknown text is estimated."""

    speech_sample: Mapping[str, int]
    sound_sample: Mapping[str, int]
    fallback: Estimate = field(default_factory=Estimate)

    def speech(self, text: str) -> int:
        found = self.speech_sample.get(text)
        return found if found is not None else self.fallback.speech(text)

    def sound(self, name: str) -> int:
        found = self.sound_sample.get(name)
        return found if found is not None else self.fallback.sound(name)
