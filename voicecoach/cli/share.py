"""The commands that hand sessions to clients: ``batch``, ``share`` and ``feed``.

``batch`` builds one personalised session per row of a clients CSV, ``share`` makes a
folder (or zip) with the session and a page to follow it on a phone, and ``feed`` turns a
folder of sessions into a private podcast feed. They are registered on the ``voicecoach``
group in ``cli.py``; like every command, they parse options, call the library
(``batch``, ``pipeline.share``, ``export.podcast``) and print what they wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..model import DETAILS
from ..timing import clock
from .options import (
    Bars,
    allow_path_option,
    detail_option,
    length_option,
    pace_option,
    printable,
    settings_from,
    voice_options,
)
from .publish import (
    check_share_modes,
    handover_options,
    page_address,
    publish_option,
    run_handover,
    run_publish,
    target_of,
)


@click.command()
@click.argument("routine")
@click.option(
    "--clients",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV with a header; columns: client, length, voice, rate, format, note, output.",
)
@click.option("-o", "--out-dir", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder for the sessions.")  # fmt: skip
@click.option("--jobs", type=click.IntRange(1, 256), help="Sessions built at once [all cores].")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Local process pool, or a Dask cluster.")  # fmt: skip
@click.option("--scheduler", help="Dask scheduler address [a local cluster].")
@click.option("--engine", help="Speech engine for every row.")
@click.option("--no-cache", is_flag=True, help="Synthesize every phrase again.")
@allow_path_option
def batch(**options: Any) -> None:
    """Build one personalised session per row of a clients CSV.

    ROUTINE may be a programme file: each row then gets a folder with one session per
    phase and the .ics (its length column must stay empty; lengths are per phase).
    Rows share the phrase cache; outputs that are up to date are skipped. A bad row is
    reported with its row number while the others are built; the exit code is 1 when
    any row failed.

    \b
    Example:
      voicecoach batch hamstring-quick --clients clients.csv -o sessions/
      printf 'client,length\\nAna,5m\\n' > c.csv
      voicecoach batch hamstring-quick --clients c.csv
      voicecoach batch programme.yaml --clients clients.csv -o programmes/
    """
    from ..batch import BatchSettings, run_batch

    settings = settings_from(BatchSettings, options)
    show = sys.stderr.isatty()
    bar = click.progressbar(length=1, label="sessions", file=sys.stderr) if show else None

    def progress(result: Any, total: int) -> None:
        if bar is not None:
            bar.length = total
            bar.update(1)

    results = run_batch(settings, progress)
    if bar is not None:
        bar.render_finish()
    click.echo(f"{'row':>4}  {'status':<8} {'output':<32} detail")
    for r in results:
        detail = r.message or f"{r.seconds:.1f} s"
        shown = printable(_shown_path(Path(r.path)) if r.path else r.name)
        click.echo(f"{r.number:>4}  {r.status:<8} {shown:<32} {printable(detail)}")
    counts = {s: sum(1 for r in results if r.status == s) for s in ("built", "skipped", "failed")}
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()))
    if counts["failed"]:
        raise click.exceptions.Exit(1)


def _shown_path(path: Path) -> str:
    """Where a file was written, relative to the working folder when it lies inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@click.command()
@click.argument("routine")
@click.option("--client", help="Greet this client by name (and fill {client}).")
@click.option("--note", help="A personal note shown on the page and in the description.")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [output/share/<id>-<client>].")  # fmt: skip
@click.option("--zip", "as_zip", is_flag=True, help="Write one .zip instead of a folder.")
@click.option("--base-url", help="Where the folder will be hosted; adds a QR code to the page.")
@click.option("--cover", type=click.Path(path_type=Path),
              help="Cover image (PNG or JPEG) for the lock screen [a generated icon].")  # fmt: skip
@voice_options
@length_option
@pace_option
@detail_option
@click.option("--also-detail", type=click.Choice(DETAILS),
              help="Also build this level; the page lets the client pick.")  # fmt: skip
@allow_path_option
@publish_option
@handover_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
def share(
    quiet: bool,
    publish_url: str | None,
    handover: bool,
    handover_for: float,
    handover_host: str | None,
    **options: Any,
) -> None:
    """Make a folder to send a client: the session, and a page to follow it on a phone.

    The page (index.html) has the player, chapters, captions, the script with clock
    times and the safety notes; it works offline, from disk or any static host.
    --publish uploads the folder to your web space (only what changed, the page last);
    --handover serves it to a phone on this network for a while (a QR code to scan).

    \b
    Example:
      voicecoach share hamstring-release --client "Ana" --note "Twice a week."
      voicecoach share hamstring-quick --zip --base-url https://example.org/ana/
      voicecoach share hamstring-quick --client Ana --publish s3://clinic/ana/
      voicecoach share hamstring-quick --client Ana --handover --for 10m
      voicecoach share hamstring-release --client "Ana" --detail brief
      voicecoach share hamstring-release --client "Ana" --also-detail brief
    """
    from ..checkins.importer import register_made
    from ..model import ShareKey
    from ..pipeline import BuildSettings, Progress, ShareSettings
    from ..pipeline import share as run_share

    check_share_modes(publish_url, handover, options["as_zip"])
    target = target_of(publish_url) if publish_url else None
    address = None
    if target is not None:
        address = page_address(target, options["base_url"], "index.html")
        options["base_url"] = address  # the page's own QR code shows where it lives
    key = ShareKey.mint()
    settings = settings_from(
        ShareSettings, {**options, "build": settings_from(BuildSettings, options), "key": key}
    )
    with Bars(not quiet and sys.stderr.isatty()) as bars:
        made, result = run_share(settings, Progress(synth=bars.synth, encode=bars.encode))
    shares = register_made(made, key, settings.build.client, result.timeline)
    if not quiet:
        click.echo(f"wrote {made} ({clock(result.timeline.duration_s)} session)")
        click.echo(f"check-ins from this share: voicecoach checkins import --folder {shares} FILE")
    if target is not None:
        run_publish(made.parent, target, address, quiet)
    if handover:
        run_handover(made.parent, handover_for, handover_host)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", help="Where FOLDER is hosted (https://...) [from --publish].")
@click.option("--title", help="Feed title [the first session's title].")
@click.option("--author", help="Feed author [the first session's author].")
@click.option("--description", help="Feed description.")
@click.option("--image", help="Cover image file name inside FOLDER (square JPEG or PNG).")
@publish_option
def feed(
    folder: Path,
    base_url: str | None,
    title: str | None,
    author: str | None,
    description: str | None,
    image: str | None,
    publish_url: str | None,
) -> None:
    """Turn a folder of built sessions into a private podcast feed (feed.xml).

    Host the folder, then subscribe to BASE_URL/feed.xml in any podcast app. Re-run after
    adding sessions: existing episodes keep their GUIDs and dates. --publish uploads the
    folder (only what changed, feed.xml last); BASE_URL then defaults to its public address.

    \b
    Example:
      voicecoach build hamstring-quick -o sessions/week1.mp3
      voicecoach feed sessions --base-url https://ana.example/ --title "For Ana"
      voicecoach feed sessions --publish s3://clinic-feeds/ana/ --title "For Ana"
    """
    from ..errors import UserError
    from ..export.podcast import FeedSettings, write_feed

    target = target_of(publish_url) if publish_url else None
    if base_url is None and target is not None:
        base_url = page_address(target, None, "")
    if base_url is None:
        raise UserError("the feed needs the address it is served at",
                        "pass --base-url https://... (or --publish with a target whose "
                        "address is known)")  # fmt: skip
    result = write_feed(FeedSettings(folder, base_url, title, author, description, image))
    for name, why in result.skipped:
        click.echo(f"skipped {printable(name)}: {printable(why)}", err=True)
    count = result.episodes
    click.echo(f"wrote {result.path} ({count} episode{'' if count == 1 else 's'})")
    if target is not None:
        run_publish(folder, target, base_url.rstrip("/") + "/feed.xml")
