"""Where a share folder or feed is published: the target URL, its credentials, its address.

A target is written as a URL whose scheme names the protocol:

- ``webdav+https://host/path/`` (or ``webdav://``, ``dav://``: https) and ``webdav+http://``
  for WebDAV (Nextcloud, ownCloud, Apache mod_dav, most hosting);
- ``sftp://[user@]host[:port]/path/`` for SFTP;
- ``s3://bucket/prefix/`` for S3 and S3-compatible storage (an endpoint from the config
  file or ``AWS_ENDPOINT_URL``).

Credentials never come from the URL: a URL with a password in it is refused, and the URL
is only ever shown with its user part removed (:func:`shown`). They come from the
environment (``VOICECOACH_PUBLISH_USER``, ``VOICECOACH_PUBLISH_PASSWORD``,
``VOICECOACH_PUBLISH_KEY_FILE``, ``VOICECOACH_PUBLISH_KNOWN_HOSTS``; for S3
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``;
``VOICECOACH_PUBLISH_TIMEOUT`` in seconds) or from
``.voicecoach/publish.yaml`` in the working folder, whose entries are keyed by a URL
prefix; the longest matching prefix wins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import yaml

from ..errors import UserError

Kind = Literal["webdav", "sftp", "s3"]
#: URL schemes and the protocol and web scheme each stands for (one list of choices).
SCHEMES: dict[str, tuple[Kind, str]] = {
    "webdav+https": ("webdav", "https"),
    "webdav+http": ("webdav", "http"),
    "webdav": ("webdav", "https"),
    "dav": ("webdav", "https"),
    "davs": ("webdav", "https"),
    "sftp": ("sftp", ""),
    "s3": ("s3", ""),
}
#: The config file, relative to the working folder (keep it out of version control).
CONFIG = Path(".voicecoach") / "publish.yaml"
#: Keys an entry of the config file may have.
CONFIG_KEYS = frozenset(
    {
        "username",
        "password",
        "key_file",
        "key",
        "secret",
        "endpoint_url",
        "region",
        "base_url",
        "timeout_s",
        "known_hosts",
    }
)
#: Seconds before a connection or a silent server counts as down.
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Target:
    """A parsed target. ``shown`` is safe to print; ``secrets`` must never be."""

    kind: Kind
    shown: str
    host: str
    port: int | None
    path: str  # the folder on the target, no leading or trailing slash (S3: bucket/prefix)
    web_scheme: str  # WebDAV: http or https
    username: str | None = None
    base_url: str | None = None  # the public address of ``path``, when known
    timeout_s: float = TIMEOUT_S
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __str__(self) -> str:
        return self.shown


def shown(url: str) -> str:
    """``url`` without any user name or password, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def parse_target(
    url: str, env: Mapping[str, str] | None = None, folder: Path | None = None
) -> Target:
    """The target ``url`` names, with credentials from ``env`` and the config file in
    ``folder`` (the working folder). Refuses passwords inside the URL."""
    env = os.environ if env is None else env
    safe = shown(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UserError(f"--publish {safe}: not a URL", _SCHEME_HINT) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UserError(
            f"--publish {safe}: unknown kind of target {scheme or '(none)'!r}", _SCHEME_HINT
        )
    if parts.password is not None:
        raise UserError(
            f"--publish {safe}: the URL carries a password",
            "never put a password in a URL (it ends up in shell history and logs); set "
            "VOICECOACH_PUBLISH_PASSWORD or write it to .voicecoach/publish.yaml",
        )
    if parts.query or parts.fragment:
        raise UserError(
            f"--publish {safe}: a target has no ?query or #fragment",
            "give the folder's address only",
        )
    kind, web = SCHEMES[scheme]
    host = parts.hostname or ""
    if not host:
        raise UserError(f"--publish {safe}: no host (or bucket) in the URL", _SCHEME_HINT)
    entry = config_entry(safe, folder or Path.cwd())
    path = parts.path.strip("/")
    if kind == "s3":
        path = f"{host}/{path}".rstrip("/")
    secrets = _secrets(kind, entry, env)
    username = parts.username or entry.get("username") or env.get("VOICECOACH_PUBLISH_USER")
    base = entry.get("base_url")
    timeout = entry.get("timeout_s") or env.get("VOICECOACH_PUBLISH_TIMEOUT") or TIMEOUT_S
    try:
        timeout_s = float(timeout)
    except ValueError:
        timeout_s = -1.0
    if not 0 < timeout_s <= 3600:
        raise UserError(
            f"publish timeout {timeout!r} is not a number of seconds up to 3600",
            "e.g. VOICECOACH_PUBLISH_TIMEOUT=60",
        )
    return Target(kind, safe, host, port, path, web, username, base, timeout_s, secrets)


_SCHEME_HINT = (
    "write webdav+https://host/folder/, sftp://user@host/folder/ or s3://bucket/folder/ "
    "(see docs/sharing.md)"
)


def _secrets(kind: Kind, entry: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    pairs: tuple[tuple[str, str], ...]
    if kind == "s3":
        pairs = (
            ("key", "AWS_ACCESS_KEY_ID"),
            ("secret", "AWS_SECRET_ACCESS_KEY"),
            ("endpoint_url", "AWS_ENDPOINT_URL"),
            ("region", "AWS_DEFAULT_REGION"),
        )
    else:
        pairs = (
            ("password", "VOICECOACH_PUBLISH_PASSWORD"),
            ("key_file", "VOICECOACH_PUBLISH_KEY_FILE"),
            ("known_hosts", "VOICECOACH_PUBLISH_KNOWN_HOSTS"),
        )
    for key, variable in pairs:
        value = entry.get(key) or env.get(variable)
        if value:
            out[key] = value
    return out


def config_entry(url: str, folder: Path) -> dict[str, str]:
    """The entry of ``folder/.voicecoach/publish.yaml`` whose key is the longest prefix of
    ``url`` (user part removed), with its ``base_url`` extended by the rest of the path."""
    path = folder / CONFIG
    if not path.is_file():
        return {}
    try:
        if path.stat().st_size > 64_000:
            raise UserError(f"{path} is over 64 kB", "it holds a few targets, nothing more")
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read {path}: {exc}", "fix or remove the file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(
            f"{path}: expected a mapping of target URL to settings",
            "see docs/sharing.md, 'Publish'",
        )
    best: tuple[int, str, dict[str, str]] | None = None
    for prefix, settings in data.items():
        if not isinstance(prefix, str) or not isinstance(settings, dict):
            raise UserError(
                f"{path}: entry {shown(str(prefix))!r} is not URL: settings",
                "see docs/sharing.md, 'Publish'",
            )
        unknown = set(map(str, settings)) - CONFIG_KEYS
        if unknown:
            raise UserError(
                f"{path}: unknown setting {sorted(unknown)[0]!r}",
                f"known: {', '.join(sorted(CONFIG_KEYS))}",
            )
        key = shown(prefix).rstrip("/")
        if (url.rstrip("/") + "/").startswith(key + "/") and (best is None or len(key) > best[0]):
            best = (len(key), key, {str(k): str(v) for k, v in settings.items()})
    if best is None:
        return {}
    _, key, entry = best
    if "base_url" in entry:
        rest = url.rstrip("/")[len(key) :].strip("/")
        entry["base_url"] = entry["base_url"].rstrip("/") + "/" + (rest + "/" if rest else "")
    return entry


def public_url(target: Target, given: str | None) -> str | None:
    """The page's public address: ``--base-url``, the config file's ``base_url``, else what
    the target says: a WebDAV folder is served at its own address, an S3 prefix at the
    endpoint's path-style address. SFTP says nothing (None)."""
    url = given or target.base_url
    if url:
        return url if url.endswith("/") else url + "/"
    if target.kind == "webdav":
        host = f"[{target.host}]" if ":" in target.host else target.host
        netloc = host + (f":{target.port}" if target.port else "")
        tail = quote(target.path) + "/" if target.path else ""
        return f"{target.web_scheme}://{netloc}/{tail}"
    if target.kind == "s3":
        endpoint = target.secrets.get("endpoint_url")
        bucket, _, prefix = target.path.partition("/")
        tail = quote(prefix) + "/" if prefix else ""
        if endpoint:
            return f"{endpoint.rstrip('/')}/{bucket}/{tail}"
        return f"https://{bucket}.s3.amazonaws.com/{tail}"
    return None


def page_address(target: Target, base_url: str | None, page: str) -> str | None:
    """Where readers open ``page`` once published: ``--base-url`` as given, else the
    folder's public address plus ``page`` (None when the target does not say)."""
    if base_url:
        return base_url
    folder = public_url(target, None)
    return folder + page if folder else None
