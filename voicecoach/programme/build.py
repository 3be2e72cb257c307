"""``programme build``: one session per phase (not per day), and the calendar beside them.

Each phase is an ordinary build through the pipeline (``pipeline.build``) with the
phase's changes, length, pace and title; all phases use one clip cache, so a line the
first phase synthesized is only mixed again in the next. ``NAME.ics`` (``calendar.py``)
is written last, with each phase's real session length.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..pipeline import BuildResult, BuildSettings, Progress, build
from .sessions import phase_settings, session_name
from .values import Phase, Programme


@dataclass(frozen=True)
class ProgrammeSettings:
    """Everything ``programme build`` needs; the CLI makes one from its options.

    ``session`` carries what every phase's build shares (engine, voice, format, cache,
    loudness...); its ``routine`` and ``out`` are set per phase.
    """

    programme: Path
    out_dir: Path | None = None
    session: BuildSettings = dataclasses.field(default_factory=lambda: BuildSettings(""))
    #: Where the share page will be hosted: put in each reminder (and the feed).
    base_url: str | None = None


@dataclass(frozen=True)
class PhaseResult:
    phase: Phase
    result: BuildResult


@dataclass(frozen=True)
class ProgrammeResult:
    programme: Programme
    folder: Path
    sessions: tuple[PhaseResult, ...]
    calendar: Path


def output_folder(programme: Programme, out_dir: Path | None, base: BuildSettings) -> Path:
    return out_dir or base.output_dir / programme.id


def build_programme(
    settings: ProgrammeSettings,
    progress: Progress | None = None,
    on_phase: Callable[[int, int, Phase], None] | None = None,
) -> ProgrammeResult:
    """Builds every phase's session into one folder, then ``<id>.ics``; raises
    ``RoutineErrors`` (located) before any work when the programme is wrong."""
    from ..export import FORMATS
    from .calendar import write_calendar
    from .parse import load_programme

    programme = load_programme(settings.programme)
    base = settings.session
    folder = output_folder(programme, settings.out_dir, base)
    fmt = base.fmt or "mp3"
    results = []
    for index, phase in enumerate(programme.phases, start=1):
        if on_phase:
            on_phase(index, len(programme.phases), phase)
        out = folder / f"{session_name(programme, phase)}.{FORMATS[fmt].extension}"
        result = build(replace(phase_settings(programme, phase, base), out=out, fmt=fmt), progress)
        results.append(PhaseResult(phase, result))
    lengths = {r.phase.number: r.result.timeline.duration_s for r in results}
    ics = write_calendar(programme, folder / f"{programme.id}.ics", lengths, settings.base_url)
    return ProgrammeResult(programme, folder, tuple(results), ics)
