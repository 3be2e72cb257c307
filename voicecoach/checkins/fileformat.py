"""A check-in file as a share page writes it, read and checked without trusting it.

The file is JSON: ``{"format", "share", "checkin", "hmac_sha256"}`` where ``checkin`` is
the signed text (itself JSON: client, routine, sessions with dates and answers) and
``hmac_sha256`` its HMAC with the share's key. Signing the exact text means the page and
this reader never have to agree on how JSON is written.

What the HMAC proves: the file came from a page of that share (only its page and the
clinic hold the key) and no one edited it on the way. What it cannot prove: the key is in
the page, so a determined client can read it and sign anything; a check-in is the
client's word, protected against accidents and casual edits, not against its author.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..model import CHECKIN_FORMAT, DIFFICULTIES, Difficulty

#: Largest check-in file read (a year of daily sessions with notes is ~150 kB).
MAX_FILE_BYTES = 1_000_000
#: Most sessions in one file, and the longest note kept (the page allows 500 characters).
MAX_SESSIONS = 2000
MAX_NOTE_CHARS = 2000
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SHARE_ID = re.compile(r"^[0-9a-f]{8,64}$")

RefusedReason = str


class Refused(UserError):
    """A file that is not imported, with the reason in a few words (``reason``)."""

    def __init__(self, name: str, reason: str, detail: str) -> None:
        super().__init__(f"{name}: {reason}: {detail}")
        self.name = name
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Session:
    """One session done on the phone, with the client's answers (any may be missing)."""

    done: str  # ISO 8601, as the phone's clock said
    pain: int | None
    difficulty: Difficulty | None
    note: str


@dataclass(frozen=True)
class CheckinFile:
    """A check-in file whose signature matched its share's key."""

    share_id: str
    client: str
    routine: str
    title: str
    sent: str
    sessions: tuple[Session, ...]
    #: SHA-256 of the signed text: the same check-in imported twice is seen, whether it came
    #: as the file, or pasted from a mail with other white space around it.
    digest: str


def read_bounded(path: Path, name: str) -> bytes:
    """The file's bytes; refuses a file over ``MAX_FILE_BYTES`` having read at most one
    byte more."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise Refused(name, "unreadable", exc.strerror or str(exc)) from None
    check_size(data, name)
    return data


def check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise Refused(name, "too large", f"over {MAX_FILE_BYTES:,} bytes; a check-in is small")


def envelope(data: bytes, name: str) -> tuple[str, str, str]:
    """``(share id, signed text, hmac)`` of a file, or ``Refused`` as malformed."""
    check_size(data, name)
    try:
        outer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(name, "malformed", "not a check-in file (not JSON)") from None
    if not isinstance(outer, dict) or outer.get("format") != CHECKIN_FORMAT:
        raise Refused(name, "malformed", f"not a check-in file (format is not {CHECKIN_FORMAT})")
    share, signed, mac = outer.get("share"), outer.get("checkin"), outer.get("hmac_sha256")
    if not isinstance(share, str) or not _SHARE_ID.match(share):
        raise Refused(name, "malformed", "the share id is missing or not an id")
    if not isinstance(signed, str) or not isinstance(mac, str) or not _HEX64.match(mac):
        raise Refused(name, "malformed", "the signed check-in or its HMAC is missing")
    return share, signed, mac


def read_checkin(data: bytes, name: str, key_hex: str | None) -> CheckinFile:
    """Checks a file against its share's key (``None``: the share is unknown here).

    Refused, in this order: too large, malformed envelope, unknown share, edited (the HMAC
    does not match), malformed content. Nothing is trusted before the HMAC matches.
    """
    share, signed, mac = envelope(data, name)
    if key_hex is None:
        raise Refused(
            name, "unknown share", f"share {share} was not made here (or its database is gone)"
        )
    expected = hmac.new(bytes.fromhex(key_hex), signed.encode("utf-8"), sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise Refused(name, "edited", "its HMAC does not match: changed since the page made it")
    try:
        inner = json.loads(signed)
    except ValueError:
        raise Refused(name, "malformed", "the signed check-in is not JSON") from None
    try:
        return _content(inner, share, sha256(signed.encode("utf-8")).hexdigest())
    except (TypeError, ValueError, KeyError) as exc:
        raise Refused(name, "malformed", str(exc) or type(exc).__name__) from None


def _content(inner: Any, share: str, digest: str) -> CheckinFile:
    if not isinstance(inner, dict) or inner.get("share") != share:
        raise ValueError("the signed check-in names another share")
    sessions_in = inner["sessions"]
    if not isinstance(sessions_in, list) or len(sessions_in) > MAX_SESSIONS:
        raise ValueError(f"sessions must be a list of at most {MAX_SESSIONS}")
    sessions = tuple(_session(s, i) for i, s in enumerate(sessions_in, 1))
    return CheckinFile(
        share_id=share,
        client=_text(inner.get("client", ""), "client", 200),
        routine=_text(inner.get("routine", ""), "routine", 200),
        title=_text(inner.get("title", ""), "title", 500),
        sent=_date(inner.get("sent"), "sent"),
        sessions=sessions,
        digest=digest,
    )


def _session(value: Any, n: int) -> Session:
    if not isinstance(value, dict):
        raise ValueError(f"session {n} is not an object")
    pain = value.get("pain")
    if pain is not None and (type(pain) is not int or not 0 <= pain <= 10):
        raise ValueError(f"session {n}: pain must be a whole number 0-10")
    difficulty = value.get("difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise ValueError(f"session {n}: difficulty must be one of {', '.join(DIFFICULTIES)}")
    note = _text(value.get("note") or "", f"session {n}: note", MAX_NOTE_CHARS)
    return Session(_date(value.get("done"), f"session {n}: done"), pain, difficulty, note)


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{what} must be text of at most {limit} characters")
    return value


def _date(value: Any, what: str) -> str:
    """An ISO 8601 time with a zone, normalised to UTC (``2026-12-04T10:00:00Z``)."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{what} must be an ISO date and time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what} must be an ISO date and time, not {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{what} must carry a time zone")
    from datetime import timezone

    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
