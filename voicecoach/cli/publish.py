"""The options and output of getting a share folder or a feed onto phones: ``--publish``
(upload to the clinic's web space) and ``--handover`` (serve it on the local network for a
while). ``share`` and ``feed`` in ``cli/share.py`` call these; the work is in
``voicecoach.publish``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import UserError

publish_option = click.option(
    "--publish",
    "publish_url",
    metavar="URL",
    help="Upload to your web space: webdav+https://host/dir/, sftp://user@host/dir/ or "
    "s3://bucket/dir/; credentials from the environment or .voicecoach/publish.yaml.",
)


def _duration(_ctx: click.Context, _param: click.Parameter, value: str) -> float:
    from ..routine import parse_duration

    seconds = parse_duration(value)
    if seconds is None or seconds <= 0 or seconds > 24 * 3600:
        raise click.BadParameter(f"{value!r} is not a time up to a day; write e.g. 10m or 1h")
    return float(seconds)


def handover_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--handover``, ``--for`` and ``--host``."""
    for option in reversed(
        (
            click.option(
                "--handover",
                is_flag=True,
                help="Serve the folder to phones on this network, with a QR code.",
            ),
            click.option(
                "--for",
                "handover_for",
                default="30m",
                show_default=True,
                callback=_duration,
                help="How long --handover serves.",
            ),
            click.option(
                "--host",
                "handover_host",
                metavar="ADDRESS",
                help="Address --handover listens on [this machine's LAN address].",
            ),
        )
    ):
        command = option(command)
    return command


def target_of(url: str) -> Any:
    """The parsed ``--publish`` target (fails before anything is built)."""
    from ..publish.target import parse_target

    return parse_target(url)


def page_address(target: Any, base_url: str | None, page: str) -> str | None:
    """Where readers open ``page`` once published (``publish.target.page_address``)."""
    from ..publish.target import page_address as address

    return address(target, base_url, page)


def run_publish(folder: Path, target: Any, address: str | None, quiet: bool = False) -> None:
    """Uploads ``folder`` with a progress bar (on a terminal), then prints what was sent,
    the public address and its QR code."""
    from ..publish.terminal import qr_text
    from ..publish.upload import publish

    show = not quiet and sys.stderr.isatty()
    bar: Any = None
    shown = 0

    def progress(sent: int, total: int) -> None:
        nonlocal bar, shown
        if not show:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="uploading", file=sys.stderr)
        bar.update(sent - shown)
        shown = sent

    try:
        result = publish(folder, target, progress)
    finally:
        if bar is not None:
            bar.render_finish()
    sent = f"{len(result.uploaded)} file{'' if len(result.uploaded) == 1 else 's'}"
    click.echo(
        f"published {sent} ({result.bytes_sent / 1e6:.1f} MB; {len(result.unchanged)} "
        f"unchanged) to {result.target}"
    )
    if address:
        click.echo(f"open it at {address}")
        click.echo(qr_text(address))
    else:
        click.echo("the public address is not known: pass --base-url to print it and its QR code")


def run_handover(folder: Path, duration_s: float, host: str | None) -> None:
    """Serves ``folder`` until the time is up or Ctrl-C; prints its URL, QR code and a
    countdown (on a terminal)."""
    from ..publish.handover import Handover, HandoverSettings
    from ..publish.terminal import qr_text

    handover = Handover(HandoverSettings(folder, host, duration_s=duration_s))
    click.echo(f"handing over {folder.name} at {handover.url}")
    click.echo(qr_text(handover.url))
    until = time.strftime("%H:%M", time.localtime(time.time() + duration_s))
    click.echo(f"scan it with the client's phone; open until {until}, Ctrl-C stops it sooner")
    live = sys.stderr.isatty()

    def tick(left_s: float) -> None:
        if live:
            minutes, seconds = divmod(int(left_s), 60)
            click.echo(f"\r{minutes:02d}:{seconds:02d} left ", nl=False, err=True)

    try:
        handover.wait(tick)
        click.echo(("\n" if live else "") + "hand-over ended (time is up)")
    except KeyboardInterrupt:
        handover.stop()
        click.echo(("\n" if live else "") + "hand-over stopped")
    if handover.requests == 0:
        click.echo("no phone opened it", err=True)


def check_share_modes(publish_url: str | None, handover: bool, as_zip: bool) -> None:
    if (publish_url or handover) and as_zip:
        raise UserError(
            "--zip makes one file to send; --publish and --handover need the folder",
            "leave out --zip",
        )
