"""A checked programme as values: phases over weeks, each a routine with its changes.

Frozen, like a routine: once ``parse.parse_programme`` returns one, it never changes. The
calendar (which dates a phase is done on) is derived here, from ``start``, the weeks and
the days, so the plan, the reminders and the share page all count the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from ..errors import Location
from ..routine import Change

#: Weekday names as a programme writes them, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: RFC 5545 BYDAY names, in the same order.
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Phase:
    """Weeks ``first_week``..``last_week`` (1-based, inclusive) of one routine."""

    number: int
    first_week: int
    last_week: int
    routine: str
    location: Location
    #: The routine file to build (a path, or a built-in id as ``routine`` names it).
    routine_ref: str
    #: The routine's own title (the session is titled ``<it> — Weeks 3-4``).
    routine_title: str = ""
    length_s: float | None = None
    pace: str = "normal"
    detail: str | None = None
    #: Days of the week (0 = Monday) this phase is done on.
    days: tuple[int, ...] = ()
    note: str | None = None
    changes: tuple[Change, ...] = ()

    @property
    def label(self) -> str:
        """``Weeks 3-4``, or ``Week 5`` for one week."""
        if self.first_week == self.last_week:
            return f"Week {self.first_week}"
        return f"Weeks {self.first_week}-{self.last_week}"

    @property
    def title(self) -> str:
        """The phase's session title: the routine's, and the phase."""
        return f"{self.routine_title} — {self.label}" if self.routine_title else self.label

    @property
    def slug(self) -> str:
        """``weeks-3-4``: the phase in file names."""
        return self.label.lower().replace(" ", "-")


@dataclass(frozen=True)
class Programme:
    """A checked programme file."""

    id: str
    start: date
    days: tuple[int, ...]
    phases: tuple[Phase, ...]
    location: Location
    title: str = ""
    client: str | None = None
    author: str = ""
    note: str | None = None
    reminder: time | None = None
    #: An IANA time zone name; None means floating local time (the phone's own zone).
    timezone: str | None = None
    base_dir: str = "."

    @property
    def name(self) -> str:
        """What people call it: the title, else the client's programme, else the id."""
        if self.title:
            return self.title
        return f"{self.client}'s programme" if self.client else self.id

    @property
    def weeks(self) -> int:
        return self.phases[-1].last_week if self.phases else 0

    @property
    def end(self) -> date:
        """The last day of the last week."""
        return self.start + timedelta(days=7 * self.weeks - 1)

    def first_day(self, phase: Phase) -> date:
        return self.start + timedelta(days=7 * (phase.first_week - 1))

    def last_day(self, phase: Phase) -> date:
        return self.start + timedelta(days=7 * phase.last_week - 1)

    def dates(self, phase: Phase) -> tuple[date, ...]:
        """Every day of the phase that is one of its days of the week, in order."""
        first, days = self.first_day(phase), phase.days or self.days
        count = (self.last_day(phase) - first).days + 1
        return tuple(
            d for d in (first + timedelta(days=n) for n in range(count)) if d.weekday() in days
        )

    def calendar(self) -> tuple[tuple[date, Phase], ...]:
        """Every planned session: its date and phase, in date order."""
        return tuple((d, p) for p in self.phases for d in self.dates(p))

    def phase_on(self, day: date) -> Phase | None:
        """The phase whose weeks contain ``day``, or None before the start or after the end."""
        for phase in self.phases:
            if self.first_day(phase) <= day <= self.last_day(phase):
                return phase
        return None
