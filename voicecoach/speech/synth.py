"""Spoken text to audio clips, offline, cached and in parallel: the stage's main function.

``synthesize`` takes the distinct texts of a timeline and returns one trimmed clip per
text (float32, mono, 44.1 kHz). Cached clips are read back; the rest are made by worker
processes, each phrase bounded by a timeout.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import wave
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EngineError, UserError
from ..model import Voice
from .base import Engine
from .cache import ClipCache, clip_key, default_cache_dir
from .clip import to_float
from .engines import get_engine
from .natural import resolve_voice
from .pool import Job, run_job, run_jobs
from .pronounce import respell


@dataclass(frozen=True)
class SynthesisReport:
    synthesized: int
    cached: int


def synthesize(
    texts: Sequence[str],
    voice: Voice,
    *,
    language: str = "en",
    lexicon: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    timeout_s: float = 30.0,
    progress: Callable[[int, int], None] | None = None,
    on_clip: Callable[[str, Mapping[str, np.ndarray]], None] | None = None,
) -> tuple[Clips, SynthesisReport]:
    """One clip per distinct text; ``EngineError`` names a phrase the engine cannot say.

    ``lexicon`` rewrites words in what the engine is given (pronunciation), never in the
    text the clip is filed under. ``on_clip(text, clips)`` is called as each new clip is
    made (``clips[text]`` reads it), so later work on it can start before the rest exist.
    """
    voice = resolve_voice(voice, language)
    engine_name = voice.engine or ""
    engine = get_engine(engine_name)
    cache = ClipCache(cache_dir or default_cache_dir()) if use_cache else None
    scratch = None
    distinct = list(dict.fromkeys(texts))
    spoken = {text: respell(text, lexicon) for text in distinct}
    key_of = clip_keys(voice, language, lexicon, engine)
    keys = {text: key_of(text) for text in distinct}
    if cache is None:
        scratch = _Scratch()
        cache = ClipCache(scratch.path)
    clips = Clips(keep=scratch if not use_cache else None)
    todo: list[str] = []
    for text in distinct:
        found = cache.get(keys[text]) if use_cache else None
        if found is None:
            todo.append(text)
        else:
            clips.add(text, cache, keys[text], found.size)
    cached = len(clips)
    total = len(distinct)
    if progress:
        progress(cached, total)

    def done(index: int, clip: np.ndarray) -> None:
        text = todo[index]
        try:
            cache.put(keys[text], clip)
        except OSError as exc:
            raise UserError(
                f"cannot write to the clip cache {cache.root}: {exc.strerror or exc}",
                "free some space, set VOICECOACH_CACHE to another folder, or use --no-cache",
            ) from None
        clips.add(text, cache, keys[text], clip.size)
        if on_clip:
            on_clip(text, clips)
        if progress:
            progress(len(clips), total)

    work = [Job(i, spoken[t], voice.name, voice.rate, language) for i, t in enumerate(todo)]
    workers = jobs or os.cpu_count() or 1
    daemon = multiprocessing.current_process().daemon
    try:
        if work and (engine.in_process or (engine.isolated and (workers == 1 or daemon))):
            for job in work:
                index, data, error = run_job(engine, job)
                if data is None:
                    raise EngineError(engine_name, job.text, error)
                done(index, np.frombuffer(data, dtype=np.int16).copy())
        elif work:
            run_jobs(engine_name, work, workers, timeout_s, done)
    except BaseException:
        if scratch is not None:
            scratch.remove()
        raise
    report = SynthesisReport(len(todo), cached)
    return clips, report


def clip_keys(
    voice: Voice,
    language: str,
    lexicon: Mapping[str, str] | None,
    engine: Engine | None = None,
) -> Callable[[str], str]:
    """The clip cache address of a line for this voice: where ``synthesize`` files it."""
    voice = resolve_voice(voice, language)
    engine = engine or get_engine(voice.engine or "")
    version = engine.version()
    name = engine.voice_key(voice.name, language)

    def key_of(text: str) -> str:
        spoken = respell(text, lexicon)
        return clip_key(voice.engine or "", version, name, voice.rate, language, spoken)

    return key_of


class _Scratch:
    """A private clip folder for ``--no-cache``, removed when the last ``Clips`` holding it
    is gone (or at once when synthesis fails)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="voicecoach-clips-"))
        self.remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)


class Clips(Mapping[str, np.ndarray]):
    """Clips by text, read from the clip cache when asked for (float32, verified).

    A session's phrases are never all in memory at once; ``lengths`` has each clip's
    length in samples without reading it. ``--no-cache`` builds use a scratch cache that
    lives as long as this object.
    """

    def __init__(self, keep: object = None) -> None:
        self._where: dict[str, tuple[ClipCache, str] | Path] = {}
        self.lengths: dict[str, int] = {}
        self._keep = [keep] if keep is not None else []

    def add(self, text: str, cache: ClipCache, key: str, length: int) -> None:
        self._where[text] = (cache, key)
        self.lengths[text] = length

    def add_recording(self, text: str, path: Path, length: int) -> None:
        """The author's recording of ``text`` (a WAV in the recordings folder) is its clip."""
        self._where[text] = path
        self.lengths[text] = length

    def recorded(self) -> frozenset[str]:
        """The texts whose clip is the author's recording."""
        return frozenset(t for t, where in self._where.items() if isinstance(where, Path))

    def update(self, other: Clips) -> None:
        self._where.update(other._where)
        self.lengths.update(other.lengths)
        self._keep.extend(other._keep)

    def __getitem__(self, text: str) -> np.ndarray:
        where = self._where[text]
        if isinstance(where, Path):
            from .takes import read_take

            try:
                return read_take(where)
            except (OSError, EOFError, wave.Error) as exc:
                raise UserError(
                    f"cannot read the recording of {text!r} ({where}): {exc}",
                    "record the line again, or remove it from the recordings",
                ) from None
        cache, key = where
        data = cache.get(key)
        if data is None:
            raise UserError(
                f"the cached clip of {text!r} was removed or damaged during the build",
                "build again; if it keeps happening, check the disk or use --no-cache",
            )
        return to_float(data)

    def __contains__(self, text: object) -> bool:
        return text in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)
