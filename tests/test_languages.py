"""Voices and languages: phrase files, the pronunciation lexicon, and the piper engine."""

from __future__ import annotations

import json
import re
import shutil
import string
from pathlib import Path

import numpy as np
import pytest
import yaml

from voicecoach.compiler import compile_routine
from voicecoach.errors import UserError
from voicecoach.export.page import step_rows
from voicecoach.export.sidecars import render_script
from voicecoach.model import SAMPLE_RATE, Voice
from voicecoach.phrases import languages
from voicecoach.routine import load_routine
from voicecoach.speech import lexicon_for, register_engine, synthesize
from voicecoach.speech.engines import ToneEngine
from voicecoach.speech.piper import PiperEngine, find_models, resolve_model

from .conftest import invoke

PHRASES = Path(__file__).parents[1] / "voicecoach" / "phrases"


def _table(language: str) -> dict:
    return yaml.safe_load((PHRASES / f"{language}.yaml").read_text(encoding="utf-8"))


def _fields(value: object) -> set[str]:
    if isinstance(value, dict):  # a lookup table (side_places), not a phrase
        return set()
    options = value if isinstance(value, list) else [value]
    return {f for o in options for _, f, _, _ in string.Formatter().parse(str(o)) if f}


def test_english_spanish_and_german_are_shipped() -> None:
    assert {"en", "es", "de"} <= set(languages())


@pytest.mark.parametrize("language", [lang for lang in languages() if lang != "en"])
def test_every_phrase_file_covers_every_cue_key(language: str) -> None:
    english, other = _table("en"), _table(language)
    assert sorted(set(english) - set(other)) == [], f"{language}.yaml lacks these keys"
    assert sorted(set(other) - set(english)) == [], f"{language}.yaml has unknown keys"
    for key, value in english.items():
        assert _fields(other[key]) == _fields(value), f"{language}.yaml {key}: placeholders differ"
    assert len(other["numbers"]) == len(english["numbers"])


def test_a_language_without_phrases_names_the_available_ones(write_routine) -> None:
    path = write_routine(
        "format: voicecoach/1\nid: x\ntitle: X\nlanguage: fr\n"
        "sections:\n  - title: A\n    steps:\n      - say: Bonjour.\n"
    )
    result = invoke(["validate", str(path)], exit_code=2)
    assert "routine.yaml:4:11: no cue phrases for language 'fr'" in result.stderr
    assert "available languages: de, en, es" in result.stderr


@pytest.mark.parametrize(
    ("rid", "cues"),
    [
        ("hamstring-quick-es", ["Cambia de lado", "Tres", "Inspira"]),
        ("hamstring-quick-de", ["Bein", "Drei", "Einatmen"]),
    ],
)
def test_translated_routines_use_their_languages_cues(rid: str, cues: list[str]) -> None:
    routine = load_routine(rid)
    spoken = " ".join(compile_routine(routine).speech_texts())
    for cue in cues:
        assert cue in spoken
    assert not re.search(r"\b(Halfway|Switch sides|Breathe in)\b", spoken)


@pytest.mark.slow
def test_spanish_session_builds_with_spanish_voice_and_cues(tmp_path: Path) -> None:
    out = tmp_path / "es.mp3"
    invoke(["build", "hamstring-quick-es", "-o", str(out), "--quiet"])
    timeline = json.loads(out.with_suffix(".timeline.json").read_text(encoding="utf-8"))
    texts = [e["text"] for e in timeline["events"] if e["kind"] == "speech"]
    assert "Inspira." in texts
    assert any(t.startswith("Para esta sesión necesitas") for t in texts)
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    [outro] = [e["text"] for e in timeline["events"] if e["cue"] == "outro" and e.get("text")]
    assert outro in yaml.safe_load((PHRASES / "es.yaml").read_text("utf-8"))["session_complete"]
    assert outro.split(".")[0] in vtt and "Session complete" not in vtt


class Recording(ToneEngine):
    """Remembers what it was asked to say (in-process, so the list is ours)."""

    name = "_recording"
    said: list[str] = []  # noqa: RUF012

    def synthesize(self, text, voice, rate, language):
        Recording.said.append(text)
        return super().synthesize(text, voice, rate, language)


register_engine(Recording.name, Recording)


def test_lexicon_changes_what_the_engine_hears_not_the_captions(write_routine, tmp_path) -> None:
    path = write_routine(
        "format: voicecoach/1\nid: lex\ntitle: Lexicon\n"
        "pronounce: {piriformis: peer-ih-for-miss}\n"
        "sections:\n  - title: Hip\n    steps:\n"
        "      - say: Find the piriformis, then the ischial tuberosity.\n"
    )
    Recording.said.clear()
    out = tmp_path / "lex.wav"
    invoke(["build", str(path), "-o", str(out), "--engine", "_recording", "--no-cache", "-q"])
    assert "Find the peer-ih-for-miss, then the iss-key-al tooba-ross-ity." in Recording.said
    assert not any("piriformis" in s for s in Recording.said)
    captions = out.with_suffix(".vtt").read_text(encoding="utf-8")
    script = out.with_suffix(".txt").read_text(encoding="utf-8")
    for text in (captions, script):
        assert "Find the piriformis, then the ischial tuberosity." in text
        assert "peer-ih" not in text


def test_routine_pronunciations_override_the_builtin_ones() -> None:
    lexicon = lexicon_for("en", [("Femoris", "FEM-or-is")])
    assert lexicon["femoris"] == "FEM-or-is"
    assert lexicon["semitendinosus"].startswith("semmy")
    assert lexicon_for("es") == {}


def test_pronounce_must_be_a_mapping_of_words(write_routine) -> None:
    path = write_routine(
        "format: voicecoach/1\nid: x\ntitle: X\npronounce: [piriformis]\n"
        "sections:\n  - title: A\n    steps:\n      - say: Hi.\n"
    )
    result = invoke(["validate", str(path)], exit_code=2)
    assert "routine.yaml:4:12: pronounce must map words to how they are said" in result.stderr


# -- piper ----------------------------------------------------------------------------------


def test_piper_voice_package_is_found_and_listed() -> None:
    names = [m.name for m in find_models()]
    assert "en_US-joe-medium" in names, "run `make install` (it installs voicecoach[neural])"
    result = invoke(["voices"])
    assert re.search(r"piper\s+en_US-joe-medium\s+en_US", result.stdout)


def test_piper_speaks_a_phrase_of_plausible_length(tmp_path: Path) -> None:
    text = "Roll slowly from the knee toward the hip. Then rest."
    clips, report = synthesize([text], Voice(engine="piper"), cache_dir=tmp_path, jobs=1)
    clip = clips[text]
    seconds = clip.size / SAMPLE_RATE
    assert report.synthesized == 1
    assert 2.0 < seconds < 7.0, f"{seconds:.2f} s for {len(text.split())} words"
    rms_db = 20 * np.log10(np.sqrt(np.mean(clip.astype(np.float64) ** 2)))
    assert rms_db > -35, "speech, not silence"
    again, report = synthesize([text], Voice(engine="piper"), cache_dir=tmp_path, jobs=1)
    assert report.synthesized == 0 and np.array_equal(again[text], clip)


def test_piper_cache_key_follows_the_model_file(tmp_path: Path, monkeypatch) -> None:
    joe = resolve_model("default", "en")
    copy = tmp_path / "voices" / "en_US-copy-medium.onnx"
    copy.parent.mkdir()
    shutil.copyfile(joe.model, copy)
    shutil.copyfile(joe.config, copy.with_name(copy.name + ".json"))
    engine = PiperEngine()
    same_bytes = engine.voice_key(str(copy), "en")
    with copy.open("ab") as f:
        f.write(b"\0")
    changed = engine.voice_key(str(copy), "en")
    assert engine.voice_key("en_US-joe-medium", "en").split("@")[1] == same_bytes.split("@")[1]
    assert changed != same_bytes
    monkeypatch.setenv("VOICECOACH_VOICES", str(copy.parent))
    assert "en_US-copy-medium" in [m.name for m in find_models()]


def test_piper_without_a_voice_for_the_language_is_a_clear_error() -> None:
    with pytest.raises(UserError) as err:
        PiperEngine().check("default", "de")
    assert "no piper voice for language 'de'" in str(err.value)
    assert "en_US-joe-medium" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("rid", "right", "left", "inflected"),
    [
        ("hamstring-quick-de", "rechts", "links", ("rechte", "linke")),
        ("hamstring-quick-es", "derecha", "izquierda", ()),
        ("hamstring-quick", "right", "left", ()),
    ],
)
def test_chapter_titles_name_sides_in_the_languages_own_form(
    rid: str, right: str, left: str, inflected: tuple[str, ...]
) -> None:
    """A title reads "Faszienrolle (rechts)", never the inflected "(rechte)" of a sentence."""
    timeline = compile_routine(load_routine(rid))
    sided = [c.title for c in timeline.chapters if c.title.endswith(")")]
    assert sided, "the routine has sided sections"
    places = {t.rsplit("(", 1)[1].rstrip(")") for t in sided}
    assert places == {right, left}
    for title in sided:
        assert not any(f"({word})" in title for word in inflected), title
    script = render_script(timeline)  # the printed script's headings read the same
    assert all(title in script for title in sided)
    sides = {row[3] for row in step_rows(timeline) if row[3]}  # and the share page's steps
    assert sides == {right, left}


@pytest.mark.parametrize(
    ("n", "en", "es", "de"),
    [
        (1, "one", "un", "eins"),
        (10, "ten", "diez", "zehn"),
        (13, "thirteen", "trece", "dreizehn"),
        (21, "twenty-one", "veintiún", "einundzwanzig"),
        (45, "forty-five", "cuarenta y cinco", "fünfundvierzig"),
        (100, "one hundred", "cien", "einhundert"),
        (121, "one hundred and twenty-one", "ciento veintiún", "einhunderteinundzwanzig"),
        (1000, "1000", "1000", "1000"),
    ],
)
def test_numbers_are_written_as_words_in_each_language(n: int, en: str, es: str, de: str) -> None:
    from voicecoach.phrases.numbers import number_words

    assert [number_words(n, lang, before_noun=True) for lang in ("en", "es", "de")] == [en, es, de]


@pytest.mark.parametrize(
    ("language", "lengths"),
    [
        ("en", ["thirty seconds", "one minute", "ten minutes", "one hour and two minutes"]),
        ("es", ["treinta segundos", "un minuto", "diez minutos", "una hora y dos minutos"]),
        ("de", ["dreißig Sekunden", "eine Minute", "zehn Minuten", "eine Stunde und zwei Minuten"]),
    ],
)
def test_lengths_are_spoken_as_words(language: str, lengths: list[str]) -> None:
    from voicecoach.phrases import Phrases

    phrases = Phrases(language, 0)
    assert [phrases.duration(s) for s in (30, 62, 610, 3720)] == lengths
    assert (
        phrases.duration(90, exact=True)
        == {
            "en": "one minute and thirty seconds",
            "es": "un minuto y treinta segundos",
            "de": "eine Minute und dreißig Sekunden",
        }[language]
    )


@pytest.mark.parametrize(
    ("routine", "label"),
    [("hamstring-quick", "Right side"), ("hamstring-quick-es", "Lado: derecha"),
     ("hamstring-quick-de", "Seite: rechts")],
)  # fmt: skip
def test_the_share_pages_side_label_is_in_the_sessions_language(routine: str, label: str) -> None:
    from voicecoach.compiler import compile_routine
    from voicecoach.export.page import step_rows

    labels = {row[5] for row in step_rows(compile_routine(load_routine(routine)))}
    assert label in labels, labels
    assert not any(" side" in str(x) for x in labels if x != label and routine != "hamstring-quick")


# -- the default voice: natural when installed -------------------------------------------------


@pytest.fixture
def machine_default(monkeypatch):
    """This machine's own default: the test run's espeak pin (conftest) removed."""
    monkeypatch.delenv("VOICECOACH_ENGINE", raising=False)


def _engine(routine: Path | str, **options: str) -> str | None:
    from voicecoach.pipeline import BuildSettings, draft

    routine_now, _ = draft(BuildSettings(routine=str(routine), **options))  # type: ignore[arg-type]
    return routine_now.voice.engine


def test_an_installed_natural_voice_is_the_default(machine_default, write_routine) -> None:
    """make install brings piper and an English voice: a routine that names no engine gets it
    (it used to get espeak unless told --engine piper); other languages keep espeak."""
    from voicecoach.speech.natural import default_voice

    english = default_voice("en")
    assert (english.engine, english.voice) == ("piper", "en_US-joe-medium")
    assert "natural voice for 'en' is installed" in english.reason
    assert default_voice("de").engine == "espeak"
    assert "no natural voice for 'de'" in default_voice("de").reason
    assert _engine("hamstring-quick") == "piper"
    assert _engine("hamstring-quick-de") == "espeak"


def test_the_routines_voice_and_engine_option_still_win(machine_default, write_routine) -> None:
    from .conftest import MINIMAL

    espeak = write_routine(MINIMAL + "voice: {engine: espeak}\n")
    assert _engine(espeak) == "espeak", "the routine's voice: wins over the default"
    assert _engine(espeak, engine="piper") == "piper", "--engine wins over the routine"
    assert _engine("hamstring-quick", engine="espeak") == "espeak"
    named = write_routine(MINIMAL + "voice: {name: en-us}\n")
    assert _engine(named) == "espeak", "an espeak voice name keeps its engine"
    joe = write_routine(MINIMAL + "voice: {name: en_US-joe-medium}\n")
    assert _engine(joe) == "piper"
    assert _engine("hamstring-quick", voice="en-us") == "espeak", "--voice alone: its engine"


def test_a_machine_may_set_its_own_default(monkeypatch) -> None:
    monkeypatch.setenv("VOICECOACH_ENGINE", "espeak")
    assert _engine("hamstring-quick") == "espeak"


def test_voices_says_which_default_is_in_effect_and_why(machine_default) -> None:
    out = invoke(["voices"]).stdout
    tail = out[out.index("Default for a routine that names no engine") :]
    assert re.search(r"en\s+piper en_US-joe-medium\s+a natural voice for 'en' is installed", tail)
    assert re.search(r"de\s+espeak\s+no natural voice for 'de'", tail)
    pinned = invoke(["voices"], env={"VOICECOACH_ENGINE": "espeak"}).stdout
    assert re.search(r"en\s+espeak\s+\$VOICECOACH_ENGINE is 'espeak'", pinned)


@pytest.mark.slow
def test_build_and_plan_speak_with_the_natural_voice_by_default(
    machine_default, tmp_path, monkeypatch, write_routine
) -> None:
    from .conftest import MINIMAL

    monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / "cache"))
    path = write_routine(MINIMAL)
    said = invoke(["plan", str(path)]).stderr
    assert "measuring the piper voice" in said
    out = tmp_path / "tiny.wav"
    invoke(["build", str(path), "-o", str(out), "-q"])
    assert out.stat().st_size > 0
    assert list((tmp_path / "cache").rglob("*.wav")), "piper's clips are cached"
