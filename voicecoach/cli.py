"""The ``voicecoach`` command: parses options, calls the library, translates errors.

Heavy modules (numpy, audio) are imported inside the commands that need them, so
``plan`` and ``validate`` start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import RoutineError, RoutineErrors, UserError, VoicecoachError
from .model import Diagnostic, Timeline


class _Group(click.Group):
    """Prints our errors once, black-style, with the right exit code and no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoicecoachError as exc:
            click.echo(f"error: {exc.format()}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; no partial output was left behind", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicecoach")
def cli() -> None:
    """Turn a written routine into a voice-guided audio session, offline.

    \b
    Example:
      voicecoach plan hamstring-quick
      voicecoach build hamstring-release
    """


def _length(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from .routine import parse_duration

    seconds = parse_duration(value)
    if seconds is None or seconds <= 0:
        raise click.BadParameter(f"{value!r} is not a length; write e.g. 12m, 1m30s or 900")
    return seconds


length_option = click.option(
    "--length",
    callback=_length,
    metavar="DURATION",
    help="Target session length (e.g. 12m); ranges in the routine are chosen to fit it.",
)
seed_option = click.option(
    "--seed", type=int, help="Pick other wordings among a routine's alternatives."
)
strict_option = click.option(
    "--strict", is_flag=True, help="Treat timing warnings (lines that do not fit) as errors."
)


def _report(diagnostics: tuple[Diagnostic, ...], strict: bool) -> None:
    """Prints timing warnings; with --strict they become errors (exit 2)."""
    if not diagnostics:
        return
    label = "error" if strict else "warning"
    for d in diagnostics:
        click.echo(f"{label}: {d}", err=True)
    if strict:
        raise click.exceptions.Exit(2)


def _compile(routine_ref: str, length_s: float | None, seed: int | None) -> Timeline:
    from .compiler import compile_routine
    from .routine import load_routine

    return compile_routine(load_routine(routine_ref), length_s=length_s, seed=seed)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@strict_option
def validate(files: tuple[str, ...], strict: bool) -> None:
    """Check routine files and report every problem in every file.

    Exit code 0 when all are valid, 2 otherwise.

    \b
    Example:
      voicecoach validate legs.yaml arms.yaml
    """
    failed = False
    for ref in files:
        try:
            timeline = _compile(ref, None, None)
        except RoutineErrors as exc:
            for error in exc.errors:
                click.echo(f"error: {error.format()}", err=True)
            failed = True
            continue
        except (RoutineError, UserError) as exc:
            click.echo(f"error: {exc.format()}", err=True)
            failed = True
            continue
        label = "error" if strict else "warning"
        for d in timeline.diagnostics:
            click.echo(f"{label}: {d}", err=True)
        failed = failed or (strict and bool(timeline.diagnostics))
        click.echo(f"{ref}: ok, planned length {_clock(timeline.duration_s)}")
    if failed:
        raise click.exceptions.Exit(2)


@cli.command()
@click.argument("routine")
@length_option
@seed_option
@click.option("--json", "as_json", is_flag=True, help="Print the timeline JSON instead.")
@strict_option
def plan(routine: str, length: float | None, seed: int | None, as_json: bool, strict: bool) -> None:
    """Show the timed plan of a session: what is said when.

    ROUTINE is a path to a routine file or a built-in id (see `voicecoach list`).
    Speech lengths are estimated from the voice rate; `build` measures them exactly.

    \b
    Example:
      voicecoach plan hamstring-quick
      voicecoach plan legs.yaml --length 12m --json > legs.timeline.json
    """
    timeline = _compile(routine, length, seed)
    _report(timeline.diagnostics, strict)
    if as_json:
        click.echo(json.dumps(timeline.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_plan(timeline))


def format_plan(timeline: Timeline) -> str:
    """A readable table: clock time, section, side, cue, text; then totals."""
    rows = [("time", "section", "side", "cue", "text")]
    for e in timeline.events:
        what = e.text if e.kind == "speech" else f"[{e.sound or e.kind}]"
        rows.append(
            (_clock(e.start_s, tenths=True), e.section or "", e.side or "", e.cue or "", what or "")
        )
    widths = [min(max(len(r[i]) for r in rows), 24) for i in range(4)]
    lines = [f"{timeline.title}" + (f" — {timeline.author}" if timeline.author else "")]
    for row in rows:
        cells = [row[i][:24].ljust(widths[i]) for i in range(4)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    speech = sum(1 for e in timeline.events if e.kind == "speech")
    lines.append(
        f"total {_clock(timeline.duration_s)} · {speech} spoken lines · "
        f"{len(timeline.chapters)} chapters"
    )
    return "\n".join(lines)


def _clock(s: float, tenths: bool = False) -> str:
    whole = int(s)
    h, rest = divmod(whole, 3600)
    text = f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
    return f"{text}.{int((s - whole) * 10)}" if tenths else text


@cli.command(name="list")
def list_() -> None:
    """List the built-in routines with title and planned length.

    \b
    Example:
      voicecoach list
    """
    from .compiler import compile_routine
    from .routine import builtin_ids, load_routine

    for rid in builtin_ids():
        routine = load_routine(rid)
        timeline = compile_routine(routine)
        click.echo(f"{rid:<26} {_clock(timeline.duration_s):>7}  {routine.title}")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def new(file: Path, force: bool) -> None:
    """Write a commented starter routine to FILE.

    \b
    Example:
      voicecoach new legs.yaml && voicecoach plan legs.yaml
    """
    from importlib import resources

    if file.exists() and not force:
        raise UserError(f"{file} already exists", "pass --force to overwrite it")
    text = (resources.files("voicecoach") / "starter.yaml").read_text(encoding="utf-8")
    rid = "".join(c if c.isalnum() else "-" for c in file.stem.lower()).strip("-") or "my-routine"
    _write_atomic(file, text.replace("my-routine", rid))
    click.echo(f"wrote {file}; next: voicecoach plan {file}")


def _write_atomic(path: Path, text: str) -> None:
    from .fsutil import write_text_atomic

    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", "choose another path") from None


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the routine format (for editors).

    \b
    Example:
      voicecoach schema > routine.schema.json
    """
    from importlib import resources

    click.echo((resources.files("voicecoach") / "routine.schema.json").read_text("utf-8"), nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="voicecoach")


if __name__ == "__main__":
    sys.exit(main())
