"""The speech stage: real espeak clips, the verified cache, and engines that misbehave."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from chaos_engines import Counting, Crash, Hang, Silent

from voicecoach.errors import EngineError, UserError
from voicecoach.model import SAMPLE_RATE, Voice
from voicecoach.speech import check_voice, register_engine, synthesize
from voicecoach.speech.cache import ClipCache
from voicecoach.speech.engines import ToneEngine


def test_espeak_phrase_is_real_trimmed_audio(tmp_path: Path) -> None:
    clips, report = synthesize(["Roll slowly toward the hip."], Voice(), cache_dir=tmp_path)
    clip = clips["Roll slowly toward the hip."]
    assert report.synthesized == 1
    assert clip.dtype == np.float32
    assert 1.0 < clip.size / SAMPLE_RATE < 4.0
    assert np.abs(clip[: SAMPLE_RATE // 1000]).max() > 10 ** (-45 / 20), "speech starts at once"
    assert 20 * np.log10(np.abs(clip).max()) > -12


def test_cache_hit_returns_identical_clips_without_calling_the_engine(tmp_path: Path) -> None:
    texts = ["One", "Two", "Three"]
    voice = Voice(engine=Counting.name)
    first, _ = synthesize(texts, voice, cache_dir=tmp_path)
    calls = Counting.calls
    second, report = synthesize(texts, voice, cache_dir=tmp_path)
    assert Counting.calls == calls and report.synthesized == 0 and report.cached == 3
    for text in texts:
        assert np.array_equal(first[text], second[text])


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupt_cache_entries_are_made_again_not_played(tmp_path: Path, damage: str) -> None:
    voice = Voice(engine=Counting.name)
    good, _ = synthesize(["Breathe out."], voice, cache_dir=tmp_path)
    (entry,) = tmp_path.rglob("*.wav")
    data = bytearray(entry.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    again, report = synthesize(["Breathe out."], voice, cache_dir=tmp_path)
    assert report.synthesized == 1
    assert np.array_equal(again["Breathe out."], good["Breathe out."])
    assert ClipCache(tmp_path).get(entry.name.split(".")[0]) is not None


@pytest.mark.slow
def test_hung_engine_is_stopped_retried_and_named(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(EngineError) as info:
        synthesize(["fine", "this will hang"], Voice(engine=Hang.name), use_cache=False,
                   timeout_s=1.0, jobs=2)  # fmt: skip
    assert info.value.phrase == "this will hang"
    assert "no answer within 1 s" in str(info.value)
    assert time.monotonic() - started < 10


def test_crashing_engine_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="died"):
        synthesize(["boom"], Voice(engine=Crash.name), use_cache=False, timeout_s=5)


def test_silent_engine_output_is_refused() -> None:
    with pytest.raises(EngineError, match="silence"):
        synthesize(["quiet"], Voice(engine=Silent.name), use_cache=False)


def test_unknown_engine_and_voice_are_user_errors() -> None:
    with pytest.raises(UserError, match="unknown speech engine 'nope'") as info:
        check_voice(Voice(engine="nope"))
    assert "--engine" in (info.value.hint or "")
    with pytest.raises(UserError, match="no voice"):
        check_voice(Voice(name="xx-nowhere"))
    check_voice(Voice(name="en-us"))


class Absent(ToneEngine):
    """An engine whose library is not installed: ``check`` must say its own words."""

    name = "_absent"
    missing = ("the absent engine is not installed", "install it")

    def available(self) -> bool:
        return False


class Keyed(ToneEngine):
    name = "_keyed"
    model = "v1"

    def voice_key(self, voice: str, language: str) -> str:
        return f"{voice}@{Keyed.model}"


register_engine(Absent.name, Absent)
register_engine(Keyed.name, Keyed)


def test_engine_protocol_decides_availability_not_check_voice() -> None:
    with pytest.raises(UserError, match="the absent engine is not installed") as info:
        check_voice(Voice(engine="_absent"))
    assert info.value.hint == "install it"
    check_voice(Voice(engine="tone", name="default"))
    with pytest.raises(UserError, match="engine 'tone' has no voice 'en-us'"):
        check_voice(Voice(engine="tone", name="en-us"))


def test_voice_key_files_clips_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clip cached under one voice key is not reused under another (e.g. a new model)."""
    voice = Voice(engine="_keyed")
    assert synthesize(["Same words."], voice, cache_dir=tmp_path)[1].synthesized == 1
    assert synthesize(["Same words."], voice, cache_dir=tmp_path)[1].cached == 1
    monkeypatch.setattr(Keyed, "model", "v2")
    assert synthesize(["Same words."], voice, cache_dir=tmp_path)[1].synthesized == 1


def test_lexicon_changes_what_is_spoken_not_the_key(tmp_path: Path) -> None:
    voice = Voice(engine=Counting.name)
    plain, _ = synthesize(["Find the piriformis."], voice, cache_dir=tmp_path)
    respelled, report = synthesize(
        ["Find the piriformis."], voice, cache_dir=tmp_path,
        lexicon={"piriformis": "peer ih for miss"},
    )  # fmt: skip
    assert report.synthesized == 1, "the spoken form is a different clip"
    assert list(respelled) == ["Find the piriformis."]
    assert respelled["Find the piriformis."].size != plain["Find the piriformis."].size
