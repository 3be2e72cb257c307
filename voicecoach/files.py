"""Files: atomic writes (a reader sees the old file or the complete new one, never a
part), and safe file names."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = "", durable: bool = True) -> Iterator[Path]:
    """Yields a temporary path beside ``path``; renames it onto ``path`` on success.

    On any exception (or Ctrl-C) the temporary file is removed and ``path`` is untouched.
    ``durable`` flushes the data to disk before the rename (skip it for caches, which
    verify what they read anyway).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if durable:
        remove_orphans(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=suffix + ".part", dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if durable:
            with open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def remove_orphans(path: Path) -> None:
    """Removes temporary files of ``path`` left by a process that no longer runs (a kill -9)."""
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        pid = part.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                part.unlink()


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (one owned by another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Writes UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def slug(text: str) -> str:
    """'Ana García' -> 'ana-garcia': a safe file name from a client's name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "client"
