"""``build``: runs every stage, routine file in, finished audio and sidecars out.

Everything a user can get wrong (routine, voice, output path, sound files) is checked
before any synthesis starts. The timeline is compiled twice: first with the lengths
``plan`` uses (``plan_lengths``) to learn what must be said, then with the measured clip
lengths, so the written timeline is exact to the sample. Lines the first compile found
no room for (``Timeline.unsaid``) are synthesized as well, so a written line is dropped
only when its real length does not fit, never on the estimate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .compiler import LENGTH_TOLERANCE_S, Estimate, Measure, Measured, compile_routine
from .errors import UserError, VoicecoachError
from .files import slug
from .media import MAX_SOUND_S, audio_length_s
from .model import Detail, Diagnostic, ShareKey, Timeline, Voice, samples
from .routine import (
    Change,
    Routine,
    apply_changes,
    check_client_name,
    load_routine,
    parse_routine,
)
from .speech.cachesize import trim as trim_cache
from .speech.clipkeys import default_cache_dir
from .speech.lengths import PlanLengths, read_calibration
from .speech.natural import resolve_voice
from .speech.pronounce import lexicon_for
from .speech.recordings import RecordedLengths, Recordings, read_recordings

if TYPE_CHECKING:
    from pydub import AudioSegment

    from .export.page import PageInfo
    from .speech import Clips, VoiceInfo

#: How many times the measured timeline may ask for new phrases before we give up.
_MAX_ROUNDS = 4


@dataclass(frozen=True)
class BuildSettings:
    """Everything ``build`` needs; the CLI makes one from its options."""

    routine: str
    out: Path | None = None
    fmt: str | None = None
    engine: str | None = None
    voice: str | None = None
    rate: int | None = None
    length_s: float | None = None
    pace: str = "normal"
    #: How much is said (``--detail``): full, brief or minimal.
    detail: Detail = "full"
    seed: int | None = None
    client: str | None = None
    note: str | None = None
    bitrate: str = "96k"
    jobs: int | None = None
    use_cache: bool = True
    cache_dir: Path | None = None
    loudness: str = "headphones"
    cover: Path | None = None
    strict: bool = False
    output_dir: Path = Path("output")
    allow_paths: tuple[Path, ...] = ()
    #: The routine's text when it differs from the file ``routine`` (an editor's unsaved
    #: draft); ``routine`` still names it and holds its relative sound files.
    text: str | None = None
    #: Who the session is by, over the routine's ``author`` (the studio's therapist).
    author: str | None = None
    #: Changes to the routine's values (a programme phase's), made after it is checked.
    changes: tuple[Change, ...] = ()
    #: The session's title instead of the routine's (a programme names its phase there).
    title: str | None = None
    #: Lines later builds will need (a programme's next phases, same voice), synthesized
    #: and levelled into the cache with this build's own, in one pool; not in the session.
    say_ahead: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    path: Path
    sidecars: tuple[Path, ...]
    timeline: Timeline
    synthesized: int
    cached: int
    size_bytes: int
    seconds: float

    def audio_segment(self) -> AudioSegment:
        """The finished session as a pydub ``AudioSegment`` (16-bit mono, ``SAMPLE_RATE``).

        For Python users who cut, fade, overlay or export it further with pydub. It is
        read back from ``path``: a WAV or FLAC build gives exactly the mixed samples, a
        lossy one what a listener hears. ``.export(...)`` uses the ffmpeg we found.
        """
        from .media import read_audio

        return read_audio(self.path, "session")


@dataclass(frozen=True)
class Progress:
    """Callbacks the CLI uses to draw bars; the library never prints."""

    synth: Callable[[int, int], None] | None = None
    encode: Callable[[int, int], None] | None = None


def build(settings: BuildSettings, progress: Progress | None = None) -> BuildResult:
    """Builds one session; raises ``UserError`` for fixable mistakes before any work."""
    from . import export, mixer, speech

    started = time.perf_counter()
    progress = progress or Progress()
    if settings.client:
        check_client_name(settings.client)
    routine = _with_voice(load(settings), settings)
    fmt, out = _output(settings, routine)
    export.check_output_path(out, fmt)
    speech.check_voice(routine.voice, routine.language)
    if settings.cover is not None and not settings.cover.is_file():
        raise UserError(f"cover image {settings.cover} does not exist", "check the --cover path")

    base_dir = Path(routine.base_dir)
    recordings = recordings_of(routine)
    known = _build_lengths(routine, recordings)
    # Until every line is measured, a --length out of reach is not yet known to be.
    timeline = _compile(routine, known, settings, "nearest")
    where = dict(routine.file_locations)
    sounds = mixer.load_sounds(timeline, base_dir, where)
    music = mixer.load_music(routine.music, base_dir, where) if routine.music else None

    clips = speech.Clips()
    measured: Measure = known
    synthesized = cached = 0
    levels = None
    if settings.use_cache:
        levels = speech.ArrayCache((settings.cache_dir or default_cache_dir()) / "levels")
    # New clips are levelled (into the cache) while the engine says the rest.
    with mixer.Leveller(levels, settings.loudness, music) as ahead:
        for round_ in range(_MAX_ROUNDS):
            # A line dropped for want of room is measured too: it may fit at its real length.
            wanted = dict.fromkeys([*timeline.speech_texts(), *timeline.unsaid])
            missing = [t for t in wanted if t not in clips]
            if round_ == 0 and settings.say_ahead:
                ahead_only = [
                    t for t in settings.say_ahead if recordings is None or t not in recordings
                ]
                missing = list(dict.fromkeys([*missing, *ahead_only]))
            said = [t for t in missing if recordings is not None and t in recordings]
            for text in said:  # the author's own recording is the clip
                assert recordings is not None
                clips.add_recording(text, recordings.path(text), recordings[text].length_sample)
                ahead.add(text, clips)
            missing = [t for t in missing if t not in clips]
            if not missing and not said:
                break
            if not missing:
                measured = _measured(clips, sounds, known)
                timeline = _compile(routine, measured, settings, "nearest")
                continue
            new, report = speech.synthesize(
                missing,
                routine.voice,
                language=routine.language,
                lexicon=lexicon_for(routine.language, routine.pronounce),
                cache_dir=settings.cache_dir,
                use_cache=settings.use_cache,
                jobs=settings.jobs,
                progress=progress.synth,
                on_clip=ahead.add,
            )
            clips.update(new)
            synthesized += report.synthesized
            cached += report.cached
            measured = _measured(clips, sounds, known)
            timeline = _compile(routine, measured, settings, "nearest")
    target_s = settings.length_s
    if target_s is not None and abs(timeline.duration_s - target_s) > LENGTH_TOLERANCE_S:
        timeline = _compile(routine, measured, settings)  # names the reachable range
    check_strict(timeline.diagnostics, settings.strict)
    timeline = timeline.with_recorded(clips.recorded())

    blocks = mixer.mix(
        timeline, clips, sounds, music=music, loudness=settings.loudness, levels=levels
    )
    total = timeline.duration_sample

    def on_encoded(done: int) -> None:
        if progress.encode:
            progress.encode(done, total)

    export.encode(
        blocks,
        timeline,
        out,
        export.ExportSettings(fmt=fmt, bitrate=settings.bitrate, cover=settings.cover),
        progress=on_encoded,
    )
    sidecars = export.write_sidecars(timeline, out)
    if settings.use_cache:  # the cache's size limit, least recently used first
        trim_cache(settings.cache_dir or speech.default_cache_dir())
    return BuildResult(
        path=out,
        sidecars=tuple(sidecars),
        timeline=timeline,
        synthesized=synthesized,
        cached=cached,
        size_bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
    )


def load(settings: BuildSettings) -> Routine:
    """The checked routine of ``settings``: its file, or its ``text`` as if it were the file,
    with the settings' changes and title."""
    if settings.text is None:
        routine = load_routine(settings.routine, settings.allow_paths)
    else:
        path = Path(settings.routine)
        routine = parse_routine(settings.text, path.name, path.parent, settings.allow_paths)
    if settings.changes or settings.title:
        routine = apply_changes(routine, settings.changes, settings.title)
    return routine


def draft(settings: BuildSettings) -> tuple[Routine, Timeline]:
    """The routine (with the settings' voice) and the timeline ``build`` starts from.

    No synthesis and no cache: what the session will say, for listing its lines.
    """
    routine = _with_voice(load(settings), settings)
    return routine, _compile(routine, _build_lengths(routine, recordings_of(routine)), settings)


def _with_voice(routine: Routine, settings: BuildSettings) -> Routine:
    """The routine with the voice that will speak it: ``--engine``, ``--voice`` and
    ``--rate`` win, then the routine's ``voice:``, then the machine's default engine (a
    natural voice when one is installed for the language, ``speech/natural.py``)."""
    voice = routine.voice
    voice = replace(
        voice,
        engine=settings.engine or voice.engine,
        name=settings.voice or voice.name,
        rate=settings.rate or voice.rate,
    )
    return with_engine(replace(routine, author=settings.author or routine.author, voice=voice))


def voice_of(settings: BuildSettings) -> Voice:
    """The voice ``build`` would speak ``settings``' routine with (engine named)."""
    return _with_voice(load(settings), settings).voice


def with_engine(routine: Routine) -> Routine:
    """The routine with its engine named: its own, else this machine's default for it."""
    if routine.voice.engine is not None:
        return routine
    return replace(routine, voice=resolve_voice(routine.voice, routine.language))


def _output(settings: BuildSettings, routine: Routine) -> tuple[str, Path]:
    """The format and path: ``--format`` wins, else the ``-o`` suffix, else mp3."""
    from .export import FORMATS

    fmt = settings.fmt
    if fmt is None and settings.out is not None and settings.out.suffix:
        fmt = settings.out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise UserError(
                f"unknown audio format {settings.out.suffix!r} in {settings.out}",
                f"use one of {', '.join('.' + f for f in FORMATS)}, or pass --format",
            )
    fmt = fmt or "mp3"
    name = routine.id + ("" if settings.detail == "full" else f"-{settings.detail}")
    out = settings.out or settings.output_dir / f"{name}.{FORMATS[fmt].extension}"
    return fmt, out


def plan_lengths(
    routine: Routine,
    cache_dir: Path | None = None,
    announce: Callable[[str], None] | None = None,
) -> Measure:
    """The lengths ``plan``, ``validate`` and ``list`` compile with: no numpy, no synthesis.

    Lines already in the clip cache are exact; the rest come from this voice's calibrated
    estimate, measured once (a few seconds, announced). When the voice cannot be measured
    here (no engine), the rate gives a rough estimate instead.
    """
    routine = with_engine(routine)
    rough = Estimate(routine.voice.rate)
    base_dir = Path(routine.base_dir)
    # The routine's own sounds (any format) at their real length, decoded as build decodes
    # them (no further than the sound limit; checking the routine already did, so this is
    # read from media's small cache of lengths).
    lengths = {name: audio_length_s(base_dir / path, MAX_SOUND_S) for name, path in routine.sounds}
    sounds = {name: samples(s) for name, s in lengths.items() if s is not None}
    root = cache_dir or default_cache_dir()
    calibration = read_calibration(root, routine.voice, routine.language)
    if calibration is None:
        try:
            from .speech.calibrate import calibrate

            calibration = calibrate(routine.voice, routine.language, root, announce)
        except (VoicecoachError, OSError) as exc:
            if announce:
                reason = exc.message if isinstance(exc, UserError) else str(exc)
                announce(f"cannot measure the voice ({reason}); planned lengths are rough")
            return Measured({}, sounds, fallback=_build_lengths(routine, recordings_of(routine)))
    lexicon = lexicon_for(routine.language, routine.pronounce)
    recordings = recordings_of(routine)
    recorded = None
    if recordings:
        recorded = RecordedLengths(recordings)
    return PlanLengths(
        calibration.key_of(lexicon), root, replace(rough, fit=calibration.fit), sounds, recorded
    )


def _build_lengths(routine: Routine, recordings: Recordings | None = None) -> Measure:
    """What ``build`` starts from: the voice's rate alone, never the cache or a calibration.

    The lines this start places or finds no room for are what gets synthesized; starting
    from what only the routine and options fix keeps the promise that the same routine
    and options give the same bytes, whatever ``plan`` or another build left in the
    cache (a calibrated start once added a line, tested). The author's recordings belong
    to the routine, so their real lengths count from the start.
    """
    estimate = Estimate(routine.voice.rate)
    if recordings is None or not recordings:
        return estimate
    return Measured(RecordedLengths(recordings), {}, fallback=estimate)


def _measured(clips: Clips, sounds: Mapping[str, Sized], fallback: Measure) -> Measure:
    """Exact lengths of the clips made (or recorded) so far and of the loaded sounds."""
    return Measured(
        dict(clips.lengths), {name: len(sound) for name, sound in sounds.items()}, fallback
    )


def recordings_of(routine: Routine) -> Recordings | None:
    """The routine's recordings folder (``voice: {recordings: ...}``), or None."""
    if routine.voice.recordings is None:
        return None
    return read_recordings(Path(routine.base_dir) / routine.voice.recordings)


def _compile(
    routine: Routine,
    measure: Measure,
    settings: BuildSettings,
    out_of_reach: Literal["error", "nearest"] = "error",
) -> Timeline:
    if settings.note:
        note = " ".join(settings.note.split())
        routine = replace(routine, description=f"{routine.description}\n\n{note}".strip())
    return compile_routine(
        routine,
        measure,
        length_s=settings.length_s,
        seed=settings.seed,
        pace=settings.pace,
        client=settings.client,
        out_of_reach=out_of_reach,
        detail=settings.detail,
    )


def check_strict(diagnostics: tuple[Diagnostic, ...], strict: bool) -> None:
    """``--strict``: timing warnings are an error (the one place this is decided)."""
    if strict and diagnostics:
        lines = "\n".join(d.format() for d in diagnostics)
        hint = "shorten the lines or lengthen the holds, or build without --strict"
        if all(d.hint for d in diagnostics):  # each says how: no generic advice
            hint = "do as each hint says, or build without --strict"
        raise UserError(f"the routine has timing problems (--strict):\n{lines}", hint)


@dataclass(frozen=True)
class ShareSettings:
    """``share``: a build plus the page, in a folder (or a zip) to hand to a client."""

    build: BuildSettings
    out_dir: Path | None = None
    base_url: str | None = None
    as_zip: bool = False
    #: A second detail level built beside the first (``--also-detail``); the page offers both.
    also_detail: Detail | None = None
    #: The session's file name (without suffix) [the routine's id, with the client's name].
    name: str | None = None
    #: The share's id and check-in key (minted here when not given; the caller keeps them).
    key: ShareKey | None = None


def _second_level(
    settings: ShareSettings,
    info: PageInfo,
    first: BuildResult,
    target: Path,
    name: str,
    level: Detail,
    progress: Progress | None,
) -> PageInfo:
    """Builds the session at a second detail level into the share folder, with its own
    page; returns the first page's info, linking both levels with their sizes."""
    from .export import page

    base = name.removesuffix(f"-{settings.build.detail}")
    second = build(
        replace(settings.build, detail=level, out=target / f"{base}-{level}.mp3", fmt="mp3"),
        progress,
    )
    own = f"index-{level}.html"
    levels = (
        page.LevelLink(settings.build.detail, "index.html", first.size_bytes,
                       first.timeline.duration_s),
        page.LevelLink(level, own, second.size_bytes, second.timeline.duration_s),
    )  # fmt: skip
    sidecars = [p.name for p in second.sidecars if p.suffix in (".vtt", ".txt")]
    page.write_share(second.path, second.timeline, target, replace(info, levels=levels), own)
    return replace(info, levels=levels, extra_files=(own, second.path.name, *sidecars))


def share(settings: ShareSettings, progress: Progress | None = None) -> tuple[Path, BuildResult]:
    """Builds the session into a share folder with its page; returns the page (or zip)."""
    from .export import page

    if settings.build.client:
        check_client_name(settings.build.client)  # before it goes into a folder's name
    routine = load(settings.build)
    name = routine.id + (f"-{slug(settings.build.client)}" if settings.build.client else "")
    if settings.build.detail != "full":
        name += f"-{settings.build.detail}"
    name = settings.name or name
    folder = settings.out_dir or settings.build.output_dir / "share" / name
    if settings.base_url:
        page.check_base_url(settings.base_url)
    if settings.build.cover is not None:
        page.check_cover(settings.build.cover)
    also = settings.also_detail
    if also is not None and also == settings.build.detail:
        raise UserError(
            f"--also-detail {also} is the session's own level",
            "pick another level than --detail (full, brief, minimal)",
        )
    target = page.scratch_folder(folder) if settings.as_zip else folder
    try:
        result = build(replace(settings.build, out=target / f"{name}.mp3", fmt="mp3"), progress)
        info = page.PageInfo(
            settings.build.client,
            settings.build.note,
            settings.base_url,
            settings.build.cover,
            key=settings.key or ShareKey.mint(),
            routine_id=routine.id,
        )
        if also is not None:
            info = _second_level(settings, info, result, target, name, also, progress)
        made = page.write_share(result.path, result.timeline, target, info)
        if settings.as_zip:
            made = page.zip_folder(target, folder.with_name(folder.name + ".zip"))
    finally:
        if settings.as_zip:
            page.remove_tree(target)
    return made, result


# -- for the apps on top: what they need from the stages behind the pipeline ----------------


def keep_levelled_clips(max_bytes: int) -> None:
    """Keeps up to ``max_bytes`` of levelled clips in memory for later builds in this process
    (the studio's previews mix the same lines again and again); off by default."""
    from . import mixer

    mixer.keep_levelled(max_bytes)


def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG bytes, as a share page shows its own address."""
    from .export.page import qr_png as make

    return make(url)


def page_url(base_url: str) -> str:
    """Where a share page hosted at ``base_url`` will be (the address its QR code holds)."""
    from .export.page import page_url as where

    return where(base_url)


def choosable_voices() -> list[VoiceInfo]:
    """The voices a routine can use on this machine, as ``voicecoach voices`` lists them."""
    from .speech import choosable_voices as found

    return found()
