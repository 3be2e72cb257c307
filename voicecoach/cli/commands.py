"""The ``voicecoach`` command: parses options, calls the library, translates errors.

Heavy modules (numpy, audio) are imported inside the commands that need them, so
``plan`` and ``validate`` start fast. The options several commands share, the settings
they build and the progress bars are in ``options.py``; the commands that hand
sessions to clients (``batch``, ``share``, ``feed``) are in ``share.py``.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import RoutineError, RoutineErrors, UserError, VoicecoachError
from ..files import write_text_atomic
from ..model import AUDIO_FORMATS, Detail, Diagnostic, Timeline
from ..timing import clock
from .cache import cache
from .checkins import checkins
from .options import (
    Bars,
    allow_path_option,
    detail_option,
    length_option,
    pace_option,
    printable,
    seed_option,
    settings_from,
    strict_option,
    voice_options,
)
from .programme import programme
from .recordings import recordings
from .share import batch, feed, share


class _Group(click.Group):
    """Prints our errors once, black-style, with the right exit code and no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoicecoachError as exc:
            click.echo(f"error: {printable(exc.format(), lines=True)}", err=True)
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


for _command in (batch, share, feed):  # in share.py: sessions handed to clients
    cli.add_command(_command)
cli.add_command(recordings)  # recordings.py: the author's own voice
cli.add_command(cache)  # cache.py: the clip cache's size
cli.add_command(programme)  # programme.py: a routine over weeks
cli.add_command(checkins)  # checkins.py: what clients send back


def _warn(diagnostics: tuple[Diagnostic, ...], strict: bool = False) -> None:
    """Prints timing warnings; ``--strict`` makes them one error (``pipeline.check_strict``)."""
    from ..pipeline import check_strict

    check_strict(diagnostics, strict)
    for d in diagnostics:
        click.echo(f"warning: {printable(d.format(), lines=True)}", err=True)


def _compile(
    routine_ref: str,
    length_s: float | None,
    seed: int | None,
    pace: str = "normal",
    allow_paths: tuple[Path, ...] = (),
    detail: Detail = "full",
) -> Timeline:
    from ..compiler import compile_routine
    from ..pipeline import plan_lengths
    from ..routine import load_routine

    routine = load_routine(routine_ref, allow_paths)
    measure = plan_lengths(routine, announce=_note)
    return compile_routine(routine, measure, length_s=length_s, seed=seed, pace=pace, detail=detail)


def _note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@strict_option
@allow_path_option
def validate(files: tuple[str, ...], strict: bool, allow_paths: tuple[Path, ...]) -> None:
    """Check routine files and report every problem in every file.

    Exit code 0 when all are valid, 2 otherwise.

    \b
    Example:
      voicecoach validate legs.yaml arms.yaml
    """
    failed = False
    for ref in files:
        try:
            timeline = _compile(ref, None, None, allow_paths=allow_paths)
            _warn(timeline.diagnostics, strict)
        except RoutineErrors as exc:
            for error in exc.errors:
                click.echo(f"error: {printable(error.format(), lines=True)}", err=True)
            failed = True
            continue
        except (RoutineError, UserError) as exc:
            click.echo(f"error: {printable(exc.format(), lines=True)}", err=True)
            failed = True
            continue
        click.echo(f"{ref}: ok, planned length {clock(timeline.duration_s)}")
    if failed:
        raise click.exceptions.Exit(2)


@cli.command()
@click.argument("routine")
@length_option
@pace_option
@detail_option
@seed_option
@click.option("--json", "as_json", is_flag=True, help="Print the timeline JSON instead.")
@strict_option
@allow_path_option
def plan(
    routine: str,
    length: float | None,
    pace: str,
    detail: Detail,
    seed: int | None,
    as_json: bool,
    strict: bool,
    allow_paths: tuple[Path, ...],
) -> None:
    """Show the timed plan of a session: what is said when.

    ROUTINE is a path to a routine file or a built-in id (see `voicecoach list`).
    Lines already in the clip cache have their exact length; the rest are estimated from
    the voice, measured once (a few seconds, the first time) so plan and build agree.

    \b
    Example:
      voicecoach plan hamstring-quick
      voicecoach plan legs.yaml --length 12m --json > legs.timeline.json
      voicecoach plan hamstring-release --detail brief
    """
    timeline = _compile(routine, length, seed, pace, allow_paths, detail)
    _warn(timeline.diagnostics, strict)
    if as_json:
        click.echo(json.dumps(timeline.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(printable(format_plan(timeline), lines=True))


def format_plan(timeline: Timeline) -> str:
    """A readable table: clock time, section, side, cue, text; then totals."""
    rows = [("time", "section", "side", "cue", "text")]
    for e in timeline.events:
        what = e.text if e.kind == "speech" else f"[{e.sound or e.kind}]"
        rows.append(
            (clock(e.start_s, tenths=True), e.section or "", e.side or "", e.cue or "", what or "")
        )
    widths = [min(max(len(r[i]) for r in rows), 24) for i in range(4)]
    lines = [f"{timeline.title}" + (f" — {timeline.author}" if timeline.author else "")]
    for row in rows:
        cells = [row[i][:24].ljust(widths[i]) for i in range(4)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    speech = sum(1 for e in timeline.events if e.kind == "speech")
    lines.append(
        f"total {clock(timeline.duration_s)} · {speech} spoken lines · "
        f"{len(timeline.chapters)} chapters"
    )
    return "\n".join(lines)


@cli.command()
@click.argument("routine")
@click.option(
    "-o", "--out", type=click.Path(path_type=Path), help="Output file [output/<id>.<format>]."
)
@click.option(
    "--format", "fmt", type=click.Choice(AUDIO_FORMATS), help="Audio format [from -o, else mp3]."
)
@voice_options
@length_option
@pace_option
@detail_option
@seed_option
@click.option("--bitrate", default="96k", show_default=True, help="Bitrate for lossy formats.")
@click.option(
    "--loudness",
    type=click.Choice(["headphones", "speaker"]),
    default="headphones",
    show_default=True,
    help="headphones: -16 LUFS; speaker: -14 LUFS, gently compressed, for a phone on the floor.",
)
@click.option("--cover", type=click.Path(path_type=Path), help="Cover image (PNG or JPEG).")
@click.option("--client", help="Greet this client by name at the start (and fill {client}).")
@click.option("--jobs", type=click.IntRange(1, 64), help="Synthesis workers [all cores].")
@click.option("--no-cache", is_flag=True, help="Synthesize every phrase again.")
@strict_option
@allow_path_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
def build(quiet: bool, **options: Any) -> None:
    """Build the audio session: speech, cues and chimes, tagged, with chapters.

    Writes OUT and, beside it, OUT.timeline.json (exact timeline), OUT.vtt (captions) and
    OUT.txt (a printable script). Spoken phrases are cached, so rebuilding is fast.

    \b
    Example:
      voicecoach build hamstring-release
      voicecoach build legs.yaml -o legs.m4a --length 12m --loudness speaker
      voicecoach build hamstring-release --detail brief
    """
    from ..pipeline import BuildSettings, Progress
    from ..pipeline import build as run_build

    settings = settings_from(BuildSettings, options)
    show = not quiet and sys.stderr.isatty()
    with Bars(show) as bars:
        result = run_build(settings, Progress(synth=bars.synth, encode=bars.encode))
    _warn(result.timeline.diagnostics)
    if not quiet:
        click.echo(
            f"wrote {result.path} ({clock(result.timeline.duration_s)}, "
            f"{result.size_bytes / 1e6:.1f} MB; {result.synthesized} phrases synthesized, "
            f"{result.cached} from cache; {result.seconds:.1f} s) and "
            f"{', '.join(p.name for p in result.sidecars)}"
        )


@cli.command()
@click.argument("routine")
@click.option("--from", "from_section", metavar="SECTION", help="Start at this section.")
@click.option("--silent", is_flag=True,
              help="Without sound: the view runs on a clock (no audio device needed).")  # fmt: skip
@voice_options
@length_option
@pace_option
@detail_option
@allow_path_option
def play(from_section: str | None, silent: bool, **options: Any) -> None:
    """Play a session now, with a full-screen view you can follow from the floor.

    Keys: space pause/resume, right or n next step, left or p previous step, r repeat
    the instruction, q quit. A step with `until: ready` waits at its end for space (or any
    key); a `count: self` repeat counts one repetition per space. Phrases come from the
    cache, so a second play starts at once.
    With --silent there is no sound and no audio device is needed: follow the screen.

    \b
    Example:
      voicecoach play hamstring-quick
      voicecoach play hamstring-release --from "Massage ball" --pace gentle
      voicecoach play hamstring-quick --silent
      voicecoach play hamstring-release --detail brief
    """
    from ..pipeline import BuildSettings
    from ..player import PlaySettings
    from ..player import play as run_play

    run_play(PlaySettings(settings_from(BuildSettings, options), from_section, silent=silent))


@cli.command()
@click.argument("folder", required=False, default=".",
                type=click.Path(exists=True, file_okay=False, path_type=Path))  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port [a free one].")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other is reachable from the network.")  # fmt: skip
@click.option("--no-browser", is_flag=True, help="Print the URL without opening a browser.")
def studio(folder: Path, port: int, host: str, no_browser: bool) -> None:
    """Write, check, hear and share routines in the browser (a local web app).

    Edits the routine files in FOLDER [the current folder]; the built-in routines are
    templates to copy. Opens the browser at a URL with a random token; Ctrl-C stops it.

    \b
    Example:
      voicecoach studio
      voicecoach studio routines/ --no-browser --port 8765
    """
    from ..studio import StudioSettings, serve

    serve(StudioSettings(folder=folder, host=host, port=port, open_browser=not no_browser),
          echo=click.echo)  # fmt: skip


@cli.command()
@click.option("--all", "show_all", is_flag=True,
              help="Every voice: all languages, pyttsx3's copies, the test engine.")  # fmt: skip
def voices(show_all: bool) -> None:
    """List the speech engines and voices a routine can use on this machine.

    Voices are grouped by engine and shown for the languages routines can be written in;
    --all lists every voice of every engine. The last lines say which voice speaks a
    routine that names no engine: a natural (piper) voice for its language when one is
    installed, else espeak; $VOICECOACH_ENGINE sets another default.

    \b
    Example:
      voicecoach voices
      voicecoach build hamstring-quick --engine espeak --voice en-us
    """
    from ..speech import choosable_voices, list_voices

    everything = list_voices()
    found = everything if show_all else choosable_voices()
    rows = [("ENGINE", "VOICE", "LANGUAGE", "DESCRIPTION")]
    rows += [(v.engine, v.name, v.language, v.description) for v in found]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for i, row in enumerate(rows):
        if i > 1 and row[0] != rows[i - 1][0]:
            click.echo("")
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[3]]).rstrip())
    hidden = len(everything) - len(set(found) & set(everything))
    if not show_all and hidden > 0:
        click.echo(f"\n{hidden} more (other languages, pyttsx3's copies, the test engine): "
                   "voicecoach voices --all")  # fmt: skip
    _echo_defaults()


def _echo_defaults() -> None:
    """Which engine speaks a routine that names none, per language, and why."""
    from ..phrases import languages
    from ..speech.natural import default_voice

    click.echo("\nDefault for a routine that names no engine (its `voice:` and --engine win):")
    chosen = [default_voice(language) for language in languages()]
    shown = [d.engine if d.voice == "default" else f"{d.engine} {d.voice}" for d in chosen]
    width = max(map(len, shown))
    for d, voice in zip(chosen, shown, strict=True):
        click.echo(f"  {d.language}  {voice.ljust(width)}  {d.reason}")


@cli.command(name="list")
def list_() -> None:
    """List the built-in routines with title and planned length.

    \b
    Example:
      voicecoach list
    """
    from ..compiler import compile_routine
    from ..pipeline import plan_lengths
    from ..routine import builtin_ids, load_routine

    for rid in builtin_ids():
        routine = load_routine(rid)
        timeline = compile_routine(routine, plan_lengths(routine, announce=_note))
        click.echo(f"{rid:<26} {clock(timeline.duration_s):>7}  {printable(routine.title)}")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--programme", "is_programme", is_flag=True,
              help="Write a starter programme (weeks of a routine) instead.")  # fmt: skip
def new(file: Path, force: bool, is_programme: bool) -> None:
    """Write a commented starter routine (or, with --programme, programme) to FILE.

    \b
    Example:
      voicecoach new legs.yaml && voicecoach plan legs.yaml
      voicecoach new --programme ana.yaml && voicecoach programme plan ana.yaml
    """
    from importlib import resources

    from ..routine import starter_text

    if file.exists() and not force:
        raise UserError(f"{file} already exists", "pass --force to overwrite it")
    rid = "".join(c if c.isalnum() else "-" for c in file.stem.lower()).strip("-") or "my-routine"
    if is_programme:
        from ..programme import load_programme

        text = (resources.files("voicecoach") / "programme" / "starter.yaml").read_text("utf-8")
        _write_atomic(file, text.replace("my-programme", rid))
        load_programme(file)  # the starter must be valid here, with these built-ins
        click.echo(f"wrote {file}; next: voicecoach programme plan {shlex.quote(str(file))}")
        return
    _write_atomic(file, starter_text(rid))
    click.echo(f"wrote {file}; next: voicecoach plan {shlex.quote(str(file))}")


def _write_atomic(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", "choose another path") from None


@cli.command()
@click.option("--programme", "of_programme", is_flag=True,
              help="The programme format's schema instead.")  # fmt: skip
def schema(of_programme: bool) -> None:
    """Print the JSON Schema of the routine format (for editors).

    \b
    Example:
      voicecoach schema > routine.schema.json
      voicecoach schema --programme > programme.schema.json
    """
    if of_programme:
        from ..programme import schema_text as programme_schema

        click.echo(programme_schema(), nl=False)
        return
    from ..routine import schema_text

    click.echo(schema_text(), nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="voicecoach")
