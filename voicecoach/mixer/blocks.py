"""Stage 4: place every clip and sound on its sample and stream the session as blocks.

``mix`` never holds the whole session: it walks the sorted events block by block, so a
3-hour session mixes in the memory of a 5-minute one. Each distinct clip is levelled
once before mixing (``levels``, kept by ``levelcache``) into a library on disk; a first
streaming pass measures the session's integrated loudness and the second applies the
last correction, so the file lands on the loudness target.
"""

from __future__ import annotations

import collections
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from ..errors import UserError
from ..model import Event, Timeline
from .bed import Bed, bed_block, ducked_spans
from .levelcache import LevelStore, level_kept, one_heap
from .levels import LOUDNESS, RELATIVE_LU, SPEAKER_LIFT_LU, LoudnessTarget
from .loudness import LoudnessMeter
from .sounds import MusicFile

T = TypeVar("T")
R = TypeVar("R")

#: Sample-peak ceiling of the mix, below -1 dBTP by what MP3/AAC encoding may add.
_MIX_PEAK_DB = -2.0


def mix(
    timeline: Timeline,
    clips: Mapping[str, np.ndarray],
    sounds: Mapping[str, np.ndarray],
    *,
    music: np.ndarray | MusicFile | None = None,
    loudness: str = "headphones",
    block_sample: int = 65536,
    levels: LevelStore | None = None,
) -> Iterator[np.ndarray]:
    """Float32 blocks whose concatenation is the session, ``timeline.duration_sample`` long.

    ``clips`` maps speech text to its clip, ``sounds`` maps sound names to audio; both
    float32 mono at ``SAMPLE_RATE``. Raises ``UserError`` if an event has no audio.
    ``levels`` keeps levelled clips for the next build (same samples out either way).
    """
    target = LOUDNESS[loudness]
    bed = _bed(music, timeline, block_sample)
    audio = _prepare(timeline.events, clips, sounds, target, weigh=bed is None, levels=levels)
    measured, peak = _measure(timeline, audio, bed, block_sample)
    ceiling_db = min(_MIX_PEAK_DB, target.true_peak_db - 1.0)
    gain_db = target.lufs - measured if math.isfinite(measured) else 0.0
    if peak > 0:
        # Never push peaks into the ceiling: a clipped peak comes back louder after encoding.
        gain_db = min(gain_db, ceiling_db - 20 * math.log10(peak))
    # Rounded so that float noise in the measurement cannot change a single output sample.
    gain = np.float32(10 ** (round(gain_db, 2) / 20))
    ceiling = np.float32(10 ** (ceiling_db / 20))
    return (
        np.clip(block * gain, -ceiling, ceiling)
        for block in _blocks(timeline, audio, bed, block_sample)
    )


def _bed(music: np.ndarray | MusicFile | None, timeline: Timeline, block_sample: int) -> Bed | None:
    """The music as the session plays it; a file is read only as far as the session lasts."""
    if music is None:
        return None
    total = timeline.duration_sample
    if isinstance(music, MusicFile):
        return Bed(music.chunks(total), timeline.music, total)
    chunks = (music[i : i + block_sample] for i in range(0, music.size, block_sample))
    return Bed(chunks, timeline.music, total)


def _measure(
    timeline: Timeline, audio: _Library, bed: Bed | None, block_sample: int
) -> tuple[float, float]:
    """Integrated loudness and sample peak of the mix, before the final gain.

    K-weighting is linear, so without music the K-weighted session is the K-weighted
    clips laid out in place: no pass over the whole session has to be filtered.
    """
    meter = LoudnessMeter()
    if bed is None:
        for block in _blocks(timeline, audio, None, block_sample, weighted=True):
            meter.add_weighted(block)
        return meter.integrated_lufs, audio.peak
    peak = 0.0
    for block in _blocks(timeline, audio, bed, block_sample):
        meter.add(block)
        peak = max(peak, float(np.abs(block).max(initial=0.0)))
    return meter.integrated_lufs, peak


class _Library:
    """Levelled clips (and their K-weighted copies) in a temporary file, read by slice.

    Only one clip is in memory while preparing and only the slices a block needs while
    mixing, so memory stays flat however many distinct phrases a session has.
    """

    def __init__(self) -> None:
        # Lives as long as the block generator that reads it; closed when collected.
        self._file = tempfile.TemporaryFile(prefix="voicecoach-mix-")  # noqa: SIM115
        self._fd = self._file.fileno()
        self._end = 0
        self._index: dict[tuple[tuple[str, str], bool], tuple[int, int]] = {}
        self.peak = 0.0

    def __contains__(self, key: tuple[str, str]) -> bool:
        return (key, False) in self._index

    def add(self, key: tuple[str, str], x: np.ndarray, weighted_x: np.ndarray | None) -> None:
        """Stores a levelled clip and, when given, its K-weighted copy."""
        self.peak = max(self.peak, float(np.abs(x).max(initial=0.0)))
        copies = [(False, x)] + ([(True, weighted_x)] if weighted_x is not None else [])
        for weighted, data in copies:
            blob = np.ascontiguousarray(data, dtype=np.float32).tobytes()
            os.pwrite(self._fd, blob, self._end)
            self._index[key, weighted] = (self._end, data.size)
            self._end += len(blob)

    def size(self, key: tuple[str, str]) -> int:
        return self._index[key, False][1]

    def read(self, key: tuple[str, str], lo: int, hi: int, weighted: bool = False) -> np.ndarray:
        offset, _ = self._index[key, weighted]
        data = os.pread(self._fd, (hi - lo) * 4, offset + lo * 4)
        return np.frombuffer(data, dtype=np.float32)

    def __del__(self) -> None:
        self._file.close()


def _prepare(
    events: tuple[Event, ...],
    clips: Mapping[str, np.ndarray],
    sounds: Mapping[str, np.ndarray],
    target: LoudnessTarget,
    weigh: bool,
    levels: LevelStore | None = None,
) -> _Library:
    """Each distinct clip and sound, levelled and edged once, keyed by (kind, name).

    Clips are levelled on every core (numpy's FFTs release the GIL) in a bounded window,
    and stored in event order, so the result does not depend on the number of threads.
    A clip found in ``levels`` is read, not levelled; one levelled here is saved there.
    """
    one_heap()
    wanted: dict[tuple[str, str], Event] = {}
    for e in events:
        wanted.setdefault(_key(e), e)
    for e in wanted.values():
        if e.kind == "speech" and (e.text or "") not in clips:
            raise UserError(f"no audio for the spoken line {e.text!r}", "rebuild the clips")
        if e.kind != "speech" and (e.sound or "") not in sounds:
            raise UserError(f"no audio for the sound {e.sound!r}", "name it under `sounds:`")

    def level(e: Event) -> tuple[np.ndarray, np.ndarray | None]:
        if e.kind == "speech":
            return level_kept(clips[e.text or ""], None, target, weigh, levels)
        lift = SPEAKER_LIFT_LU if target.compress else 0.0
        relative = RELATIVE_LU.get(e.sound or "", RELATIVE_LU.get(e.kind, -6.0)) + lift
        return level_kept(sounds[e.sound or ""], relative, target, weigh, levels)

    out = _Library()
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        for key, (x, weighted) in zip(
            wanted, _bounded_map(pool, level, wanted.values(), workers), strict=True
        ):
            out.add(key, x, weighted)
    return out


def _bounded_map(
    pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T], window: int
) -> Iterator[R]:
    """``pool.map`` in order, with at most ``window`` results waiting: memory stays flat."""
    pending: collections.deque[Future[R]] = collections.deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _key(e: Event) -> tuple[str, str]:
    return ("speech", e.text or "") if e.kind == "speech" else (e.kind, e.sound or "")


def _blocks(
    timeline: Timeline,
    audio: _Library,
    bed: Bed | None,
    block_sample: int,
    weighted: bool = False,
) -> Iterator[np.ndarray]:
    """The raw mix, block by block; only events touching the block are looked at."""
    events = sorted(timeline.events, key=lambda e: e.start_sample)
    sizes = [audio.size(_key(e)) for e in events]
    speech = [(e.start_sample, e.start_sample + n) for e, n in zip(events, sizes, strict=True)
              if e.kind == "speech"]  # fmt: skip
    total = timeline.duration_sample
    ducked = ducked_spans(speech)
    longest = max(sizes, default=0)
    first = 0
    for start in range(0, total, block_sample):
        end = min(total, start + block_sample)
        block = np.zeros(end - start, dtype=np.float32)
        while first < len(events) and events[first].start_sample + longest < start:
            first += 1
        for e, size in zip(events[first:], sizes[first:], strict=True):
            if e.start_sample >= end:
                break
            lo, hi = max(start, e.start_sample), min(end, e.start_sample + size)
            if lo < hi:
                at = e.start_sample
                block[lo - start : hi - start] += audio.read(_key(e), lo - at, hi - at, weighted)
        if bed is not None:
            block += bed_block(bed, ducked, start, end, total)
        yield block
