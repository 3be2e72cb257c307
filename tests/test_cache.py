"""The clip cache's size limit: least recently used pruning, after builds and by hand."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import UserError
from voicecoach.speech import ClipCache
from voicecoach.speech.cachesize import (
    DEFAULT_MAX_BYTES,
    cache_limit,
    entries,
    parse_size,
    prune,
    usage,
)

from .conftest import MINIMAL, invoke

DAY_S = 86400.0


def _entry(root: Path, n: int, size: int, age_s: float, levels: bool = False) -> Path:
    """A whole cache entry of ``size`` bytes last used ``age_s`` ago."""
    key = f"{n:064x}"
    folder = (root / "levels" if levels else root) / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.{n:016x}.{'npy' if levels else 'wav'}"
    path.write_bytes(b"\0" * size)
    used = time.time() - age_s
    os.utime(path, (used, used))
    return path


def test_sizes_are_read_as_people_write_them(monkeypatch) -> None:
    assert parse_size("500M") == 500 << 20
    assert parse_size("2G") == 2 << 30
    assert parse_size("1.5GB") == int(1.5 * (1 << 30))
    assert parse_size("800k") == 800 << 10
    assert parse_size("1234") == 1234
    with pytest.raises(UserError, match="not a size"):
        parse_size("lots")
    monkeypatch.delenv("VOICECOACH_CACHE_MAX", raising=False)
    assert cache_limit() == DEFAULT_MAX_BYTES
    monkeypatch.setenv("VOICECOACH_CACHE_MAX", "off")
    assert cache_limit() is None
    monkeypatch.setenv("VOICECOACH_CACHE_MAX", "300M")
    assert cache_limit() == 300 << 20
    monkeypatch.setenv("VOICECOACH_CACHE_MAX", "\x1b[2Jbig")
    with pytest.raises(UserError, match="VOICECOACH_CACHE_MAX"):
        cache_limit()


def test_prune_removes_least_recently_used_first_and_keeps_what_is_in_use(tmp_path) -> None:
    root = tmp_path / "cache"
    oldest = _entry(root, 1, 1000, 3 * DAY_S)
    old_level = _entry(root, 2, 1000, 2 * DAY_S, levels=True)
    newer = _entry(root, 3, 1000, 1 * DAY_S)
    in_use = _entry(root, 4, 1000, 10)  # a build may still read it
    writing = root / "05" / ".partial.wav.123.abc.part"  # a write in progress
    writing.parent.mkdir(parents=True)
    writing.write_bytes(b"\0" * 5000)
    os.utime(writing, (0, 0))
    stranger = root / "notes.txt"  # not ours: never counted, never removed
    stranger.write_text("keep me", encoding="utf-8")
    assert usage(root).bytes == 4000

    done = prune(root, 2500)
    assert (done.removed, done.before_bytes, done.after_bytes) == (2, 4000, 2000)
    assert not oldest.exists() and not old_level.exists()
    assert newer.exists() and in_use.exists() and writing.exists() and stranger.exists()

    done = prune(root, 0)  # what is in use stays even when asked for nothing
    assert not newer.exists() and in_use.exists() and done.after_bytes == 1000
    prune(root, 0, grace_s=0)
    assert not in_use.exists() and writing.exists() and stranger.exists()


def test_a_read_marks_a_clip_used(tmp_path) -> None:
    root = tmp_path / "cache"
    cache = ClipCache(root)
    for n in (1, 2):
        cache.put(f"{n:064x}", np.full(44100, n, dtype=np.int16))
    for found in entries(root):
        os.utime(found.path, (time.time() - 2 * DAY_S,) * 2)
    first = {e.path.name[:64]: e.path for e in entries(root)}
    os.utime(first[f"{1:064x}"], (time.time() - 3 * DAY_S,) * 2)  # written earliest...
    assert cache.get(f"{1:064x}") is not None  # ...but read just now
    prune(root, 100_000, grace_s=0)
    assert first[f"{1:064x}"].exists() and not first[f"{2:064x}"].exists()


def test_a_build_keeps_the_cache_under_its_limit(tmp_path, monkeypatch, write_routine) -> None:
    """Past the limit, a build prunes what was used longest ago, never what it just used."""
    root = tmp_path / "cache"
    monkeypatch.setenv("VOICECOACH_CACHE", str(root))
    monkeypatch.setenv("VOICECOACH_CACHE_MAX", "1M")
    stale = [_entry(root, n, 300_000, DAY_S + n, levels=n % 2 == 0) for n in range(1, 9)]
    assert usage(root).bytes == 2_400_000
    routine = write_routine(MINIMAL)
    invoke(["build", str(routine), "-o", str(tmp_path / "s.wav"), "--engine", "tone", "-q"])
    assert not any(p.exists() for p in stale), "over the limit: the least recently used go"
    kept = list(entries(root))
    assert kept and all(time.time() - e.used_s < 600 for e in kept), "the build's own stay"
    again = invoke(["build", str(routine), "-o", str(tmp_path / "t.wav"), "--engine", "tone"])
    assert (
        "from cache" in again.stdout
        and (tmp_path / "s.wav").read_bytes() == (tmp_path / "t.wav").read_bytes()
    )


def test_cache_commands(tmp_path, monkeypatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("VOICECOACH_CACHE", str(root))
    monkeypatch.delenv("VOICECOACH_CACHE_MAX", raising=False)
    for n in range(1, 5):
        _entry(root, n, 1 << 20, DAY_S * n, levels=n > 2)
    shown = invoke(["cache", "size"]).stdout
    assert str(root) in shown and "4 files, 4.0 MB" in shown and "limit:        1.0 GB" in shown
    pruned = invoke(["cache", "prune", "--max-size", "2.5M"]).stdout
    assert "removed 2 files (2.0 MB); 4.0 MB -> 2.0 MB" in pruned
    assert usage(root).files == 2
    bad = invoke(["cache", "prune", "--max-size", "huge"], exit_code=2)
    assert "not a size" in bad.stderr and "Traceback" not in bad.stderr
    assert "removed 2 files" in invoke(["cache", "clear"]).stdout
    assert usage(root).files == 0
    assert "0 files, 0 B" in invoke(["cache", "size"]).stdout


def test_builds_sharing_a_cache_over_its_limit_both_finish(tmp_path, write_routine) -> None:
    """Two builds at once on a cache far over its limit: each prunes while the other still
    reads its clips, and neither loses one (what was just used is never pruned)."""
    import subprocess
    import sys

    root = tmp_path / "cache"
    stale = [_entry(root, n, 100_000, DAY_S + n) for n in range(1, 21)]
    env = dict(os.environ, VOICECOACH_CACHE=str(root), VOICECOACH_CACHE_MAX="1K")
    routine = write_routine(MINIMAL)
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voicecoach",
                "build",
                str(routine),
                "-o",
                str(tmp_path / f"{name}.wav"),
                "--engine",
                "tone",
                "-q",
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert not any(p.exists() for p in stale)
