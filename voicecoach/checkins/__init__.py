"""Check-ins: what clients send back from a share page, kept in the clinic's own folder.

A share page asks, after each session, for pain (0-10), how hard it was and a note, and
sends them only when the client taps "Send to my therapist": a small file signed with an
HMAC-SHA256 whose key was minted for that share (``model.ShareKey``). Here the clinic's
side: ``fileformat`` reads and checks such a file, ``store`` keeps shares and check-ins in
a SQLite database in the folder, ``importer`` puts files into it (all or nothing per
file). The CLI (``voicecoach checkins``) and the studio (drop, Clients view) sit on top.
"""

from __future__ import annotations

from .fileformat import MAX_FILE_BYTES, CheckinFile, Refused, Session, read_checkin
from .importer import ImportResult, import_files, register_share
from .store import DB_NAME, SCHEMA_VERSION, Store

__all__ = [
    "DB_NAME",
    "MAX_FILE_BYTES",
    "SCHEMA_VERSION",
    "CheckinFile",
    "ImportResult",
    "Refused",
    "Session",
    "Store",
    "import_files",
    "read_checkin",
    "register_share",
]
