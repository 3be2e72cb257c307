"""Stage 1: read a routine file, check every part of it, and return a ``Routine`` value.

One module per concern, read top to bottom:

- ``values.py``: the frozen value classes a checked routine is made of;
- ``nodes.py``: the generic YAML node reader that records located errors, and its limits;
- ``durations.py``: durations, ranges and counts (``45s``, ``1m30s``, ``30-60s``);
- ``text.py``: spoken lines and their ``{placeholders}``, read and filled (``fill``);
- ``steps.py``: sections, steps and included blocks;
- ``parse.py``: the top of the file, and ``parse_routine``;
- ``changes.py``: a programme phase's changes to a checked routine (``apply_changes``);
- ``load.py``: finding a file or built-in routine and reading it (``load_routine``).

Import from ``voicecoach.routine``: the names below are the stage's public interface.
"""

from __future__ import annotations

from .changes import BreathingChange, Change, apply_changes, change_problem
from .durations import MAX_REPS, parse_duration
from .load import MAX_FILE_BYTES, builtin_ids, load_routine, resolve, schema_text, starter_text
from .nodes import MAX_DEPTH, MAX_NODES
from .parse import CUE_STYLES, FORMAT, parse_routine
from .steps import (
    BREATH_PATTERNS,
    BREATHING_GUIDES,
    LINE_DETAILS,
    MAX_ROUNDS,
    MAX_STEP_S,
    STEP_KINDS,
)
from .text import (
    MAX_CLIENT_CHARS,
    MAX_TITLE_CHARS,
    PLACEHOLDERS,
    TOTALS,
    check_client_name,
    clean_client_name,
    fill,
)
from .values import (
    Breathe,
    Breathing,
    Chime,
    Encourage,
    HandsFree,
    Hold,
    Pause,
    Repeat,
    Rest,
    Rounds,
    Routine,
    Say,
    Section,
    Span,
    Step,
    Text,
)

__all__ = [
    "BREATHING_GUIDES",
    "BREATH_PATTERNS",
    "CUE_STYLES",
    "FORMAT",
    "LINE_DETAILS",
    "MAX_CLIENT_CHARS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_REPS",
    "MAX_ROUNDS",
    "MAX_STEP_S",
    "MAX_TITLE_CHARS",
    "PLACEHOLDERS",
    "STEP_KINDS",
    "TOTALS",
    "Breathe",
    "Breathing",
    "BreathingChange",
    "Change",
    "Chime",
    "Encourage",
    "HandsFree",
    "Hold",
    "Pause",
    "Repeat",
    "Rest",
    "Rounds",
    "Routine",
    "Say",
    "Section",
    "Span",
    "Step",
    "Text",
    "apply_changes",
    "builtin_ids",
    "change_problem",
    "check_client_name",
    "clean_client_name",
    "fill",
    "load_routine",
    "parse_duration",
    "parse_routine",
    "resolve",
    "schema_text",
    "starter_text",
]
