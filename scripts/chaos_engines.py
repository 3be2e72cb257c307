"""Misbehaving speech engines for scripts/chaos.py (importable, so worker processes find them)."""

from __future__ import annotations

import os
import time

import numpy as np

from voicecoach.speech import register_engine
from voicecoach.speech.engines import ToneEngine


class Hang(ToneEngine):
    name = "_chaos_hang"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        time.sleep(3600)
        raise AssertionError("unreachable")


class Crash(ToneEngine):
    name = "_chaos_crash"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        os._exit(139)


class Empty(ToneEngine):
    name = "_chaos_empty"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        return np.zeros(0, dtype=np.int16), 22050


class Garbage(ToneEngine):
    """Not audio at all: NaNs for one phrase, a string for another, a bad rate for a third."""

    name = "_chaos_garbage"
    in_process = False

    def synthesize(self, text, voice, rate, language):
        kind = sum(map(ord, text)) % 3
        if kind == 0:
            return np.full(4410, np.nan, dtype=np.float32), 22050
        if kind == 1:
            return "not audio", 22050
        return np.ones(4410, dtype=np.float32), -5


FAULTS = {"hang": Hang, "crash": Crash, "empty audio": Empty, "garbage": Garbage}
for _engine in FAULTS.values():
    register_engine(_engine.name, _engine)
