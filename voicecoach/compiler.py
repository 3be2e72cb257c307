"""Stage 2: turn a checked Routine into a Timeline of events on exact samples.

``compile_routine`` is pure: the only outside knowledge it needs is how long each spoken
line and sound lasts, given by a ``Measure``. ``plan`` passes estimates from the voice's
rate; ``build`` passes the measured clip lengths, so the same code gives the exact
timeline of the finished audio.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from . import handsfree
from .errors import RoutineError, UserError
from .model import SAMPLE_RATE, Chapter, Diagnostic, Event, Timeline, samples, seconds
from .phrases import Phrases
from .routine import (
    Breathing,
    Chime,
    Hold,
    Pause,
    Repeat,
    Routine,
    Say,
    Section,
    Step,
    Text,
    clean_client_name,
    fill,
)

MAX_SESSION_S = 12 * 3600
#: Pace: where ranges sit without --length (0 = shortest, 1 = longest) and a gap scale.
PACES = {"gentle": (0.85, 1.4), "normal": (0.5, 1.0), "brisk": (0.15, 0.7)}
LENGTH_TOLERANCE_S = 2.0
_CUE_MARGIN = samples(0.25)
_OPENING = samples(0.5)
_LINE_GAP = samples(0.6)
_TAIL = samples(2.0)

#: Lengths of the built-in sounds (kept equal to the files in ``audio_assets``).
BUILTIN_SOUND_S = {
    "chime": 1.2,
    "bell": 1.5,
    "breath_in": 1.0,
    "breath_out": 1.0,
    "tick": 0.08,
    "start": 0.5,
}


class Measure(Protocol):
    """How long things last, in samples."""

    def speech(self, text: str) -> int: ...

    def sound(self, name: str) -> int: ...


@dataclass(frozen=True)
class Estimate:
    """Speech length from the voice rate (words per minute); used by ``plan``."""

    rate: int = 150
    sound_s: Mapping[str, float] = field(default_factory=lambda: dict(BUILTIN_SOUND_S))

    def speech(self, text: str) -> int:
        words = len(text.split())
        pauses = sum(text.count(c) for c in ".,;:!?")
        return samples(0.15 + words * 60.0 / self.rate + 0.2 * pauses)

    def sound(self, name: str) -> int:
        return samples(self.sound_s.get(name, 1.0))


@dataclass(frozen=True)
class Measured:
    """Exact lengths of synthesized clips and loaded sounds; unknown text is estimated."""

    speech_sample: Mapping[str, int]
    sound_sample: Mapping[str, int]
    fallback: Estimate = field(default_factory=Estimate)

    def speech(self, text: str) -> int:
        found = self.speech_sample.get(text)
        return found if found is not None else self.fallback.speech(text)

    def sound(self, name: str) -> int:
        found = self.sound_sample.get(name)
        return found if found is not None else self.fallback.sound(name)


def compile_routine(
    routine: Routine,
    measure: Measure | None = None,
    *,
    length_s: float | None = None,
    seed: int | None = None,
    pace: str = "normal",
    client: str | None = None,
) -> Timeline:
    """The session's timeline; with ``length_s``, ranges are chosen to land on that length.

    ``pace`` (gentle, normal, brisk) sets where ranges sit and scales the gaps; with
    ``length_s`` the gaps stay scaled and the ranges are fitted to the length. ``client``
    adds a personal greeting and fills ``{client}`` in the routine's text.

    Raises ``RoutineError`` when the target length cannot be reached (naming the shortest
    and longest possible) or the session would exceed 12 hours.
    """
    measure = measure or Estimate(routine.voice.rate)
    seed = routine.seed if seed is None else seed
    if pace not in PACES:
        raise UserError(f"unknown pace {pace!r}", f"use --pace {'|'.join(PACES)}")
    position, gap_scale = PACES[pace]
    client = clean_client_name(client) if client else None
    if length_s is None:
        timeline = _Compiler(routine, measure, seed, position, position, gap_scale, client).run()
    else:
        timeline = _fit_length(routine, measure, seed, length_s, gap_scale, client)
    lint = handsfree.lint(routine, timeline)
    timeline = replace(timeline, diagnostics=timeline.diagnostics + tuple(lint))
    if timeline.duration_s > MAX_SESSION_S:
        raise RoutineError(
            routine.location,
            f"the session would last {_clock(timeline.duration_s)}; the limit is 12 hours",
            "shorten holds or repeats, or pass a shorter --length",
        )
    return timeline


def _fit_length(
    routine: Routine,
    measure: Measure,
    seed: int,
    target_s: float,
    gap_scale: float,
    client: str | None,
) -> Timeline:
    """Finds range positions (durations and counts) whose total lands on ``target_s``."""

    def run(t_count: float, t_time: float) -> Timeline:
        return _Compiler(routine, measure, seed, t_count, t_time, gap_scale, client).run()

    shortest, longest = run(0.0, 0.0), run(1.0, 1.0)
    if not (
        shortest.duration_s - LENGTH_TOLERANCE_S
        <= target_s
        <= longest.duration_s + LENGTH_TOLERANCE_S
    ):
        raise RoutineError(
            routine.location,
            f"a length of {_clock(target_s)} is out of reach: this routine lasts between "
            f"{_clock(shortest.duration_s)} and {_clock(longest.duration_s)}",
            "pick a --length in that range, or change the ranges in the routine",
        )

    def search(fn: Callable[[float], Timeline]) -> Timeline:
        lo, hi = 0.0, 1.0
        best = fn(0.5)
        for _ in range(30):
            mid = (lo + hi) / 2
            timeline = fn(mid)
            if abs(timeline.duration_s - target_s) < abs(best.duration_s - target_s):
                best = timeline
            if timeline.duration_s < target_s:
                lo = mid
            else:
                hi = mid
            if abs(best.duration_s - target_s) <= 0.05:
                break
        return best

    best = search(lambda t: run(t, t))
    if abs(best.duration_s - target_s) <= LENGTH_TOLERANCE_S:
        return best
    # Counts move in whole repetitions; settle them, then tune durations continuously.
    for step in range(21):
        t_count = step / 20
        candidate = search(lambda t, tc=t_count: run(tc, t))
        if abs(candidate.duration_s - target_s) < abs(best.duration_s - target_s):
            best = candidate
        if abs(best.duration_s - target_s) <= LENGTH_TOLERANCE_S:
            break
    return best


def _clock(s: float) -> str:
    s = round(s)
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


@dataclass
class _Cue:
    """A candidate cue inside a hold; higher priority is placed first."""

    priority: int
    start: int
    kind: str
    cue: str
    text: str | None = None
    sound: str | None = None
    movable: bool = False
    follows: _Cue | None = None
    backward: bool = False


@dataclass(frozen=True)
class _Unit:
    """One step as performed: in its section, on one side, with what to set up first."""

    section: Section
    side_index: int
    side: str | None
    step: Step
    setup: Text | None


class _Compiler:
    """One pass over a routine at fixed range positions; ``run`` gives the Timeline."""

    def __init__(
        self,
        routine: Routine,
        measure: Measure,
        seed: int,
        t_count: float,
        t_time: float,
        gap_scale: float = 1.0,
        client: str | None = None,
    ) -> None:
        self.routine = routine
        self.measure = measure
        self.seed = seed
        self.t_count = t_count
        self.t_time = t_time
        self.phrases = Phrases(routine.language, seed)
        self.gap = samples(routine.gap_s * gap_scale)
        self.gentle = routine.cues == "gentle"
        self.client = client
        self.next_setup: str | None = None
        self.upcoming = -1
        self.announced: set[int] = set()
        self.cursor = _OPENING
        self.events: list[Event] = []
        self.chapters: list[Chapter] = []
        self.diagnostics: dict[tuple[str, str], Diagnostic] = {}
        self.step = -1
        self.in_step = False
        self.section: str | None = None
        self.side: str | None = None

    # -- emitting ---------------------------------------------------------------------------

    def speak(self, at: int, text: str, cue: str) -> int:
        """Adds a speech event starting at ``at``; returns its end."""
        end = at + self.measure.speech(text)
        self.events.append(
            Event(at, end, "speech", text=text, section=self.section, side=self.side, cue=cue,
                  step=self.step if self.in_step else None)
        )  # fmt: skip
        return end

    def sound(self, at: int, name: str, cue: str, kind: str = "chime") -> int:
        end = at + self.measure.sound(name)
        self.events.append(
            Event(at, end, kind, sound=name, section=self.section, side=self.side, cue=cue,
                  step=self.step if self.in_step else None)
        )  # fmt: skip
        return end

    def line(self, text: str, cue: str, gap: int | None = None) -> None:
        """Speaks at the cursor and moves the cursor past the line and a gap."""
        self.cursor = self.speak(self.cursor, text, cue) + (self.gap if gap is None else gap)

    def warn(self, location: object, message: str, overflow: int = 0) -> None:
        key = (str(location), message)
        self.diagnostics.setdefault(key, Diagnostic(str(location), message, seconds(overflow)))

    def pick(self, text: Text, sides: tuple[str, ...] = ()) -> str:
        return fill(text.pick(self.seed, self.side or ""), self.side, sides, self.client)

    # -- the session ------------------------------------------------------------------------

    def run(self) -> Timeline:
        r = self.routine
        p = self.phrases
        self.chapters.append(Chapter(0, "Introduction"))
        self.line(p.say("welcome", title=r.title), "intro", _LINE_GAP)
        if self.client:
            self.line(p.say("greeting", client=self.client), "greeting", _LINE_GAP)
        if r.intro:
            self.line(self.pick(r.intro), "intro", _LINE_GAP)
        if r.equipment:
            self.line(p.say("equipment", items=p.join(r.equipment)), "intro", _LINE_GAP)
        if r.safety:
            self.line(p.say("safety_intro"), "safety", _LINE_GAP)
            for note in r.safety:
                self.line(self.pick(note), "safety", _LINE_GAP)
        self.cursor += self.gap
        units = self.units()
        for i, unit in enumerate(units):
            following = units[i + 1] if i + 1 < len(units) else None
            self.run_unit(i, unit, following)
        self.section = self.side = None
        self.cursor = self.sound(self.cursor, "bell", "outro") + samples(0.3)
        self.line(p.say("session_complete"), "outro", _LINE_GAP)
        if r.outro:
            self.line(self.pick(r.outro), "outro", _LINE_GAP)
        last = max(e.end_sample for e in self.events)
        events = self.fill_silence(
            sorted(self.events, key=lambda e: (e.start_sample, e.kind != "speech"))
        )
        timeline = Timeline(
            routine_id=r.id,
            title=r.title,
            duration_sample=last + _TAIL,
            events=tuple(events),
            chapters=tuple(self.chapters),
            author=r.author,
            description=r.description,
            language=r.language,
            voice=r.voice,
            safety=tuple(fill(note.pick(self.seed), None, (), self.client) for note in r.safety),
            sounds=r.sounds,
            music=r.music,
            diagnostics=tuple(self.diagnostics.values()),
        )
        return timeline

    def fill_silence(self, events: list[Event]) -> list[Event]:
        """Adds soft pace ticks so no silence outlasts the routine's ``max_silence``.

        A listener with eyes closed must never wonder whether the session still runs.
        """
        limit = samples(self.routine.hands_free.max_silence_s)
        tick = self.measure.sound("tick")
        out: list[Event] = []
        for event, following in zip(events, [*events[1:], None], strict=True):
            out.append(event)
            if following is None or following.start_sample - event.end_sample <= limit:
                continue
            gap = following.start_sample - event.end_sample
            count = -(-gap // (limit - tick - samples(1))) - 1
            spacing = gap // (count + 1)
            for k in range(1, count + 1):
                at = event.end_sample + k * spacing
                out.append(
                    Event(at, at + tick, "tick", sound="tick", section=event.section,
                          side=event.side, cue="pace", step=event.step)
                )  # fmt: skip
        return sorted(out, key=lambda e: (e.start_sample, e.kind != "speech"))

    def units(self) -> list[_Unit]:
        """The session as performed, step by step, each side expanded."""
        out = []
        for section in self.routine.sections:
            for i, side in enumerate(section.sides or (None,)):
                for n, step in enumerate(section.steps):
                    setup = step.setup or (section.setup if n == 0 else None)
                    out.append(_Unit(section, i, side, step, setup))
        return out

    def run_unit(self, index: int, unit: _Unit, following: _Unit | None) -> None:
        """Announces a new section or side when one begins, then performs the step."""
        p = self.phrases
        section, side, sides = unit.section, unit.side, unit.section.sides
        if unit.step is section.steps[0]:
            self.section, self.side = section.title, side
            title = f"{section.title} ({side})" if side else section.title
            self.chapters.append(Chapter(self.cursor, title))
            if unit.side_index == 0:
                if section.transition:
                    self.cursor = self.sound(self.cursor, section.transition, "transition")
                    self.cursor += samples(0.3)
                self.line(p.say("section", title=section.title), "transition", _LINE_GAP)
            else:
                self.cursor = self.sound(self.cursor, "bell", "side") + samples(0.3)
            if side:
                key = "side_first" if unit.side_index == 0 else "side_switch"
                salt = f"{section.title}:{unit.side_index}"
                self.line(p.say(key, salt=salt, side=side), "side")
        self.step += 1
        self.in_step = True
        if unit.setup is not None and index not in self.announced:
            self.line(p.say("next", f"{index}", what=self.pick(unit.setup, sides)), "next")
        self.next_setup = None
        if following is not None and following.setup is not None:
            self.next_setup = self.pick_for(following)
            self.upcoming = index + 1
        self.run_step(unit.step, sides)
        self.in_step = False
        last_side = unit.side_index == len(sides) - 1
        if sides and last_side and unit.step is section.steps[-1]:
            self.line(p.say("section_done", section.title, title=section.title), "section_done")

    def pick_for(self, unit: _Unit) -> str:
        """A following unit's setup text, filled for that unit's side."""
        assert unit.setup is not None
        text = unit.setup.pick(self.seed, unit.side or "")
        return fill(text, unit.side, unit.section.sides, self.client)

    def run_step(self, step: Step, sides: tuple[str, ...]) -> None:
        if isinstance(step, Say):
            self.line(self.pick(step.text, sides), "instruction")
        elif isinstance(step, Pause):
            self.cursor += samples(step.duration.at(self.t_time))
        elif isinstance(step, Chime):
            self.cursor = self.sound(self.cursor, step.sound, "chime") + self.gap
        elif isinstance(step, Hold):
            self.run_hold(step, sides)
        elif isinstance(step, Repeat):
            self.run_repeat(step, sides)

    def instruction(self, text: Text | None, sides: tuple[str, ...], lead_in_s: float) -> int:
        """Speaks a step's instruction; returns where its timer starts (after the lead-in)."""
        if text is None:
            return self.cursor
        end = self.speak(self.cursor, self.pick(text, sides), "instruction")
        return end + samples(lead_in_s)

    def run_hold(self, hold: Hold, sides: tuple[str, ...]) -> None:
        length = samples(hold.duration.at(self.t_time))
        begin = self.cursor
        start = self.instruction(hold.text, sides, hold.lead_in_s)
        if hold.text is not None:
            spoken = start - begin - samples(hold.lead_in_s)
            if spoken > length:
                self.warn(
                    hold.location,
                    f"the instruction ({seconds(spoken):.1f} s) is longer than the hold it "
                    f"introduces ({seconds(length):.1f} s)",
                    spoken - length,
                )
        end = start + length
        cues = self.hold_cues(hold, sides, start, end)
        if hold.lead_in_s > 0 and hold.text is not None:
            cues.append(_Cue(4, start, "chime", "start", sound="start"))
        last = self.place(cues, start, end, hold)
        self.cursor = max(end, last) + self.gap

    def run_repeat(self, repeat: Repeat, sides: tuple[str, ...]) -> None:
        """Repetitions at a steady pace, each counted aloud or marked by a soft tick."""
        count = round(repeat.count.at(self.t_count))
        each = samples(repeat.each_s)
        start = self.instruction(repeat.text, sides, repeat.lead_in_s)
        if repeat.text is not None and repeat.lead_in_s == 0:
            start += samples(0.5)
        last = start
        for k in range(count):
            at = start + k * each
            if repeat.count_aloud:
                word = self.phrases.number(k + 1)
                end = self.speak(at, word, "count")
                if end - at > each:
                    self.warn(
                        repeat.location,
                        f"the count {word!r} ({seconds(end - at):.1f} s) is longer than a "
                        f"repetition ({repeat.each_s:g} s)",
                        end - at - each,
                    )
            else:
                end = self.sound(at, "tick", "count", "tick")
            last = max(last, end)
        self.cursor = max(start + count * each, last) + self.gap

    def hold_cues(self, hold: Hold, sides: tuple[str, ...], start: int, end: int) -> list[_Cue]:
        p = self.phrases
        length = end - start
        cues: list[_Cue] = []
        limits = self.routine.hands_free
        countdown = hold.countdown
        if hold.countdown_auto and length < samples(limits.countdown_from_s):
            countdown = 0
        for k in range(countdown, 0, -1):
            at = end - k * SAMPLE_RATE
            if self.gentle:
                cues.append(_Cue(3, at, "tick", "countdown", sound="tick"))
            else:
                cues.append(_Cue(3, at, "speech", "countdown", p.number(k)))
        halfway_off = hold.halfway_auto and length < samples(limits.halfway_from_s)
        if hold.halfway is not None and not halfway_off:
            middle = start + length // 2
            if self.gentle:
                cues.append(_Cue(2, middle, "chime", "halfway", sound="chime", movable=True))
            else:
                text = self.pick(hold.halfway, sides) if hold.halfway.options else p.say("halfway")
                cues.append(_Cue(2, middle, "speech", "halfway", text, movable=True))
        if length >= samples(limits.check_in_from_s):
            cues.extend(self.check_ins(start, end))
        if self.next_setup is not None:
            what = p.say("next", f"{self.upcoming}", what=self.next_setup)
            cues.append(_Cue(2, end, "speech", "next", what, movable=True, backward=True))
        if hold.encourage is not None:
            every = samples(hold.encourage.every_s)
            for n, at in enumerate(range(start + every, end, every)):
                text = fill(
                    hold.encourage.text.pick(self.seed, f"{n}"), self.side, sides, self.client
                )
                cues.append(_Cue(1, at, "speech", "encourage", text, movable=True))
        if hold.breathing is not None:
            cues.extend(self.breath_cues(hold.breathing, start, end))
        return cues

    def check_ins(self, start: int, end: int) -> list[_Cue]:
        """'Time remaining' cues for very long holds: each minute left, and 30 s left."""
        p = self.phrases
        cues = [
            _Cue(2, end - samples(30), "speech", "remaining", p.say("remaining_seconds", n="30"))
        ]
        minutes = 1
        while end - samples(60 * minutes) > start + samples(20):
            key = "remaining_minute" if minutes == 1 else "remaining_minutes"
            text = p.say(key, n=str(minutes))
            cues.append(_Cue(2, end - samples(60 * minutes), "speech", "remaining", text))
            minutes += 1
        for cue in cues:
            cue.movable = True
        return cues

    def breath_cues(self, breathing: Breathing, start: int, end: int) -> list[_Cue]:
        p = self.phrases
        inhale = samples(breathing.inhale_s)
        cycle = inhale + samples(breathing.exhale_s)
        cues: list[_Cue] = []
        if breathing.guide == "tones" or (self.gentle and breathing.guide == "spoken"):
            for at in range(start, end - cycle + 1, cycle):
                cues.append(_Cue(0, at, "breath_in", "breath", sound="breath_in"))
                cues.append(_Cue(0, at + inhale, "breath_out", "breath", sound="breath_out"))
        elif breathing.guide == "spoken":
            for n, at in enumerate(range(start, end - cycle + 1, samples(breathing.every_s))):
                first = _Cue(0, at, "speech", "breath", p.say("breathe_in", f"{n}"), movable=True)
                second = _Cue(
                    0, inhale, "speech", "breath", p.say("breathe_out", f"{n}"), follows=first
                )
                cues.extend((first, second))
        return cues

    def place(self, cues: list[_Cue], start: int, end: int, hold: Hold) -> int:
        """Places cues without overlap, stronger first; the weaker move later or drop.

        Returns the end of the last placed cue (at least ``start``).
        """
        taken: list[tuple[int, int]] = []
        placed: dict[int, int] = {}
        countdown_at = min((c.start for c in cues if c.cue == "countdown"), default=end)
        last = start

        def order(i: int) -> tuple[int, int, int]:
            cue = cues[i]
            return (-cue.priority, (cue.follows or cue).start, i)

        for i in sorted(range(len(cues)), key=order):
            cue = cues[i]
            want = cue.start
            if cue.follows is not None:
                lead = placed.get(id(cue.follows))
                if lead is None:
                    continue
                want = lead + cue.start
            text, sound = cue.text, cue.sound or ""
            length = self.measure.speech(text) if text else self.measure.sound(sound)
            limit = end if cue.priority >= 3 else countdown_at - _CUE_MARGIN
            if cue.backward:
                want = limit - length
            at = _slot(want, length, cue, taken, start, limit)
            if at is None:
                continue
            if cue.cue == "next":
                self.announced.add(self.upcoming)
            if cue.cue == "countdown" and length > SAMPLE_RATE:
                self.warn(
                    hold.location,
                    f"countdown word {text!r} lasts {seconds(length):.2f} s, longer than "
                    "the second it has",
                    length - SAMPLE_RATE,
                )
            taken.append((at, at + length))
            placed[id(cue)] = at
            last = max(last, at + length)
            if text:
                self.speak(at, text, cue.cue)
            else:
                self.sound(at, sound, cue.cue, cue.kind)
        return last


def _slot(
    want: int, length: int, cue: _Cue, taken: list[tuple[int, int]], floor: int, limit: int
) -> int | None:
    """The nearest start to ``want`` that overlaps nothing and fits in ``floor..limit``.

    Countdown words (priority 3) and the start cue are never moved; movable cues slide
    past what is in the way (later, or earlier for ``backward`` cues); the rest drop.
    """
    at = want
    while True:
        clash = [(a, b) for a, b in taken if a < at + length + _CUE_MARGIN and at < b + _CUE_MARGIN]
        if not clash or cue.priority >= 3:
            break
        if not cue.movable:
            return None
        if cue.backward:
            at = min(a for a, _ in clash) - length - _CUE_MARGIN
            if at < floor:
                return None
        else:
            at = max(b for _, b in clash) + _CUE_MARGIN
    if cue.priority < 3 and (at + length > limit or at < floor):
        return None
    return at
