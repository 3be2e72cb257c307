"""Putting check-in files into the clinic's database: each file all or nothing.

A file is refused (and nothing of it stored) when it is over 1 MB, malformed, for a share
not made here, or edited; the others are imported. The result names every file and what
happened to it, so the CLI and the studio say the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..model import ShareKey, Timeline
from .fileformat import Refused, envelope, read_bounded, read_checkin
from .store import Store


@dataclass(frozen=True)
class Outcome:
    """One file: ``imported`` (with how many sessions), ``already`` imported, or ``refused``."""

    name: str
    status: str  # "imported" | "already" | "refused"
    sessions: int = 0
    client: str = ""
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ImportResult:
    outcomes: tuple[Outcome, ...]

    @property
    def refused(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "refused")


def import_bytes(store: Store, data: bytes, name: str) -> Outcome:
    """Checks and stores one file's bytes; a refusal is an ``Outcome``, never half a file."""
    try:
        share, _, _ = envelope(data, name)
        checkin = read_checkin(data, name, store.key_of(share))
    except Refused as exc:
        return Outcome(name, "refused", reason=exc.reason, detail=exc.detail)
    added = store.add_file(checkin, name, _now())
    status = "imported" if added else "already"
    return Outcome(name, status, len(checkin.sessions), checkin.client)


def import_files(store: Store, paths: list[Path]) -> ImportResult:
    """Imports every readable, valid file; reads at most 1 MB + 1 byte of each."""
    outcomes = []
    for path in paths:
        try:
            data = read_bounded(path, str(path))
        except Refused as exc:
            outcomes.append(Outcome(str(path), "refused", reason=exc.reason, detail=exc.detail))
            continue
        outcomes.append(import_bytes(store, data, str(path)))
    return ImportResult(tuple(outcomes))


def register_share(store: Store, key: ShareKey, client: str | None, routine: str, title: str,
                   location: Path) -> None:  # fmt: skip
    """Remembers a share made here, so its check-ins are recognised and their HMAC checked."""
    store.add_share(key, client or "", routine, title, _now(), str(location))


def register_made(made: Path, key: ShareKey, client: str | None, timeline: Timeline) -> Path:
    """Registers a share just written (``made``: its page, or its zip) in the database
    beside the share folders; returns that folder."""
    folder = made.parent if made.suffix == ".zip" else made.parent.parent
    register_share(
        Store(folder),
        key,
        _utf8(client) if client else client,
        _utf8(timeline.routine_id),
        _utf8(timeline.title),
        made,
    )
    return folder


def _utf8(text: str) -> str:
    """``text`` storable as UTF-8: a lone surrogate (a copied timeline.json) becomes '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
