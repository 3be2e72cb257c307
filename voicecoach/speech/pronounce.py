"""Pronunciation: the built-in lexicon of a language merged with a routine's ``pronounce``.

Only what the engine is given changes; captions and scripts keep the words as written.
Outside the speech stage (which uses it) so that ``plan`` can find a line's cached clip
without loading the audio stack.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from importlib import resources

import yaml


@functools.cache
def builtin_lexicon(language: str) -> dict[str, str]:
    """The shipped lexicon for ``language`` (empty when there is none)."""
    path = resources.files("voicecoach.speech") / "lexicon" / f"{language}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def lexicon_for(language: str, pronounce: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Built-in entries, overridden (case-insensitively) by the routine's own."""
    merged = {k.lower(): v for k, v in builtin_lexicon(language).items()}
    merged.update((k.lower(), v) for k, v in pronounce)
    return merged


def respell(text: str, lexicon: Mapping[str, str] | None) -> str:
    """Applies a pronunciation lexicon: whole words, case-insensitive, longest first."""
    if not lexicon:
        return text
    words = sorted(lexicon, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    lower = {w.lower(): spoken for w, spoken in lexicon.items()}
    return pattern.sub(lambda m: lower[m.group(0).lower()], text)
