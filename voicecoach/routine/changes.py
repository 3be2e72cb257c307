"""Changes to a checked routine's values, by section and step: what a programme phase does.

A programme (``voicecoach.programme``) runs one routine for weeks and changes it as the
client improves: every hold of "Foam roller" at 45 s, one more round, longer exhales.
A ``Change`` names where (a section title, optionally one step of it, by its position or
by words of its spoken line) and what (holds, repeats, seconds per repeat, rounds, rest
between rounds, breathing). ``apply_changes`` is pure: the routine in, a new routine out,
nothing re-parsed. ``change_problem`` says, before anything is built, why a change would
touch nothing (no such section, no such step, no hold there), so the programme file can
name the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from ..errors import UserError
from .values import Breathing, Hold, Repeat, Rest, Rounds, Routine, Say, Section, Span, Step


@dataclass(frozen=True)
class BreathingChange:
    """Breathing values to set on holds; None keeps the hold's own. ``off`` stops it."""

    inhale_s: float | None = None
    exhale_s: float | None = None
    guide: str | None = None
    every_s: float | None = None
    hold_s: float | None = None
    hold_out_s: float | None = None
    off: bool = False

    def apply(self, base: Breathing | None) -> Breathing | None:
        if self.off:
            return None
        start = base or Breathing()
        values = {f.name: getattr(self, f.name) for f in fields(Breathing)}
        return replace(start, **{k: v for k, v in values.items() if v is not None})

    def describe(self) -> str:
        if self.off:
            return "off"
        parts = [
            f"{name} {value:g} s" if isinstance(value, float) else f"{name} {value}"
            for name, value in (
                ("in", self.inhale_s),
                ("out", self.exhale_s),
                ("guide", self.guide),
                ("every", self.every_s),
            )
            if value is not None
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class Change:
    """One change: where (``section``, ``step``) and the values to set there.

    ``section`` None means every section. ``step`` is a 1-based position among the
    section's steps, or words its spoken line contains (any case); None means every step.
    A value touches the steps of its kind only (``hold`` the holds, ``repeat`` the
    repeats), inside ``rounds`` too.
    """

    section: str | None = None
    step: int | str | None = None
    hold: Span | None = None
    repeat: Span | None = None
    each_s: float | None = None
    rounds: Span | None = None
    rest: Span | None = None
    breathing: BreathingChange | None = None

    def values(self) -> dict[str, str]:
        """What this change sets, as people read it: ``{"holds": "45 s"}``."""
        out = {}
        for key, span in (("holds", self.hold), ("rest", self.rest)):
            if span is not None:
                out[key] = _span(span, " s")
        for key, span in (("repeats", self.repeat), ("rounds", self.rounds)):
            if span is not None:
                out[key] = _span(span, "")
        if self.each_s is not None:
            out["each repeat"] = f"{self.each_s:g} s"
        if self.breathing is not None:
            out["breathing"] = self.breathing.describe()
        return out

    def where(self) -> str:
        """``Foam roller``, ``Foam roller, step 2`` or ``every section``."""
        place = self.section if self.section is not None else "every section"
        if isinstance(self.step, int):
            place += f", step {self.step}"
        elif self.step is not None:
            place += f", step {self.step!r}"
        return place


def _span(span: Span, unit: str) -> str:
    return f"{span.lo:g}{unit}" if not span.is_range else f"{span.lo:g}-{span.hi:g}{unit}"


def _spoken(step: Step) -> tuple[str, ...]:
    text = step.text if isinstance(step, (Say, Hold, Repeat)) else None
    return text.options if text is not None else ()


def _matches(step: Step, words: str) -> bool:
    wanted = " ".join(words.lower().split())
    inner = step.steps if isinstance(step, Rounds) else ()
    return any(wanted in " ".join(o.lower().split()) for o in _spoken(step)) or any(
        _matches(s, words) for s in inner
    )


def _sections(routine: Routine, change: Change) -> list[int]:
    if change.section is None:
        return list(range(len(routine.sections)))
    wanted = change.section.casefold()
    return [i for i, s in enumerate(routine.sections) if s.title.casefold() == wanted]


def _chosen(section: Section, change: Change) -> list[int]:
    """Positions (0-based) of the section's steps the change names."""
    if change.step is None:
        return list(range(len(section.steps)))
    if isinstance(change.step, int):
        return [change.step - 1] if 1 <= change.step <= len(section.steps) else []
    return [i for i, s in enumerate(section.steps) if _matches(s, change.step)]


def _kinds(change: Change) -> list[tuple[str, type]]:
    kinds: list[tuple[str, type]] = []
    if change.hold is not None or change.breathing is not None:
        kinds.append(("hold", Hold))
    if change.repeat is not None or change.each_s is not None:
        kinds.append(("repeat", Repeat))
    if change.rounds is not None or change.rest is not None:
        kinds.append(("rounds", Rounds))
    return kinds


def _flat(steps: Sequence[Step]) -> list[Step]:
    out: list[Step] = []
    for step in steps:
        out.append(step)
        if isinstance(step, Rounds):
            out.extend(step.steps)
    return out


def change_problem(routine: Routine, change: Change) -> tuple[str, str] | None:
    """Why ``change`` would change nothing in ``routine`` (message, hint), or None."""
    titles = [s.title for s in routine.sections]
    sections = _sections(routine, change)
    if not sections:
        import difflib

        close = difflib.get_close_matches(change.section or "", titles, n=1, cutoff=0.6)
        maybe = f" (did you mean {close[0]!r}?)" if close else ""
        return (
            f"routine {routine.id!r} has no section {change.section!r}{maybe}",
            f"its sections: {', '.join(repr(t) for t in titles)}",
        )
    for index in sections:
        section = routine.sections[index]
        chosen = _chosen(section, change)
        if not chosen:
            if isinstance(change.step, int):
                return (
                    f"section {section.title!r} has {len(section.steps)} step"
                    f"{'' if len(section.steps) == 1 else 's'}, not {change.step}",
                    "count the steps as the routine writes them, from 1",
                )
            lines = [o for s in section.steps for o in _spoken(s)][:3]
            return (
                f"no step of section {section.title!r} says {change.step!r}",
                "give words of the step's line, e.g. "
                + ", ".join(repr(" ".join(line.split()[:4])) for line in lines),
            )
        steps = _flat([section.steps[i] for i in chosen])
        for kind, cls in _kinds(change):
            if not any(isinstance(s, cls) for s in steps):
                return (
                    f"{change.where()} has no {kind} step to change",
                    f"the step kinds there: {', '.join(sorted({_kind(s) for s in steps}))}",
                )
        holds = [s for s in steps if isinstance(s, Hold) and not s.countdown_auto]
        if change.hold is not None and any(h.countdown + 1 > change.hold.lo for h in holds):
            countdown = max(h.countdown for h in holds)
            return (
                f"a hold of {_span(change.hold, ' s')} is too short for the countdown "
                f"of {countdown} s the routine gives it",
                "lengthen the hold",
            )
    return None


def _kind(step: Step) -> str:
    return type(step).__name__.lower()


def apply_changes(routine: Routine, changes: Sequence[Change], title: str | None = None) -> Routine:
    """``routine`` with every change made, in order (a later change wins); pure.

    ``title`` replaces the routine's title (a programme names its phase there). A change
    that would touch nothing is a ``UserError`` (the routine was edited since the
    programme was checked).
    """
    for change in changes:
        problem = change_problem(routine, change)
        if problem is not None:
            raise UserError(*problem)
        sections = list(routine.sections)
        for index in _sections(routine, change):
            section = sections[index]
            chosen = set(_chosen(section, change))
            steps = tuple(
                _change_step(s, change) if i in chosen else s for i, s in enumerate(section.steps)
            )
            sections[index] = replace(section, steps=steps)
        routine = replace(routine, sections=tuple(sections))
    if title is not None:
        routine = replace(routine, title=title)
    return routine


def _change_step(step: Step, change: Change) -> Step:
    if isinstance(step, Hold):
        if change.hold is not None:
            step = replace(step, duration=change.hold)
            if step.countdown_auto:
                step = replace(step, countdown=3 if change.hold.lo >= 4 else 0)
        if change.breathing is not None:
            step = replace(step, breathing=change.breathing.apply(step.breathing))
        return step
    if isinstance(step, Repeat):
        if change.repeat is not None:
            step = replace(step, count=change.repeat)
        if change.each_s is not None:
            step = replace(step, each_s=change.each_s)
        return step
    if isinstance(step, Rounds):
        inner = tuple(_change_step(s, change) for s in step.steps)
        step = replace(step, steps=inner)
        if change.rounds is not None:
            step = replace(step, count=change.rounds)
        if change.rest is not None:
            rest = step.rest or Rest(change.rest, step.location)
            step = replace(step, rest=replace(rest, duration=change.rest))
        return step
    return step
