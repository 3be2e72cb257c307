"""Stage 2: turn a checked Routine into a Timeline of events on exact samples.

``compile_routine`` is pure: the only outside knowledge it needs is how long each spoken
line and sound lasts, given by a ``Measure``. ``plan`` passes estimates from the voice's
rate; ``build`` passes the measured clip lengths, so the same code gives the exact
timeline of the finished audio.

One module per concern:

- ``session.py``: ``compile_routine``, the entry point that runs the others;
- ``fit.py``: fitting ranges to a target length (``length_range``, ``--length``);
- ``layout.py``: the pass that lays the session out (intro, sections, sides, steps,
  outro) at fixed range positions;
- ``units.py``: the order steps are performed in (``performed_units``), shared with the
  hands-free lint so both number steps the same way;
- ``cues.py``: pure planning of the cues inside a hold and their placement;
- ``circuit.py``: what rounds, rests and the intro's totals say;
- ``measure.py``: how long lines and sounds last (``Estimate``, ``Measured``);
- ``handsfree.py``: the hands-free lint of a compiled timeline.
"""

from __future__ import annotations

from ..timing import BUILTIN_SOUND_S, MAX_SESSION_S
from .fit import LENGTH_TOLERANCE_S, PACES, length_range
from .measure import Estimate, Measure, Measured
from .session import compile_routine
from .units import Unit, performed_steps, performed_units, rounds_at

__all__ = [
    "BUILTIN_SOUND_S",
    "LENGTH_TOLERANCE_S",
    "MAX_SESSION_S",
    "PACES",
    "Estimate",
    "Measure",
    "Measured",
    "Unit",
    "compile_routine",
    "length_range",
    "performed_steps",
    "performed_units",
    "rounds_at",
]
