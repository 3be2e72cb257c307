"""The clip cache's size: measured, limited, pruned least recently used first.

The cache (``default_cache_dir()``) holds clips (``<key[:2]>/<key>.<digest>.wav``), the
mixer's levelled copies (``levels/<key[:2]>/<key>.<digest>.npy``, about four times the
clips' size) and voice calibrations (``calibration/*.json``, a few hundred bytes each).
Every entry is content-addressed and can be made again, so any of them may go; a read
marks an entry used (its modification time), and pruning removes the least recently used
first until the cache is under its limit.

Safe beside running builds: only whole entries are removed (a write in progress is a
``.part`` file, never touched here), removal is one ``unlink``, and entries used within
``GRACE_S`` are kept, since a build reads its clips again while it mixes.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError

#: The limit when ``VOICECOACH_CACHE_MAX`` is not set: about ten long sessions' clips.
DEFAULT_MAX_BYTES = 1 << 30
#: The environment variable that sets the limit (``500M``, ``2G``; ``0`` or ``off``: none).
LIMIT_ENV = "VOICECOACH_CACHE_MAX"
#: Entries used this recently are never pruned: a build may still read them.
GRACE_S = 3600.0
#: After pruning, the cache is at most this share of its limit, so the next few builds
#: do not each prune again.
_LOW_WATER = 0.9

_ENTRY = re.compile(r"^[0-9a-f]{64}\.[0-9a-f]{16}\.(wav|npy)$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from ``"500M"``, ``"2G"``, ``"1.5GB"``, ``"800k"`` or a plain number."""
    match = _SIZE.match(text)
    if match is None:
        raise UserError(
            f"{text!r} is not a size", "write a number of bytes with K, M or G, e.g. 500M or 2G"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def cache_limit() -> int | None:
    """The cache's size limit in bytes: ``$VOICECOACH_CACHE_MAX``, else the default.

    None means no limit (``0``, ``off`` or ``none``).
    """
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    if text.lower() in ("off", "none", "0"):
        return None
    try:
        return parse_size(text)
    except UserError:
        raise UserError(
            f"${LIMIT_ENV} is {text!r}, not a size",
            f"set {LIMIT_ENV} to a size such as 500M or 2G, or to off for no limit",
        ) from None


@dataclass(frozen=True)
class Entry:
    path: Path
    size: int
    used_s: float
    kind: str  # clip, level, calibration


@dataclass(frozen=True)
class Usage:
    """What the cache holds, in files and bytes by kind."""

    root: Path
    clips: tuple[int, int]
    levels: tuple[int, int]
    calibrations: tuple[int, int]

    @property
    def files(self) -> int:
        return self.clips[0] + self.levels[0] + self.calibrations[0]

    @property
    def bytes(self) -> int:
        return self.clips[1] + self.levels[1] + self.calibrations[1]


@dataclass(frozen=True)
class Pruned:
    """What a prune removed, and the cache's size before and after."""

    removed: int
    freed_bytes: int
    before_bytes: int
    after_bytes: int


def entries(root: Path) -> Iterator[Entry]:
    """Every whole entry of the cache at ``root`` (never a write in progress)."""
    for folder, kind in ((root, "clip"), (root / "levels", "level")):
        with contextlib.suppress(OSError):
            for shard in os.scandir(folder):
                if len(shard.name) != 2 or not shard.is_dir(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError):
                    for item in os.scandir(shard.path):
                        if _ENTRY.match(item.name):
                            yield from _entry(item, kind)
    with contextlib.suppress(OSError):
        for item in os.scandir(root / "calibration"):
            if item.name.endswith(".json") and not item.name.startswith("."):
                yield from _entry(item, "calibration")


def _entry(item: os.DirEntry[str], kind: str) -> Iterator[Entry]:
    with contextlib.suppress(OSError):
        stat = item.stat(follow_symlinks=False)
        yield Entry(Path(item.path), stat.st_size, stat.st_mtime, kind)


def usage(root: Path) -> Usage:
    """Files and bytes the cache at ``root`` holds, by kind."""
    totals = {"clip": [0, 0], "level": [0, 0], "calibration": [0, 0]}
    for entry in entries(root):
        totals[entry.kind][0] += 1
        totals[entry.kind][1] += entry.size
    clips, levels, calibrations = (tuple(totals[k]) for k in ("clip", "level", "calibration"))
    return Usage(
        root, (clips[0], clips[1]), (levels[0], levels[1]), (calibrations[0], calibrations[1])
    )


def prune(
    root: Path, max_bytes: int, *, grace_s: float = GRACE_S, now: float | None = None
) -> Pruned:
    """Removes least recently used entries until the cache holds at most ``max_bytes``.

    Entries used within ``grace_s`` stay (so the cache may stay over its limit while
    builds run); ``grace_s=0`` with ``max_bytes=0`` empties it (``voicecoach cache clear``).
    """
    now = time.time() if now is None else now
    found = sorted(entries(root), key=lambda e: (e.used_s, str(e.path)))
    before = total = sum(e.size for e in found)
    removed = freed = 0
    for entry in found:
        if total <= max_bytes:
            break
        if now - entry.used_s < grace_s:
            continue
        try:
            entry.path.unlink()
        except FileNotFoundError:  # another prune took it
            total -= entry.size
            continue
        except OSError:
            continue
        total -= entry.size
        removed += 1
        freed += entry.size
    return Pruned(removed, freed, before, total)


def trim(root: Path) -> Pruned | None:
    """What a build does when it is done: prunes to below the limit if the cache is over.

    None when there is no limit or the cache is within it.
    """
    limit = cache_limit()
    if limit is None:
        return None
    if sum(e.size for e in entries(root)) <= limit:
        return None
    return prune(root, int(limit * _LOW_WATER))


def mark_used(path: Path) -> None:
    """Records that an entry was just read (least recently used is judged by it)."""
    with contextlib.suppress(OSError):
        os.utime(path)
