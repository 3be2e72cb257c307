"""Times as people read them, and how long speech will last before it is synthesized.

One clock for every place a time is shown (the plan, the script sidecar, the share page,
the podcast feed, the player, messages) with its millisecond form for captions and
Vorbis chapters, and one speech-length guess for the planner
and the tone test engine, so what is planned and what is heard agree.
"""

from __future__ import annotations

import re

#: The longest session the format allows (refused by the compiler, and at parse time as soon
#: as the routine's shortest reading passes it, before rounds and repeats are unrolled).
MAX_SESSION_S = 12 * 3600

#: Lengths of the built-in sounds in ``audio_assets``, in seconds: their names, and what
#: the planner assumes before the files are read (a test keeps them equal to the files).
BUILTIN_SOUND_S = {
    "chime": 1.2,
    "bell": 1.5,
    "breath_in": 1.0,
    "breath_out": 1.0,
    "tick": 0.08,
    "start": 0.5,
}


#: Breath-phase tones the mixer synthesizes (``breathe:`` steps, breath patterns with
#: holds): ``tone_<phase>_<milliseconds>``; the name carries the exact length, so the
#: planner and the mixer agree to the sample without reading a file.
TONE_PHASES = ("in", "hold", "out", "rest")
_TONE_RE = re.compile(r"^tone_(in|hold|out|rest)_(\d{2,6})$")


def tone_name(phase: str, length_s: float) -> str:
    """The sound name of a ``phase`` tone (in, hold, out, rest) lasting ``length_s``."""
    return f"tone_{phase}_{round(length_s * 1000)}"


def tone_s(name: str) -> tuple[str, float] | None:
    """The phase and length (seconds) of a tone sound name, or None for other sounds."""
    found = _TONE_RE.match(name)
    return (found[1], int(found[2]) / 1000) if found else None


def clock(s: float, *, tenths: bool = False) -> str:
    """``M:SS``, or ``H:MM:SS`` from an hour on; ``tenths`` adds ``.T``.

    Seconds are cut, not rounded, so a clock never shows a moment that has not come yet.
    """
    s = max(0.0, s)
    whole = int(s)
    h, rest = divmod(whole, 3600)
    text = f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
    return f"{text}.{int((s - whole) * 10)}" if tenths else text


def clock_ms(s: float) -> str:
    """``HH:MM:SS.mmm``, as WebVTT cues and Vorbis ``CHAPTERnnn`` comments write a time.

    Whole milliseconds are rounded once and then split exactly, so 127.954 s is
    ``00:02:07.954`` (never a second late).
    """
    ms = round(s * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    return f"{h:02d}:{m:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def estimate_speech_s(
    text: str, rate_wpm: int, fit: tuple[float, float, float] | None = None
) -> float:
    """How long ``text`` takes to say at ``rate_wpm`` words per minute, pauses included.

    ``fit`` (seconds, seconds per letter, seconds per pause) is a voice's measured line
    (``speech/calibrate.py``); without it the rate gives a rough figure.
    """
    if fit is not None:
        letters, inner = speech_features(text)
        return max(0.1, fit[0] + letters * fit[1] + inner * fit[2])
    words = len(text.split())
    pauses = sum(text.count(c) for c in ".,;:!?")
    return 0.15 + words * 60.0 / rate_wpm + 0.2 * pauses


def speech_features(text: str) -> tuple[int, int]:
    """What a line's spoken length grows with: letters and digits, and the pauses inside it.

    Punctuation at the very end is not a pause: clips are trimmed of trailing silence.
    """
    letters = len(re.findall(r"\w", text))
    pauses = len(re.findall(r"[.,;:!?…—]+(?=\s+\S)", text.strip()))
    return letters, pauses
