"""Builds off the event loop: one worker thread runs the pipeline, the page follows progress.

Synthesis already runs in worker processes; the thread only keeps the server answering
while a build runs. A job's state is polled by the server-sent-events route.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checkins.importer import register_made
from ..errors import VoicecoachError
from ..files import process_alive
from ..model import ShareKey
from ..pipeline import (
    BuildResult,
    BuildSettings,
    Progress,
    ShareSettings,
    build,
    page_url,
    share,
)
from ..publish.target import Target
from ..publish.upload import publish

if TYPE_CHECKING:
    from ..programme import ProgrammeSettings
    from ..programme.share import ShareProgramme

#: Previews kept on disk (each a WAV of the whole session).
_KEEP_PREVIEWS = 6
#: A studio's preview folder in the temporary folder: this prefix, then the owner's pid.
_PREVIEW_PREFIX = "voicecoach-studio-"


def remove_stale_previews(tmp: Path | None = None) -> list[Path]:
    """Removes preview folders left by studios that no longer run (killed, so their
    clean-up never ran): each folder's name carries its owner's pid. Returns them."""
    removed = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{_PREVIEW_PREFIX}*"):
        pid = folder.name[len(_PREVIEW_PREFIX) :].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@dataclass
class Job:
    """One build; ``result`` is JSON for the page once ``state`` is ``done``."""

    id: str
    kind: str
    state: str = "queued"  # queued | running | done | failed
    stage: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def snapshot(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("started")
        return out


class Jobs:
    """Runs builds one at a time in a thread; previews go to a private temporary folder."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-build")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._count = 0
        remove_stale_previews()
        self.preview_dir = Path(tempfile.mkdtemp(prefix=f"{_PREVIEW_PREFIX}{os.getpid()}-"))
        #: Preview key -> finished preview job, so playing the same draft again is instant.
        self._previews: dict[str, Job] = {}
        self._futures: dict[str, Future[None]] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.preview_dir, ignore_errors=True)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def _start(self, kind: str, work: Callable[[Job, Progress], dict[str, Any]]) -> Job:
        with self._lock:
            self._count += 1
            job = Job(id=f"{kind}-{self._count}", kind=kind)
            self._jobs[job.id] = job

        def stage(name: str) -> Callable[[int, int], None]:
            def update(done: int, total: int) -> None:
                job.stage, job.done, job.total = name, done, total

            return update

        def run() -> None:
            job.state = "running"
            try:
                job.result = work(job, Progress(synth=stage("speech"), encode=stage("mixing")))
                job.state = "done"
            except VoicecoachError as exc:
                job.error = exc.format()
                job.state = "failed"
            except Exception as exc:  # a bug must reach the page, not kill the worker
                job.error = f"{type(exc).__name__}: {exc}"
                job.state = "failed"

        self._futures[job.id] = self._pool.submit(run)
        return job

    def preview(self, settings: BuildSettings) -> Job:
        """A WAV of the whole session through the clip cache (as ``voicecoach play`` does)."""
        key = _key(settings)
        found = self._previews.get(key)
        if found is not None and (
            found.state in ("queued", "running")
            or (found.state == "done" and Path(found.result["file"]).is_file())
        ):
            return found

        # A newer draft supersedes previews that have not started yet.
        for old in self._previews.values():
            if old.state == "queued" and self._futures[old.id].cancel():
                old.state, old.error = "failed", "superseded by a newer draft"

        def work(job: Job, progress: Progress) -> dict[str, Any]:
            out = self.preview_dir / f"{key[:16]}.wav"
            result = build(replace(settings, out=out, fmt="wav"), progress)
            return {"file": str(out), "audio": f"/api/preview/{job.id}.wav"} | _summary(result)

        job = self._start("preview", work)
        self._previews[key] = job
        while len(self._previews) > _KEEP_PREVIEWS:
            oldest = self._previews.pop(next(iter(self._previews)))
            if oldest.state == "done":
                Path(oldest.result["file"]).unlink(missing_ok=True)
        return job

    def build(self, settings: BuildSettings, folder: Path) -> Job:
        def work(job: Job, progress: Progress) -> dict[str, Any]:
            result = build(settings, progress)
            rel = result.path.resolve().relative_to(folder.resolve()).as_posix()
            return {"file": rel} | _summary(result)

        return self._start("build", work)

    def share(self, settings: ShareSettings, folder: Path) -> Job:
        key = settings.key or ShareKey.mint()
        settings = replace(settings, key=key)

        def work(job: Job, progress: Progress) -> dict[str, Any]:
            made, result = share(settings, progress)
            register_made(made, key, settings.build.client, result.timeline)
            rel = made.resolve().relative_to(folder.resolve()).as_posix()
            # The page's future address, the only one a QR code may carry (never ours).
            hosted = {"page_url": page_url(settings.base_url)} if settings.base_url else {}
            return {"file": rel} | hosted | _summary(result)

        return self._start("share", work)

    def share_and_publish(
        self, settings: ShareSettings, folder: Path, target: Target, address: str | None
    ) -> Job:
        """A share folder, then uploaded to ``target`` (only what changed, the page last);
        the QR code is of the page's public ``address``."""

        def work(job: Job, progress: Progress) -> dict[str, Any]:
            made, result = share(settings, progress)

            def uploaded(sent: int, total: int) -> None:
                job.stage, job.done, job.total = "upload", sent, total

            done = publish(made.parent, target, uploaded)
            rel = made.resolve().relative_to(folder.resolve()).as_posix()
            published = {"target": done.target, "uploaded": len(done.uploaded),
                         "unchanged": len(done.unchanged), "bytes": done.bytes_sent,
                         "address": address}  # fmt: skip
            hosted = {"page_url": address} if address else {}  # the QR code (app._with_qr)
            return {"file": rel, "published": published} | hosted | _summary(result)

        return self._start("share", work)

    def programme(self, settings: ProgrammeSettings, folder: Path) -> Job:
        """A programme's sessions (one per phase) and its .ics."""
        from ..programme import build_programme

        def work(job: Job, progress: Progress) -> dict[str, Any]:
            made = build_programme(settings, progress)
            files = [s.result.path for s in made.sessions] + [made.calendar]
            return {"files": [_relative(p, folder) for p in files]}

        return self._start("programme", work)

    def programme_share(self, settings: ShareProgramme, folder: Path) -> Job:
        """A programme's share folder; ``file`` is its page."""
        from ..programme.share import share_programme

        def work(job: Job, progress: Progress) -> dict[str, Any]:
            return {"file": _relative(share_programme(settings, progress), folder)}

        return self._start("programme-share", work)


def _relative(path: Path, folder: Path) -> str:
    return path.resolve().relative_to(folder.resolve()).as_posix()


def _summary(result: BuildResult) -> dict[str, Any]:
    return {
        "duration_s": result.timeline.duration_s,
        "timeline": result.timeline.to_json(),
        "synthesized": result.synthesized,
        "cached": result.cached,
        "seconds": round(result.seconds, 3),
    }


def _key(settings: BuildSettings) -> str:
    """Everything that changes a preview's audio."""
    fields = {k: str(v) for k, v in asdict(settings).items()}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
