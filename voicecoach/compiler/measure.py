"""How long spoken lines and sounds last: the compiler's only outside knowledge.

``plan`` passes lengths it can know without synthesis (clips already in the cache, else an
``Estimate`` fitted to the engine and voice, see ``lengths.py``); ``build`` passes
``Measured`` clip lengths, so the same compiler gives the exact timeline of the finished
audio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..model import Timeline, samples
from ..timing import BUILTIN_SOUND_S, estimate_speech_s, tone_s


class Measure(Protocol):
    """How long things last, in samples."""

    def speech(self, text: str) -> int: ...

    def sound(self, name: str) -> int: ...

    def uncertain_s(self, timeline: Timeline) -> float:
        """How far ``timeline``'s length may be off because some lines were estimated.

        ``compile_routine`` only calls a ``--length`` reachable when it is so whatever
        that error; a measure whose figures are taken as they are claims none.
        """
        ...


@dataclass(frozen=True)
class Estimate:
    """Speech length from the voice rate (words per minute), or from a fitted line.

    ``fit`` is (seconds, seconds per letter, seconds per pause), measured once per engine
    and voice (``speech/calibrate.py``); without it the rate gives a rough figure. Its
    lengths are taken as they are (no margin), as ``plan`` always did.
    """

    rate: int = 150
    sound_s: Mapping[str, float] = field(default_factory=lambda: dict(BUILTIN_SOUND_S))
    fit: tuple[float, float, float] | None = None

    def speech(self, text: str) -> int:
        return samples(estimate_speech_s(text, self.rate, self.fit))

    def sound(self, name: str) -> int:
        tone = tone_s(name)
        if tone is not None and name not in self.sound_s:
            return samples(tone[1])
        return samples(self.sound_s.get(name, 1.0))

    def uncertain_s(self, timeline: Timeline) -> float:
        return 0.0


@dataclass(frozen=True)
class Measured:
    """Exact lengths of synthesized clips and loaded sounds; unknown text is estimated."""

    speech_sample: Mapping[str, int]
    sound_sample: Mapping[str, int]
    fallback: Measure = field(default_factory=Estimate)

    def speech(self, text: str) -> int:
        found = self.speech_sample.get(text)
        return found if found is not None else self.fallback.speech(text)

    def sound(self, name: str) -> int:
        found = self.sound_sample.get(name)
        return found if found is not None else self.fallback.sound(name)

    def uncertain_s(self, timeline: Timeline) -> float:
        return 0.0
