"""The hands-free check of the words: can a listener with eyes closed act on what is said?

Guidance research for blind and low-vision exercisers lists what confuses: pointing words
("like this", "as shown", "over there", "look at"), a side that is never named, a long
instruction before a short hold, a change of position sprung in the middle of a timer.
This module reads the routine's lines in English, Spanish and German and reports each at
its line, with a hint and a suggested rewrite; ``hands_free: {words: false}`` turns it off.
The timing checks are in ``handsfree.py``, which calls ``check``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..errors import Location
from ..model import Detail, Timeline, samples, seconds
from ..routine import Breathe, Hold, Repeat, Rest, Rounds, Routine, Say, Section, Step, Text
from .units import performed_units

#: Pointing phrases: they lean on a picture or a demonstration the listener cannot see.
DEICTIC: dict[str, tuple[str, ...]] = {
    "en": (
        r"like (this|that|so)(?! \w+ (session|one|routine))",
        r"as (shown|pictured|illustrated|demonstrated)",
        r"as you (can )?see",
        r"(this|that) way",
        r"over (there|here)",
        r"look at",
        r"watch (me|how|the)",
        r"(in|on) the (picture|image|photo|video|diagram)",
        r"shown (here|below|above)",
    ),
    "es": (
        r"(hazlo|haz|ponte|colócate|muévete|quédate) así",
        r"como (esto|eso|se muestra|se ve|ves|en la (imagen|foto|figura))",
        r"de esta (manera|forma)",
        r"por (aquí|allí|allá|ahí)",
        r"mira (esto|aquí|la|el)",
        r"fíjate en",
        r"en la (imagen|foto|figura)",
    ),
    "de": (
        r"so wie hier",
        r"(genau )?so herum",
        r"wie (gezeigt|abgebildet|im bild|auf dem bild|hier)",
        r"auf diese (weise|art)",
        r"(da|dort|hier) drüben",
        r"(schau|sieh) (dir|auf|mal|her)",
        r"im (bild|foto|video)",
    ),
}

#: Words that put the body in a new position (said where there is no time to move).
POSTURE: dict[str, str] = {
    "en": r"\b(lie|lying|sit(?! bone)|sitting(?! bone)|stand up|kneel|kneeling|roll onto"
    r"|turn (onto|over)|get up|get down)\b",
    "es": r"\b(túmbate|acuéstate|tumbad[oa]|siéntate|ponte de pie|arrodíllate|de rodillas"
    r"|date la vuelta|levántate)\b",
    "de": r"\b(leg dich|setz dich|stell dich|knie dich|hinlegen|hinsetzen|aufstehen"
    r"|dreh dich)\b",
}

#: Spoken words per second a listener can take in before the timer starts.
_WORDS_PER_S = 2.5
#: A hold shorter than this is short: a long instruction before it eats the time to move.
SHORT_HOLD_S = 20.0
#: ... and more words than this before a short hold is too long to say and act on.
MAX_WORDS_BEFORE_SHORT_HOLD = 25


@dataclass(frozen=True)
class Finding:
    """One problem with the words: where, what, a hint and a suggested rewrite."""

    location: Location
    problem: str
    hint: str
    rewrite: str

    @property
    def message(self) -> str:
        return f"words: {self.problem}; {self.hint} (e.g. {self.rewrite!r})"


def check(
    routine: Routine,
    timeline: Timeline,
    spans: Mapping[int, tuple[int, int]],
    detail: Detail = "full",
) -> list[Finding]:
    """Every line a listener with eyes closed cannot act on, in the routine's order."""
    if not routine.hands_free.words:
        return []
    language = routine.language if routine.language in DEICTIC else "en"
    out: list[Finding] = []
    for text, where in _lines(routine):
        out.extend(deictic(text, language))
        if where == "during":
            out.extend(_posture_during(text, language))
    for section in routine.sections:
        out.extend(_unnamed_side(section))
    if detail != "minimal":
        out.extend(_long_before_short(routine, timeline, spans))
    unique: dict[tuple[str, str], Finding] = {}
    for found in out:
        unique.setdefault((str(found.location), found.problem), found)
    return sorted(unique.values(), key=lambda f: (f.location.line, f.location.column))


def deictic(text: Text, language: str) -> list[Finding]:
    """Pointing phrases in any wording of ``text``."""
    out = []
    for option in text.options:
        for pattern in DEICTIC[language]:
            found = re.search(rf"\b{pattern}\b", option, re.IGNORECASE)
            if found is None:
                continue
            phrase = found[0]
            rewrite = option[: found.start()] + "[say where and how]" + option[found.end() :]
            out.append(
                Finding(
                    text.location,
                    f"{phrase!r} points at something a listener with eyes closed cannot see",
                    "say the position in words: which body part, which way, how far",
                    rewrite,
                )
            )
            break
    return out


def _posture_during(text: Text, language: str) -> list[Finding]:
    """A position change said during a timer (``then``, ``halfway``, encouragement)."""
    for option in text.options:
        found = re.search(POSTURE[language], option, re.IGNORECASE)
        if found is not None:
            return [
                Finding(
                    text.location,
                    f"a change of position ({found[0]!r}) is said while the timer runs, with "
                    "no time to move",
                    "give the new position its own step, announced with `setup:` or said "
                    "in the next step's instruction",
                    f"- hold: ...\n  setup: {option}",
                )
            ]
    return []


def _unnamed_side(section: Section) -> list[Finding]:
    """A sided section whose instructions never say which side is being worked."""
    if not section.sides:
        return []
    texts = [section.setup] if section.setup else []
    for step in _flat(section.steps):
        texts.extend(_step_texts(step))
    names = {"{side}", "{other_side}", *(side.lower() for side in section.sides)}
    for text in texts:
        if text is None:
            continue
        if any(name in option.lower() for option in text.options for name in names):
            return []
    first = next(
        (s for s in _flat(section.steps) if isinstance(s, (Hold, Repeat)) and s.text), None
    )
    sample = first.text.options[0] if first is not None and first.text else "..."
    return [
        Finding(
            section.location,
            f"the section {section.title!r} is done on each side, but no instruction names "
            "the side",
            "say it in the instruction with {side}, so a listener who missed the switch "
            "knows which leg",
            f"On the {{side}} side: {sample}",
        )
    ]


def _long_before_short(
    routine: Routine, timeline: Timeline, spans: Mapping[int, tuple[int, int]]
) -> Iterator[Finding]:
    """Instructions too long to take in before a short hold starts (once per step)."""
    seen: set[tuple[int, int]] = set()
    for index, unit in enumerate(performed_units(routine)):
        step = unit.step
        span = spans.get(index)
        if not isinstance(step, Hold) or step.text is None or span is None:
            continue
        where = (step.text.location.line, step.text.location.column)
        if where in seen:
            continue
        seen.add(where)
        length_s = seconds(span[1] - span[0])
        if length_s >= SHORT_HOLD_S:
            continue
        for option in step.text.options:
            words = len(option.split())
            if words > MAX_WORDS_BEFORE_SHORT_HOLD or (
                samples(words / _WORDS_PER_S) > (span[1] - span[0]) // 2
            ):
                first, _, rest = option.partition(". ")
                yield Finding(
                    step.text.location,
                    f"an instruction of {words} words before a {length_s:.0f} s hold is too "
                    "long to take in and act on",
                    "keep one short sentence before the timer; say the rest in a `say:` step "
                    "before it",
                    f"- say: {rest or first}\n- hold: ...\n  say: {first.rstrip('.')}.",
                )
                break


def _lines(routine: Routine) -> Iterator[tuple[Text, str]]:
    """Every spoken line of the routine, with whether it is said ``before`` a timer (and
    so may ask for a position) or ``during`` one."""
    for text in (routine.intro, routine.outro, *routine.safety):
        if text is not None:
            yield text, "before"
    for section in routine.sections:
        if section.setup is not None:
            yield section.setup, "before"
        for step in _flat(section.steps):
            for text in _step_texts(step):
                yield text, "before"
            if isinstance(step, Hold):
                during = [*step.then]
                if step.halfway is not None and step.halfway.options:
                    during.append(step.halfway)
                if step.encourage is not None:
                    during.append(step.encourage.text)
                for text in during:
                    yield text, "during"


def _step_texts(step: Step) -> list[Text]:
    """What a step says before its timer: its instruction and its setup."""
    texts: list[Text | None] = [getattr(step, "setup", None)]
    if isinstance(step, (Say, Hold, Repeat, Breathe)):
        texts.append(step.text)
    return [t for t in texts if t is not None]


def _flat(steps: tuple[Step, ...]) -> Iterator[Step]:
    for step in steps:
        if isinstance(step, Rounds):
            yield from step.steps
            if step.rest is not None:
                yield step.rest
        elif not isinstance(step, Rest):
            yield step
