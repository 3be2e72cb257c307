"""The author's own recordings: a folder beside the routine, one WAV per recorded line.

A routine names the folder (``voice: {recordings: recordings/}``). Its ``manifest.json``
maps each line's normalized text to a WAV file that was trimmed, high-passed and
noise-reduced when it was added (``speech/takes.py``), so the build only reads it. The
manifest is keyed by the text, so a line edited after it was recorded shows as missing
and is spoken by the engine until it is recorded again.

This module only reads the manifest and WAV headers (no numpy): ``plan`` uses a
recording's real length without the audio stack.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..files import write_text_atomic
from ..model import SAMPLE_RATE

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "voicecoach.recordings/1"
#: Largest manifest read: a routine has hundreds of lines, not millions.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


def normalize(text: str) -> str:
    """What a recording is filed under: the line with case and spacing folded.

    Punctuation is kept: "Breathe in." and "Breathe in?" are said differently.
    """
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@dataclass(frozen=True)
class Take:
    """One recorded line: its file in the folder and what was measured when it was added."""

    text: str
    file: str
    length_sample: int
    peak_db: float
    level_db: float
    added: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "file": self.file,
            "length_s": round(self.length_sample / SAMPLE_RATE, 6),
            "length_sample": self.length_sample,
            "peak_db": round(self.peak_db, 2),
            "level_db": round(self.level_db, 2),
            "added": self.added,
        }


class Recordings(Mapping[str, Take]):
    """The recordings of one folder, looked up by a line's text (normalized here)."""

    def __init__(self, folder: Path, takes: Mapping[str, Take] | None = None) -> None:
        self.folder = folder
        self._takes = dict(takes or {})

    def __getitem__(self, text: str) -> Take:
        return self._takes[normalize(text)]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and normalize(text) in self._takes

    def __iter__(self) -> Iterator[str]:
        return iter(self._takes)

    def __len__(self) -> int:
        return len(self._takes)

    def path(self, text: str) -> Path:
        """The WAV file of a recorded line."""
        return self.folder / self[text].file

    def length_sample(self, text: str) -> int | None:
        """A recorded line's length in samples, or None when it is not recorded."""
        return self[text].length_sample if text in self else None

    def lengths(self, texts: list[str]) -> dict[str, int]:
        """Lengths of the recorded ones among ``texts``, by the text as given."""
        return {t: self[t].length_sample for t in texts if t in self}

    def with_take(self, take: Take) -> Recordings:
        return Recordings(self.folder, {**self._takes, normalize(take.text): take})

    def without(self, text: str) -> Recordings:
        takes = dict(self._takes)
        takes.pop(normalize(text), None)
        return Recordings(self.folder, takes)

    def save(self) -> None:
        """Writes the manifest atomically (files first, manifest last: never a dangling entry)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        body = {
            "format": MANIFEST_FORMAT,
            "lines": {key: take.to_json() for key, take in sorted(self._takes.items())},
        }
        write_text_atomic(
            self.folder / MANIFEST, json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        )


class RecordedLengths(Mapping[str, int]):
    """Recorded lines' lengths in samples, by the line's text as the compiler asks for it."""

    def __init__(self, recordings: Recordings) -> None:
        self._recordings = recordings

    def __getitem__(self, text: str) -> int:
        return self._recordings[text].length_sample

    def __contains__(self, text: object) -> bool:
        return text in self._recordings

    def __iter__(self) -> Iterator[str]:
        return (take.text for take in self._recordings.values())

    def __len__(self) -> int:
        return len(self._recordings)


def read_recordings(folder: Path) -> Recordings:
    """The folder's recordings; an empty set when it has none yet.

    A manifest that is not ours, too large or damaged is a ``UserError`` naming it; an
    entry whose file is gone is left out (the line is spoken by the engine).
    """
    path = folder / MANIFEST
    try:
        with path.open("rb") as f:
            data = f.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        return Recordings(folder)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}", "check the folder") from None
    hint = "restore it, or delete it and record again"
    if len(data) > MAX_MANIFEST_BYTES:
        raise UserError(f"{path} is over {MAX_MANIFEST_BYTES // 2**20} MB", hint)
    try:
        body = json.loads(data)
        if body.get("format") != MANIFEST_FORMAT or not isinstance(body.get("lines"), dict):
            raise ValueError(f"not a {MANIFEST_FORMAT} manifest")
        takes = {}
        for key, entry in body["lines"].items():
            take = Take(
                text=str(entry["text"]),
                file=str(entry["file"]),
                length_sample=int(entry["length_sample"]),
                peak_db=float(entry.get("peak_db", 0.0)),
                level_db=float(entry.get("level_db", 0.0)),
                added=str(entry.get("added", "")),
            )
            if Path(take.file).name != take.file or normalize(take.text) != key:
                raise ValueError(f"entry {key!r} is not consistent")
            if (folder / take.file).is_file():
                takes[key] = take
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path} is damaged: {exc}", hint) from None
    return Recordings(folder, takes)
