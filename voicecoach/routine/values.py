"""The checked routine as values: what the parser returns and the compiler reads.

Kept apart from the parser so that a reader (or a later stage) can see the whole shape of
a routine on one page, without the YAML plumbing that builds it. Every class is frozen:
once parsed, a routine never changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..errors import Location
from ..model import Music, Voice


@dataclass(frozen=True)
class Span:
    """A fixed value (``lo == hi``) or a range resolved later by the target length."""

    lo: float
    hi: float

    @property
    def is_range(self) -> bool:
        return self.hi > self.lo

    def at(self, t: float) -> float:
        """The value at position ``t`` in [0, 1] of the range."""
        return self.lo + (self.hi - self.lo) * t


@dataclass(frozen=True)
class Text:
    """A spoken line: one or more alternative wordings, with where it was written."""

    options: tuple[str, ...]
    location: Location

    def pick(self, seed: int, salt: str = "") -> str:
        """A stable choice: the same seed and place always give the same wording."""
        if len(self.options) == 1:
            return self.options[0]
        rng = random.Random(f"{seed}:{self.location.line}:{self.location.column}:{salt}")
        return rng.choice(self.options)


@dataclass(frozen=True)
class Breathing:
    """A breath cycle (in, held, out, held out) and how it is guided.

    ``every_s`` 0 means every cycle (``every: cycle``); otherwise one guided breath every
    ``every_s``.
    """

    inhale_s: float = 4.0
    exhale_s: float = 6.0
    guide: str = "spoken"
    every_s: float = 30.0
    hold_s: float = 0.0
    hold_out_s: float = 0.0

    @property
    def cycle_s(self) -> float:
        return self.inhale_s + self.hold_s + self.exhale_s + self.hold_out_s


@dataclass(frozen=True)
class Encourage:
    every_s: float
    text: Text


@dataclass(frozen=True)
class HandsFree:
    """Limits of the hands-free lint; a routine may loosen or tighten them."""

    max_silence_s: float = 20.0
    lead_in_s: float = 5.0
    halfway_from_s: float = 20.0
    countdown_from_s: float = 10.0
    check_in_from_s: float = 90.0
    #: Also read the words (deictic phrases, unnamed sides...); ``words: false`` turns it off.
    words: bool = True


#: The least detailed level (``--detail``) a line is still said at: ``full`` lines are
#: dropped from brief and minimal sessions; ``minimal`` lines are said at every level.
LineDetail = str


@dataclass(frozen=True)
class Say:
    text: Text
    location: Location
    setup: Text | None = None
    #: The least detailed level this line is said at (None: brief).
    detail: LineDetail | None = None


@dataclass(frozen=True)
class Pause:
    duration: Span
    location: Location
    setup: Text | None = None
    #: The quiet is intended (the hands-free lint does not call a long pause dead air).
    silent: bool = False


@dataclass(frozen=True)
class Hold:
    duration: Span
    location: Location
    text: Text | None = None
    lead_in_s: float = 5.0
    breathing: Breathing | None = None
    halfway: Text | None = None
    countdown: int = 0
    encourage: Encourage | None = None
    setup: Text | None = None
    #: Lines said in this order, spread evenly across the hold (``then:``).
    then: tuple[Text, ...] = ()
    #: Not set in the file: the compiler decides from the hold's resolved length.
    halfway_auto: bool = False
    countdown_auto: bool = False
    #: The least detailed level its instruction is said at (None: brief).
    detail: LineDetail | None = None
    #: ``until: ready``: a player waits at the end of the hold for the listener.
    until_ready: bool = False


@dataclass(frozen=True)
class Repeat:
    count: Span
    location: Location
    text: Text | None = None
    each_s: float = 6.0
    count_aloud: bool = True
    lead_in_s: float = 0.0
    setup: Text | None = None
    detail: LineDetail | None = None
    until_ready: bool = False
    #: ``count: self``: a player counts each repetition on a tap, up to ``count``.
    count_self: bool = False
    #: With ``count_self``: the longest a player waits for one tap before counting on.
    cap_s: float = 0.0


@dataclass(frozen=True)
class Chime:
    sound: str
    location: Location
    setup: Text | None = None


@dataclass(frozen=True)
class Rest:
    """A rest: says what comes next and how long it lasts, then counts down into it."""

    duration: Span
    location: Location
    setup: Text | None = None
    until_ready: bool = False


@dataclass(frozen=True)
class Breathe:
    """A guided breathing exercise: ``pattern`` for a length or a number of cycles.

    The first ``spoken`` cycles are said ("In... hold... and out"); tones guide the rest.
    """

    pattern: Breathing
    location: Location
    duration: Span | None = None
    cycles: int = 0
    spoken: int = 2
    setup: Text | None = None
    detail: LineDetail | None = None
    #: What to do, said before the first breath.
    text: Text | None = None


@dataclass(frozen=True)
class Rounds:
    """Steps performed ``count`` times, with an optional ``rest`` before each later round.

    Rounds do not nest: ``steps`` holds no ``Rounds``. The compiler performs each round's
    steps as steps of their own (``compiler.units``).
    """

    count: Span
    steps: tuple[Step, ...]
    location: Location
    rest: Rest | None = None
    setup: Text | None = None


Step = Say | Pause | Hold | Repeat | Chime | Rest | Breathe | Rounds


@dataclass(frozen=True)
class Section:
    title: str
    steps: tuple[Step, ...]
    location: Location
    sides: tuple[str, ...] = ()
    transition: str | None = "chime"
    setup: Text | None = None


@dataclass(frozen=True)
class Routine:
    """A checked routine: everything the compiler needs, includes already expanded."""

    id: str
    title: str
    sections: tuple[Section, ...]
    location: Location
    author: str = ""
    description: str = ""
    language: str = "en"
    seed: int = 0
    gap_s: float = 1.0
    voice: Voice = field(default_factory=Voice)
    breathing: Breathing = field(default_factory=Breathing)
    equipment: tuple[str, ...] = ()
    intro: Text | None = None
    outro: Text | None = None
    safety: tuple[Text, ...] = ()
    sounds: tuple[tuple[str, str], ...] = ()
    music: Music | None = None
    base_dir: str = "."
    cues: str = "spoken"
    hands_free: HandsFree = field(default_factory=HandsFree)
    pronounce: tuple[tuple[str, str], ...] = ()
    #: Where each sound or music file is named in the routine: (file as written, location).
    file_locations: tuple[tuple[str, Location], ...] = ()
