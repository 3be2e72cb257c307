"""How long a voice takes to say a line, known before a build: for plan, validate and list.

They must start fast (no numpy, no synthesis of the session) yet agree with what
``build`` makes. A line whose clip is already in the clip cache has its exact length,
read from the clip's header. Any other line is estimated from a straight-line fit of
this engine, voice, rate and language (``Calibration``), measured once on a fixed set of
sentences by ``speech/calibrate.py`` and kept in the cache next to the clips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from ..compiler import Estimate
from ..files import write_text_atomic
from ..model import Timeline, Voice, seconds
from .clipkeys import cached_length, clip_key
from .pronounce import respell

#: How far an estimated line may be off, as a share of its length. ``plan`` only calls a
#: ``--length`` reachable when it is so with every estimate off by this much.
ESTIMATE_MARGIN = 0.04
_FORMAT = 1


@dataclass(frozen=True)
class Calibration:
    """A voice measured once: what its clips are filed under, and its length fit.

    ``fit`` is (seconds, seconds per letter, seconds per pause), see ``Estimate``.
    """

    engine: str
    version: str
    voice_key: str
    rate: int
    language: str
    fit: tuple[float, float, float]

    def key_of(self, lexicon: Mapping[str, str] | None) -> Callable[[str], str]:
        """The clip cache address of a line, as ``speech.synthesize`` files it."""

        def key(text: str) -> str:
            spoken = respell(text, lexicon)
            return clip_key(
                self.engine, self.version, self.voice_key, self.rate, self.language, spoken
            )

        return key


def calibration_path(root: Path, voice: Voice, language: str) -> Path:
    """Where the calibration of a voice lives in the clip cache folder ``root``."""
    blob = json.dumps([_FORMAT, voice.engine, voice.name, voice.rate, language])
    return root / "calibration" / f"{hashlib.sha256(blob.encode()).hexdigest()[:32]}.json"


def read_calibration(root: Path, voice: Voice, language: str) -> Calibration | None:
    """The stored calibration of a voice, or None (never measured, or unreadable)."""
    try:
        data = json.loads(calibration_path(root, voice, language).read_text(encoding="utf-8"))
        fit = tuple(float(v) for v in data.pop("fit"))
        return Calibration(**data, fit=(fit[0], fit[1], fit[2]))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def write_calibration(root: Path, voice: Voice, calibration: Calibration) -> None:
    path = calibration_path(root, voice, calibration.language)
    write_text_atomic(path, json.dumps(asdict(calibration), indent=2) + "\n")


class PlanLengths:
    """A compiler ``Measure``: cached clips exactly, the rest from an estimate.

    ``uncertain_s`` tells the compiler how far a timeline's length may be off because some
    of its lines were estimated (nothing on a warm cache).
    """

    def __init__(
        self,
        key_of: Callable[[str], str],
        root: Path,
        estimate: Estimate,
        sound_sample: Mapping[str, int] | None = None,
        recorded_sample: Mapping[str, int] | None = None,
    ) -> None:
        self._key_of = key_of
        self._root = root
        self._estimate = estimate
        self._sounds = dict(sound_sample or {})
        self._recorded = recorded_sample or {}
        self._known: dict[str, tuple[int, bool]] = {}

    def speech(self, text: str) -> int:
        found = self._known.get(text)
        if found is None and text in self._recorded:
            found = self._known[text] = (self._recorded[text], True)
        if found is None:
            length = cached_length(self._root, self._key_of(text))
            found = (length, True) if length is not None else (self._estimate.speech(text), False)
            self._known[text] = found
        return found[0]

    def sound(self, name: str) -> int:
        found = self._sounds.get(name)
        return found if found is not None else self._estimate.sound(name)

    def uncertain_s(self, timeline: Timeline) -> float:
        estimated = [
            e.end_sample - e.start_sample
            for e in timeline.events
            if e.kind == "speech" and not self._known.get(e.text or "", (0, True))[1]
        ]
        return ESTIMATE_MARGIN * seconds(sum(estimated))
