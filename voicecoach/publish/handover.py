"""Hand a session over in the clinic: one share folder, served to phones on the local
network for a limited time.

The listener is its own (not the studio's, which stays on 127.0.0.1) and serves only what
it must:

- the files directly in the share folder, as they were when it started, under
  ``/<token>/`` where the token is 32 random bytes (``secrets.token_urlsafe``);
- GET and HEAD only (405 for any other method), byte ranges answered (audio seeking);
- 404 for everything else: ``/``, the path above the token, other tokens, sub-folders,
  hidden files, anything not in the folder; no listing; a wrong ``Host`` header is 404
  too (DNS rebinding);
- request bodies are never read; at most :data:`MAX_CONNECTIONS` at once;
- it stops by itself after the given time (30 minutes by default), or when asked.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import UserError
from .types import media_type

DEFAULT_S = 30 * 60.0
#: Phones rarely need more than a few; the cap bounds what a busy network can cost.
MAX_CONNECTIONS = 32
HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def lan_address() -> str:
    """This machine's address on the local network: the first non-loopback IPv4 address
    of ``hostname -I``, else the one a UDP socket would use (``connect`` on UDP sends
    nothing)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5)
        for address in out.stdout.split():
            if "." in address and not address.startswith("127."):
                return address
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, and UDP connect is silent
            address = str(s.getsockname()[0])
            if not address.startswith(("127.", "0.")):
                return address
    except OSError:
        pass
    raise UserError(
        "this machine has no address on a local network",
        "connect to the clinic's Wi-Fi, or give one with --host",
    )


def served_files(folder: Path) -> dict[str, Path]:
    """What the hand-over serves: regular, not hidden files directly in ``folder``."""
    if not (folder / "index.html").is_file():
        raise UserError(f"{folder} has no index.html", "hand over a share folder")
    return {
        p.name: p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    }


@dataclass(frozen=True)
class HandoverSettings:
    folder: Path
    host: str | None = None  # None: lan_address()
    port: int = 0
    duration_s: float = DEFAULT_S


class Handover:
    """A running hand-over: ``url`` to show as a QR code, ``stop()`` to end it early,
    ``wait()`` until it ends. Also a context manager (stops on exit)."""

    def __init__(self, settings: HandoverSettings) -> None:
        import uvicorn

        if settings.duration_s <= 0:
            raise UserError("the hand-over time must be positive", "e.g. --for 10m")
        self.files = served_files(settings.folder)
        self.token = secrets.token_urlsafe(32)
        host = settings.host or lan_address()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, settings.port))
        except OSError as exc:
            self._socket.close()
            raise UserError(
                f"cannot listen on {host}:{settings.port}: {exc.strerror}",
                "give another --host or port",
            ) from None
        port = self._socket.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        self.authority = f"{shown_host}:{port}"
        self.url = f"http://{self.authority}/{self.token}/"
        self.ends_at = time.monotonic() + settings.duration_s
        self.requests = 0
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            interface="asgi3",
            proxy_headers=False,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_keep_alive=5,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._stopped = threading.Event()
        self._timer = threading.Timer(settings.duration_s, self.stop)
        self._timer.daemon = True
        self._thread.start()
        self._timer.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)

    def remaining_s(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    def wait(self, tick: Callable[[float], None] | None = None) -> None:
        """Blocks until the time is up or ``stop()``; ``tick(seconds left)`` each second."""
        while not self._stopped.is_set():
            left = self.remaining_s()
            if tick is not None:
                tick(left)
            if left <= 0:
                break
            self._stopped.wait(min(1.0, left))
        self.stop()

    @property
    def active(self) -> bool:
        return not self._stopped.is_set()

    def stop(self) -> None:
        """Ends the hand-over (idempotent): the listener closes, the address is gone."""
        self._timer.cancel()
        self._stopped.set()
        self._server.should_exit = True
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> Handover:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The whole listener: one folder under one token, GET and HEAD, nothing else."""
        if scope["type"] != "http":
            return
        from starlette.responses import FileResponse, PlainTextResponse

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        prefix = f"/{self.token}/"
        path = scope["path"]
        name = unquote(path[len(prefix) :]) if path.startswith(prefix) else None
        if name == "":
            name = "index.html"
        response: Any
        if (
            self.remaining_s() <= 0
            or headers.get("host") != self.authority
            or name is None
            or name not in self.files
        ):
            response = PlainTextResponse("Not found\n", status_code=404, headers=HEADERS)
        elif scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse(
                "Method not allowed\n", status_code=405, headers={**HEADERS, "allow": "GET, HEAD"}
            )
        else:
            self.requests += 1
            file = self.files[name]
            response = FileResponse(file, media_type=media_type(name), headers=HEADERS)
        await response(scope, receive, send)
