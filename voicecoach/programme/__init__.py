"""Programmes: a routine followed over weeks, changing as the client improves.

A programme file (``format: voicecoach/programme/1``, ``schema.json``) names a start
date, the days of the week, a reminder time and phases of weeks, each a routine with its
length, pace and changes by section and step. It sits on top of the pipeline:

- ``values.py``: the checked ``Programme`` and its ``Phase`` values, and the calendar;
- ``parse.py``: the file checked with located errors (``load_programme``), and
  ``changes.py``: a phase's changes, read and checked against its routine;
- ``plan.py``: the calendar with each phase's length and what changed (``plan_programme``);
- ``build.py``: one session per phase through the pipeline (``build_programme``);
- ``calendar.py``: the reminders as an RFC 5545 ``.ics`` (``render_calendar``);
- ``share.py`` and ``page.py``: one share page for the whole programme, and its feed.
"""

from __future__ import annotations

from .build import ProgrammeResult, ProgrammeSettings, build_programme
from .calendar import render_calendar, write_calendar
from .parse import FORMAT, is_programme, load_programme, parse_programme, schema_text
from .plan import ProgrammePlan, format_plan, plan_programme
from .sessions import phase_settings
from .values import WEEKDAYS, Phase, Programme

__all__ = [
    "FORMAT",
    "WEEKDAYS",
    "Phase",
    "Programme",
    "ProgrammePlan",
    "ProgrammeResult",
    "ProgrammeSettings",
    "build_programme",
    "format_plan",
    "is_programme",
    "load_programme",
    "parse_programme",
    "phase_settings",
    "plan_programme",
    "render_calendar",
    "schema_text",
    "write_calendar",
]
