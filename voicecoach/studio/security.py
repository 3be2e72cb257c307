"""The studio's guard: who may talk to it, and which files it may touch.

A local web app that can write files is a target for any web page the user visits: such a
page can make the browser send requests to 127.0.0.1 (CSRF) or point a name it controls
at 127.0.0.1 (DNS rebinding). So, as Jupyter does, every request needs a random token (in
the URL the command prints, then in a cookie), the Host header must name the address we
listen on, state-changing requests must come from our own origin, bodies are capped, and
paths are confined to the studio's folder.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs

from ..errors import UserError

#: Largest request body accepted (a routine is a few kilobytes; the format's limit is 1 MB).
MAX_BODY_BYTES = 1_000_000
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_token() -> str:
    """A random token for the URL (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


def cookie_name(port: int) -> str:
    """Cookies are shared across ports of a host, so the name carries ours."""
    return f"voicecoach-studio-{port}"


class PathRefused(UserError):
    """A path that is not a file inside the studio's folder."""


class BadName(UserError):
    """A file name no file may have here: too long, or with control characters (400)."""


#: Longest name of one file or folder (bytes, as most file systems count), and of a path.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024


def check_name(relative: str) -> None:
    """Refuses names the file system would refuse (with an OSError) or a list would garble.

    A newline or other control character in a name is accepted by Linux but breaks every
    list, log and terminal that shows it; a part over 255 bytes fails in the file system.
    """
    if any(not ch.isprintable() and ch != " " for ch in relative):
        raise BadName(
            f"{relative!r} has control characters (a newline, a tab...)",
            "use letters, digits, spaces, '-' and '_' in file names",
        )
    encoded = relative.encode("utf-8", errors="surrogatepass")
    longest = max((len(part.encode("utf-8", "surrogatepass")) for part in relative.split("/")),
                  default=0)  # fmt: skip
    if longest > MAX_NAME_BYTES or len(encoded) > MAX_PATH_BYTES:
        raise BadName(
            f"the name {relative[:40]!r}... is too long ({len(encoded):,} bytes; a file or "
            f"folder name may have at most {MAX_NAME_BYTES}, a path {MAX_PATH_BYTES:,})",
            "choose a shorter name",
        )


def confine(folder: Path, relative: str) -> Path:
    """The file ``relative`` names inside ``folder``; refuses anything that could leave it.

    Refused: absolute paths, drive letters, backslashes, ``..`` anywhere, hidden names, and
    paths whose real location (symlinks followed) is outside ``folder`` (``PathRefused``);
    names too long or with control characters (``BadName``).
    """
    root = folder.resolve()
    pure = PurePosixPath(relative)
    if (
        not relative
        or "\\" in relative
        or "\0" in relative
        or ":" in relative
        or pure.is_absolute()
        or any(part in ("..", "") or part.startswith(".") for part in relative.split("/"))
    ):
        raise PathRefused(f"{relative!r} is not a file name inside the studio's folder")
    check_name(relative)  # before the file system sees it (a name too long is an OSError)
    path = (root / pure).resolve()
    if path != root and root not in path.parents:
        raise PathRefused(f"{relative!r} leads outside the studio's folder")
    return path


class Guard:
    """ASGI middleware: token, Host, Origin and body-size checks before any route runs."""

    def __init__(self, app: ASGIApp, token: str, hosts: frozenset[str], port: int) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts
        self.origins = frozenset(f"http://{h}" for h in hosts)
        self.cookie = cookie_name(port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.hosts:
            await _refuse(send, 403, "this address is not the studio's (Host header refused)")
            return
        from_query = _query_token(scope)
        given = from_query or headers.get("x-studio-token") or _cookie(headers, self.cookie)
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            await _refuse(send, 403, "open the studio with the URL it printed (token missing)")
            return
        if scope["method"] not in _SAFE_METHODS and headers.get("origin") not in self.origins:
            await _refuse(send, 403, "request from another site refused (Origin header)")
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await _refuse(send, 413, f"request body over {MAX_BODY_BYTES:,} bytes")
            return
        # The whole body is read here, at most MAX_BODY_BYTES, before any route runs: a body
        # sent without a length (chunked) is refused as soon as it passes the cap, before a
        # response has started.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                await _refuse(send, 413, f"request body over {MAX_BODY_BYTES:,} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and from_query:
                value = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", value.encode())]
            await send(message)

        await self.app(scope, replay, send_with_cookie)


def _query_token(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def _cookie(headers: dict[str, str], name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
