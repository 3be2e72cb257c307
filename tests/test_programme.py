"""Programmes: a 6-week, 3-phase programme over the built-ins, planned, built, shared.

Builds use the tone engine (no system voice) and a cache of the test's own. The .ics is
read back by icalendar and expanded by recurring-ical-events; the feed is read by
feedparser; the page runs in Chromium with the clock fixed in week 3.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import DATA, invoke
from voicecoach.programme import load_programme, parse_programme, render_calendar

PROGRAMME = (DATA / "programme.yaml").read_text(encoding="utf-8")

#: Mondays, Wednesdays and Fridays of the six weeks from Monday 4 January 2027.
PLANNED = [
    date(2027, 1, 4) + timedelta(days=7 * week + day) for week in range(6) for day in (0, 2, 4)
]


@pytest.fixture
def programme_file(tmp_path: Path) -> Path:
    path = tmp_path / "ana.yaml"
    path.write_text(PROGRAMME, encoding="utf-8")
    return path


def test_the_calendar_has_the_planned_dates(programme_file: Path) -> None:
    programme = load_programme(programme_file)
    assert [d for d, _ in programme.calendar()] == PLANNED
    labels = [p.label for _, p in programme.calendar()]
    assert labels == ["Weeks 1-2"] * 6 + ["Weeks 3-4"] * 6 + ["Weeks 5-6"] * 6
    assert programme.end == date(2027, 2, 14)


def test_plan_shows_the_calendar_with_what_changed(programme_file: Path) -> None:
    out = invoke(["programme", "plan", str(programme_file)]).stdout
    rows = [line for line in out.splitlines() if line[:3] in ("Mon", "Wed", "Fri")]
    assert len(rows) == 18
    assert rows[0].startswith("Mon 2027-01-04  Weeks 1-2  hamstring-quick")
    assert "first phase" in rows[0]
    assert rows[6].startswith("Mon 2027-01-18  Weeks 3-4")
    assert "pace normal → gentle" in rows[6]
    assert "Foam roller: holds 45 s" in rows[6]
    assert "Ball pin and stretch, step 'straighten the knee': repeats 8" in rows[6]
    assert "Foam roller: holds 45 s → 60 s" in rows[12]
    assert "back to the routine's" in rows[12]  # the repeats of weeks 3-4
    assert rows[7].endswith(rows[7].split()[-1]) and "→" not in rows[7]

    plan = json.loads(invoke(["programme", "plan", str(programme_file), "--json"]).stdout)
    assert [s["date"] for s in plan["sessions"]] == [d.isoformat() for d in PLANNED]
    assert [p["phase"] for p in plan["phases"]] == ["Weeks 1-2", "Weeks 3-4", "Weeks 5-6"]
    assert plan["phases"][1]["title"] == "Quick hamstring release — Weeks 3-4"
    assert plan["phases"][1]["changes"][0] == {"where": "Foam roller", "holds": "45 s"}


def test_new_programme_writes_a_valid_starter(tmp_path: Path) -> None:
    path = tmp_path / "maria.yaml"
    out = invoke(["new", "--programme", str(path)]).stdout
    assert "voicecoach programme plan" in out
    programme = load_programme(path)
    assert programme.id == "maria" and len(programme.phases) == 3
    invoke(["new", "--programme", str(path)], exit_code=2)  # exists: not overwritten


# -- reminders ---------------------------------------------------------------------------


def _expanded(ics: bytes) -> list[datetime]:
    import icalendar
    import recurring_ical_events

    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(date(2026, 12, 1), date(2027, 4, 1))
    return sorted(e.DTSTART for e in events)


def test_ics_expands_to_exactly_the_planned_dates_at_the_reminder(programme_file: Path) -> None:
    import icalendar

    programme = load_programme(programme_file)
    ics = render_calendar(programme, {1: 300.0, 2: 360.0, 3: 420.0})
    starts = _expanded(ics)
    assert [s.date() for s in starts] == PLANNED
    assert {(s.hour, s.minute) for s in starts} == {(18, 30)}
    assert all(s.tzinfo is None for s in starts), "floating local time without a timezone"

    calendar = icalendar.Calendar.from_ical(ics)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3, "one recurring event per phase"
    for event, last in zip(events, (date(2027, 1, 17), date(2027, 1, 31), date(2027, 2, 14)),
                           strict=True):  # fmt: skip
        rule = event["RRULE"]
        assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "WE", "FR"]
        assert rule["UNTIL"][0].date() == last
        alarms = list(event.walk("VALARM"))
        assert len(alarms) == 1 and alarms[0]["TRIGGER"].dt == timedelta(0)
    assert events[1]["SUMMARY"] == "Quick hamstring release — Weeks 3-4"
    assert events[1]["DURATION"].dt == timedelta(minutes=6)


def test_ics_with_a_timezone_carries_tzid_and_matches_dateutil(programme_file: Path) -> None:
    import icalendar
    from dateutil.rrule import FR, MO, WE, WEEKLY, rrule

    text = PROGRAMME.replace('reminder: "18:30"', 'reminder: "07:05"\ntimezone: Europe/Madrid')
    programme = parse_programme(text, str(programme_file), programme_file.parent)
    ics = render_calendar(programme)
    assert b"DTSTART;TZID=Europe/Madrid:20270104T070500" in ics
    assert b"BEGIN:VTIMEZONE" in ics
    starts = _expanded(ics)
    assert [s.date() for s in starts] == PLANNED
    assert {(s.hour, s.minute, str(s.tzinfo)) for s in starts} == {(7, 5, "Europe/Madrid")}
    by_rule = list(rrule(WEEKLY, byweekday=(MO, WE, FR), dtstart=datetime(2027, 1, 4),
                         until=datetime(2027, 2, 14)))  # fmt: skip
    assert [d.date() for d in by_rule] == PLANNED
    assert len(list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))) == 3


def test_all_day_events_without_a_reminder(programme_file: Path) -> None:
    import icalendar

    text = PROGRAMME.replace('reminder: "18:30"\n', "")
    programme = parse_programme(text, str(programme_file), programme_file.parent)
    ics = render_calendar(programme)
    assert [s if isinstance(s, date) else s.date() for s in _expanded(ics)] == PLANNED
    assert not list(icalendar.Calendar.from_ical(ics).walk("VALARM"))


# -- located errors -----------------------------------------------------------------------

BAD = [
    # (what to replace, with what, line:col, words of the message, words of the hint)
    ("  - weeks: 3-4\n", "  - weeks: 2-4\n", "10:12", "overlap the phase before", "week 3"),
    (
        "  - weeks: 3-4\n",
        "  - weeks: 4-4\n",
        "10:12",
        "leave a gap between phases: week 3",
        "start this phase at week 3",
    ),
    (
        "  - weeks: 1-2\n",
        "  - weeks: 2-2\n",
        "8:12",
        "gap before the first phase: week 1",
        "week 1",
    ),
    (
        "      - section: Foam roller\n        hold: 45s",
        "      - section: Foam rollers\n        hold: 45s",
        "15:9",
        "has no section 'Foam rollers' (did you mean 'Foam roller'?)",
        "its sections",
    ),
    (
        "step: straighten the knee",
        "step: touch your toes",
        "17:9",
        "no step of section 'Ball pin and stretch' says 'touch your toes'",
        "words of the step",
    ),
    ("step: straighten the knee", "step: 7", "17:9", "has 2 steps, not 7", "count the steps"),
    (
        "        hold: 45s\n",
        "        repeat: 3\n",
        "15:9",
        "Foam roller has no repeat step",
        "the step kinds there: hold",
    ),
    (
        "    routine: hamstring-quick\n  - weeks: 3-4",
        "    routine: hamstring-quik\n  - weeks: 3-4",
        "9:14",
        "routine 'hamstring-quik' does not exist (did you mean 'hamstring-quick'?)",
        "built-in routine",
    ),
    ("start: 2027-01-04", "start: 2027-02-30", "4:8", "'2027-02-30' is not a date", "YYYY-MM-DD"),
    (
        "days: [mon, wed, fri]",
        "days: [mon, wed, funday]",
        "5:18",
        "unknown day 'funday'",
        "mon, tue",
    ),
    ("days: [mon, wed, fri]", "days: [mon, mon]", "5:13", "mon is listed twice", "once"),
    ('reminder: "18:30"', 'reminder: "25:00"', "6:11", "'25:00' is not a time of day", "HH:MM"),
    (
        'reminder: "18:30"',
        'reminder: "18:30"\ntimezone: Europe/Madird',
        "7:11",
        "unknown time zone 'Europe/Madird' (did you mean 'Europe/Madrid'?)",
        "IANA",
    ),
    (
        "    pace: gentle\n",
        "    pace: gentle\n    length: 1m\n",
        "13:13",
        "Weeks 3-4: a length of 1:00 is out of reach",
        "`length:`",
    ),
    ("        hold: 45s\n", "        hold: fortyfive\n", "16:15", "is not a duration", "45s"),
    (
        "client: Ana",
        "client: " + "A" * 200,
        "3:9",
        "the client name is 200 characters long",
        "first name",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "message", "hint"), BAD)
def test_each_bad_file_gets_its_located_error(
    tmp_path: Path, old: str, new: str, where: str, message: str, hint: str
) -> None:
    assert old in PROGRAMME
    path = tmp_path / "ana.yaml"
    path.write_text(PROGRAMME.replace(old, new, 1), encoding="utf-8")
    result = invoke(["programme", "plan", str(path)], exit_code=2)
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {path}:{where}: "), result.stderr
    assert message in first, result.stderr
    assert "hint:" in result.stderr and hint in result.stderr.split("hint:", 1)[1]
    assert "Traceback" not in result.stderr


def test_hostile_and_broken_files_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    for text, words in (
        (bomb, "expands to more than"),
        ("format: voicecoach/programme/1\nid: x\n", "missing the required key 'start'"),
        ("- just\n- a list\n", "must be a mapping"),
        (PROGRAMME.replace("format: voicecoach/programme/1", "format: voicecoach/1"),
         "this is a routine"),
    ):  # fmt: skip
        path.write_text(text, encoding="utf-8")
        result = invoke(["programme", "plan", str(path)], exit_code=2)
        assert words in result.stderr and "Traceback" not in result.stderr
    path.write_bytes(b"\xff\xfe" + b"\x00" * 100)
    assert "not UTF-8" in invoke(["programme", "plan", str(path)], exit_code=2).stderr
    path.write_bytes(b"x: " + b"y" * 1_100_000)
    assert "too large" in invoke(["programme", "plan", str(path)], exit_code=2).stderr
    assert "no programme file" in invoke(["programme", "plan", "nope.yaml"], exit_code=2).stderr


def test_a_broken_routine_file_is_reported_in_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "legs.yaml").write_text("format: voicecoach/1\nid: legs\n", encoding="utf-8")
    path = tmp_path / "ana.yaml"
    path.write_text(PROGRAMME.replace("routine: hamstring-quick", "routine: legs.yaml", 1),
                    encoding="utf-8")  # fmt: skip
    err = invoke(["programme", "plan", str(path)], exit_code=2).stderr
    assert f"{path}:9:14: routine 'legs.yaml' has 2 problems" in err
    assert "legs.yaml:1:1: the routine is missing the required key 'title'" in err
    path.write_text(PROGRAMME.replace("routine: hamstring-quick", "routine: ../x.yaml", 1),
                    encoding="utf-8")  # fmt: skip
    assert "outside the routine's folder" in invoke(["programme", "plan", str(path)],
                                                    exit_code=2).stderr  # fmt: skip


# -- build and share ----------------------------------------------------------------------


def _hold_seconds(timeline: dict, section: str) -> list[float]:
    """Each hold's length in a section: twice from its start chime to "Halfway there"."""
    events = [e for e in timeline["events"] if e.get("section") == section]
    out = []
    for start in (e for e in events if e.get("cue") == "start"):
        halfway = next(e for e in events if e.get("cue") == "halfway"
                       and e.get("step") == start["step"])  # fmt: skip
        out.append(round(2 * (halfway["start_s"] - start["start_s"]), 1))
    return out


def _counts(timeline: dict, section: str) -> list[int]:
    """How many repetitions each repeat step of a section counts aloud."""
    by_step: dict[int, int] = {}
    for e in timeline["events"]:
        if e.get("section") == section and e.get("cue") == "count":
            by_step[e["step"]] = by_step.get(e["step"], 0) + 1
    return list(by_step.values())


@pytest.mark.slow
def test_build_makes_one_session_per_phase_with_the_changed_values(
    programme_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sessions"
    args = ["programme", "build", str(programme_file), "-o", str(out), "--engine", "tone"]
    env = {"VOICECOACH_CACHE": str(tmp_path / "cache")}
    result = invoke(args, env=env)
    assert "[2/3] Weeks 3-4" in result.stderr
    names = sorted(p.name for p in out.glob("*.mp3"))
    assert names == [f"ana-hamstrings-weeks-{w}.mp3" for w in ("1-2", "3-4", "5-6")]
    timelines = [json.loads((out / n.replace(".mp3", ".timeline.json")).read_text("utf-8"))
                 for n in names]  # fmt: skip
    assert [t["title"] for t in timelines] == [
        f"Quick hamstring release — Weeks {w}" for w in ("1-2", "3-4", "5-6")
    ]
    first, second, third = (_hold_seconds(t, "Foam roller") for t in timelines)
    assert len(first) == 2 and all(20 <= s <= 45 for s in first) and first != [45.0, 45.0]
    assert second == [45.0, 45.0]
    assert third == [60.0, 60.0]
    assert _counts(timelines[1], "Ball pin and stretch") == [8, 8]
    assert _counts(timelines[0], "Ball pin and stretch") != [8, 8]

    from mutagen.id3 import ID3

    assert str(ID3(out / names[1])["TIT2"]) == "Quick hamstring release — Weeks 3-4"
    ics = (out / "ana-hamstrings.ics").read_bytes()
    assert [s.date() for s in _expanded(ics)] == PLANNED
    assert "3 recurring events" in result.stdout
    made = [int(line.split("; ")[1].split()[0]) for line in result.stdout.splitlines()[:3]]
    assert made[0] > 30 and made[1:] == [0, 0], "the first phase says every phase's lines"


#: A note that would run script if the page did not escape it.
HOSTILE = "<img src=x onerror=alert(1)> </script><script>alert(2)</script> &amp;"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A programme shared with a base URL: the page, the phases' pages, .ics and feed."""
    tmp = tmp_path_factory.mktemp("programme-share")
    path = tmp / "ana.yaml"
    path.write_text(PROGRAMME.replace("client: Ana", f"client: Ana\nnote: '{HOSTILE}'"),
                    encoding="utf-8")  # fmt: skip
    folder = tmp / "share"
    args = ["programme", "share", str(path), "-o", str(folder), "--engine", "tone",
            "--base-url", "https://clinic.example/ana/"]  # fmt: skip
    invoke(args, env={"VOICECOACH_CACHE": str(tmp / "cache")})
    return folder


@pytest.mark.slow
def test_the_feed_has_one_dated_episode_per_phase(shared: Path) -> None:
    import feedparser

    feed = feedparser.parse((shared / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    entries = sorted(feed.entries, key=lambda e: e.published_parsed)
    assert len(entries) == 3
    days = [date(*e.published_parsed[:3]) for e in entries]
    assert days == [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1)]
    assert [e.title for e in entries][1] == "Quick hamstring release — Weeks 3-4"
    urls = [e.enclosures[0].href for e in entries]
    assert urls[1] == "https://clinic.example/ana/weeks-3-4/ana-hamstrings-weeks-3-4.mp3"
    assert (shared / "weeks-3-4" / "index.html").is_file()
    assert (shared / "ana-hamstrings.ics").is_file()


@pytest.mark.slow
@pytest.mark.browser
def test_page_in_chromium_opens_on_week_3_and_ticks_a_session_done_there(
    shared: Path, browser
) -> None:
    context = browser.new_context(timezone_id="Europe/Madrid", locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.clock.set_fixed_time(datetime(2027, 1, 20, 17, 0))  # a Wednesday of week 3
    page.goto((shared / "index.html").as_uri())

    assert page.inner_text("#today-when") == "Today"
    assert page.inner_text("#today-phase") == "Weeks 3-4"
    assert page.inner_text("#note") == HOSTILE, "the note is shown as text"
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.get_attribute("#today-page", "href") == "weeks-3-4/index.html"
    assert page.get_attribute("#add-calendar", "href") == "ana-hamstrings.ics"
    today = page.locator('li[data-date="2027-01-20"]')
    assert "today" in (today.get_attribute("class") or "")
    assert "done" not in (today.get_attribute("class") or "").split()
    assert page.locator('li[data-date="2027-01-18"] .status').inner_text() == "not done"

    # Play today's session to its end: the page writes the phone's done-log.
    page.wait_for_function("() => document.getElementById('today-audio').readyState >= 1")
    page.evaluate("() => { const a = document.getElementById('today-audio');"
                  " a.currentTime = a.duration - 0.3; return a.play(); }")  # fmt: skip
    page.wait_for_function(
        "() => document.querySelector('li[data-date=\"2027-01-20\"]').classList.contains('done')",
        timeout=15000,
    )
    assert page.locator('li[data-date="2027-01-20"] .status').inner_text() == "done ✓"
    log = json.loads(page.evaluate("localStorage.getItem('voicecoach:done')"))
    assert len(log) == 1 and log[0]["title"] == "Quick hamstring release — Weeks 3-4"

    # Still ticked when the phone opens the page again, two days later.
    page.clock.set_fixed_time(datetime(2027, 1, 22, 9, 0))
    page.reload()
    assert page.inner_text("#today-when") == "Today"
    assert "done" in (page.locator('li[data-date="2027-01-20"]').get_attribute("class") or "")
    assert page.locator('li[data-date="2027-01-22"] .status').inner_text() == "today"

    # Done on the phase's own page (floor view, chapters): ticked on the programme's too.
    page.goto((shared / "weeks-3-4" / "index.html").as_uri())
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    page.evaluate("() => { const a = document.getElementById('audio');"
                  " a.currentTime = a.duration - 0.3; return a.play(); }")  # fmt: skip
    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('voicecoach:done') || '[]').length === 2",
        timeout=15000,
    )
    page.goto((shared / "index.html").as_uri())
    assert page.locator('li[data-date="2027-01-22"] .status').inner_text() == "done ✓"
    assert errors == [] and dialogs == []
    assert all(u.startswith(("file://", "data:")) for u in requests)
    context.close()


def test_schema_accepts_the_examples_and_refuses_an_unknown_key(tmp_path: Path) -> None:
    import jsonschema
    import yaml

    root = Path(__file__).parents[1]
    schema = json.loads(invoke(["schema", "--programme"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    docs = root / "docs/programme.md"
    examples = [PROGRAMME, (root / "voicecoach/programme/starter.yaml").read_text("utf-8")]
    examples += docs.read_text("utf-8").split("```yaml\n")[1].split("```")[:1]
    for text in examples:
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))
        jsonschema.validate(data, schema)
        path = tmp_path / "p.yaml"
        path.write_text(text, encoding="utf-8")
        load_programme(path)
    data["phases"][0]["holds"] = "45s"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


@pytest.mark.parametrize("command", ["plan", "build", "share"])
def test_programme_commands_have_help_with_an_example(command: str) -> None:
    text = invoke(["programme", command, "--help"], terminal_width=80).stdout
    assert "voicecoach programme " in text.split("Example:", 1)[1]
    assert all(len(line) <= 80 for line in text.splitlines())


CIRCUIT = """\
format: voicecoach/1
id: circuit
title: Circuit
sections:
  - title: Legs
    steps:
      - rounds: 2
        rest: 10s
        steps:
          - hold: 20s
            say: Press the ball into the thigh.
          - repeat: 5
            say: Bend and straighten the knee.
            each: 4s
  - title: Cool down
    steps:
      - say: Breathe out slowly.
"""


def test_changes_reach_rounds_rests_repeats_and_breathing(tmp_path: Path) -> None:
    from voicecoach.pipeline import load
    from voicecoach.programme import phase_settings
    from voicecoach.routine import Hold, Repeat, Rounds

    (tmp_path / "circuit.yaml").write_text(CIRCUIT, encoding="utf-8")
    text = (
        PROGRAMME.split("phases:")[0]
        + """phases:
  - weeks: 1-6
    routine: circuit.yaml
    changes:
      - {section: legs, rounds: 3, rest: 20s}
      - {section: Legs, step: 1, hold: 30-40s, breathing: {exhale: 8s, guide: tones}}
      - {section: Legs, step: bend and straighten, repeat: 8, each: 5s}
"""
    )
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    programme = load_programme(path)
    routine = load(phase_settings(programme, programme.phases[0]))
    rounds = routine.sections[0].steps[0]
    assert isinstance(rounds, Rounds)
    assert (rounds.count.lo, rounds.rest and rounds.rest.duration.lo) == (3, 20)
    hold, repeat = rounds.steps
    assert isinstance(hold, Hold) and isinstance(repeat, Repeat)
    assert (hold.duration.lo, hold.duration.hi) == (30, 40)
    assert hold.breathing is not None
    assert (hold.breathing.exhale_s, hold.breathing.inhale_s, hold.breathing.guide) == (
        8,
        4,
        "tones",
    )
    assert (repeat.count.lo, repeat.each_s) == (8, 5)
    assert routine.title == "Circuit — Weeks 1-6"
    unchanged = load_routine_file(tmp_path / "circuit.yaml")
    assert unchanged.sections[0].steps[0].count.lo == 2  # type: ignore[union-attr]

    bad = text.replace("{section: legs, rounds: 3, rest: 20s}", "{section: Cool down, rounds: 3}")
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(Exception, match="Cool down has no rounds step to change"):
        load_programme(path)


def load_routine_file(path: Path):
    from voicecoach.routine import load_routine

    return load_routine(str(path))


def test_detail_is_passed_through_when_the_compiler_has_levels(programme_file: Path) -> None:
    from voicecoach import model

    text = PROGRAMME.replace("    pace: gentle\n", "    pace: gentle\n    detail: brief\n")
    programme_file.write_text(text, encoding="utf-8")
    if getattr(model, "DETAILS", None):
        programme = load_programme(programme_file)
        assert programme.phases[1].detail == "brief"
    else:
        err = invoke(["programme", "plan", str(programme_file)], exit_code=2).stderr
        assert f"{programme_file}:13:13: this voicecoach has no detail levels yet" in err
