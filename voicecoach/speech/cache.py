"""The clip cache: content-addressed, verified on read, written atomically.

A clip's key is the hash of everything that shapes its sound (engine, engine version,
voice, rate, language, text, sample rate). The file name also carries a hash of the
file's own bytes, so a truncated or corrupted entry is detected, removed and made again,
never played. Several builds may share one cache at the same time. A read marks the
entry used, so the cache's size limit (``cachesize.py``) prunes the least recently used.

``ArrayCache`` keeps arrays derived from clips (the mixer's levelled copies) the same way,
under ``root/levels``: a warm build reads them instead of computing them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import wave
from pathlib import Path

import numpy as np

from ..files import atomic_path
from ..model import SAMPLE_RATE
from .cachesize import mark_used
from .clipkeys import CACHE_FORMAT, clip_key, default_cache_dir

__all__ = ["CACHE_FORMAT", "ClipCache", "clip_key", "default_cache_dir"]


def _wav_bytes(clip: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(clip.astype("<i2").tobytes())
    return buf.getvalue()


class ClipCache:
    """Clips on disk under ``root/<key[:2]>/<key>.<digest>.wav``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listing: dict[str, list[str]] = {}

    def _shard(self, key: str) -> Path:
        return self.root / key[:2]

    def _names(self, key: str) -> list[str]:
        shard = key[:2]
        if shard not in self._listing:
            try:
                self._listing[shard] = os.listdir(self.root / shard)
            except FileNotFoundError:
                self._listing[shard] = []
        return [n for n in self._listing[shard] if n.startswith(key + ".")]

    def get(self, key: str) -> np.ndarray | None:
        """The cached clip, or None when missing or corrupt (a corrupt file is removed)."""
        for name in self._names(key):
            path = self._shard(key) / name
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            digest = name.split(".")[1]
            if hashlib.sha256(data).hexdigest()[:16] == digest:
                with contextlib.suppress(wave.Error, EOFError):
                    with wave.open(io.BytesIO(data), "rb") as w:
                        frames = w.readframes(w.getnframes())
                    clip: np.ndarray = np.frombuffer(frames, dtype="<i2").copy()
                    mark_used(path)
                    return clip
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return None

    def put(self, key: str, clip: np.ndarray) -> None:
        """Stores a clip atomically; concurrent writers of one key both succeed."""
        data = _wav_bytes(clip)
        digest = hashlib.sha256(data).hexdigest()[:16]
        path = self._shard(key) / f"{key}.{digest}.wav"
        if not path.exists():
            with atomic_path(path, durable=False) as tmp:
                tmp.write_bytes(data)
        listing = self._listing.get(key[:2])
        if listing is not None and path.name not in listing:
            listing.append(path.name)


class ArrayCache:
    """Lists of arrays under ``root/<key[:2]>/<key>.<digest>.npy``, for keys the caller makes.

    The caller's key must name everything the arrays depend on. The file is ``.npy``
    records one after another; its digest is checked on read, and a damaged entry is
    removed and reported as missing. Writes are atomic; a failed write is only a miss.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _names(self, key: str) -> list[str]:
        try:
            names = os.listdir(self.root / key[:2])
        except FileNotFoundError:
            return []
        return [n for n in names if n.startswith(key + ".") and n.endswith(".npy")]

    def load(self, key: str) -> list[np.ndarray] | None:
        """The stored arrays, or None when missing or damaged (a damaged file is removed)."""
        for name in self._names(key):
            path = self.root / key[:2] / name
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            if hashlib.sha256(data).hexdigest()[:16] == name.split(".")[1]:
                arrays = []
                with contextlib.suppress(ValueError, EOFError, OSError):
                    buf = io.BytesIO(data)
                    while buf.tell() < len(data):
                        arrays.append(np.load(buf, allow_pickle=False))
                    mark_used(path)
                    return arrays
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return None

    def save(self, key: str, arrays: list[np.ndarray]) -> None:
        """Stores the arrays; a full disk or a read-only cache only costs the next build."""
        buf = io.BytesIO()
        for array in arrays:
            np.save(buf, array, allow_pickle=False)
        data = buf.getvalue()
        path = self.root / key[:2] / f"{key}.{hashlib.sha256(data).hexdigest()[:16]}.npy"
        with contextlib.suppress(OSError):
            if not path.exists():
                with atomic_path(path, durable=False) as tmp:
                    tmp.write_bytes(data)
