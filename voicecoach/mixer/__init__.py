"""Stage 4: place every clip and sound on its sample and stream the session as blocks.

One module per concern, found by its stage name:

- ``blocks``: ``mix``, the streaming mixer (a library of levelled clips, two passes to
  land on the loudness target);
- ``levels``: how one clip is levelled (targets, normalizing, limiting, compression);
- ``levelcache``: levelled clips kept in memory (``keep_levelled``), on disk (a
  ``LevelStore``) and made ahead of ``mix`` (``Leveller``);
- ``bed``: the music bed, looped, ducked under speech and faded;
- ``sounds``: loading the routine's sounds, the built-in ones and its music file.
"""

from __future__ import annotations

from .blocks import mix
from .levelcache import Leveller, LevelStore, keep_levelled
from .levels import LOUDNESS, RELATIVE_LU, LoudnessTarget
from .sounds import MusicFile, builtin_sound, load_music, load_sounds

__all__ = [
    "LOUDNESS",
    "RELATIVE_LU",
    "LevelStore",
    "Leveller",
    "LoudnessTarget",
    "MusicFile",
    "builtin_sound",
    "keep_levelled",
    "load_music",
    "load_sounds",
    "mix",
]
