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

from ..pipeline import BuildResult, BuildSettings, Progress, build, draft
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
    builds = [phase_settings(programme, phase, base) for phase in programme.phases]
    builds[0] = replace(builds[0], say_ahead=lines_ahead(builds[0], builds[1:]))
    outs = [
        folder / f"{session_name(programme, p)}.{FORMATS[fmt].extension}" for p in programme.phases
    ]
    jobs = [replace(b, out=o, fmt=fmt) for b, o in zip(builds, outs, strict=True)]
    results = [
        PhaseResult(p, r)
        for p, r in zip(
            programme.phases,
            run_phases(jobs, base.jobs, progress, on_phase, programme.phases),
            strict=True,
        )
    ]
    lengths = {r.phase.number: r.result.timeline.duration_s for r in results}
    ics = write_calendar(programme, folder / f"{programme.id}.ics", lengths, settings.base_url)
    return ProgrammeResult(programme, folder, tuple(results), ics)


def lines_ahead(first: BuildSettings, later: list[BuildSettings]) -> tuple[str, ...]:
    """The lines the ``later`` phases start from that ``first`` does not say, among those
    spoken with the same voice: ``first``'s build synthesizes them in its own pool (one
    start of the engine's workers for the whole programme, and all cores busy)."""
    if not first.use_cache or not later:
        return ()
    routine, timeline = draft(first)
    own = set(timeline.speech_texts())
    same = (routine.voice, routine.language, routine.pronounce)
    out: list[str] = []
    for settings in later:
        other, planned = draft(settings)
        if (other.voice, other.language, other.pronounce) == same and (other.music is None) == (
            routine.music is None
        ):
            out += [t for t in planned.speech_texts() if t not in own]
    return tuple(dict.fromkeys(out))


def run_phases(
    builds: list[BuildSettings],
    jobs: int | None,
    progress: Progress | None,
    on_phase: Callable[[int, int, Phase], None] | None,
    phases: tuple[Phase, ...],
) -> list[BuildResult]:
    """Every phase's build; results in phase order.

    The first build says every phase's lines (``say_ahead``) and levels them into the
    cache; once it starts mixing, the other phases start, beside it and each other
    (threads: they mix with numpy and encode in ffmpeg, one process each), so on several
    cores their mixing and encoding overlap the first one's. Progress bars follow the
    first build only; ``on_phase`` is called as each phase starts. With ``jobs`` 1 they
    run one by one.
    """
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    total = len(builds)
    workers = min(total - 1, jobs or os.cpu_count() or 1)
    if workers <= 1:
        out = []
        for index, settings in enumerate(builds):
            if on_phase:
                on_phase(index + 1, total, phases[index])
            out.append(build(settings, progress))
        return out
    said = threading.Event()

    def encode(done: int, count: int) -> None:
        said.set()  # mixing has begun: every line is said, and levelled into the cache
        if progress and progress.encode:
            progress.encode(done, count)

    def first() -> BuildResult:
        try:
            if on_phase:
                on_phase(1, total, phases[0])
            synth = progress.synth if progress else None
            return build(builds[0], Progress(synth=synth, encode=encode))
        finally:
            said.set()  # also when it failed: the others then report their own errors

    def later(index: int) -> BuildResult:
        if on_phase:
            on_phase(index + 1, total, phases[index])
        return build(builds[index])

    with ThreadPoolExecutor(workers + 1) as pool:
        head = pool.submit(first)
        said.wait()
        rest = [pool.submit(later, i) for i in range(1, total)]
        return [head.result(), *(f.result() for f in rest)]
