"""Speech engines that misbehave, or count: the one set of fakes for scripts/chaos.py and the
tests (importable, so worker processes find them). Each is the tone engine with one fault.
"""

from __future__ import annotations

import os
import time

import numpy as np

from voicecoach.speech import register_engine
from voicecoach.speech.engines import ToneEngine


class Hang(ToneEngine):
    """Never answers, except for a phrase starting with "fine" (a batch can mix both)."""

    name = "_fake_hang"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        if text.startswith("fine"):
            return super().synthesize(text, voice, rate, language)
        time.sleep(3600)
        raise AssertionError("unreachable")


class Crash(ToneEngine):
    """The worker process dies (as a segfault would)."""

    name = "_fake_crash"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        os._exit(139)


class Empty(ToneEngine):
    """No samples at all."""

    name = "_fake_empty"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        return np.zeros(0, dtype=np.int16), 22050


class Silent(ToneEngine):
    """Half a second of digital silence."""

    name = "_fake_silent"

    def synthesize(self, text, voice, rate, language):
        return np.zeros(22050, dtype=np.int16), 22050


class Garbage(ToneEngine):
    """Not audio at all: NaNs for one phrase, a string for another, a bad rate for a third."""

    name = "_fake_garbage"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        kind = sum(map(ord, text)) % 3
        if kind == 0:
            return np.full(4410, np.nan, dtype=np.float32), 22050
        if kind == 1:
            return "not audio", 22050
        return np.ones(4410, dtype=np.float32), -5


class Counting(ToneEngine):
    """The tone engine, counting its calls (in-process, so the count is the caller's)."""

    name = "_fake_count"
    calls = 0

    def synthesize(self, text, voice, rate, language):
        Counting.calls += 1
        return super().synthesize(text, voice, rate, language)


#: The faults scripts/chaos.py runs every build through.
FAULTS = {"hang": Hang, "crash": Crash, "empty audio": Empty, "garbage": Garbage}
for _engine in (*FAULTS.values(), Silent, Counting):
    register_engine(_engine.name, _engine)
