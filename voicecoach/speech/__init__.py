"""Stage 3: spoken text to audio clips, offline, cached and in parallel.

One module per concern:

- ``synth.py``: ``synthesize``, the stage's main function, and ``Clips``;
- ``engines.py``, ``base.py``, ``piper.py``: the speech engines and their voices;
- ``pool.py``: worker processes, each phrase bounded by a timeout;
- ``cache.py``, ``clip.py``: the content-addressed clip cache and clip conversion;
- ``clipkeys.py``, ``lengths.py``, ``pronounce.py``: where a line's clip is filed, how long
  it is, and what the engine is given; these need no numpy, so ``plan`` starts fast;
- ``calibrate.py``: the straight-line fit of a voice's speaking time.
- ``natural.py``, ``piper_voices.py``: which engine speaks a routine that names none (a
  natural voice when one is installed); no numpy, so ``plan`` still starts fast;
- ``cachesize.py``: the clip cache's size limit, least recently used entries pruned.

Importing this package loads nothing heavy: each name below is read from its module the
first time it is used (``voicecoach.speech.synthesize`` loads numpy; ``clipkeys`` does not).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Engine, VoiceInfo
    from .cache import ArrayCache, ClipCache
    from .clipkeys import default_cache_dir
    from .engines import (
        check_voice,
        choosable_voices,
        engine_names,
        get_engine,
        list_voices,
        register_engine,
    )
    from .pronounce import lexicon_for, respell
    from .synth import Clips, SynthesisReport, clip_keys, synthesize

#: Public name -> the module of this package that defines it.
_WHERE = {
    "ArrayCache": "cache",
    "ClipCache": "cache",
    "Clips": "synth",
    "Engine": "base",
    "SynthesisReport": "synth",
    "VoiceInfo": "base",
    "check_voice": "engines",
    "choosable_voices": "engines",
    "clip_keys": "synth",
    "default_cache_dir": "clipkeys",
    "engine_names": "engines",
    "get_engine": "engines",
    "lexicon_for": "pronounce",
    "list_voices": "engines",
    "register_engine": "engines",
    "respell": "pronounce",
    "synthesize": "synth",
}

__all__ = [
    "ArrayCache",
    "ClipCache",
    "Clips",
    "Engine",
    "SynthesisReport",
    "VoiceInfo",
    "check_voice",
    "choosable_voices",
    "clip_keys",
    "default_cache_dir",
    "engine_names",
    "get_engine",
    "lexicon_for",
    "list_voices",
    "register_engine",
    "respell",
    "synthesize",
]


def __getattr__(name: str) -> Any:
    """Loads the module that defines ``name`` when it is first asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
