"""Speech engines behind one small interface, and the registry that names them.

An engine turns one phrase into raw audio. It runs inside a worker process (see
``pool``), so a crash or hang in a native library cannot take the build down.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import ProcessError, UserError
from ..media import read_wav
from ..model import Voice
from ..timing import estimate_speech_s
from .base import BaseEngine, Engine, VoiceInfo


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """pyttsx3 prints 'Audio saved to ...' on fd 1; keep our stdout clean."""
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_ESPEAK_MISSING = (
    "espeak-ng is not installed, so the espeak engine has no voice",
    "run `make install` (it installs espeak-ng), or use --engine tone for a dry run",
)


class EspeakEngine(BaseEngine):
    """espeak-ng, one short-lived process per phrase: offline, many languages, deterministic.

    A fresh process per phrase (about 10 ms) means the same text always gives the same
    samples, whatever was said before; see ``Pyttsx3Engine`` for why that matters.
    """

    name = "espeak"
    in_process = False
    isolated = True
    timeout_s = 30.0
    missing = _ESPEAK_MISSING

    def version(self) -> str:
        return _espeak_version()

    def available(self) -> bool:
        return bool(_espeak_voices())

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(self.name, *v) for v in _espeak_voices()]

    def synthesize(self, text: str, voice: str, rate: int, language: str) -> tuple[np.ndarray, int]:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise RuntimeError("espeak-ng is not installed (run `make install`)")
        voice_id = resolve_espeak_voice(voice, language) or "en"
        with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as tmp:
            path = os.path.join(tmp, "phrase.wav")
            cmd = [exe, "-v", voice_id, "-s", str(rate), "-w", path, "--stdin"]
            done = subprocess.run(
                cmd, input=text.encode("utf-8"), capture_output=True, timeout=self.timeout_s
            )
            if done.returncode != 0:
                raise ProcessError(cmd, done.returncode, done.stderr.decode(errors="replace"))
            return read_wav(path)


class Pyttsx3Engine(BaseEngine):
    """espeak-ng through pyttsx3, in-library (one ``runAndWait`` per phrase).

    pyttsx3 keeps espeak's state between phrases, so a clip can differ by a few samples
    depending on what the worker said before; builds stay identical through the cache,
    but a cold build's bytes depend on how phrases were spread over workers.
    """

    name = "pyttsx3"
    in_process = False
    isolated = False
    missing = _ESPEAK_MISSING
    #: Speaks espeak's voices, so `voices` lists them once (under espeak) unless --all.
    voices_of: str | None = "espeak"

    def __init__(self) -> None:
        self._tts: Any = None

    def version(self) -> str:
        import pyttsx3

        return f"pyttsx3 {getattr(pyttsx3, '__version__', '?')} {_espeak_version()}"

    def available(self) -> bool:
        return bool(_espeak_voices())

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(self.name, *v) for v in _espeak_voices()]

    def synthesize(self, text: str, voice: str, rate: int, language: str) -> tuple[np.ndarray, int]:
        if self._tts is None:
            import pyttsx3

            self._tts = pyttsx3.init("espeak")
        tts = self._tts
        voice_id = resolve_espeak_voice(voice, language)
        if voice_id is not None:
            tts.setProperty("voice", voice_id)
        tts.setProperty("rate", rate)
        with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as tmp:
            path = os.path.join(tmp, "phrase.wav")
            # Queued save_to_file calls keep only the last file: one runAndWait per phrase.
            with _quiet_stdout():
                tts.save_to_file(text, path)
                tts.runAndWait()
            return read_wav(path)


@functools.cache
def _espeak_version() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return "espeak-ng missing"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    return " ".join(out.split()[:4])


@functools.cache
def _espeak_voices() -> tuple[tuple[str, str, str], ...]:
    """(file name, language, description) of every espeak voice; empty without espeak."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return ()
    out = subprocess.run([exe, "--voices"], capture_output=True, text=True, check=False).stdout
    voices = []
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and not parts[4].startswith("mb/"):
            voices.append((parts[4], parts[1], parts[3].replace("_", " ")))
    return tuple(voices)


def resolve_espeak_voice(voice: str, language: str) -> str | None:
    """An espeak voice file for a name ('en-us', 'gmw/en-US') or, for 'default', the language."""
    if voice == "default":
        if language in ("", "en"):
            return None
        wanted = language.lower()
    else:
        wanted = voice.lower()
    for file, lang, _ in _espeak_voices():
        if wanted in (file.lower(), lang.lower(), file.split("/")[-1].lower()):
            return file
    return None if voice == "default" else voice


class ToneEngine(BaseEngine):
    """A test engine with no system dependency: a voiced buzz as long as the phrase.

    Its length follows the planner's words-per-minute estimate and it starts sharply, so
    alignment can be checked to the sample. It is not speech; use it for tests and dry runs.
    """

    name = "tone"
    in_process = True
    isolated = False
    #: Not speech: left out of `voices` unless --all.
    for_tests = True

    def version(self) -> str:
        return "tone 1"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(self.name, "default", "any", "test tones, not speech (for tests)")]

    def synthesize(self, text: str, voice: str, rate: int, language: str) -> tuple[np.ndarray, int]:
        sr = 22050
        length_s = estimate_speech_s(text, rate)
        t = np.arange(int(length_s * sr)) / sr
        f0 = 110 + (sum(map(ord, text)) % 60)
        wave_ = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 5))
        envelope = 0.6 + 0.4 * np.abs(np.sin(np.pi * 4 * t))
        audio = 0.3 * wave_ * envelope
        return (audio * 32767 / max(1.0, np.abs(audio).max() / 0.5)).astype(np.int16), sr


_REGISTRY: dict[str, Callable[[], Engine]] = {
    "espeak": EspeakEngine,
    "pyttsx3": Pyttsx3Engine,
    "tone": ToneEngine,
}


def _piper() -> Engine:
    from .piper import PiperEngine

    return PiperEngine()


_REGISTRY["piper"] = _piper


def register_engine(name: str, factory: Callable[[], Engine]) -> None:
    """Adds an engine (e.g. piper, or a fault-injecting one in tests)."""
    _REGISTRY[name] = factory


def engine_names() -> list[str]:
    return sorted(n for n in _REGISTRY if not n.startswith("_"))


def engine_factory(name: str) -> Callable[[], Engine]:
    """What makes an engine (picklable, so worker processes can make their own)."""
    factory = _REGISTRY.get(name)
    if factory is None:
        raise UserError(
            f"unknown speech engine {name!r}",
            f"use --engine with one of: {', '.join(engine_names())} (`voicecoach voices`)",
        )
    return factory


def get_engine(name: str) -> Engine:
    """A fresh engine by name; ``UserError`` naming the known engines otherwise."""
    return engine_factory(name)()


def list_voices() -> list[VoiceInfo]:
    """Every voice of every engine available here."""
    return [v for name in engine_names() for v in get_engine(name).voices()]


def choosable_voices() -> list[VoiceInfo]:
    """The voices a routine can use here, grouped by engine, each listed once.

    Only voices speaking a language voicecoach has cue phrases for (a routine can use no
    other); no test engine; an engine that speaks another engine's voices (pyttsx3) gets
    one line saying so instead of a copy of the list. ``list_voices`` has everything.
    """
    from ..phrases import languages

    wanted = set(languages())
    found = []
    for name in engine_names():
        engine = get_engine(name)
        if engine.for_tests:
            continue
        same = engine.voices_of
        if same:
            found.append(VoiceInfo(name, f"(as {same})", "", f"the {same} voices, through {name}"))
            continue
        found += [v for v in engine.voices() if _base_language(v.language) in wanted]
    return found


def _base_language(tag: str) -> str:
    """'en-gb', 'en_US' -> 'en'."""
    return tag.replace("_", "-").split("-")[0].lower()


def check_voice(voice: Voice, language: str = "en") -> None:
    """Fails before any work when the engine or voice does not exist here."""
    from .natural import engine_of

    get_engine(engine_of(voice, language)).check(voice.name, language)
