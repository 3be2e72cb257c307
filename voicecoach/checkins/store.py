"""The clinic's check-in database: one SQLite file in the folder, versioned schema.

``shares`` holds every share made here (id, key, client, routine, when); ``sessions`` one
row per session a client did (keyed by share and the phone's date, so the same session
sent again in a later file is one row); ``files`` the SHA-256 of every check-in imported
(of its signed text), so importing a file twice changes nothing. The schema version is SQLite's
``user_version``; ``MIGRATIONS[n]`` takes a database from version n to n + 1, each in one
transaction, and a database from a newer voicecoach is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..model import ShareKey
from .fileformat import CheckinFile

#: The database's file name inside the folder.
DB_NAME = "voicecoach-checkins.sqlite"

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: shares, the sessions clients did, and the files imported.
    """
    CREATE TABLE shares (
        share_id TEXT PRIMARY KEY,
        key_hex TEXT NOT NULL,
        client TEXT NOT NULL DEFAULT '',
        routine TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE sessions (
        share_id TEXT NOT NULL REFERENCES shares(share_id),
        done TEXT NOT NULL,
        pain INTEGER CHECK (pain IS NULL OR pain BETWEEN 0 AND 10),
        difficulty TEXT CHECK (difficulty IS NULL OR difficulty IN ('easy', 'right', 'hard')),
        note TEXT NOT NULL DEFAULT '',
        sent TEXT NOT NULL,
        PRIMARY KEY (share_id, done)
    );
    CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        share_id TEXT NOT NULL REFERENCES shares(share_id),
        name TEXT NOT NULL,
        sent TEXT NOT NULL,
        imported TEXT NOT NULL
    );
    """,
    # 1 -> 2: clients are looked up by name.
    "CREATE INDEX shares_client ON shares(client);",
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class ShareRow:
    share_id: str
    client: str
    routine: str
    title: str
    created: str
    location: str


@dataclass(frozen=True)
class SessionRow:
    share_id: str
    client: str
    routine: str
    done: str
    pain: int | None
    difficulty: str | None
    note: str


class Store:
    """The database at ``folder / DB_NAME``, created and migrated on first use."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DB_NAME

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection with foreign keys on, the schema migrated; closed afterwards."""
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except sqlite3.Error as exc:
            raise UserError(f"cannot open the check-in database {self.path}: {exc}") from None
        try:
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db, self.path)
            yield db
        except sqlite3.DatabaseError as exc:
            raise UserError(
                f"the check-in database {self.path} cannot be used: {exc}",
                "restore it from a backup, or move it aside to start a new one",
            ) from None
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All of it or nothing: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error)."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def add_share(self, key: ShareKey, client: str, routine: str, title: str,
                  created: str, location: str) -> None:  # fmt: skip
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO shares VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key.share_id, key.key_hex, client, routine, title, created, location),
            )

    def key_of(self, share_id: str) -> str | None:
        if not self.path.exists():
            return None
        with self.connect() as db:
            sql = "SELECT key_hex FROM shares WHERE share_id = ?"
            row = db.execute(sql, (share_id,)).fetchone()
        return str(row[0]) if row else None

    def add_file(self, checkin: CheckinFile, name: str, imported: str) -> bool:
        """Stores a checked file's sessions in one transaction; ``False`` when this very
        file was imported before (then nothing changes). A session already known is
        replaced only by a file sent later (the client may have changed an answer)."""
        with self.transaction() as db:
            seen = db.execute("SELECT 1 FROM files WHERE sha256 = ?", (checkin.digest,)).fetchone()
            if seen:
                return False
            db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?)",
                (checkin.digest, checkin.share_id, name, checkin.sent, imported),
            )
            for s in checkin.sessions:
                db.execute(
                    "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (share_id, done) DO UPDATE SET pain = excluded.pain, "
                    "difficulty = excluded.difficulty, note = excluded.note, sent = excluded.sent "
                    "WHERE excluded.sent > sessions.sent",
                    (checkin.share_id, s.done, s.pain, s.difficulty, s.note, checkin.sent),
                )
        return True

    def shares(self, client: str | None = None) -> list[ShareRow]:
        if not self.path.exists():
            return []
        sql = "SELECT share_id, client, routine, title, created, location FROM shares"
        args: tuple[str, ...] = ()
        if client is not None:
            sql, args = sql + " WHERE client = ? COLLATE NOCASE", (client,)
        with self.connect() as db:
            rows = db.execute(sql + " ORDER BY client COLLATE NOCASE, created", args).fetchall()
        return [ShareRow(*r) for r in rows]

    def sessions(self, client: str | None = None) -> list[SessionRow]:
        if not self.path.exists():
            return []
        sql = (
            "SELECT s.share_id, h.client, h.routine, s.done, s.pain, s.difficulty, s.note "
            "FROM sessions s JOIN shares h USING (share_id)"
        )
        args: tuple[str, ...] = ()
        if client is not None:
            sql, args = sql + " WHERE h.client = ? COLLATE NOCASE", (client,)
        with self.connect() as db:
            rows = db.execute(sql + " ORDER BY h.client COLLATE NOCASE, s.done", args).fetchall()
        return [SessionRow(*r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Rows per table (tests and ``checkins list`` use it to show nothing changed)."""
        if not self.path.exists():
            return {"shares": 0, "sessions": 0, "files": 0}
        with self.connect() as db:
            return {
                t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                for t in ("shares", "sessions", "files")
            }


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Brings the schema to ``SCHEMA_VERSION``, one transaction per step."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise UserError(
            f"the check-in database {path} has schema version {version}; this voicecoach "
            f"knows up to {SCHEMA_VERSION}",
            "use the newer voicecoach that wrote it",
        )
    for step in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {step + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
