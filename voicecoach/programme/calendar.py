"""Reminders: the programme as an RFC 5545 calendar (``NAME.ics``), written with icalendar.

One recurring event per phase: it starts on the phase's first planned day at the
``reminder`` time, repeats weekly on the phase's days (``RRULE:FREQ=WEEKLY;BYDAY=...``)
until the phase's last day (``UNTIL``), lasts as long as the phase's session, and has an
alarm (``VALARM``, ``TRIGGER:PT0S``) at its start. Expanded, the events give exactly the
dates of ``Programme.calendar()`` (tested with recurring-ical-events).

Times: with ``timezone: Europe/Madrid`` the events carry ``TZID`` and the calendar a
``VTIMEZONE``; without it they are *floating* local times (RFC 5545 3.3.5), so 18:30 is
18:30 wherever the phone is, which is what a reminder to exercise wants. ``UNTIL`` is
floating too, or in UTC with a ``TZID`` start, as the RFC asks. With no ``reminder`` the
events are all-day (``VALUE=DATE``) and have no alarm.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from ..files import write_bytes_atomic
from ..timing import clock
from .values import ICAL_DAYS, Programme

#: The event length when a phase's session length is not known yet (plan, no build).
DEFAULT_LENGTH_S = 15 * 60.0


def render_calendar(
    programme: Programme,
    lengths_s: Mapping[int, float] | None = None,
    base_url: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The ``.ics`` bytes; ``lengths_s`` maps phase numbers to their sessions' lengths."""
    from icalendar import Alarm, Calendar, Event

    zone = None
    if programme.timezone:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(programme.timezone)
    stamp = stamp or datetime.now(timezone.utc).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//voicecoach//programme//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", programme.name)
    for phase in programme.phases:
        dates = programme.dates(phase)
        if not dates:
            continue
        length_s = (lengths_s or {}).get(phase.number, phase.length_s or DEFAULT_LENGTH_S)
        event = Event()
        event.add("uid", f"{programme.id}-{phase.slug}@voicecoach")
        event.add("dtstamp", stamp)
        event.add("summary", f"{phase.title}")
        lines = [f"{programme.name}: {phase.title} ({clock(length_s)})."]
        lines += [n for n in (programme.note, phase.note) if n]
        if base_url:
            lines.append(base_url)
            event.add("url", base_url)
        event.add("description", "\n".join(lines))
        last = programme.last_day(phase)
        days = phase.days or programme.days
        rule: dict[str, object] = {"freq": "weekly", "byday": [ICAL_DAYS[d] for d in days]}
        if programme.reminder is None:
            event.add("dtstart", dates[0])
            event.add("dtend", dates[0] + timedelta(days=1))
            rule["until"] = last
        else:
            start = datetime.combine(dates[0], programme.reminder, tzinfo=zone)
            event.add("dtstart", start)
            event.add("duration", timedelta(seconds=round(length_s)))
            rule["until"] = _until(last, zone)
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Time for {phase.title}")
            alarm.add("trigger", timedelta(0))
            event.add_component(alarm)
        event.add("rrule", rule)
        cal.add_component(event)
    if zone is not None:
        cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _until(last: date, zone: object) -> datetime:
    """The end of ``last``: floating with a floating start, else in UTC (RFC 5545 3.3.10)."""
    end = datetime.combine(last, time(23, 59, 59))
    if zone is None:
        return end
    return end.replace(tzinfo=zone).astimezone(timezone.utc)  # type: ignore[arg-type]


def write_calendar(
    programme: Programme,
    path: Path,
    lengths_s: Mapping[int, float] | None = None,
    base_url: str | None = None,
) -> Path:
    """Writes ``render_calendar`` to ``path`` atomically; returns ``path``."""
    write_bytes_atomic(path, render_calendar(programme, lengths_s, base_url))
    return path
