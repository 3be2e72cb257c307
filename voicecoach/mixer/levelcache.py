"""Levelled clips kept instead of levelled again: in memory, on disk, and ahead of ``mix``.

Levelling is the costly part of mixing (FFTs of whole clips), and a pure function of the
clip, the target and the code, so its results can be kept: ``keep_levelled`` remembers
them in memory for a process that mixes again and again (the studio), a ``LevelStore``
keeps them on disk between builds (the clip cache provides one), and a ``Leveller``
levels clips into that store on one thread while the speech engine is still speaking.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from . import levels, loudness
from .levels import LOUDNESS, LoudnessTarget
from .loudness import k_weight


class LevelStore(Protocol):
    """Somewhere to keep levelled clips between builds, by a key the mixer makes.

    The key names the clip's samples, the target and the levelling code itself, so a
    stored result is only ever found by a build that would compute the same arrays.
    """

    def load(self, key: str) -> list[np.ndarray] | None: ...

    def save(self, key: str, arrays: list[np.ndarray]) -> None: ...


class _LevelledClips:
    """Recently levelled clips by content and target, for a process that mixes again and again.

    Off unless ``keep_levelled`` turns it on (the studio does): a one-off build keeps its
    memory flat. Levelling is a pure function of the clip and the target, so a remembered
    clip gives the same samples.
    """

    def __init__(self) -> None:
        self.max_bytes = 0
        self._items: collections.OrderedDict[str, tuple[np.ndarray, np.ndarray | None]] = (
            collections.OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str | None) -> tuple[np.ndarray, np.ndarray | None] | None:
        if not key or not self.max_bytes:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str | None, value: tuple[np.ndarray, np.ndarray | None]) -> None:
        if not key or not self.max_bytes:
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


def level_kept(
    source: np.ndarray,
    relative_lu: float | None,
    target: LoudnessTarget,
    weigh: bool,
    store: LevelStore | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One clip levelled (speech when ``relative_lu`` is None, else a sound that much under
    speech) and its K-weighted copy when ``weigh``: read from ``store``, else made there."""
    speech = relative_lu is None
    relative = relative_lu or 0.0
    # One key (the clip's samples, how and by which code) for memory and disk alike.
    wanted = store is not None or _levelled.max_bytes > 0
    key = _level_key(speech, relative, source, target, weigh) if wanted else None
    remembered = _levelled.get(key)
    if remembered is not None:
        return remembered
    if store is not None and key is not None:
        found = store.load(key)
        if found is not None and len(found) == 1 + weigh:
            made = found[0], (found[1] if weigh else None)
            _levelled.put(key, made)
            return made
    with _ONE_LONG if source.size >= _LONG_CLIP else contextlib.nullcontext():
        if speech:
            x = levels.level_speech(source, target)
        else:
            x = levels.level(source, target.lufs + relative, edges=True)
        # float32, as the library keeps it: half the disk, and the same samples out.
        weighted = k_weight(x).astype(np.float32) if weigh else None
    if store is not None and key is not None:
        store.save(key, [x] if weighted is None else [x, weighted])
    _levelled.put(key, (x, weighted))
    return x, weighted


class Leveller:
    """Levels speech clips into a ``LevelStore`` ahead of ``mix``, one at a time.

    A build hands each clip over as soon as it is synthesized, so levelling runs on one
    thread while the engine's workers speak the rest, and ``mix`` only reads the results.
    Leaving the ``with`` block finishes the clip in hand and drops the ones not started:
    ``mix`` levels those on every core. Give it the same ``loudness`` and ``music`` as
    ``mix``. Without a store it does nothing.
    """

    def __init__(self, levels: LevelStore | None, loudness: str, music: object | None) -> None:
        self._levels = levels
        self._target = LOUDNESS[loudness]
        self._weigh = music is None
        self._pool = None
        if levels is not None:
            one_heap()
            self._pool = ThreadPoolExecutor(1)
        self._pending: list[Future[object]] = []

    def add(self, text: str, clips: Mapping[str, np.ndarray]) -> None:
        """Queues the clip of ``text`` (read from ``clips`` when its turn comes)."""
        if self._pool is not None:
            self._pending.append(self._pool.submit(self._level, text, clips))

    def _level(self, text: str, clips: Mapping[str, np.ndarray]) -> None:
        level_kept(clips[text], None, self._target, self._weigh, self._levels)

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
def one_heap() -> None:
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


@functools.cache
def _levelling_code() -> str | None:
    """A digest of the code that levels (``levels``, this module, ``loudness``, numpy's
    version).

    Any change to them is a new key, so a stored clip from older code is never used. None
    when the source cannot be read: then nothing is stored.
    """
    digest = hashlib.sha256(np.__version__.encode())
    try:
        for module_file in (levels.__file__, __file__, loudness.__file__):
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
