"""Where a spoken line's clip is filed in the clip cache, known without the audio stack.

The speech stage writes and reads clips (``speech/cache.py``); ``plan`` only needs to
know whether a line is there and how long it is, and must start without numpy.
A clip's key is the hash of everything that shapes its sound (engine, engine version,
voice, rate, language, text, sample rate); it lies at ``root/<key[:2]>/<key>.<digest>.wav``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import wave
from pathlib import Path

from ..model import SAMPLE_RATE

CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """``$VOICECOACH_CACHE``, else the user's cache folder."""
    env = os.environ.get("VOICECOACH_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_cache_path("voicecoach") / "clips"


def clip_key(engine: str, version: str, voice: str, rate: int, language: str, text: str) -> str:
    """The content address of a clip."""
    blob = json.dumps(
        [CACHE_FORMAT, engine, version, voice, rate, language, text, SAMPLE_RATE],
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cached_length(root: Path, key: str) -> int | None:
    """A cached clip's length in samples from its WAV header, or None when not cached.

    Not verified like ``ClipCache.get`` (which reads the whole file): a damaged clip
    only makes a plan a little off, and ``build`` finds it and makes it again.
    """
    with contextlib.suppress(OSError):
        for name in sorted(os.listdir(root / key[:2])):
            if name.startswith(key + "."):
                with (
                    contextlib.suppress(OSError, wave.Error, EOFError),
                    wave.open(str(root / key[:2] / name), "rb") as w,
                ):
                    return w.getnframes()
    return None
