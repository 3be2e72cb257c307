"""Stage 2's walk: one pass that lays a checked Routine out as a Timeline on exact samples.

A ``Layout`` runs at fixed range positions (where each duration and count sits between
its low and high end) and walks the performed units (``units.py``): the intro, each
section and side, every step, the outro, then soft ticks in long silences. The inside of
every hold is left to the pure planner in ``cues.py``; choosing the range positions is
``fit.py``'s job, and ``session.py`` runs it all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..model import (
    SAMPLE_RATE,
    Chapter,
    CueName,
    Detail,
    Diagnostic,
    Event,
    EventKind,
    Timeline,
    Wait,
    samples,
    seconds,
)
from ..phrases import Phrases
from ..routine import (
    Breathe,
    Chime,
    Hold,
    Pause,
    Repeat,
    Rest,
    Routine,
    Say,
    Step,
    Text,
    fill,
)
from . import circuit
from .breathe import breath_plan
from .cues import CUE_MARGIN, Cue, HoldWords, hold_cues, place
from .detail import kept_cues, says_line, title_for
from .measure import Measure
from .silence import pace_ticks
from .units import Unit, performed_units, rounds_at

_OPENING = samples(0.5)
_LINE_GAP = samples(0.6)
_TAIL = samples(2.0)


@dataclass(frozen=True)
class Pass:
    """One pass's timeline, where each timed step's timer ran (for the lint), and the
    position counts were settled at (which fixes the number of rounds the lint must see)."""

    timeline: Timeline
    spans: Mapping[int, tuple[int, int]]
    t_count: float

    @property
    def duration_s(self) -> float:
        return self.timeline.duration_s


class Layout:
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
        detail: Detail = "full",
    ) -> None:
        self.routine = routine
        self.detail: Detail = detail
        #: Instructions already said this session (where they are written), for ``brief``.
        self.heard: set[tuple[int, int]] = set()
        #: Whether a hold has guided breathing yet (``brief`` guides only the first).
        self.breathed = False
        #: The side "Same on the left." was said for (``brief`` says it once per side).
        self.same_said: str | None = None
        #: Steps a player waits at (``until: ready``, ``count: self``).
        self.waits: list[Wait] = []
        self.measure = measure
        self.seed = seed
        self.t_count = t_count
        self.t_time = t_time
        self.phrases = Phrases(routine.language, seed)
        self.gap = samples(routine.gap_s * gap_scale)
        self.gentle = routine.cues == "gentle"
        self.client = client
        self.announced: set[int] = set()
        self.cursor = _OPENING
        self.events: list[Event] = []
        self.chapters: list[Chapter] = []
        self.diagnostics: dict[tuple[str, str], Diagnostic] = {}
        #: Spoken cues that found no room, in order (``Timeline.unsaid``).
        self.unsaid: dict[str, None] = {}
        #: Where each hold's timer and each pause ran, by performed unit: (start, end).
        self.spans: dict[int, tuple[int, int]] = {}
        #: The performed unit being run (``Event.step``); None between steps.
        self.step: int | None = None
        #: Its step's line in the routine file (``Event.line``).
        self.step_line: int | None = None
        self.section: str | None = None
        self.side: str | None = None
        #: The session as performed, with this pass's number of rounds.
        self.units = performed_units(rounds_at(routine, t_count))
        self.wording = circuit.Wording(self.phrases, seed, client, t_count, t_time)

    # -- emitting ---------------------------------------------------------------------------

    def speak(self, at: int, text: str, cue: CueName) -> int:
        """Adds a speech event starting at ``at``; returns its end."""
        end = at + self.measure.speech(text)
        self.events.append(
            Event(at, end, "speech", text=text, section=self.section, side=self.side, cue=cue,
                  step=self.step, line=self.step_line)
        )  # fmt: skip
        return end

    def sound(self, at: int, name: str, cue: CueName, kind: EventKind = "chime") -> int:
        end = at + self.measure.sound(name)
        self.events.append(
            Event(at, end, kind, sound=name, section=self.section, side=self.side, cue=cue,
                  step=self.step, line=self.step_line)
        )  # fmt: skip
        return end

    def line(self, text: str, cue: CueName, gap: int | None = None) -> None:
        """Speaks at the cursor and moves the cursor past the line and a gap."""
        self.cursor = self.speak(self.cursor, text, cue) + (self.gap if gap is None else gap)

    def warn(self, location: object, message: str, overflow: int = 0) -> None:
        key = (str(location), message)
        self.diagnostics.setdefault(key, Diagnostic(str(location), message, seconds(overflow)))

    def pick(self, text: Text, sides: tuple[str, ...] = ()) -> str:
        return fill(text.pick(self.seed, self.side or ""), self.side, sides, self.client)

    # -- the session ------------------------------------------------------------------------

    def run(self) -> Pass:
        r = self.routine
        p = self.phrases
        self.chapters.append(Chapter(0, "Introduction"))
        self.line(p.say("welcome", title=r.title), "intro", _LINE_GAP)
        minimal = self.detail == "minimal"
        if self.client and not minimal:
            self.line(p.say("greeting", client=self.client), "greeting", _LINE_GAP)
        intro_at = len(self.events)
        if r.intro and not minimal:
            self.line(self.intro_text(0.0), "intro", _LINE_GAP)
        full = self.detail == "full"
        if r.equipment and full:
            self.line(p.say("equipment", items=p.join(r.equipment)), "intro", _LINE_GAP)
        if r.safety and not minimal:
            if full:
                self.line(p.say("safety_intro"), "safety", _LINE_GAP)
            # A regular has heard them all: brief keeps the first, the author's foremost.
            for note in r.safety if full else r.safety[:1]:
                self.line(self.pick(note), "safety", _LINE_GAP)
        self.cursor += self.gap
        units = self.units
        for i, unit in enumerate(units):
            following = units[i + 1] if i + 1 < len(units) else None
            self.run_unit(i, unit, following)
        self.section = self.side = None
        self.cursor = self.sound(self.cursor, "bell", "outro") + samples(0.3)
        self.line(p.say("session_complete"), "outro", _LINE_GAP)
        if r.outro and not minimal:
            self.line(self.pick(r.outro), "outro", _LINE_GAP)
        if r.intro and not minimal and any("{length}" in option for option in r.intro.options):
            self.settle_length(intro_at)
        last = max(e.end_sample for e in self.events)
        events = pace_ticks(
            sorted(self.events, key=lambda e: (e.start_sample, e.kind != "speech")),
            samples(r.hands_free.max_silence_s),
            self.measure.sound("tick"),
        )
        said = {e.text for e in events if e.kind == "speech"}
        timeline = Timeline(
            routine_id=r.id,
            title=title_for(r.title, self.detail),
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
            count_position=self.t_count,
            unsaid=tuple(t for t in self.unsaid if t not in said),
            detail=self.detail,
            waits=tuple(self.waits),
        )
        return Pass(timeline, dict(self.spans), self.t_count)

    def intro_text(self, length_s: float) -> str:
        assert self.routine.intro is not None
        return circuit.intro_text(self.wording, self.routine.intro, self.units, length_s)

    def settle_length(self, index: int) -> None:
        """Fills ``{length}`` in the intro (event ``index``) with the session's length.

        The intro is said before the length is known and its own words change that length,
        so: say it with a guess, lay out the session, then put in the words for the length
        the session has with those words (a few tries settle it), and move everything
        after the intro by the difference.
        """
        event = self.events[index]
        said = event.end_sample - event.start_sample
        rest = max(e.end_sample for e in self.events) + _TAIL - said
        text, total = event.text or "", rest + said
        for _ in range(4):
            text = self.intro_text(seconds(total))
            again = rest + self.measure.speech(text)
            if self.intro_text(seconds(again)) == text:
                break
            total = again
        shift = self.measure.speech(text) - said
        self.events[index] = replace(event, text=text, end_sample=event.end_sample + shift)
        for k in range(index + 1, len(self.events)):
            e = self.events[k]
            self.events[k] = replace(
                e, start_sample=e.start_sample + shift, end_sample=e.end_sample + shift
            )
        self.chapters[1:] = [
            replace(c, start_sample=c.start_sample + shift) for c in self.chapters[1:]
        ]
        self.spans = {k: (a + shift, b + shift) for k, (a, b) in self.spans.items()}
        self.cursor += shift

    def run_unit(self, index: int, unit: Unit, following: Unit | None) -> None:
        """Announces a new section or side when one begins, then performs the step."""
        p = self.phrases
        section, side, sides = unit.section, unit.side, unit.section.sides
        title = p.heading(section.title, side)
        if unit.first:
            self.section, self.side = section.title, side
            if unit.opens and unit.round is not None:
                title = circuit.round_title(self.wording, title, unit.round)
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
            if unit.opens and unit.round is not None:
                self.line(circuit.round_line(self.wording, unit.round), "round")
        elif unit.opens and unit.round is not None:
            self.chapters.append(
                Chapter(self.cursor, circuit.round_title(self.wording, title, unit.round))
            )
            self.cursor = self.sound(self.cursor, "chime", "round") + samples(0.3)
            self.line(circuit.round_line(self.wording, unit.round), "round")
        self.step, self.step_line = index, unit.step.location.line or None
        if unit.setup is not None and index not in self.announced and self.detail == "full":
            self.line(p.say("next", f"{index}", what=self.pick(unit.setup, sides)), "next")
        next_line = None
        if following is not None and following.setup is not None and self.detail == "full":
            next_line = p.say("next", f"{index + 1}", what=self.pick_for(following))
        if self.run_step(unit.step, sides, next_line):
            self.announced.add(index + 1)
        self.step = self.step_line = None
        last_side = unit.side_index == len(sides) - 1
        if sides and last_side and unit.last and self.detail != "minimal":
            self.line(p.say("section_done", section.title, title=section.title), "section_done")

    def pick_for(self, unit: Unit) -> str:
        """A following unit's setup text, filled for that unit's side."""
        assert unit.setup is not None
        text = unit.setup.pick(self.seed, unit.side or "")
        return fill(text, unit.side, unit.section.sides, self.client)

    def run_step(self, step: Step, sides: tuple[str, ...], next_line: str | None) -> bool:
        """Performs one step; True when a hold announced the next step (``next_line``)."""
        begin = self.cursor
        announced = self.perform(step, sides, next_line)
        if isinstance(step, (Hold, Repeat, Rest)) and step.until_ready:
            self.ready(begin)
        return announced

    def ready(self, begin: int) -> None:
        """``until: ready``: the prompt, said right at the step's end, and where a player
        waits (after it). The step keeps its length, so the audio file runs on whole."""
        at = self.cursor - self.gap
        end = self.speak(at, self.phrases.say("ready", f"{self.step}"), "ready")
        if self.step is not None:
            self.waits.append(Wait(self.step, begin, end, self.step_line))
        self.cursor = end + self.gap

    def perform(self, step: Step, sides: tuple[str, ...], next_line: str | None) -> bool:
        """Lays out one step at the cursor; True when a hold announced the next step."""
        if isinstance(step, Say):
            if self.fresh(step.text, step.detail):
                self.line(self.pick(step.text, sides), "instruction")
        elif isinstance(step, Pause):
            length = samples(step.duration.at(self.t_time))
            if self.step is not None:
                self.spans[self.step] = (self.cursor, self.cursor + length)
            self.cursor += length
        elif isinstance(step, Chime):
            self.cursor = self.sound(self.cursor, step.sound, "chime") + self.gap
        elif isinstance(step, Hold):
            return self.run_hold(step, sides, next_line)
        elif isinstance(step, Repeat):
            self.run_repeat(step, sides)
        elif isinstance(step, Rest):
            self.run_rest(step)
        elif isinstance(step, Breathe):
            self.run_breathe(step, sides)
        return False

    def run_breathe(self, step: Breathe, sides: tuple[str, ...]) -> None:
        """A breathing exercise: its instruction, then the breaths ``breathe.py`` plans."""
        start = self.instruction(step.text, sides, 0.0, step.detail)
        if step.text is not None:
            start += samples(1.0)
        plan = breath_plan(step, start, self.t_time, self.detail)
        for at, k, phase, spoken in plan.phases:
            if not spoken:
                self.sound(at, phase.tone, "breath", phase.kind)
                continue
            text = self.phrases.say(phase.word_key, f"{k}")
            over = self.speak(at, text, "breath") - at - phase.length
            if over > 0:
                self.warn(
                    step.location,
                    f"{text!r} ({seconds(over + phase.length):.1f} s) is longer than its "
                    f"phase of the breath ({seconds(phase.length):.1f} s)",
                    over,
                )
        if self.step is not None:
            self.spans[self.step] = (start, plan.end)
        self.cursor = plan.end + self.gap

    def run_rest(self, rest: Rest) -> None:
        """A rest: "Rest. Next: push-ups, thirty seconds.", then a countdown into it."""
        length = samples(rest.duration.at(self.t_time))
        start, end = self.cursor, self.cursor + length
        index = self.step if self.step is not None else -1
        if self.detail == "full":
            text = circuit.coming_up(self.wording, self.units[index + 1 :])
        else:
            text = self.phrases.say("rest")
        said = start if self.detail == "minimal" else self.speak(start, text, "rest")
        if said > end:
            self.warn(
                rest.location,
                f"the rest's announcement ({seconds(said - start):.1f} s) is longer than the "
                f"rest ({seconds(length):.1f} s)",
                said - end,
            )
        # A rest that waits (`until: ready`) leads into the prompt, not a countdown.
        count = 3 if length >= samples(4) and not rest.until_ready else 0
        if count and said <= end and said + CUE_MARGIN > end - count * SAMPLE_RATE:
            count = 0
            self.warn(
                rest.location,
                f"the rest ({seconds(length):.0f} s) leaves no room for its countdown after "
                f"the announcement ({seconds(said - start):.1f} s); lengthen the rest or "
                "shorten the next step's first sentence",
            )
        elif said > end:
            count = 0
        for k in range(count, 0, -1):
            at = end - k * SAMPLE_RATE
            if self.gentle:
                self.sound(at, "tick", "countdown", "tick")
            else:
                self.speak(at, self.phrases.number(k), "countdown")
        self.cursor = max(end, said) + self.gap

    def fresh(self, text: Text, detail: str | None) -> bool:
        """Whether a line is said at this level: marked for it, and at ``brief`` not heard
        before this session (it is then remembered as heard)."""
        if not says_line(self.detail, detail):
            return False
        where = (text.location.line, text.location.column)
        if self.detail != "full" and where in self.heard:
            return False
        self.heard.add(where)
        return True

    def instruction(
        self, text: Text | None, sides: tuple[str, ...], lead_in_s: float, detail: str | None
    ) -> int:
        """Speaks a step's instruction; returns where its timer starts (after the lead-in).

        Below ``full``, an instruction heard before is said once per side as "Same on the
        left." and otherwise left out (the start tone marks the step), as is one not said at
        this level: its lead-in stays, in silence.
        """
        if text is None:
            return self.cursor
        if self.detail != "full" and not says_line(self.detail, detail):
            return self.cursor + samples(lead_in_s)
        if self.fresh(text, detail):
            line = self.pick(text, sides)
        elif self.side and self.same_said != f"{self.section}:{self.side}":
            self.same_said = f"{self.section}:{self.side}"
            line = self.phrases.say("same_side", self.side, side=self.side)
        else:
            return self.cursor + samples(lead_in_s)
        end = self.speak(self.cursor, line, "instruction")
        return end + samples(lead_in_s)

    def run_hold(self, hold: Hold, sides: tuple[str, ...], next_line: str | None) -> bool:
        """A hold: instruction, lead-in, then its timer with the cues ``cues.py`` places."""
        length = samples(hold.duration.at(self.t_time))
        begin = self.cursor
        start = self.instruction(hold.text, sides, hold.lead_in_s, hold.detail)
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
        if self.step is not None:
            self.spans[self.step] = (start, end)
        words = HoldWords(self.phrases, self.seed, self.side, sides, self.client, self.gentle)
        cues = hold_cues(hold, start, end, words, self.routine.hands_free, next_line)
        if hold.lead_in_s > 0 and hold.text is not None:
            cues.append(Cue(4, start, "chime", "start", sound="start"))
        cues = self.kept(cues, hold)
        placed = place(cues, start, end, self.measure)
        for found in placed:
            cue = found.cue
            if cue.cue == "countdown" and found.length_sample > SAMPLE_RATE:
                self.warn(
                    hold.location,
                    f"countdown word {cue.text!r} lasts {seconds(found.length_sample):.2f} s, "
                    "longer than the second it has",
                    found.length_sample - SAMPLE_RATE,
                )
            if cue.text:
                self.speak(found.start_sample, cue.text, cue.cue)
            else:
                self.sound(found.start_sample, cue.sound or "", cue.cue, cue.kind)
        kept = {id(found.cue) for found in placed}
        self.unsaid.update((c.text, None) for c in cues if c.text and id(c) not in kept)
        said = {found.cue.origin for found in placed if found.cue.cue == "then"}
        wanted = {cue.origin for cue in cues if cue.cue == "then"}
        if any(found.cue.cue == "breath" for found in placed):
            self.breathed = True
        for i, line in enumerate(hold.then):
            if i not in said and i in wanted:
                text = self.pick(line, sides)
                self.warn(
                    line.location,
                    f"the `then` line {text!r} does not fit in the hold "
                    f"({seconds(length):.0f} s) beside its other cues; it is not said",
                    self.measure.speech(text),
                )
        last = max((found.end_sample for found in placed), default=start)
        self.cursor = max(end, last) + self.gap
        return any(found.cue.cue == "next" for found in placed)

    def kept(self, cues: list[Cue], hold: Hold) -> list[Cue]:
        """A hold's cues that this level says (``detail.kept_cues``)."""

        def fresh_then(i: int) -> bool:
            return self.fresh(hold.then[i], None)

        return kept_cues(self.detail, cues, self.breathed, fresh_then)

    def run_repeat(self, repeat: Repeat, sides: tuple[str, ...]) -> None:
        """Repetitions at a steady pace, each counted aloud or marked by a soft tick.

        At ``minimal`` the instruction's place gets the start tone, and counts are ticks.
        """
        count = round(repeat.count.at(self.t_count))
        each = samples(repeat.each_s)
        minimal = self.detail == "minimal" and not says_line("minimal", repeat.detail)
        if minimal and repeat.text is not None:
            at = self.cursor + samples(repeat.lead_in_s)
            start = self.sound(at, "start", "start") + samples(1.0)
        else:
            start = self.instruction(repeat.text, sides, repeat.lead_in_s, repeat.detail)
            if repeat.text is not None and repeat.lead_in_s == 0:
                start += samples(0.5)
        last = start
        for k in range(count):
            at = start + k * each
            if repeat.count_aloud and not minimal:
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
        if repeat.count_self and self.step is not None:
            cap_s = repeat.cap_s
            self.waits.append(Wait(self.step, start, start + count * each, self.step_line,
                                   count, cap_s))  # fmt: skip
        self.cursor = max(start + count * each, last) + self.gap
