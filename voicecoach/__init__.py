"""voicecoach: turn a written routine into a voice-guided audio session, offline.

The pipeline, one module per stage: ``routine`` (parse and check) -> ``compiler``
(Timeline) -> ``speech`` (clips) -> ``mixer`` (PCM blocks) -> ``export`` (files).
``build`` runs them all.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .compiler import Estimate, Measured, compile_routine
from .errors import (
    EngineError,
    Location,
    ProcessError,
    RoutineError,
    RoutineErrors,
    UserError,
    VoicecoachError,
)
from .model import SAMPLE_RATE, Chapter, Event, Music, Timeline, Voice
from .routine import Routine, builtin_ids, load_routine, parse_routine

__all__ = [
    "SAMPLE_RATE",
    "BuildResult",
    "BuildSettings",
    "Chapter",
    "EngineError",
    "Estimate",
    "Event",
    "Location",
    "Measured",
    "Music",
    "ProcessError",
    "Routine",
    "RoutineError",
    "RoutineErrors",
    "Timeline",
    "UserError",
    "Voice",
    "VoicecoachError",
    "__version__",
    "build",
    "builtin_ids",
    "compile_routine",
    "load_routine",
    "parse_routine",
]

_LAZY = {"build", "BuildSettings", "BuildResult"}


def __getattr__(name: str) -> Any:
    """Loads the audio side (numpy, ffmpeg) only when it is asked for."""
    if name in _LAZY:
        from . import pipeline as _build

        return getattr(_build, name)
    raise AttributeError(f"module 'voicecoach' has no attribute {name!r}")
