"""Measuring a voice once, so ``plan`` can estimate lines it has no clip of yet.

The voice says a fixed set of sentences (``CALIBRATION``); a straight line through their
lengths (letters and pauses) is kept in the clip cache (``lengths.Calibration``), with
what the voice's clips are filed under. Only the first plan for a voice pays the few
seconds; ``build`` checks the figure still belongs to the installed engine.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from ..model import Voice, seconds
from ..timing import speech_features
from .engines import get_engine
from .lengths import Calibration, calibration_path, read_calibration, write_calibration
from .natural import resolve_voice
from .synth import synthesize

#: Sentences a voice is measured on: short cues to long instructions with pauses.
CALIBRATION = {
    "en": (
        "Three.",
        "Breathe in.",
        "Halfway there.",
        "Stand up slowly.",
        "Take a sip of water.",
        "Now the left side, the same way.",
        "Keep your shoulders soft and let the breath go low.",
        "Rest your hands on your knees, close your eyes, and notice how your legs feel.",
        "When you are ready, bend the knee a little, then straighten it again without hurrying.",
        "Move the cushion closer, sit on its front edge, and lean back until your spine is "
        "long and easy.",
    ),
    "de": (
        "Drei.",
        "Einatmen.",
        "Die Hälfte ist geschafft.",
        "Steh langsam auf.",
        "Trink einen Schluck Wasser.",
        "Jetzt die linke Seite, genauso.",
        "Lass die Schultern weich und atme tief in den Bauch.",
        "Leg die Hände auf die Knie, schließ die Augen und spür, wie sich die Beine anfühlen.",
        "Wenn du so weit bist, beug das Knie ein wenig und streck es dann ohne Eile wieder.",
        "Rück das Kissen näher, setz dich auf die vordere Kante und lehn dich zurück, bis der "
        "Rücken lang und locker ist.",
    ),
    "es": (
        "Tres.",
        "Inspira.",
        "Ya llevas la mitad.",
        "Levántate despacio.",
        "Bebe un sorbo de agua.",
        "Ahora el lado izquierdo, igual.",
        "Deja los hombros sueltos y respira hacia el abdomen.",
        "Apoya las manos en las rodillas, cierra los ojos y nota cómo sientes las piernas.",
        "Cuando estés listo, dobla un poco la rodilla y luego estírala otra vez sin prisa.",
        "Acerca el cojín, siéntate en el borde delantero y reclínate hasta que la espalda esté "
        "larga y relajada.",
    ),
}


def calibrate(
    voice: Voice,
    language: str,
    root: Path,
    announce: Callable[[str], None] | None = None,
) -> Calibration:
    """Measures the voice on ``CALIBRATION`` and stores the result in the cache ``root``.

    Raises what ``synthesize`` raises when the engine cannot speak.
    """
    voice = resolve_voice(voice, language)
    if announce:
        announce(
            f"measuring the {voice.engine} voice {voice.name!r} ({language}, rate "
            f"{voice.rate}) once, so planned lengths match built ones..."
        )
    engine = get_engine(voice.engine or "")
    sentences = CALIBRATION.get(language, CALIBRATION["en"])
    clips, _ = synthesize(sentences, voice, language=language, cache_dir=root)
    calibration = Calibration(
        engine=voice.engine or "",
        version=engine.version(),
        voice_key=engine.voice_key(voice.name, language),
        rate=voice.rate,
        language=language,
        fit=fit_lengths({s: seconds(clips[s].size) for s in sentences}),
    )
    write_calibration(root, voice, calibration)
    return calibration


def current_calibration(voice: Voice, language: str, root: Path) -> Calibration | None:
    """The stored calibration if it was made with the engine installed now, else None.

    A stale one (the engine was upgraded) is removed, so the next plan measures again.
    """
    voice = resolve_voice(voice, language)
    found = read_calibration(root, voice, language)
    if found is not None and found.version != get_engine(voice.engine or "").version():
        with contextlib.suppress(OSError):
            calibration_path(root, voice, language).unlink()
        return None
    return found


def fit_lengths(measured_s: Mapping[str, float]) -> tuple[float, float, float]:
    """The least-squares line through measured lengths, with no negative term."""
    rows = np.array([[1.0, *speech_features(text)] for text in measured_s])
    y = np.array(list(measured_s.values()))
    best: tuple[float, np.ndarray] | None = None
    for size in (3, 2, 1):
        for cols in itertools.combinations(range(3), size):
            coef, *_ = np.linalg.lstsq(rows[:, cols], y, rcond=None)
            if (coef < 0).any():
                continue
            full = np.zeros(3)
            full[list(cols)] = coef
            error = float(np.sum((rows @ full - y) ** 2))
            if best is None or error < best[0]:
                best = (error, full)
    assert best is not None, "one letter-rate term alone always fits"
    base_s, letter_s, pause_s = (round(float(v), 6) for v in best[1])
    return base_s, letter_s, pause_s
