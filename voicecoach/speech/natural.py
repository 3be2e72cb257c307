"""Which engine speaks a routine that names none: a natural voice when one is installed.

espeak-ng is everywhere but robotic (a recognizer got 80% of the words of an espeak
build wrong, 32% of the same session in Piper's voice); a client should get the natural
voice whenever this machine has one for the routine's language. The order, first wins:

1. ``--engine`` (and the studio's voice menu);
2. the routine's ``voice: {engine: ...}``; a ``voice: {name: ...}`` alone keeps the engine
   that voice belongs to (a piper model's name, else espeak, as before);
3. ``$VOICECOACH_ENGINE``, a machine's or a test run's own default;
4. piper, when it and a voice for the routine's language are installed
   (``pip install 'voicecoach[neural]'``, which ``make install`` does);
5. espeak.

Nothing here loads piper or numpy: ``plan`` asks too, and must start fast.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, replace

from ..model import Voice

#: The environment variable naming the default engine (step 3 above).
ENGINE_ENV = "VOICECOACH_ENGINE"
#: The engine every machine has.
FALLBACK = "espeak"


@dataclass(frozen=True)
class DefaultVoice:
    """The engine (and voice) a routine in ``language`` gets when it names none, and why."""

    language: str
    engine: str
    voice: str
    reason: str


def default_voice(language: str) -> DefaultVoice:
    """The default engine for routines in ``language`` on this machine, with the reason."""
    chosen = os.environ.get(ENGINE_ENV, "").strip()
    if chosen:
        return DefaultVoice(language, chosen, "default", f"${ENGINE_ENV} is {chosen!r}")
    if importlib.util.find_spec("piper") is None:
        return DefaultVoice(
            language,
            FALLBACK,
            "default",
            "no natural voice: piper is not installed (pip install 'voicecoach[neural]')",
        )
    from .piper_voices import find_models

    for model in find_models():
        if model.language.lower().replace("-", "_").split("_")[0] == language.lower():
            reason = f"a natural voice for {language!r} is installed ({model.name})"
            return DefaultVoice(language, "piper", model.name, reason)
    return DefaultVoice(
        language,
        FALLBACK,
        "default",
        f"no natural voice for {language!r} is installed (add a piper voice for it)",
    )


def resolve_voice(voice: Voice, language: str) -> Voice:
    """``voice`` with its engine filled in when the routine and options named none."""
    if voice.engine is not None:
        return voice
    if voice.name != "default":
        return replace(voice, engine=_engine_of(voice.name))
    return replace(voice, engine=default_voice(language).engine)


def _engine_of(name: str) -> str:
    """The engine a voice name without an engine belongs to: piper for a piper model (its
    name or an .onnx path), else the default engine of old, espeak."""
    chosen = os.environ.get(ENGINE_ENV, "").strip()
    if chosen:
        return chosen
    if name.endswith(".onnx"):
        return "piper"
    if importlib.util.find_spec("piper") is not None:
        from .piper_voices import find_models

        if any(m.name.lower() == name.lower() for m in find_models()):
            return "piper"
    return FALLBACK


def engine_of(voice: Voice, language: str) -> str:
    """The name of the engine that speaks ``voice`` (``resolve_voice``'s choice)."""
    return resolve_voice(voice, language).engine or FALLBACK
