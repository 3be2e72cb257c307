"""Uploads a folder (a share folder or a feed) to a target, through fsspec.

What makes a publish safe to interrupt at any moment:

- every file goes to a temporary name beside its final one (``.part-TOKEN-NAME``) and is
  moved into place only when complete, so no URL ever answers half a file;
- the files a reader opens first (``index.html``, ``feed.xml``, the service worker and the
  web app manifest) go last, so a page is only ever online once everything it links to is;
- a manifest on the target (``.voicecoach-publish.json``: each file's size and sha256)
  tells the next publish what is already there: only what changed is sent again.

Any failure becomes one :class:`~voicecoach.errors.PublishError` naming the target (without
credentials), what was being done and the cause in words (wrong password, host down,
disk full, timeout).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PublishError, UserError, VoicecoachError
from .target import Target
from .types import media_type

#: The target's record of what it holds (name -> size and sha256).
MANIFEST = ".voicecoach-publish.json"
#: Uploaded last, in this order: what a reader opens first, once everything it links to is
#: online (the worker lists the files it caches; the page and the feed link to the rest).
LAST = ("manifest.webmanifest", "sw.js", "feed.xml", "index.html")
#: A manifest bigger than this is not ours: it is ignored (everything is sent again).
MANIFEST_MAX_BYTES = 1 << 20

#: ``progress(bytes sent, bytes to send)``.
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class LocalFile:
    name: str
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class PublishResult:
    target: str
    uploaded: tuple[str, ...]
    unchanged: tuple[str, ...]
    bytes_sent: int


def local_files(folder: Path) -> list[LocalFile]:
    """The files to publish: regular files directly in ``folder``, not hidden (local state
    such as ``.feed-state.json`` stays home), not symlinks; hashed as they are read."""
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder", "publish a share folder or a feed folder")
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        out.append(LocalFile(path.name, path, path.stat().st_size, digest.hexdigest()))
    return out


def upload_order(files: list[LocalFile]) -> list[LocalFile]:
    """Assets first (largest first: the audio), then :data:`LAST` in its order."""
    rank = {name: i for i, name in enumerate(LAST)}
    assets = sorted((f for f in files if f.name not in rank), key=lambda f: (-f.size, f.name))
    pages = sorted((f for f in files if f.name in rank), key=lambda f: rank[f.name])
    return assets + pages


def changed(
    files: list[LocalFile], remote: Mapping[str, Any], sizes: Mapping[str, int]
) -> set[str]:
    """Names to send: not in the target's manifest with the same size and sha256, or not on
    the target with that size (deleted or replaced by hand)."""
    out = set()
    for f in files:
        known = remote.get(f.name)
        same = (
            isinstance(known, dict)
            and known.get("size") == f.size
            and known.get("sha256") == f.sha256
            and sizes.get(f.name) == f.size
        )
        if not same:
            out.add(f.name)
    return out


class Remote:
    """An fsspec filesystem rooted at the target's folder, with the move each kind needs."""

    def __init__(self, target: Target) -> None:
        self.target = target
        try:
            self.fs, self.root = _open(target)
        except ImportError as exc:
            raise UserError(
                f"publishing to {target.kind} needs the 'publish' extra ({exc.name} is missing)",
                "pip install 'voicecoach[publish]'",
            ) from None

    def path(self, name: str) -> str:
        return f"{self.root}/{name}" if self.root else name

    def ensure_folder(self) -> None:
        """Makes the folder (WebDAV, SFTP); S3 has no folders, and a missing bucket is an
        error to report, not one to create (it would be private)."""
        if self.target.kind != "s3" and self.root and not self.fs.exists(self.root):
            self.fs.makedirs(self.root, exist_ok=True)

    def sizes(self) -> dict[str, int]:
        """File name -> size of what is in the folder now."""
        try:
            items = self.fs.ls(self.root or "", detail=True)
        except FileNotFoundError:
            return {}
        out = {}
        for item in items:
            if item.get("type") == "file":
                out[str(item["name"]).rstrip("/").rsplit("/", 1)[-1]] = int(item.get("size") or 0)
        return out

    def manifest(self, sizes: Mapping[str, int]) -> dict[str, Any]:
        """The target's manifest, or empty when it is missing, too big or not ours."""
        if not 0 < sizes.get(MANIFEST, 0) <= MANIFEST_MAX_BYTES:
            return {}
        try:
            data = json.loads(self.fs.cat_file(self.path(MANIFEST)))
        except (ValueError, UnicodeDecodeError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        return files if isinstance(files, dict) else {}

    def put(self, local: Path, name: str, on_bytes: Callable[[int], None]) -> None:
        """Uploads ``local`` as ``name``: to a temporary name, then moved into place."""
        part = self.path(f".part-{secrets.token_hex(6)}-{name}")
        extra = {"ContentType": media_type(name)} if self.target.kind == "s3" else {}
        try:
            self.fs.put_file(str(local), part, callback=_Callback(on_bytes), **extra)
            self._move(part, self.path(name))
        except BaseException:
            # the part may not exist; the first error is the one to tell
            with suppress(Exception):
                self.fs.rm_file(part)
            raise

    def _move(self, source: str, dest: str) -> None:
        if self.target.kind == "webdav":
            strip = self.fs._strip_protocol
            self.fs.client.move(strip(source), strip(dest), overwrite=True)
        elif self.target.kind == "sftp":
            try:
                self.fs.mv(source, dest)
            except OSError:  # SFTP v3 renames only onto a free name
                self.fs.rm_file(dest)
                self.fs.mv(source, dest)
        else:
            self.fs.mv(source, dest)


def _open(target: Target) -> tuple[Any, str]:
    """The filesystem for ``target`` and the folder's path on it."""
    s = target.secrets
    if target.kind == "webdav":
        from webdav4.fsspec import WebdavFileSystem

        host = f"[{target.host}]" if ":" in target.host else target.host
        netloc = host + (f":{target.port}" if target.port else "")
        auth = (target.username or "", s["password"]) if "password" in s else None
        fs = WebdavFileSystem(
            f"{target.web_scheme}://{netloc}/", auth=auth, retry=False, timeout=target.timeout_s
        )
        return fs, target.path
    if target.kind == "sftp":
        from sshfs import SSHFileSystem

        options: dict[str, Any] = {"connect_timeout": target.timeout_s}
        if target.username:
            options["username"] = target.username
        if "password" in s:
            options["password"] = s["password"]
        if "key_file" in s:
            options["client_keys"] = [os.path.expanduser(s["key_file"])]
        if "known_hosts" in s:  # else asyncssh checks ~/.ssh/known_hosts
            options["known_hosts"] = os.path.expanduser(s["known_hosts"])
        fs = SSHFileSystem(target.host, port=target.port or 22, **options)
        return fs, "/" + target.path
    from s3fs import S3FileSystem

    client: dict[str, Any] = {}
    if "region" in s:
        client["region_name"] = s["region"]
    fs = S3FileSystem(
        key=s.get("key"),
        secret=s.get("secret"),
        endpoint_url=s.get("endpoint_url"),
        client_kwargs=client,
        config_kwargs={
            "connect_timeout": target.timeout_s,
            "read_timeout": target.timeout_s,
            "retries": {"max_attempts": 2},
        },
        skip_instance_cache=True,
        use_listings_cache=False,
    )
    return fs, target.path


class _Callback:
    """An fsspec callback (duck-typed) passing the bytes sent on."""

    def __init__(self, on_bytes: Callable[[int], None]) -> None:
        self.on_bytes = on_bytes
        self.value = 0
        self.size: int | None = None

    def set_size(self, size: int) -> None:
        self.size = size

    def relative_update(self, inc: int = 1) -> None:
        self.value += inc
        self.on_bytes(inc)

    def absolute_update(self, value: int) -> None:
        self.relative_update(value - self.value)

    def branched(self, *args: object, **kwargs: object) -> None:
        return None

    def branch_coro(self, fn: Any) -> Any:
        return fn

    def call(self, *args: object, **kwargs: object) -> None:
        return None


def publish(folder: Path, target: Target, progress: ProgressFn | None = None) -> PublishResult:
    """Uploads what changed in ``folder`` to ``target``, the page last; raises
    :class:`PublishError` (nothing the page links to is missing) when anything fails."""
    files = local_files(folder)
    doing = "connecting"
    with _translated(target, lambda: doing):
        remote = Remote(target)
        doing = "reading what is already there"
        sizes = remote.sizes()
        known = remote.manifest(sizes)
        send = changed(files, known, sizes)
        todo = [f for f in upload_order(files) if f.name in send]
        total = sum(f.size for f in todo)
        sent = 0

        def on_bytes(inc: int) -> None:
            nonlocal sent
            sent = min(total, sent + inc)
            if progress is not None:
                progress(sent, total)

        doing = "creating the folder"
        remote.ensure_folder()
        before = 0
        for f in todo:
            doing = f"uploading {f.name}"
            remote.put(f.path, f.name, on_bytes)
            before += f.size
            if sent != before:  # a backend that reports no progress
                on_bytes(before - sent)
        if todo or not known:
            doing = f"writing {MANIFEST}"
            record = {
                "version": 1,
                "files": {f.name: {"size": f.size, "sha256": f.sha256} for f in files},
            }
            body = json.dumps(record, indent=2, sort_keys=True).encode("utf-8")
            part = folder / f".{MANIFEST}.upload"
            try:
                part.write_bytes(body)
                remote.put(part, MANIFEST, lambda _inc: None)
            finally:
                part.unlink(missing_ok=True)
    uploaded = tuple(f.name for f in todo)
    unchanged = tuple(sorted(f.name for f in files if f.name not in send))
    return PublishResult(target.shown, uploaded, unchanged, total)


@contextmanager
def _translated(target: Target, doing: Callable[[], str]) -> Iterator[None]:
    try:
        yield
    except VoicecoachError:
        raise
    except Exception as exc:
        cause = scrub(explain(exc), target)
        raise PublishError(target.shown, doing(), cause) from None


def explain(exc: BaseException) -> str:
    """The cause of a failed upload in words, from the first exception in the chain that
    says something we know (HTTP status, refused connection, timeout, full disk...)."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen and len(seen) < 8:
        seen.append(e)
        e = e.__cause__ or e.__context__
    for e in seen:
        text = _known(e)
        if text:
            return text
    return f"{type(exc).__name__}: {exc}".strip()


_STATUS = {
    401: "the server refused the user name or password (401 Unauthorized)",
    403: "the server does not allow this (403 Forbidden): check the user's rights on the folder",
    404: "no such folder on the server (404 Not Found)",
    405: "the server does not take uploads there (405 Method Not Allowed)",
    413: "the server refuses a file this large (413 Payload Too Large)",
    507: "the server's disk is full (507 Insufficient Storage)",
}


def _known(e: BaseException) -> str | None:
    name = type(e).__name__
    status = _status_of(e)
    if status in _STATUS:
        return _STATUS[status]
    if status is not None and status >= 500:
        return f"the server failed ({status}); try again later"
    if name == "InsufficientStorage":
        return _STATUS[507]
    code = getattr(e, "response", None)
    if isinstance(code, dict):  # botocore ClientError
        error = code.get("Error", {})
        what = error.get("Code", "")
        if what in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"):
            return f"the storage refused the access key or secret ({what})"
        if what == "NoSuchBucket":
            return "no such bucket (NoSuchBucket)"
        if what:
            return f"{what}: {error.get('Message', '')}".strip()
    if isinstance(e, TimeoutError) or "Timeout" in name:
        return "the server did not answer in time (timeout)"
    if isinstance(e, ConnectionRefusedError) or name in ("ConnectError", "EndpointConnectionError"):
        return "cannot connect: the host is down or the port is wrong (connection refused)"
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return "the server's disk is full"
    if name == "HostKeyNotVerifiable":
        return (
            "the server's host key is not trusted (not in known_hosts): check it, then connect "
            "once with ssh, or give a file with VOICECOACH_PUBLISH_KNOWN_HOSTS"
        )
    if name in ("PermissionDenied", "PermissionError"):
        return "the server refused the login or the folder's permissions (permission denied)"
    if name in _DROPPED:
        return "the server closed the connection midway"
    return None


def _status_of(e: BaseException) -> int | None:
    response = getattr(e, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    match = re.search(r"\b(?:received|status(?: code)?:?)\s*(\d{3})\b", str(e), re.I)
    return int(match.group(1)) if match else None


_DROPPED = ("RemoteProtocolError", "ReadError", "ServerDisconnectedError", "ConnectionResetError")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def scrub(text: str, target: Target) -> str:
    """``text`` without the target's secrets or any URL's user part."""
    text = _USERINFO.sub("", text)
    for value in target.secrets.values():
        if len(value) >= 3 and not value.startswith(("http://", "https://")):
            text = text.replace(value, "***")
    return text[:500]
