"""Planning the cues inside a hold: what is said or sounded, where, without overlap.

Part of the compiler stage: ``layout.py`` calls ``hold_cues`` and ``place`` for every
hold and turns the placements into events. Everything here is a pure function of its
arguments (the hold, its timer's span, what the words depend on, how long things last),
so the rules for a hold (countdown, halfway, time-remaining check-ins, the next step's
announcement, ``then`` lines, encouragement, breathing) can be read and tested on their
own, and do not depend on what the compiler did before.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import SAMPLE_RATE, CueName, EventKind, samples
from ..phrases import Phrases
from ..routine import Breathing, HandsFree, Hold, fill
from ..timing import tone_name
from .measure import Measure

#: The least silence kept between two cues of a hold.
CUE_MARGIN = samples(0.25)


@dataclass(frozen=True, eq=False)
class Cue:
    """A candidate cue inside a hold; higher priority is placed first.

    ``start_sample`` is where the cue wants to start, or, for a cue that ``follows``
    another, how long after that one's placed start. Priority 3 (countdown) and 4 (the
    start chime) are never moved; ``movable`` cues slide past what is in the way (earlier
    for ``backward`` ones, which want to end at the limit); the rest drop.
    """

    priority: int
    start_sample: int
    kind: EventKind
    cue: CueName
    text: str | None = None
    sound: str | None = None
    movable: bool = False
    follows: Cue | None = None
    backward: bool = False
    #: For a ``then`` line: its index in the hold's ``then`` (to report one that drops).
    origin: int | None = None


@dataclass(frozen=True)
class HoldWords:
    """What the wording of a hold's cues depends on."""

    phrases: Phrases
    seed: int
    side: str | None
    sides: tuple[str, ...]
    client: str | None
    #: ``cues: gentle``: sounds instead of counted and halfway words.
    gentle: bool


@dataclass(frozen=True)
class Placed:
    """A cue given its place: it sounds from ``start_sample`` for ``length_sample``."""

    cue: Cue
    start_sample: int
    length_sample: int

    @property
    def end_sample(self) -> int:
        return self.start_sample + self.length_sample


def hold_cues(
    hold: Hold,
    start: int,
    end: int,
    words: HoldWords,
    limits: HandsFree,
    next_line: str | None = None,
) -> list[Cue]:
    """Every cue a hold timed from ``start`` to ``end`` (samples) would like to have.

    ``next_line`` announces the following step's setup near the end of the hold.
    Automatic countdowns and halfway cues are left out of holds shorter than ``limits``.
    """
    p = words.phrases
    length = end - start
    cues: list[Cue] = []
    countdown = hold.countdown
    if hold.countdown_auto and length < samples(limits.countdown_from_s):
        countdown = 0
    for k in range(countdown, 0, -1):
        at = end - k * SAMPLE_RATE
        if words.gentle:
            cues.append(Cue(3, at, "tick", "countdown", sound="tick"))
        else:
            cues.append(Cue(3, at, "speech", "countdown", p.number(k)))
    halfway_off = hold.halfway_auto and length < samples(limits.halfway_from_s)
    if hold.halfway is not None and not halfway_off:
        middle = start + length // 2
        if words.gentle:
            cues.append(Cue(2, middle, "chime", "halfway", sound="chime", movable=True))
        else:
            if hold.halfway.options:
                text = hold.halfway.pick(words.seed, words.side or "")
                text = fill(text, words.side, words.sides, words.client)
            else:
                text = p.say("halfway")
            cues.append(Cue(2, middle, "speech", "halfway", text, movable=True))
    if length >= samples(limits.check_in_from_s):
        cues.extend(check_ins(start, end, p))
    if next_line is not None:
        cues.append(Cue(2, end, "speech", "next", next_line, movable=True, backward=True))
    cues.extend(then_cues(hold, start, end - countdown * SAMPLE_RATE, words))
    if hold.encourage is not None:
        every = samples(hold.encourage.every_s)
        for n, at in enumerate(range(start + every, end, every)):
            text = hold.encourage.text.pick(words.seed, f"{n}")
            text = fill(text, words.side, words.sides, words.client)
            cues.append(Cue(1, at, "speech", "encourage", text, movable=True))
    if hold.breathing is not None:
        cues.extend(breath_cues(hold.breathing, start, end, p, words.gentle))
    return cues


def then_cues(hold: Hold, start: int, until: int, words: HoldWords) -> list[Cue]:
    """A hold's ``then`` lines, in order, line ``i`` of ``n`` wanting ``start + i/n`` of the
    time before the countdown (``until``), so each move gets an equal share of the hold.

    They are placed before other cues of their priority (``place``) and only move later,
    so the lines that fit are said in the order written.
    """
    n = len(hold.then)
    cues = []
    for i, line in enumerate(hold.then):
        text = fill(line.pick(words.seed, words.side or ""), words.side, words.sides, words.client)
        at = start + (until - start) * i // n
        cues.append(Cue(2, at, "speech", "then", text, movable=True, origin=i))
    return cues


def check_ins(start: int, end: int, phrases: Phrases) -> list[Cue]:
    """'Time remaining' cues for very long holds: each minute left, and 30 s left."""
    text = phrases.say("remaining_seconds", n="30")
    cues = [Cue(2, end - samples(30), "speech", "remaining", text, movable=True)]
    minutes = 1
    while end - samples(60 * minutes) > start + samples(20):
        key = "remaining_minute" if minutes == 1 else "remaining_minutes"
        text = phrases.say(key, n=str(minutes))
        cues.append(Cue(2, end - samples(60 * minutes), "speech", "remaining", text, movable=True))
        minutes += 1
    return cues


#: Silence at the end of each phase's tone, so the next phase is heard to begin (and the
#: cues of a hold, kept `CUE_MARGIN` apart, can follow each other).
TONE_GAP_S = 0.3
_PHASE_KIND: dict[str, EventKind] = {
    "in": "breath_in",
    "hold": "breath_hold",
    "out": "breath_out",
    "rest": "breath_hold",
}
_PHASE_WORD = {
    "in": "breath_phase_in",
    "hold": "breath_phase_hold",
    "out": "breath_phase_out",
    "rest": "breath_phase_hold_out",
}


@dataclass(frozen=True)
class Phase:
    """One phase of a breath: ``name`` (in, hold, out, rest) from ``offset`` for ``length``
    samples into the cycle."""

    name: str
    offset: int
    length: int

    @property
    def kind(self) -> EventKind:
        return _PHASE_KIND[self.name]

    @property
    def word_key(self) -> str:
        """The phrase that says this phase ("In...", "hold...", "and out.")."""
        return _PHASE_WORD[self.name]

    @property
    def tone(self) -> str:
        """The tone that guides it: rising, still or falling, a little shorter than it."""
        return tone_name(self.name, max(self.length / SAMPLE_RATE - TONE_GAP_S, 0.2))


def breath_phases(breathing: Breathing) -> list[Phase]:
    """The phases of one breath, held ones only when they have a length; offsets add up
    exactly, so every cycle and phase starts on a whole sample of the planned rhythm."""
    out, at = [], 0
    for name, length_s in (
        ("in", breathing.inhale_s),
        ("hold", breathing.hold_s),
        ("out", breathing.exhale_s),
        ("rest", breathing.hold_out_s),
    ):
        length = samples(length_s)
        if length > 0:
            out.append(Phase(name, at, length))
        at += length
    return out


def breath_cues(
    breathing: Breathing, start: int, end: int, phrases: Phrases, gentle: bool
) -> list[Cue]:
    """Breathing guidance over a hold: paired tones each cycle, or spoken every so often
    (every cycle with ``every: cycle``). A pattern with held breaths is guided by phase:
    tones that rise, stay and fall, or "hold" said where the breath is held."""
    inhale = samples(breathing.inhale_s)
    cycle = inhale + samples(breathing.exhale_s)
    cues: list[Cue] = []
    patterned = breathing.hold_s > 0 or breathing.hold_out_s > 0
    if patterned:
        cycle = sum(p.length for p in breath_phases(breathing))
    tones = breathing.guide == "tones" or (gentle and breathing.guide == "spoken")
    if patterned and tones:
        for at in range(start, end - cycle + 1, cycle):
            phases = breath_phases(breathing)
            lead = Cue(0, at, phases[0].kind, "breath", sound=phases[0].tone, movable=True)
            cues.append(lead)
            cues.extend(
                Cue(0, p.offset, p.kind, "breath", sound=p.tone, follows=lead) for p in phases[1:]
            )
    elif patterned and breathing.guide == "spoken":
        every = cycle if breathing.every_s == 0 else samples(breathing.every_s)
        for n, at in enumerate(range(start, end - cycle + 1, every)):
            lead = Cue(0, at, "speech", "breath", phrases.say("breathe_in", f"{n}"), movable=True)
            cues.append(lead)
            for p in breath_phases(breathing)[1:]:
                key = "breathe_out" if p.name == "out" else p.word_key
                text = phrases.say(key, f"{n}")
                cues.append(Cue(0, p.offset, "speech", "breath", text, follows=lead))
    elif tones:
        # The in-tone slides past what is in its way (the timer's first one meets the start
        # sound) and the out-tone keeps one inhale after it: a pair is heard whole or not.
        for at in range(start, end - cycle + 1, cycle):
            first = Cue(0, at, "breath_in", "breath", sound="breath_in", movable=True)
            second = Cue(0, inhale, "breath_out", "breath", sound="breath_out", follows=first)
            cues.extend((first, second))
    elif breathing.guide == "spoken":
        every = cycle if breathing.every_s == 0 else samples(breathing.every_s)
        for n, at in enumerate(range(start, end - cycle + 1, every)):
            breathe_in = phrases.say("breathe_in", f"{n}")
            first = Cue(0, at, "speech", "breath", breathe_in, movable=True)
            breathe_out = phrases.say("breathe_out", f"{n}")
            second = Cue(0, inhale, "speech", "breath", breathe_out, follows=first)
            cues.extend((first, second))
    return cues


def place(cues: list[Cue], start: int, end: int, measure: Measure) -> list[Placed]:
    """Places cues without overlap, stronger first; the weaker move later or drop.

    Returns the placed cues in the order they were placed (strongest first), each inside
    ``start..end``; weaker cues also stay clear of the countdown. A cue that ``follows``
    another is placed with it or not at all, and the other then goes too.
    """
    taken: list[tuple[int, int]] = []
    placed: dict[int, int] = {}
    countdown_at = min((c.start_sample for c in cues if c.cue == "countdown"), default=end)
    out: list[Placed] = []

    def order(i: int) -> tuple[int, bool, int, int]:
        cue = cues[i]
        return (-cue.priority, cue.cue != "then", (cue.follows or cue).start_sample, i)

    for i in sorted(range(len(cues)), key=order):
        cue = cues[i]
        want = cue.start_sample
        if cue.follows is not None:
            lead = placed.get(id(cue.follows))
            if lead is None:
                continue
            want = lead + cue.start_sample
        length = measure.speech(cue.text) if cue.text else measure.sound(cue.sound or "")
        limit = end if cue.priority >= 3 else countdown_at - CUE_MARGIN
        if cue.backward:
            want = limit - length
        at = _slot(want, length, cue, taken, start, limit)
        if at is None:
            continue
        taken.append((at, at + length))
        placed[id(cue)] = at
        out.append(Placed(cue, at, length))
    # A breath in without its breath out is worse than neither: a lead whose follower
    # found no room goes too, and with it its other followers.
    alone = {id(c.follows) for c in cues if c.follows is not None and id(c) not in placed}
    return [
        found
        for found in out
        if id(found.cue) not in alone
        and (found.cue.follows is None or id(found.cue.follows) not in alone)
    ]


def _slot(
    want: int, length: int, cue: Cue, taken: list[tuple[int, int]], floor: int, limit: int
) -> int | None:
    """The nearest start to ``want`` that overlaps nothing and fits in ``floor..limit``.

    Countdown words (priority 3) and the start cue are never moved; movable cues slide
    past what is in the way (later, or earlier for ``backward`` cues); the rest drop.
    """
    at = want
    while True:
        clash = [(a, b) for a, b in taken if a < at + length + CUE_MARGIN and at < b + CUE_MARGIN]
        if not clash or cue.priority >= 3:
            break
        if not cue.movable:
            return None
        if cue.backward:
            at = min(a for a, _ in clash) - length - CUE_MARGIN
            if at < floor:
                return None
        else:
            at = max(b for _, b in clash) + CUE_MARGIN
    if cue.priority < 3 and (at + length > limit or at < floor):
        return None
    return at
