"""Playing a built session with step navigation, independent of any screen or device.

The player owns the position (in samples) and hands PCM to a ``Sink`` that pulls it:
miniaudio for the real audio output, or a null/memory sink in tests. Pausing hands out
silence without moving the position, so the clock stops with the sound.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import wave
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import UserError
from ..model import SAMPLE_RATE, STEP_BACK_S, Step, Timeline, Wait, samples, steps_of


class Sink(Protocol):
    """Where the samples go. ``start`` begins pulling through ``pull(frames) -> int16``."""

    def start(self, pull: Callable[[int], np.ndarray]) -> None: ...

    def stop(self) -> None: ...


class Player:
    """Position, pause and step navigation over a session's PCM (int16, mono)."""

    def __init__(self, pcm: np.ndarray, timeline: Timeline, sink: Sink) -> None:
        self.pcm = pcm
        self.timeline = timeline
        self.steps = steps_of(timeline)
        self.sink = sink
        self.position = 0
        self.paused = False
        self._lock = threading.Lock()
        #: The step the player waits at (``until: ready`` or ``count: self``), if any.
        self.waiting: Wait | None = None
        #: Repetitions counted so far in a ``count: self`` wait.
        self.counted = 0
        #: Samples of silence handed out since the last tap, for the ``count: self`` cap.
        self._idle = 0

    @property
    def finished(self) -> bool:
        return self.position >= self.pcm.size

    def start(self, at_sample: int = 0) -> None:
        self.seek(at_sample)
        self.sink.start(self.pull)

    def stop(self) -> None:
        self.sink.stop()

    def pull(self, frames: int) -> np.ndarray:
        """The next ``frames`` samples (silence while paused, waiting or after the end).

        Playing into a wait stops exactly on its sample: ``until: ready`` after the
        prompt, ``count: self`` where the counting starts.
        """
        with self._lock:
            held = self.waiting
            if held is not None and not self.paused:
                self._idle += frames
                if held.count and self._idle >= samples(held.cap_s):
                    self._count_locked()
            if self.paused or self.finished or self.waiting is not None:
                return np.zeros(frames, dtype=np.int16)
            stop = self.position + frames
            wait = self._wait_between(self.position, stop)
            if wait is not None:
                stop = wait.start_sample if wait.count else wait.at_sample
            chunk = self.pcm[self.position : stop]
            self.position += chunk.size
            if wait is not None:
                self.waiting, self.counted, self._idle = wait, 0, 0
        if chunk.size < frames:
            chunk = np.concatenate([chunk, np.zeros(frames - chunk.size, dtype=np.int16)])
        return np.asarray(chunk, dtype=np.int16)

    def _wait_between(self, start: int, stop: int) -> Wait | None:
        """The first wait whose stopping point is crossed going from ``start`` to ``stop``."""
        for wait in self.timeline.waits:
            at = wait.start_sample if wait.count else wait.at_sample
            if start < at <= stop:
                return wait
        return None

    def tap(self) -> None:
        """A tap (Space, a key, the earphone's play): goes on from an ``until: ready``
        wait, counts one repetition of a ``count: self`` one, or else pauses/resumes."""
        with self._lock:
            wait = self.waiting
            if wait is None:
                self.paused = not self.paused
            elif wait.count:
                self._count_locked()
            else:
                self.waiting = None

    def _count_locked(self) -> None:
        """One more repetition; after the last, on from the end of the counted step."""
        assert self.waiting is not None
        self.counted += 1
        self._idle = 0
        if self.counted >= self.waiting.count:
            self.position = self.waiting.at_sample
            self.waiting = None

    def toggle_pause(self) -> None:
        with self._lock:
            self.paused = not self.paused

    def seek(self, sample: int) -> None:
        """Moves the position (a step jump leaves any wait: the listener chose to move)."""
        with self._lock:
            self.position = max(0, min(sample, self.pcm.size))
            self.waiting = None

    def step_index(self) -> int:
        starts = [s.start_sample for s in self.steps]
        return max(0, int(np.searchsorted(starts, self.position, side="right")) - 1)

    def current(self) -> Step:
        return self.steps[self.step_index()]

    def upcoming(self) -> Step | None:
        i = self.step_index() + 1
        return self.steps[i] if i < len(self.steps) else None

    def next_step(self) -> None:
        nxt = self.upcoming()
        self.seek(nxt.start_sample if nxt else self.pcm.size)

    def previous_step(self) -> None:
        i = self.step_index()
        if self.position - self.steps[i].start_sample < samples(STEP_BACK_S) and i > 0:
            i -= 1
        self.seek(self.steps[i].start_sample)

    def repeat(self) -> None:
        """Back to the start of the current step, to hear its instruction again."""
        self.seek(self.current().start_sample)


def map_session_wav(path: Path) -> np.ndarray:
    """A built WAV as int16 samples, memory-mapped (a long session is not copied to RAM)."""
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, SAMPLE_RATE):
            raise UserError(f"{path} is not a voicecoach WAV", "build it again with --format wav")
        frames = w.getnframes()
    offset = path.stat().st_size - frames * 2
    return np.memmap(path, dtype="<i2", mode="r", offset=offset, shape=(frames,))


class NullSink:
    """A sink with no device: the caller (a test, or a clock thread) pulls by hand."""

    def __init__(self) -> None:
        self.pull: Callable[[int], np.ndarray] | None = None
        self.stopped = False

    def start(self, pull: Callable[[int], np.ndarray]) -> None:
        self.pull = pull

    def stop(self) -> None:
        self.stopped = True

    def advance(self, frames: int) -> np.ndarray:
        assert self.pull is not None, "start the player first"
        return self.pull(frames)


class ClockSink(NullSink):
    """Pulls in real time without a device (for a terminal view without audio, e.g. in CI)."""

    def start(self, pull: Callable[[int], np.ndarray]) -> None:
        super().start(pull)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tick = 0.05
        while not self.stopped:
            self.advance(int(SAMPLE_RATE * tick))
            time.sleep(tick)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ALSA prints pages of C-level complaints when there is no sound card; we say it once."""
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


class MiniaudioSink:
    """The computer's audio output through miniaudio (wheels ship the backend)."""

    def __init__(self) -> None:
        self._device = None

    @staticmethod
    def probe() -> None:
        """Fails early, with a plain message, when there is no audio output."""
        sink = MiniaudioSink()
        sink.start(lambda frames: np.zeros(frames, dtype=np.int16))
        sink.stop()

    def start(self, pull: Callable[[int], np.ndarray]) -> None:
        import miniaudio

        def stream() -> Generator[bytes, int, None]:
            frames = yield b""
            while True:
                frames = yield pull(frames).tobytes()

        try:
            with _quiet_stderr():
                device = miniaudio.PlaybackDevice(
                    output_format=miniaudio.SampleFormat.SIGNED16,
                    nchannels=1,
                    sample_rate=SAMPLE_RATE,
                    buffersize_msec=100,
                )
            generator = stream()
            next(generator)
            device.start(generator)
        except miniaudio.MiniaudioError as exc:
            raise UserError(
                f"no audio output device found ({exc.args[0] if exc.args else exc})",
                "add --silent to follow the view on a clock without sound, or write the "
                "session to a file with `voicecoach build` and play it elsewhere",
            ) from None
        self._device = device

    def stop(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None
