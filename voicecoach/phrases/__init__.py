"""Cue phrases per language, read from ``voicecoach/phrases/<language>.yaml``.

Phrases live in data files, not code, so a translator adds a language without touching
the compiler. Every language file has the keys of the English one.
"""

from __future__ import annotations

import functools
import random
import re
from importlib import resources
from typing import Any

import yaml

from .numbers import number_words

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def languages() -> list[str]:
    """Languages that have a phrase file, sorted."""
    folder = resources.files("voicecoach") / "phrases"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


@functools.cache
def _load(language: str) -> dict[str, Any]:
    path = resources.files("voicecoach") / "phrases" / f"{language}.yaml"
    table: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    return table


class Phrases:
    """The cue phrases of one language, with a seeded choice among alternatives."""

    def __init__(self, language: str, seed: int) -> None:
        self.language = language
        self.seed = seed
        self._table = _load(language)

    def say(self, key: str, salt: str = "", **fields: str) -> str:
        """The phrase for ``key``; the same seed and salt always pick the same wording."""
        value = self._table[key]
        if isinstance(value, list):
            value = random.Random(f"{self.seed}:{key}:{salt}").choice(value)
        return str(value).format(**fields)

    def options(self, key: str) -> list[str]:
        """Every wording of ``key`` (its alternatives), unfilled."""
        value = self._table[key]
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def number(self, n: int) -> str:
        """A count word ("three"); digits beyond the table."""
        words = self._table["numbers"]
        return str(words[n - 1]).capitalize() if 1 <= n <= len(words) else str(n)

    def heading(self, title: str, side: str | None) -> str:
        """A section's heading with its side, e.g. "Faszienrolle (rechts)"."""
        return side_heading(title, side, self.language)

    def join(self, items: tuple[str, ...]) -> str:
        """``a, b and c`` in this language."""
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self._table['and']} {items[-1]}"

    def words(self, n: int) -> str:
        """``n`` in words, in the form used before a noun ("ten", "veintiún", "zehn")."""
        return number_words(n, self.language, before_noun=True)

    def times(self, n: int) -> str:
        """A repetition count in words: "once", "ten times", "zehnmal"."""
        return self.say("times_one") if n == 1 else self.say("times", n=self.words(n))

    def duration(self, seconds_: float, *, exact: bool = False) -> str:
        """A length in words: "ten minutes", "diez minutos", "zehn Minuten".

        Rounded to whole minutes from a minute on (hours and minutes from an hour), and to
        whole seconds below; ``exact`` keeps the seconds too ("one minute and thirty
        seconds"), for a step's length rather than a session's.
        """
        whole = max(round(seconds_), 1)
        if whole < 60:
            return self._unit("second", whole)
        if not exact:
            whole = round(whole / 60) * 60
        hours, rest = divmod(whole, 3600)
        minutes, secs = divmod(rest, 60)
        parts = [
            self._unit(unit, value)
            for unit, value in (("hour", hours), ("minute", minutes), ("second", secs))
            if value
        ]
        return self.join(tuple(parts))

    def _unit(self, unit: str, n: int) -> str:
        return self.say(f"{unit}_one") if n == 1 else self.say(f"{unit}s", n=self.words(n))

    def name(self, line: str) -> str:
        """What a step's instruction names, as said after "Next:": its first sentence,
        without the closing stop, with a small first letter where the language wants it.
        """
        first = re.split(r"(?<=[.!?])\s", line.strip(), maxsplit=1)[0].rstrip(".!?;:, ")
        if self._table["lowercase_names"] and first[1:2].islower():
            first = first[0].lower() + first[1:]
        return first


def side_heading(title: str, side: str | None, language: str) -> str:
    """A chapter or script heading: ``title (place)``, or the title alone without a side.

    Routines write sides as a sentence needs them ("das {side} Bein" -> ``rechte``); a
    heading names the place on its own, in the language's own form (``rechts``), from the
    phrase file's ``side_places``. A side not listed there is shown as written.
    """
    return f"{title} ({side_place(side, language)})" if side else title


def side_label(side: str, language: str) -> str:
    """A side shown alone as a label (``Right side``, ``Seite: rechts``), capitalized."""
    if not side:
        return side
    template = (
        str(_load(language).get("side_label") or "{side}") if language in languages() else "{side}"
    )
    label = template.format(side=side_place(side, language))
    return label[:1].upper() + label[1:]


def side_place(side: str, language: str) -> str:
    """A side named on its own (``rechts``), as headings, the player and the page show it."""
    places = (_load(language).get("side_places") or {}) if language in languages() else {}
    return str(places.get(side.lower(), side)) if side else side


def checkin_texts(language: str) -> dict[str, str]:
    """The share page's check-in words (``checkin:`` in the phrase file), English where the
    session's language has no phrase file."""
    table = _load(language if language in languages() else "en")
    return {str(k): str(v) for k, v in (table.get("checkin") or {}).items()}
