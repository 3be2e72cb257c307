"""``programme plan``: the calendar, with each phase's session and what changed.

Every phase is compiled once through the pipeline (``pipeline.draft``: the voice's
estimate, no synthesis), so the lengths shown are those the build starts from. "What
changed" compares each phase's settings with the phase before, value by value (routine,
length, pace, detail, days, and every changed value by section and step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..model import Timeline
from ..timing import clock
from .values import WEEKDAYS, Phase, Programme


@dataclass(frozen=True)
class PhasePlan:
    phase: Phase
    timeline: Timeline
    #: What is different from the phase before, as people read it.
    changed: tuple[str, ...]

    @property
    def length_s(self) -> float:
        return self.timeline.duration_s


@dataclass(frozen=True)
class ProgrammePlan:
    programme: Programme
    phases: tuple[PhasePlan, ...]

    def sessions(self) -> list[tuple[date, PhasePlan]]:
        by_number = {p.phase.number: p for p in self.phases}
        return [(d, by_number[p.number]) for d, p in self.programme.calendar()]

    def to_json(self) -> dict[str, Any]:
        p = self.programme
        return {
            "format": "voicecoach.programme-plan/1",
            "programme": p.id,
            "title": p.name,
            "client": p.client,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "days": [WEEKDAYS[d] for d in p.days],
            "reminder": p.reminder.strftime("%H:%M") if p.reminder else None,
            "timezone": p.timezone,
            "phases": [
                {
                    "phase": pp.phase.label,
                    "weeks": [pp.phase.first_week, pp.phase.last_week],
                    "first_day": p.first_day(pp.phase).isoformat(),
                    "last_day": p.last_day(pp.phase).isoformat(),
                    "routine": pp.phase.routine,
                    "title": pp.timeline.title,
                    "length_s": pp.length_s,
                    "pace": pp.phase.pace,
                    "detail": pp.phase.detail,
                    "changes": [{"where": c.where(), **c.values()} for c in pp.phase.changes],
                    "changed": list(pp.changed),
                    "dates": [d.isoformat() for d in p.dates(pp.phase)],
                }
                for pp in self.phases
            ],
            "sessions": [
                {
                    "date": d.isoformat(),
                    "weekday": WEEKDAYS[d.weekday()],
                    "phase": pp.phase.label,
                    "routine": pp.phase.routine,
                    "length_s": pp.length_s,
                }
                for d, pp in self.sessions()
            ],
        }


def facts(phase: Phase, length_s: float) -> dict[str, str]:
    """A phase's settings, key by key, for comparing it with the phase before."""
    out = {
        "routine": phase.routine,
        "length": clock(length_s),
        "pace": phase.pace,
        "detail": phase.detail or "full",
    }
    if phase.days:
        out["days"] = ", ".join(WEEKDAYS[d] for d in phase.days)
    for change in phase.changes:
        for key, value in change.values().items():
            out[f"{change.where()}: {key}"] = value
    return out


def changed(before: dict[str, str] | None, after: dict[str, str]) -> tuple[str, ...]:
    """``length 5:00 → 6:00``, ``Foam roller: holds 45 s``, ``... back to the routine's``."""
    if before is None:
        return ("first phase",)
    out = []
    for key, value in after.items():
        if key not in before:
            out.append(f"{key} {value}")
        elif before[key] != value:
            out.append(f"{key} {before[key]} → {value}")
    same_routine = before.get("routine") == after.get("routine")
    for key in before:
        if key not in after and ":" in key and same_routine:
            out.append(f"{key} back to the routine's")
        elif key == "days" and key not in after:
            out.append("days back to the programme's")
    return tuple(out)


def plan_programme(programme: Programme, engine: str | None = None) -> ProgrammePlan:
    """Compiles every phase (no synthesis) and compares each with the one before."""
    from ..pipeline import BuildSettings, draft
    from .sessions import phase_settings

    out = []
    before = None
    for phase in programme.phases:
        _, timeline = draft(phase_settings(programme, phase, BuildSettings("", engine=engine)))
        now = facts(phase, timeline.duration_s)
        out.append(PhasePlan(phase, timeline, changed(before, now)))
        before = now
    return ProgrammePlan(programme, tuple(out))


def format_plan(plan: ProgrammePlan) -> str:
    """The calendar as a table: date, phase, routine, length, what changed."""
    p = plan.programme
    days = ", ".join(WEEKDAYS[d].capitalize() for d in p.days)
    at = f" at {p.reminder.strftime('%H:%M')}" if p.reminder else ""
    head = [
        p.name + (f" — for {p.client}" if p.client and p.client not in p.name else ""),
        f"{p.weeks} weeks, {_day(p.start)} to {_day(p.end)}; {days}{at}; "
        f"{len(plan.sessions())} sessions in {len(p.phases)} phases",
    ]
    rows = [("date", "phase", "routine", "length", "changed")]
    seen: set[int] = set()
    for d, pp in plan.sessions():
        first = pp.phase.number not in seen
        seen.add(pp.phase.number)
        note = "; ".join(pp.changed) if first else ""
        rows.append((_day(d), pp.phase.label, pp.phase.routine, clock(pp.length_s), note))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [*head, ""]
    for row in rows:
        lines.append("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[4]])
                     .rstrip())  # fmt: skip
    return "\n".join(lines)


def _day(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()].capitalize()} {d.isoformat()}"
