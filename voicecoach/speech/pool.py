"""Worker processes for synthesis: parallel, each phrase bounded by a timeout.

A hung or crashed engine is killed and its worker replaced; the phrase is tried once
more, then reported as an ``EngineError`` naming it. The build never hangs.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from ..errors import EngineError
from .clip import shape_clip
from .engines import get_engine


@dataclass(frozen=True)
class Job:
    index: int
    text: str
    voice: str
    rate: int
    language: str


def _work(engine_name: str, conn: Connection) -> None:
    """Worker loop: one engine instance, many phrases, until the pipe closes."""
    engine = get_engine(engine_name)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        conn.send(run_job(engine, job))


def run_job(engine: Any, job: Job) -> tuple[int, bytes | None, str]:
    """Synthesizes and shapes one phrase; never raises (errors come back as text)."""
    try:
        raw, rate = engine.synthesize(job.text, job.voice, job.rate, job.language)
        return job.index, shape_clip(raw, rate).tobytes(), ""
    except Exception as exc:
        return job.index, None, f"{type(exc).__name__}: {exc}"


class _Worker:
    def __init__(self, ctx: Any, engine: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_work, args=(engine, child), daemon=True)
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.deadline = 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def run_jobs(
    engine_name: str,
    jobs: Sequence[Job],
    workers: int,
    timeout_s: float,
    on_done: Callable[[int, np.ndarray], None],
) -> None:
    """Runs every job in worker processes; calls ``on_done(index, clip)`` as each finishes."""
    ctx = mp.get_context("forkserver" if os.name == "posix" else "spawn")
    queue = deque(jobs)
    tries: dict[int, int] = {}
    pool = [_Worker(ctx, engine_name) for _ in range(max(1, min(workers, len(jobs))))]

    def fail(job: Job, reason: str) -> None:
        tries[job.index] = tries.get(job.index, 0) + 1
        if tries[job.index] >= 2:
            raise EngineError(engine_name, job.text, reason)
        queue.appendleft(job)

    def restart(i: int) -> None:
        pool[i].kill()
        pool[i] = _Worker(ctx, engine_name)

    try:
        while queue or any(w.job for w in pool):
            for worker in pool:
                if worker.job is None and queue:
                    worker.job = queue.popleft()
                    worker.deadline = time.monotonic() + timeout_s
                    worker.conn.send(worker.job)
            busy = [w for w in pool if w.job is not None]
            wait_s = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_s)
            for i, worker in enumerate(pool):
                job = worker.job
                if job is None:
                    continue
                if worker.conn in ready:
                    try:
                        _, data, error = worker.conn.recv()
                    except (EOFError, OSError):
                        restart(i)
                        fail(job, "the engine process crashed")
                        continue
                    worker.job = None
                    if data is not None:
                        on_done(job.index, np.frombuffer(data, dtype=np.int16).copy())
                    else:
                        fail(job, error)
                elif not worker.process.is_alive() or time.monotonic() >= worker.deadline:
                    code = worker.process.exitcode
                    reason = (
                        f"the engine process died (exit code {code})"
                        if code is not None
                        else f"no answer within {timeout_s:g} s; the engine was stopped"
                    )
                    restart(i)
                    fail(job, reason)
    finally:
        for worker in pool:
            worker.kill()
