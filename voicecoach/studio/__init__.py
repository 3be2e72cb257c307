"""``voicecoach studio``: write, see, hear and share a routine in the browser.

A local web app (Starlette, served by uvicorn) on top of the library, as ``cli.py`` is:
the editor checks drafts with what ``validate --strict`` runs, the chart draws the compiled
timeline, and every sound is made by the pipeline. Nothing in the library imports this
package. Safe by default: 127.0.0.1 only, a random token on every request, Host and Origin
checked, paths confined to the folder (see ``security``).
"""

from __future__ import annotations

import io
import ipaddress
import socket
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from .security import new_token

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class StudioSettings:
    """What ``voicecoach studio`` was asked for."""

    folder: Path
    host: str = LOOPBACK
    port: int = 0
    open_browser: bool = True
    token: str | None = None
    cache_dir: Path | None = None


@dataclass(frozen=True)
class Started:
    """A bound studio: its URL (with the token) and the names its Host header may take."""

    url: str
    token: str
    port: int
    hosts: frozenset[str]
    sock: socket.socket


def bind(settings: StudioSettings) -> Started:
    """Binds the socket (port 0 picks a free one) and decides the URL and allowed hosts."""
    if not settings.folder.is_dir():
        raise UserError(f"{settings.folder} is not a folder", "give an existing folder")
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        sock.close()
        raise UserError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            "choose another --port, or leave it out to pick a free one",
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    shown = _shown_host(settings.host)
    names = {shown, LOOPBACK, "localhost", settings.host}
    hosts = frozenset(f"[{h}]:{port}" if ":" in h else f"{h}:{port}" for h in names)
    token = settings.token or new_token()
    netloc = f"[{shown}]:{port}" if ":" in shown else f"{shown}:{port}"
    return Started(f"http://{netloc}/?token={token}", token, port, hosts, sock)


def _shown_host(host: str) -> str:
    """The address to print: a wildcard is shown as this machine's address on the network."""
    if host not in ("0.0.0.0", "::"):
        return host
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return LOOPBACK
    return LOOPBACK if ipaddress.ip_address(address).is_loopback else address


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def announce(settings: StudioSettings, started: Started, echo: Callable[[str], None]) -> None:
    """Prints the URL; off the loopback address first a warning and a QR code of the URL."""
    if not is_loopback(settings.host):
        import segno

        echo(
            f"warning: listening on {settings.host}, not only this computer: anyone on the "
            "network who gets this URL (with its token) can read and change the routines in "
            f"{settings.folder.resolve()}"
        )
        buf = io.StringIO()
        segno.make(started.url, error="m").terminal(out=buf, compact=True)
        echo(buf.getvalue().rstrip("\n"))
    echo(f"voicecoach studio: {started.url}")
    echo(f"folder: {settings.folder.resolve()}   (Ctrl-C to stop)")


def serve(settings: StudioSettings, echo: Callable[[str], None] = print) -> None:
    """Runs the studio until Ctrl-C; prints the URL (and a warning and QR code off-loopback)."""
    import uvicorn

    from .app import AppSettings, create_app

    started = bind(settings)
    app = create_app(
        AppSettings(
            folder=settings.folder.resolve(),
            token=started.token,
            hosts=started.hosts,
            port=started.port,
            cache_dir=settings.cache_dir,
        )
    )
    announce(settings, started, echo)
    if settings.open_browser:
        webbrowser.open(started.url)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[started.sock])
