"""Stage 4: place every clip and sound on its sample and stream the session as blocks.

``mix`` never holds the whole session: it walks the sorted events block by block, so a
3-hour session mixes in the memory of a 5-minute one. Levels are set per clip before
mixing (speech normalized and peak-limited, cues below it); a first streaming pass
measures the session's integrated loudness and the second applies the last correction,
so the file lands on the loudness target. Levelled clips can be kept between builds in a
``LevelStore`` (the clip cache provides one), so a warm build does not level again.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import io
import json
import math
import os
import tempfile
import threading
import wave
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from .errors import Location, UserError
from .loudness import LoudnessMeter, clip_loudness, k_weight, true_peak_db
from .media import read_audio_file
from .model import Event, Music, Timeline, samples
from .timing import BUILTIN_SOUND_S

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class LoudnessTarget:
    """Where a session's loudness lands, and how hard speech is compressed first."""

    lufs: float
    true_peak_db: float = -1.0
    compress: bool = False


LOUDNESS = {
    "headphones": LoudnessTarget(-16.0),
    "speaker": LoudnessTarget(-14.0, compress=True),
}

#: Level of each kind of sound relative to speech (LU). Cues sit under the voice.
RELATIVE_LU = {"chime": -6.0, "tick": -12.0, "breath_in": -12.0, "breath_out": -12.0}
_SPEAKER_LIFT_LU = 3.0
#: Peak ceiling of a single clip: headroom for the final correction and lossy encoding.
_CLIP_PEAK_DB = -3.0
#: Sample-peak ceiling of the mix, below -1 dBTP by what MP3/AAC encoding may add.
_MIX_PEAK_DB = -2.0
_FADE_IN = samples(0.0005)
_FADE_OUT = samples(0.003)
_DUCK_DB = -12.0
_DUCK_ATTACK = samples(0.15)
_DUCK_RELEASE = samples(1.0)
#: Lines closer than this keep the music down between them (no swell in short gaps).
_DUCK_HOLD = samples(3.0)
#: The bed fades in at the start and out at the end of the session.
_MUSIC_FADE = samples(3.0)
_MUSIC_CROSSFADE = samples(0.5)


class LevelStore(Protocol):
    """Somewhere to keep levelled clips between builds, by a key the mixer makes.

    The key names the clip's samples, the target and the levelling code itself, so a
    stored result is only ever found by a build that would compute the same arrays.
    """

    def load(self, key: str) -> list[np.ndarray] | None: ...

    def save(self, key: str, arrays: list[np.ndarray]) -> None: ...


def mix(
    timeline: Timeline,
    clips: Mapping[str, np.ndarray],
    sounds: Mapping[str, np.ndarray],
    *,
    music: np.ndarray | None = None,
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
    bed = _prepare_music(music, timeline.music) if music is not None else None
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


def _measure(
    timeline: Timeline, audio: _Library, bed: np.ndarray | None, block_sample: int
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
    _one_heap()
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
            return _level_kept(clips[e.text or ""], None, target, weigh, levels)
        lift = _SPEAKER_LIFT_LU if target.compress else 0.0
        relative = RELATIVE_LU.get(e.sound or "", RELATIVE_LU.get(e.kind, -6.0)) + lift
        return _level_kept(sounds[e.sound or ""], relative, target, weigh, levels)

    out = _Library()
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        for key, (x, weighted) in zip(
            wanted, _bounded_map(pool, level, wanted.values(), workers), strict=True
        ):
            out.add(key, x, weighted)
    return out


class _LevelledClips:
    """Recently levelled clips by content and target, for a process that mixes again and again.

    Off unless ``keep_levelled`` turns it on (the studio does): a one-off build keeps its
    memory flat. Levelling is a pure function of the clip and the target, so a remembered
    clip gives the same samples.
    """

    def __init__(self) -> None:
        self.max_bytes = 0
        self._items: collections.OrderedDict[bytes, tuple[np.ndarray, np.ndarray | None]] = (
            collections.OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()

    def key(
        self, x: np.ndarray, speech: bool, relative: float, target: LoudnessTarget, weigh: bool
    ) -> bytes:
        if not self.max_bytes:
            return b""
        h = hashlib.sha256(repr((speech, relative, target, weigh, x.dtype.str)).encode())
        h.update(np.ascontiguousarray(x).data)
        return h.digest()

    def get(self, key: bytes) -> tuple[np.ndarray, np.ndarray | None] | None:
        if not key:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, value: tuple[np.ndarray, np.ndarray | None]) -> None:
        if not key:
            return
        size = sum(a.nbytes for a in value if a is not None)
        with self._lock:
            if key in self._items or size > self.max_bytes:
                return
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= sum(a.nbytes for a in old if a is not None)


_levelled = _LevelledClips()


def keep_levelled(max_bytes: int) -> None:
    """Remembers up to ``max_bytes`` of levelled clips across mixes (0 turns it off)."""
    _levelled.max_bytes = max_bytes


def _level_kept(
    source: np.ndarray,
    relative_lu: float | None,
    target: LoudnessTarget,
    weigh: bool,
    levels: LevelStore | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One clip levelled (speech when ``relative_lu`` is None, else a sound that much under
    speech) and its K-weighted copy when ``weigh``: read from ``levels``, else made there."""
    speech = relative_lu is None
    relative = relative_lu or 0.0
    in_memory = _levelled.key(source, speech, relative, target, weigh)
    remembered = _levelled.get(in_memory)
    if remembered is not None:
        return remembered
    key = None if levels is None else _level_key(speech, relative, source, target, weigh)
    if levels is not None and key is not None:
        found = levels.load(key)
        if found is not None and len(found) == 1 + weigh:
            made = found[0], (found[1] if weigh else None)
            _levelled.put(in_memory, made)
            return made
    with _ONE_LONG if source.size >= _LONG_CLIP else contextlib.nullcontext():
        if speech:
            x = _level_speech(source, target)
        else:
            x = _level(source, target.lufs + relative, edges=True)
        # float32, as the library keeps it: half the disk, and the same samples out.
        weighted = k_weight(x).astype(np.float32) if weigh else None
    if levels is not None and key is not None:
        levels.save(key, [x] if weighted is None else [x, weighted])
    _levelled.put(in_memory, (x, weighted))
    return x, weighted


class Leveller:
    """Levels speech clips into a ``LevelStore`` ahead of ``mix``, one at a time.

    A build hands each clip over as soon as it is synthesized, so levelling runs on one
    thread while the engine's workers speak the rest, and ``mix`` only reads the results.
    Leaving the ``with`` block finishes the clip in hand and drops the ones not started:
    ``mix`` levels those on every core. Give it the same ``loudness`` and ``music`` as
    ``mix``. Without a store it does nothing.
    """

    def __init__(self, levels: LevelStore | None, loudness: str, music: np.ndarray | None) -> None:
        self._levels = levels
        self._target = LOUDNESS[loudness]
        self._weigh = music is None
        self._pool = None
        if levels is not None:
            _one_heap()
            self._pool = ThreadPoolExecutor(1)
        self._pending: list[Future[object]] = []

    def add(self, text: str, clips: Mapping[str, np.ndarray]) -> None:
        """Queues the clip of ``text`` (read from ``clips`` when its turn comes)."""
        if self._pool is not None:
            self._pending.append(self._pool.submit(self._level, text, clips))

    def _level(self, text: str, clips: Mapping[str, np.ndarray]) -> None:
        _level_kept(clips[text], None, self._target, self._weigh, self._levels)

    def __enter__(self) -> Leveller:
        return self

    def __exit__(self, kind: object, *_rest: object) -> None:
        if self._pool is None:
            return
        self._pool.shutdown(wait=True, cancel_futures=True)
        if kind is None:
            for future in self._pending:
                if not future.cancelled():
                    future.result()


@functools.cache
def _one_heap() -> None:
    """Makes glibc serve every thread from one heap (a no-op elsewhere).

    Levelling makes and drops arrays of several MB (FFTs of whole clips) on pool threads.
    glibc gives each thread its own heap and keeps what is freed in it for that thread,
    so a build held the high-water mark of every levelling thread at once (185 MB for
    hamstring-release, cold). One heap reuses the same blocks: 130 MB, and no slower,
    since a clip makes only a few large allocations.
    """
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)


_M_ARENA_MAX = -8


#: Levelling a clip this long takes ~60 MB for a moment (FFTs of 2**21 points), so two
#: such clips are never levelled at once: peak memory stays flat whatever the phrases.
_LONG_CLIP = (1 << 17) - 128
_ONE_LONG = threading.Lock()


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


@functools.cache
def _levelling_code() -> str | None:
    """A digest of the code that levels (this module, ``loudness``, numpy's version).

    Any change to them is a new key, so a stored clip from older code is never used. None
    when the source cannot be read: then nothing is stored.
    """
    from . import loudness

    digest = hashlib.sha256(np.__version__.encode())
    try:
        for module_file in (__file__, loudness.__file__):
            digest.update(Path(module_file or "").read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def _level_key(
    speech: bool, relative_lu: float, source: np.ndarray, target: LoudnessTarget, weigh: bool
) -> str | None:
    """The key of one levelled clip: its samples, how it is levelled, and by which code."""
    code = _levelling_code()
    if code is None:
        return None
    how = json.dumps([code, speech, relative_lu, target.lufs, target.true_peak_db,
                      target.compress, weigh, str(source.dtype), source.shape])  # fmt: skip
    digest = hashlib.sha256(how.encode())
    digest.update(np.ascontiguousarray(source).tobytes())
    return digest.hexdigest()


def _key(e: Event) -> tuple[str, str]:
    return ("speech", e.text or "") if e.kind == "speech" else (e.kind, e.sound or "")


def _level_speech(clip: np.ndarray, target: LoudnessTarget) -> np.ndarray:
    x = clip.astype(np.float32)
    if target.compress:
        x = _compress(x)
    return _level(x, target.lufs, edges=True)


def _level(x: np.ndarray, lufs: float, *, edges: bool) -> np.ndarray:
    """Scales to a loudness with the true peak limited, and softens the first/last samples.

    Limiting lowers loudness a little, so scale and limit alternate until both hold.
    """
    x = np.array(x, dtype=np.float32)  # a copy, levelled in place
    for _ in range(3):
        loud = clip_loudness(x)
        if not math.isfinite(loud) or abs(lufs - loud) < 0.05:
            break
        x *= np.float32(10 ** ((lufs - loud) / 20))
        limited = _limit(x, _CLIP_PEAK_DB)
        if limited is x:  # scaling alone hit the target: measuring again would confirm it
            break
        x = limited
    if math.isfinite(peak := true_peak_db(x)) and peak > _CLIP_PEAK_DB:
        x *= np.float32(10 ** ((_CLIP_PEAK_DB - peak) / 20))
    if edges and x.size > _FADE_IN + _FADE_OUT:
        x[:_FADE_IN] *= np.linspace(0.0, 1.0, _FADE_IN, dtype=np.float32)
        x[x.size - _FADE_OUT :] *= np.linspace(1.0, 0.0, _FADE_OUT, dtype=np.float32)
    return x


_FRAME = samples(0.005)


def _limit(x: np.ndarray, ceiling_db: float) -> np.ndarray:
    """A look-ahead limiter for one clip: a smooth gain dip wherever peaks pass the ceiling.

    Peaks are taken per 5 ms frame (with both neighbours, so the gain is already down when
    a peak arrives) and the gain is interpolated between frames: no clicks, no overshoot.
    """
    ceiling = 10 ** (ceiling_db / 20) * 0.94  # inter-sample peaks sit up to ~0.5 dB higher
    frames = -(-x.size // _FRAME)
    padded = np.zeros(frames * _FRAME, dtype=np.float32)
    padded[: x.size] = np.abs(x)
    peak = padded.reshape(frames, _FRAME).max(axis=1)
    peak = np.maximum(peak, np.maximum(np.r_[peak[1:], 0.0], np.r_[0.0, peak[:-1]]))
    if peak.max(initial=0.0) <= ceiling:
        return x
    gain = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    centers = (np.arange(frames) + 0.5) * _FRAME
    smooth = np.interp(np.arange(x.size), centers, gain).astype(np.float32)
    limited: np.ndarray = x * smooth
    return limited


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    total = np.cumsum(np.r_[0.0, x])
    out = (total[width:] - total[:-width]) / width
    padded: np.ndarray = np.r_[
        np.full(width // 2, out[0]), out, np.full(width - 1 - width // 2, out[-1])
    ]
    return padded


def _compress(x: np.ndarray, threshold_db: float = -24.0, ratio: float = 3.0) -> np.ndarray:
    """Gentle compression so soft syllables carry across a room (``--loudness speaker``)."""
    if x.size < samples(0.01):
        return x
    power = _moving_mean(x.astype(np.float64) ** 2, samples(0.01))
    level_db = 10 * np.log10(np.maximum(power, 1e-12))
    over = np.maximum(0.0, level_db - threshold_db)
    gain_db = -over * (1 - 1 / ratio)
    compressed: np.ndarray = (x * 10 ** (gain_db / 20)).astype(np.float32)
    return compressed


def _prepare_music(music: np.ndarray, spec: Music | None) -> np.ndarray:
    """A loopable bed at the routine's level: its end crossfaded into its start."""
    volume_db = spec.volume_db if spec else -20.0
    x = music.astype(np.float32)
    loud = clip_loudness(x)
    if math.isfinite(loud):
        x = x * np.float32(10 ** ((-16.0 + volume_db - loud) / 20))
    n = min(_MUSIC_CROSSFADE, x.size // 4)
    if n:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        head = x[:n] * ramp + x[x.size - n :] * (1 - ramp)
        x = np.concatenate([head, x[n : x.size - n]])
    return x


def _blocks(
    timeline: Timeline,
    audio: _Library,
    bed: np.ndarray | None,
    block_sample: int,
    weighted: bool = False,
) -> Iterator[np.ndarray]:
    """The raw mix, block by block; only events touching the block are looked at."""
    events = sorted(timeline.events, key=lambda e: e.start_sample)
    sizes = [audio.size(_key(e)) for e in events]
    speech = [(e.start_sample, e.start_sample + n) for e, n in zip(events, sizes, strict=True)
              if e.kind == "speech"]  # fmt: skip
    total = timeline.duration_sample
    ducked = _hold_gaps(speech, _DUCK_HOLD)
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
            gain = _duck(ducked, start, end) * _fade(start, end, total)
            block += _bed_slice(bed, start, end) * gain
        yield block


def _bed_slice(bed: np.ndarray, start: int, end: int) -> np.ndarray:
    idx = np.arange(start, end) % bed.size
    return bed[idx]


def _hold_gaps(spans: list[tuple[int, int]], hold: int) -> list[tuple[int, int]]:
    """Spans merged across gaps shorter than ``hold``: where the music stays ducked."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s - out[-1][1] < hold:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _smooth(x: np.ndarray) -> np.ndarray:
    """0..1 to 0..1 with flat ends (smoothstep): gain moves without a corner."""
    smoothed: np.ndarray = x * x * (3 - 2 * x)
    return smoothed


def _duck(speech: list[tuple[int, int]], start: int, end: int) -> np.ndarray:
    """Music gain for samples start..end: down by 12 dB under speech, eased both ways."""
    gain = np.ones(end - start, dtype=np.float32)
    low = np.float32(10 ** (_DUCK_DB / 20))
    t = np.arange(start, end)
    for s, e in speech:
        if e + _DUCK_RELEASE < start or s - _DUCK_ATTACK > end:
            continue
        down = np.clip((s - t) / _DUCK_ATTACK, 0.0, 1.0)
        up = np.clip((t - e) / _DUCK_RELEASE, 0.0, 1.0)
        shape = low + (1 - low) * _smooth(np.maximum(down, up))
        np.minimum(gain, shape, out=gain)
    return gain


def _fade(start: int, end: int, total: int) -> np.ndarray:
    """The bed's fade in over the session's first seconds and out over its last."""
    n = min(_MUSIC_FADE, total // 2) or 1
    t = np.arange(start, end)
    edge = np.minimum(t / n, (total - t) / n)
    return _smooth(np.clip(edge, 0.0, 1.0)).astype(np.float32)


# -- loading sounds -----------------------------------------------------------------------


@functools.cache
def _asset_sums() -> dict[str, str]:
    sums = resources.files("voicecoach") / "audio_assets" / "SHA256SUMS"
    return {
        name: digest for digest, name in (line.split() for line in sums.read_text().splitlines())
    }


@functools.cache
def builtin_sound(name: str) -> np.ndarray | None:
    """A built-in sound from ``audio_assets``, or None if there is no such sound.

    Each file is checked against ``SHA256SUMS``: a damaged asset is reported, never played.
    """
    if name not in BUILTIN_SOUND_S:
        return None
    path = resources.files("voicecoach") / "audio_assets" / f"{name}.wav"
    blob = path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != _asset_sums().get(path.name):
        raise UserError(
            f"the built-in sound {path.name} is damaged (its checksum does not match)",
            "reinstall voicecoach (`make install`), or run scripts/make_assets.py",
        )
    with wave.open(io.BytesIO(blob), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    data = data.astype(np.float32) / 32768.0
    data.setflags(write=False)
    return data


def load_sounds(
    timeline: Timeline, base_dir: Path, where: Mapping[str, Location] | None = None
) -> dict[str, np.ndarray]:
    """Audio for every sound the timeline uses: the routine's own files, else built-ins.

    ``where`` maps a file (as the routine names it) to the place that names it, so an
    undecodable file's error points into the routine (``Routine.file_locations``).
    """
    own = dict(timeline.sounds)
    out: dict[str, np.ndarray] = {}
    for name in sorted({e.sound for e in timeline.events if e.sound} | {"tick"}):
        if name in own:
            path = base_dir / own[name]
            if not path.is_file():
                raise UserError(
                    f"the sound {name!r} names {own[name]!r}, which does not exist in {base_dir}",
                    "fix the path under `sounds:` (relative to the routine file)",
                )
            out[name] = read_audio_file(path, "sound file", (where or {}).get(own[name]))
            continue
        found = builtin_sound(name)
        if found is None:
            raise UserError(f"unknown sound {name!r}", "add it under `sounds:` in the routine")
        out[name] = found
    return out


def load_music(
    music: Music, base_dir: Path, where: Mapping[str, Location] | None = None
) -> np.ndarray:
    """The background bed named by the routine."""
    path = base_dir / music.path
    if not path.is_file():
        raise UserError(
            f"the music file {music.path!r} does not exist in {base_dir}",
            "fix `music: {file: ...}` (relative to the routine file)",
        )
    return read_audio_file(path, "music file", (where or {}).get(music.path))
