"""Values the stages hand to each other: the compiled Timeline and its parts.

Times in the Timeline are whole samples at ``SAMPLE_RATE`` (names end in ``_sample``), so
every event sits on an exact sample; JSON and people see seconds (names end in ``_s``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

SAMPLE_RATE = 44100
TIMELINE_FORMAT = "voicecoach.timeline/1"

#: The audio formats a session can be written in, in the order offered (``export.FORMATS``
#: says how each is encoded; a test holds the two equal).
AudioFormat = Literal["mp3", "m4a", "ogg", "flac", "wav"]
AUDIO_FORMATS: tuple[AudioFormat, ...] = get_args(AudioFormat)

#: Paces a session can take without --length (``compiler.PACES`` says where each puts the
#: ranges; a test holds the two equal).
Pace = Literal["gentle", "normal", "brisk"]
PACES: tuple[Pace, ...] = get_args(Pace)

#: How much a session says: ``full`` is every line; ``brief`` drops what a regular no
#: longer needs; ``minimal`` keeps titles, sides, start tones, rounds, countdowns and the end.
Detail = Literal["full", "brief", "minimal"]
DETAILS: tuple[Detail, ...] = get_args(Detail)

#: What an event is. ``speech`` carries ``text``; the others name a ``sound``.
EventKind = Literal["speech", "chime", "breath_in", "breath_hold", "breath_out", "tick"]

#: Why an event is there; every value the compiler emits (the timeline JSON's ``cue``).
CueName = Literal[
    "intro",  # welcome, the routine's intro, equipment
    "greeting",  # the client's name, with --client
    "safety",  # safety notes at the start
    "transition",  # a new section: its sound and its title
    "side",  # the side to start on, or the bell and switch to the other side
    "next",  # announces the next step's tool or position change
    "instruction",  # a say step, or the instruction before a hold or repeat
    "chime",  # a chime step
    "start",  # the chime that starts a hold's timer after the lead-in
    "count",  # a repetition counted aloud, or its tick
    "countdown",  # the last seconds of a hold, spoken or ticked
    "halfway",  # the middle of a hold
    "remaining",  # time left in a very long hold
    "encourage",  # a hold's encouragement
    "then",  # a hold's ordered lines (`then:`), spread across it
    "round",  # the start of a round of a `rounds` group: its chime and "Round 2 of 3."
    "rest",  # a rest's announcement of what comes next
    "breath",  # breathing guidance, spoken or as tones
    "pace",  # a soft tick so no silence outlasts `max_silence`
    "section_done",  # the end of a sided section
    "ready",  # the end of an `until: ready` step: a player waits here for a tap
    "outro",  # the end of the session
]


def seconds(samples: int) -> float:
    """Samples to seconds, rounded to the microsecond for stable JSON."""
    return round(samples / SAMPLE_RATE, 6)


def samples(seconds_: float) -> int:
    """Seconds to the nearest whole sample."""
    return round(seconds_ * SAMPLE_RATE)


@dataclass(frozen=True)
class Voice:
    """Which engine speaks, with which voice, at which rate (words per minute)."""

    #: None: the routine and options named none; ``speech.resolve_voice`` picks the default
    #: (a natural voice when one is installed for the language, else espeak).
    engine: str | None = None
    name: str = "default"
    rate: int = 150
    #: The author's recordings, a folder relative to the routine (``speech/recordings.py``);
    #: a recorded line is said in the author's voice, the rest by the engine.
    recordings: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    """A warning (or, with ``--strict``, an error) about a compiled routine."""

    location: str
    message: str
    overflow_s: float = 0.0
    #: How to fix it, in the routine's own syntax, when there is one clear way.
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def format(self) -> str:
        """The text the CLI prints after ``warning: ``: the finding, then its hint."""
        return str(self) + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Event:
    """One thing heard at one moment.

    ``cue`` says why it is there (one of ``CueName``), ``step`` numbers the routine step
    it belongs to (0-based, session-wide, in the order of ``compiler.performed_units``) so
    players can jump between steps; ``line`` is that step's 1-based line in the routine file,
    so an editor can show where an event comes from.
    """

    start_sample: int
    end_sample: int
    kind: EventKind
    text: str | None = None
    sound: str | None = None
    section: str | None = None
    side: str | None = None
    cue: CueName | None = None
    step: int | None = None
    line: int | None = None
    #: A speech event said by the author's own recording, not the engine.
    recorded: bool = False

    @property
    def start_s(self) -> float:
        return seconds(self.start_sample)

    @property
    def end_s(self) -> float:
        return seconds(self.end_sample)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start_s": self.start_s,
            "end_s": self.end_s,
            "kind": self.kind,
        }
        for key in ("text", "sound", "section", "side", "cue", "step", "line"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.recorded:
            out["recorded"] = True
        return out


@dataclass(frozen=True)
class Wait:
    """A step that waits for the listener (``until: ready``) at ``at_sample``, its end.

    The audio file runs on through the step's written length; a player (the page, ``play``)
    pauses at ``at_sample`` until a tap, a key or the earphone's play. ``count`` is set for a
    ``count: self`` repeat: the player counts that many taps, each capped at ``cap_s``, from
    ``start_sample``.
    """

    step: int
    start_sample: int
    at_sample: int
    line: int | None = None
    count: int = 0
    cap_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.step,
            "start_s": seconds(self.start_sample),
            "at_s": seconds(self.at_sample),
        }
        if self.line is not None:
            out["line"] = self.line
        if self.count:
            out["count"] = self.count
            out["cap_s"] = self.cap_s
        return out


@dataclass(frozen=True)
class Chapter:
    """A named point to jump to: one per section, and one per side of a sided section."""

    start_sample: int
    title: str

    @property
    def start_s(self) -> float:
        return seconds(self.start_sample)


@dataclass(frozen=True)
class Music:
    """A background bed looped under the session and ducked under speech."""

    path: str
    volume_db: float = -20.0


@dataclass(frozen=True)
class Timeline:
    """The exact session: every event on its sample, chapters and metadata.

    ``sounds`` maps sound names used by events to files the routine names; names not in it
    come from the built-in audio assets.
    """

    routine_id: str
    title: str
    duration_sample: int
    events: tuple[Event, ...]
    chapters: tuple[Chapter, ...] = ()
    author: str = ""
    description: str = ""
    language: str = "en"
    voice: Voice = field(default_factory=Voice)
    safety: tuple[str, ...] = ()
    sounds: tuple[tuple[str, str], ...] = ()
    music: Music | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    #: Where every count range (reps, rounds) was settled, in [0, 1]: the compiler's
    #: ``rounds_at(routine, count_position)`` lists the steps this timeline performs.
    count_position: float = 0.5
    #: Spoken lines the compiler wanted but found no room for, by the lengths it was given
    #: (``then``, halfway, encouragement, ...): ``build`` measures them and compiles again,
    #: so a line is never dropped on an estimate alone. Not part of the JSON contract.
    unsaid: tuple[str, ...] = ()
    #: How much is said (``--detail``); the JSON names it only when not ``full``.
    detail: Detail = "full"
    #: Steps that wait for the listener (``until: ready``): (step, end sample of the step).
    waits: tuple[Wait, ...] = ()

    @property
    def duration_s(self) -> float:
        return seconds(self.duration_sample)

    def speech_texts(self) -> list[str]:
        """Distinct spoken texts in order of first use."""
        return list(dict.fromkeys(e.text for e in self.events if e.kind == "speech" and e.text))

    def with_recorded(self, texts: frozenset[str]) -> Timeline:
        """This timeline with the speech events of ``texts`` marked ``recorded``."""
        if not texts:
            return self
        events = tuple(
            replace(e, recorded=True) if e.kind == "speech" and e.text in texts else e
            for e in self.events
        )
        return replace(self, events=events)

    def to_json(self) -> dict[str, Any]:
        """The ``voicecoach.timeline/1`` contract other tools read."""
        return {
            "format": TIMELINE_FORMAT,
            "routine": self.routine_id,
            "title": self.title,
            "author": self.author,
            "description": self.description,
            "language": self.language,
            "sample_rate": SAMPLE_RATE,
            "duration_s": self.duration_s,
            "safety": list(self.safety),
            "chapters": [{"start_s": c.start_s, "title": c.title} for c in self.chapters],
            "events": [e.to_json() for e in self.events],
            **({"detail": self.detail} if self.detail != "full" else {}),
            **({"waits": [w.to_json() for w in self.waits]} if self.waits else {}),
        }


#: A step start closer than this after the previous point is folded into it.
_MERGE_S = 10.0
#: "Previous" within this much of a step's start goes to the step before (player and page).
STEP_BACK_S = 2.0


@dataclass(frozen=True)
class Step:
    """A place to jump to: a chapter or a routine step, with what is said there."""

    start_sample: int
    end_sample: int
    section: str
    side: str
    text: str


def steps_of(timeline: Timeline) -> tuple[Step, ...]:
    """Jump points of a session: every chapter, and every routine step not right after one.

    A side switch is announced just before its step's instruction; jumping to the
    chapter start keeps that announcement, so the two fold into one point.
    """
    points = sorted({c.start_sample for c in timeline.chapters} | {0})
    step_starts: dict[int, int] = {}
    for e in timeline.events:
        if e.step is not None:
            step_starts[e.step] = min(step_starts.get(e.step, e.start_sample), e.start_sample)
    for start in sorted(step_starts.values()):
        before = max((p for p in points if p <= start), default=0)
        if start - before > samples(_MERGE_S):
            points.append(start)
    points = sorted(set(points))
    ends = [*points[1:], timeline.duration_sample]
    out = []
    for start, end in zip(points, ends, strict=True):
        inside = [e for e in timeline.events if start <= e.start_sample < end and e.text]
        spoken = [e for e in inside if e.kind == "speech"]
        main = next((e for e in spoken if e.cue == "instruction"), spoken[0] if spoken else None)
        first = inside[0] if inside else None
        chosen = main or first
        section = chosen.section if chosen else None
        side = chosen.side if chosen else None
        out.append(
            Step(start, end, section or "", side or "", main.text if main and main.text else "")
        )
    return tuple(out)


# -- check-ins: what a share page sends back to the therapist ------------------------------

#: The format name inside every check-in file a share page writes.
CHECKIN_FORMAT = "voicecoach.checkin/1"

#: How hard a session felt, as the page asks it (one list, used by page, import and studio).
Difficulty = Literal["easy", "right", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "right", "hard")


@dataclass(frozen=True)
class ShareKey:
    """Who a share is and how its check-ins are signed: minted once per share.

    ``share_id`` names the share in every check-in file; ``key_hex`` (32 random bytes) signs
    them with HMAC-SHA256. Both go into the page and into the clinic's check-in database.
    """

    share_id: str
    key_hex: str

    @staticmethod
    def mint() -> ShareKey:
        import secrets

        return ShareKey(secrets.token_hex(8), secrets.token_hex(32))
