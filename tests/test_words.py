"""The hands-free check of the words: pointing phrases, unnamed sides, long lines before
short holds and position changes during a timer, in English, Spanish and German."""

from __future__ import annotations

import pytest

from voicecoach.compiler import compile_routine
from voicecoach.compiler.words import deictic
from voicecoach.errors import Location
from voicecoach.routine import Text, parse_routine

#: Lines a listener with eyes closed can act on, and lines that point at what they cannot see.
LINES = {
    "en": {
        "good": [
            "Bend the right knee to a right angle and rest the foot flat.",
            "Roll slowly from just above the knee up toward the sit bone.",
            "Turn the leg gently in and out while you stay on the spot.",
            "Keep breathing; let the thigh sink into the ball.",
            "A few short sessions on most days do more than one long one.",
        ],
        "bad": [
            "Hold your leg like this.",
            "Place the ball as shown.",
            "Roll this way, then back.",
            "Put the roller over there.",
            "Look at the picture for the hand position.",
            "As you can see, the knee stays bent.",
        ],
    },
    "es": {
        "good": [
            "Dobla la rodilla derecha y apoya el pie en el suelo.",
            "Rueda despacio desde encima de la rodilla hacia el glúteo.",
            "Así que respira hondo y suelta el peso.",
            "Mantén la presión sobre la pelota y estira la rodilla.",
        ],
        "bad": [
            "Ponte así y aguanta.",
            "Coloca la pelota como se muestra.",
            "Mueve la pierna de esta manera.",
            "Deja el rodillo por allí.",
            "Mira la imagen para colocar las manos.",
        ],
    },
    "de": {
        "good": [
            "Beug das rechte Knie und stell den Fuß flach auf den Boden.",
            "Roll langsam vom Knie bis kurz vor den Sitzbeinhöcker.",
            "Bleib auf der Stelle und atme ruhig aus.",
            "Streck das Knie langsam und beug es wieder.",
        ],
        "bad": [
            "Halte das Bein so wie hier.",
            "Leg den Ball wie gezeigt unter den Oberschenkel.",
            "Beweg das Bein auf diese Weise.",
            "Die Rolle liegt da drüben.",
            "Schau dir das Bild an.",
        ],
    },
}


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_pointing_phrases_are_found_and_plain_lines_pass(language: str) -> None:
    where = Location("r.yaml", 7, 14)
    for line in LINES[language]["good"]:
        assert deictic(Text((line,), where), language) == [], line
    for line in LINES[language]["bad"]:
        [found] = deictic(Text((line,), where), language)
        assert found.location == where
        assert "[say where and how]" in found.rewrite, found.rewrite
        assert "which body part" in found.hint


HEAD = """\
format: voicecoach/1
id: words
title: Words
language: %s
safety: [Stop on sharp pain.]
sections:
"""


def words_found(text: str, language: str = "en") -> list[str]:
    timeline = compile_routine(parse_routine(HEAD % language + text, "w.yaml"))
    return [str(d) for d in timeline.diagnostics if "hands-free: words:" in d.message]


def test_each_finding_is_at_its_line_with_a_hint_and_a_rewrite() -> None:
    found = words_found("""\
  - title: Ball
    steps:
      - hold: 30s
        say: Put the ball under the thigh like this.
""")
    assert len(found) == 1
    assert found[0].startswith("w.yaml:10:14: hands-free: words: 'like this' points at")
    assert "(e.g. 'Put the ball under the thigh [say where and how].')" in found[0]


def test_a_sided_section_must_name_the_side() -> None:
    steps = """\
  - title: Ball
    sides: [right, left]
    steps:
      - hold: 30s
        say: Press the ball into the thigh.
"""
    [found] = words_found(steps)
    assert found.startswith("w.yaml:7:5: hands-free: words: the section 'Ball' is done on each")
    assert "On the {side} side: Press the ball into the thigh." in found
    assert words_found(steps.replace("the thigh.", "the {side} thigh.")) == []
    assert words_found(steps.replace("the thigh.", "the right thigh.")) == []


@pytest.mark.parametrize(
    ("language", "say"),
    [
        ("en", "Sit on the floor with the ball under a tight spot in your thigh, lean into it "
               "with your weight, and keep the other foot flat while the hands rest behind you."),
        ("es", "Siéntate en el suelo con la pelota bajo un punto tenso del muslo, deja caer el "
               "peso, apoya las manos detrás de ti y mantén el otro pie plano en el suelo."),
        ("de", "Setz dich auf den Boden, leg eine feste Stelle des Oberschenkels auf den Ball, "
               "lass dein Gewicht hineinsinken und stütz dich mit den Händen hinter dir ab."),
    ],
)  # fmt: skip
def test_a_long_instruction_before_a_short_hold(language: str, say: str) -> None:
    steps = f"  - title: Ball\n    steps:\n      - hold: 12s\n        say: {say}\n"
    [found] = words_found(steps, language)
    assert "words before a 12 s hold is too long" in found and found.startswith("w.yaml:10:14")
    assert "- say:" in found
    assert words_found(steps.replace("hold: 12s", "hold: 40s"), language) == []


def test_a_position_change_during_a_timer() -> None:
    steps = """\
  - title: Floor
    steps:
      - hold: 40s
        say: Rest the thigh on the roller.
        then: [Roll slowly toward the knee., Now lie on your back and relax.]
"""
    [found] = words_found(steps)
    assert found.startswith("w.yaml:11:46:") and "'lie'" in found and "setup:" in found
    assert words_found(steps.replace("Now lie on your back and relax.", "Relax.")) == []


def test_words_false_turns_it_off() -> None:
    steps = "  - title: Ball\n    steps:\n      - {hold: 30s, say: Hold it like this.}\n"
    assert len(words_found(steps)) == 1
    off = steps.replace("  - title", "hands_free: {words: false}\nsections:\n  - title", 1)
    text = (HEAD % "en").replace("sections:\n", "") + off
    timeline = compile_routine(parse_routine(text, "w.yaml"))
    assert not [d for d in timeline.diagnostics if "words:" in d.message]
