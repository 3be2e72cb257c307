"""Each phase as a build: the one place a phase's settings and file name are decided.

``plan`` compiles these settings, ``build`` and ``share`` build them, and the programme
parser compiles them to check that each phase's length is reachable.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..pipeline import BuildSettings
from .values import Phase, Programme


def phase_settings(
    programme: Programme, phase: Phase, base: BuildSettings | None = None
) -> BuildSettings:
    """The build of one phase: ``base`` (shared options) with the phase's routine, changes,
    length, pace, detail, title and note, and the programme's client."""
    base = base or BuildSettings("")
    extra: dict[str, Any] = {"detail": phase.detail} if phase.detail else {}
    note = "\n\n".join(n for n in (base.note, programme.note, phase.note) if n) or None
    return replace(
        base,
        routine=phase.routine_ref,
        changes=phase.changes,
        title=phase.title,
        length_s=phase.length_s,
        pace=phase.pace,
        client=base.client or programme.client,
        note=note,
        **extra,
    )


def session_name(programme: Programme, phase: Phase) -> str:
    """The file name (no suffix) of a phase's session: ``ana-hamstrings-weeks-3-4``."""
    return f"{programme.id}-{phase.slug}"
