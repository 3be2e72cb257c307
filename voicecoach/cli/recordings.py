"""``voicecoach recordings``: the lines a session says, which are in the author's voice,
and importing takes recorded elsewhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..timing import clock
from .options import allow_path_option, settings_from, voice_options


class _Recordings(click.Group):
    """``recordings ROUTINE`` lists; ``recordings import ROUTINE CSV`` imports.

    A group that also runs on its own: a first argument that is not a subcommand is the
    routine to list.
    """

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "list", self.commands["list"], args
        return super().resolve_command(ctx, args)


@click.group(cls=_Recordings, invoke_without_command=False)
def recordings() -> None:
    """Your own voice: list the lines to record, import recordings made elsewhere.

    A routine names its recordings folder (`voice: {recordings: recordings/}`);
    recorded lines are said in your voice, the rest by the engine, at the same loudness.

    \b
    Example:
      voicecoach recordings legs.yaml
      voicecoach recordings import legs.yaml takes.csv
    """


@recordings.command("list")
@click.argument("routine")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--no-cues", is_flag=True, help="Only your own lines, not the cue phrases.")
@voice_options
@allow_path_option
def list_lines(as_json: bool, no_cues: bool, **options: Any) -> None:
    """List every line the session says, each recorded or missing.

    \b
    Example:
      voicecoach recordings list legs.yaml --json
    """
    from ..pipeline import BuildSettings
    from ..recorder import script

    found = script(settings_from(BuildSettings, options), cues=not no_cues)
    if as_json:
        body = {
            "routine": found.routine.id,
            "folder": str(found.folder),
            "named": found.named,
            "recorded": found.recorded,
            "lines": [line.to_json() for line in found.lines],
        }
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    for line in found.lines:
        mark = "recorded" if line.take else "missing "
        length = f"{clock(line.take.length_sample / 44100):>6}" if line.take else " " * 6
        click.echo(f"{mark} {length}  {line.kind:<4}  {line.text}")
    where = "" if found.named else " (not named by the routine yet)"
    click.echo(f"{found.recorded} of {len(found.lines)} lines recorded in {found.folder}{where}")


@recordings.command("import")
@click.argument("routine")
@click.argument("csv_file", metavar="CSV", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace lines that are already recorded.")
@voice_options
@allow_path_option
def import_(csv_file: Path, force: bool, **options: Any) -> None:
    """Import recordings made elsewhere: a CSV with the columns text,file.

    Files are relative to the CSV, in any format ffmpeg decodes. Each is trimmed,
    high-passed and noise-reduced, and filed under its line's text.

    \b
    Example:
      voicecoach recordings import legs.yaml takes.csv
    """
    from ..pipeline import BuildSettings
    from ..recorder import import_csv

    done = import_csv(settings_from(BuildSettings, options), csv_file, force=force)
    for warning in done.warnings:
        click.echo(f"warning: {warning}", err=True)
    for text in done.unknown:
        click.echo(f"warning: {text!r} is not a line of this session (kept anyway)", err=True)
    click.echo(f"imported {len(done.added)} recordings")
