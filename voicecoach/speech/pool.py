"""Worker processes for synthesis: parallel, each phrase bounded by a timeout.

A hung or crashed engine is killed and its worker replaced; the phrase is tried once
more, then reported as an ``EngineError`` naming it. The build never hangs.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from ..errors import EngineError
from .clip import shape_clip
from .engines import engine_factory


@dataclass(frozen=True)
class Job:
    index: int
    text: str
    voice: str
    rate: int
    language: str


def _work(factory: Callable[[], Any], conn: Connection) -> None:
    """Worker loop: one engine instance, many phrases, until the pipe closes.

    Ctrl-C is the parent's to handle (it stops the workers); a worker ignores it, so an
    interrupted build prints one line, not a traceback per worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = factory()
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


def _start_without_sigint(process: Any) -> None:
    """Starts ``process`` with Ctrl-C blocked, so it (and the forkserver it may start)
    inherits the block: a Ctrl-C that lands while a worker is still starting up (before
    ``_work`` ignores it) would print that worker's traceback. The parent unblocks at once
    and handles the pending Ctrl-C itself."""
    if not hasattr(signal, "pthread_sigmask"):
        process.start()
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Worker:
    def __init__(self, ctx: Any, factory: Callable[[], Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_work, args=(factory, child), daemon=True)
        _start_without_sigint(self.process)
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
    factory = engine_factory(engine_name)
    queue = deque(jobs)
    tries: dict[int, int] = {}
    pool = [_Worker(ctx, factory) for _ in range(max(1, min(workers, len(jobs))))]

    def fail(job: Job, reason: str) -> None:
        tries[job.index] = tries.get(job.index, 0) + 1
        if tries[job.index] >= 2:
            raise EngineError(engine_name, job.text, reason)
        queue.appendleft(job)

    def restart(i: int) -> str:
        """Replaces a dead or stuck worker; says what happened to it."""
        old = pool[i]
        old.process.join(0.5)
        code = old.process.exitcode
        old.kill()
        pool[i] = _Worker(ctx, factory)
        if code is None:
            return f"no answer within {timeout_s:g} s; the engine was stopped"
        return f"the engine process died (exit code {code})"

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
                        fail(job, restart(i))
                        continue
                    worker.job = None
                    if data is not None:
                        on_done(job.index, np.frombuffer(data, dtype=np.int16).copy())
                    else:
                        fail(job, error)
                elif not worker.process.is_alive() or time.monotonic() >= worker.deadline:
                    fail(job, restart(i))
    finally:
        for worker in pool:
            worker.kill()
