"""``voicecoach programme plan|build|share``: a routine followed over weeks.

Like every command they parse options, build one settings object, call the library
(``voicecoach.programme``) and print what it made; errors are printed once by the group
in ``cli.py`` (a programme's are located: file:line:col, the problem and a hint; exit 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..model import AUDIO_FORMATS
from ..timing import clock
from .options import Bars, settings_from, voice_options

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def programme() -> None:
    """Programmes: one routine over weeks, with dated sessions and reminders.

    A programme file names a start date, days of the week, a reminder time and phases of
    weeks, each a routine with its length, pace and changes (docs/programme.md).

    \b
    Example:
      voicecoach new --programme ana.yaml
      voicecoach programme plan ana.yaml
      voicecoach programme build ana.yaml -o sessions/
    """


@programme.command()
@click.argument("file", type=_FILE)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON instead.")
@click.option("--engine", help="Speech engine whose voice the lengths are estimated for.")
def plan(file: Path, as_json: bool, engine: str | None) -> None:
    """Show the calendar: each date's phase, routine, length and what changed.

    Lengths are estimated from the voice (no synthesis); the build's are exact.

    \b
    Example:
      voicecoach programme plan ana.yaml
      voicecoach programme plan ana.yaml --json > ana.plan.json
    """
    from ..programme import format_plan, load_programme, plan_programme

    result = plan_programme(load_programme(file), engine)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_plan(result))


def _session_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--format", "fmt", type=click.Choice(AUDIO_FORMATS),
                         default="mp3", show_default=True, help="Audio format of the sessions."),
            click.option("--bitrate", default="96k", show_default=True,
                         help="Bitrate for lossy formats."),
            click.option("--loudness", type=click.Choice(["headphones", "speaker"]),
                         default="headphones", show_default=True,
                         help="headphones: -16 LUFS; speaker: -14 LUFS, for a phone on the floor."),
            click.option("--jobs", type=click.IntRange(1, 64),
                         help="Synthesis workers [all cores]."),
            click.option("--no-cache", is_flag=True, help="Synthesize every phrase again."),
            click.option("-q", "--quiet", is_flag=True, help="No progress and no summary."),
        ]
    ):  # fmt: skip
        command = option(command)
    return voice_options(command)


def _phase_line(quiet: bool) -> Any:
    def show(index: int, total: int, phase: Any) -> None:
        if not quiet:
            click.echo(f"[{index}/{total}] {phase.label}: {phase.title}", err=True)

    return show


@programme.command()
@click.argument("file", type=_FILE)
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the sessions and the .ics [output/<id>].")  # fmt: skip
@_session_options
def build(file: Path, out_dir: Path | None, quiet: bool, **options: Any) -> None:
    """Build one session per phase (titled with its weeks) and NAME.ics beside them.

    All phases share the clip cache, so later phases mostly mix what the first one said.
    The .ics has one recurring event per phase, on the programme's days, with an alarm at
    the reminder time.

    \b
    Example:
      voicecoach programme build ana.yaml
      voicecoach programme build ana.yaml -o sessions/ --engine piper
    """
    from ..pipeline import BuildSettings, Progress
    from ..programme import ProgrammeSettings, build_programme

    session = settings_from(BuildSettings, {**options, "routine": ""})
    settings = ProgrammeSettings(file, out_dir, session)
    with Bars(not quiet and sys.stderr.isatty()) as bars:
        result = build_programme(
            settings, Progress(synth=bars.synth, encode=bars.encode), _phase_line(quiet)
        )
    if not quiet:
        for s in result.sessions:
            r = s.result
            click.echo(f"wrote {r.path} ({s.phase.label}, {clock(r.timeline.duration_s)}; "
                       f"{r.synthesized} phrases synthesized, {r.cached} from cache)")  # fmt: skip
        click.echo(f"wrote {result.calendar} ({len(result.sessions)} recurring events)")


@programme.command()
@click.argument("file", type=_FILE)
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [output/share/<id>].")  # fmt: skip
@click.option("--base-url", help="Where the folder will be hosted; adds the podcast feed.")
@_session_options
def share(file: Path, out_dir: Path | None, base_url: str | None, quiet: bool,
          **options: Any) -> None:  # fmt: skip
    """Make one folder for the client: today's session, the calendar, reminders.

    index.html opens on today's session (by the phone's date), then the calendar with
    the sessions done on that phone ticked; "Add to calendar" gives the .ics. Each phase
    has its own full page (floor view, chapters, script). With --base-url, feed.xml has
    one episode per phase, dated on its first day.

    \b
    Example:
      voicecoach programme share ana.yaml
      voicecoach programme share ana.yaml --base-url https://example.org/ana/
    """
    from ..pipeline import BuildSettings, Progress
    from ..programme.share import ShareProgramme, share_programme

    session = settings_from(BuildSettings, {**options, "routine": ""})
    settings = ShareProgramme(file, out_dir, session, base_url)
    with Bars(not quiet and sys.stderr.isatty()) as bars:
        page = share_programme(
            settings, Progress(synth=bars.synth, encode=bars.encode), _phase_line(quiet)
        )
    if not quiet:
        click.echo(f"wrote {page}")
