"""End to end: build real sessions, decode them, and check what a listener would hear."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from voicecoach.errors import EngineError, UserError
from voicecoach.model import SAMPLE_RATE, samples
from voicecoach.pipeline import BuildSettings, build

from .audio import dbfs, decode, ebur128, ffmpeg_chapters, onset
from .conftest import invoke

ROUTINE = """\
format: voicecoach/1
id: legs
title: Legs <&> "quotes"
author: Test Author
description: A short test session.
safety: [Stop if you feel sharp pain.]
equipment: [a ball]
sections:
  - title: Warm-up
    steps:
      - say: Stand tall.
  - title: Ball
    sides: [right, left]
    steps:
      - hold: 12s
        say: Press the ball into the {side} thigh.
      - repeat: 2
        say: Bend the knee.
        each: 3s
"""


@pytest.fixture(scope="module")
def routine_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("routine") / "legs.yaml"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def built(routine_file: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The same session as FLAC (sample-exact checks) and MP3 (what people get)."""
    out = tmp_path_factory.mktemp("out")
    flac = build(BuildSettings(str(routine_file), out=out / "legs.flac", cache_dir=cache_dir))
    mp3 = build(BuildSettings(str(routine_file), out=out / "legs.mp3", cache_dir=cache_dir))
    return flac, mp3


def test_speech_starts_exactly_where_the_timeline_says(built) -> None:
    flac, mp3 = built
    for result, tolerance in ((flac, samples(0.001)), (mp3, samples(0.001))):
        audio = decode(result.path)
        for e in result.timeline.events:
            if e.kind != "speech":
                continue
            found = onset(audio, e.start_sample)
            assert found >= 0, f"no sound at {e.start_s} s for {e.text!r}"
            assert abs(found - e.start_sample) <= tolerance, (
                f"{result.path.suffix}: {e.text!r} starts at {found / SAMPLE_RATE:.4f} s, "
                f"timeline says {e.start_s:.4f} s"
            )


def test_silence_between_cues_and_a_chime_at_each_section(built) -> None:
    flac, _ = built
    audio = decode(flac.path)
    events = flac.timeline.events
    for a, b in pairwise(events):
        lo, hi = a.end_sample + samples(0.01), b.start_sample - samples(0.005)
        if hi - lo > samples(0.1):
            assert dbfs(audio[lo:hi]) < -50, f"noise between {a.end_s} and {b.start_s} s"
    transitions = [e for e in events if e.cue == "transition" and e.kind == "chime"]
    assert len(transitions) == 2
    for e in transitions:
        assert dbfs(audio[e.start_sample : e.start_sample + samples(0.1)]) > -30


def test_duration_matches_the_timeline(built) -> None:
    flac, mp3 = built
    assert decode(flac.path).size == flac.timeline.duration_sample
    assert abs(decode(mp3.path).size - mp3.timeline.duration_sample) <= 1152


def test_loudness_and_true_peak_meet_spoken_word_targets(built) -> None:
    _, mp3 = built
    lufs, peak = ebur128(mp3.path)
    assert -17.0 <= lufs <= -15.0, lufs
    assert peak <= -1.0, peak


def test_tags_and_chapters_read_back(built) -> None:
    _, mp3 = built
    tags = ID3(mp3.path)
    assert str(tags["TIT2"]) == 'Legs <&> "quotes"'
    assert str(tags["TPE1"]) == "Test Author"
    assert tags.getall("COMM")[0].text == ["A short test session."]
    chapters = tags.getall("CHAP")  # as stored: in time order
    titles = [str(c.sub_frames["TIT2"]) for c in chapters]
    assert titles == ["Introduction", "Warm-up", "Ball (right)", "Ball (left)"]
    for chap, expected in zip(chapters, mp3.timeline.chapters, strict=True):
        assert chap.start_time == round(expected.start_s * 1000)
    assert chapters[-1].end_time == round(mp3.timeline.duration_s * 1000)
    (toc,) = tags.getall("CTOC")
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]
    assert abs(MP3(mp3.path).info.length - mp3.timeline.duration_s) < 0.1


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "ogg", "flac"])
def test_chapters_read_back_by_ffmpeg_in_order_to_the_millisecond(
    built, routine_file: Path, cache_dir: Path, tmp_path: Path, fmt: str
) -> None:
    flac, mp3 = built
    result = {"flac": flac, "mp3": mp3}.get(fmt) or build(
        BuildSettings(str(routine_file), out=tmp_path / f"s.{fmt}", cache_dir=cache_dir)
    )
    expected = result.timeline.chapters
    assert any(c.start_s % 1 >= 0.5 for c in expected), "no start with a fraction >= .5 s"
    found = ffmpeg_chapters(result.path)
    assert [title for _, _, title in found] == [c.title for c in expected]
    for (start, end, title), chapter, following in zip(
        found, expected, [*expected[1:], None], strict=True
    ):
        assert abs(start - chapter.start_s) <= 0.001, f"{fmt}: {title!r} at {start} s"
        if following is not None:
            assert abs(end - following.start_s) <= 0.001, f"{fmt}: {title!r} ends at {end} s"


def test_vorbis_chapter_times_are_not_rounded_up() -> None:
    from voicecoach.timing import clock_ms

    assert clock_ms(127.954) == "00:02:07.954"
    assert clock_ms(3599.9994) == "00:59:59.999"
    assert clock_ms(3600.5) == "01:00:00.500"


def test_sidecars_match_the_audio(built) -> None:
    _, mp3 = built
    doc = json.loads(mp3.path.with_suffix(".timeline.json").read_text())
    assert doc["duration_s"] == mp3.timeline.duration_s
    speech = [e for e in doc["events"] if e["kind"] == "speech"]
    cues = parse_vtt(mp3.path.with_suffix(".vtt").read_text())
    assert len(cues) == len(speech)
    for (start, end, text), e in zip(cues, speech, strict=True):
        assert abs(start - e["start_s"]) < 0.0011 and abs(end - e["end_s"]) < 0.0011
        assert text == e["text"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    script = mp3.path.with_suffix(".txt").read_text()
    assert "SAFETY" in script and "Stop if you feel sharp pain." in script
    assert "0:00  Legs" in script


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """A strict little WebVTT reader: header, then numbered cues with times and one line."""
    blocks = text.strip().split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        number, times, line = block.split("\n")
        assert number.isdigit()
        start, end = (_vtt_seconds(t) for t in times.split(" --> "))
        assert end > start
        cues.append((start, end, line))
    return cues


def _vtt_seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_rebuild_is_byte_identical_and_synthesizes_nothing(
    routine_file: Path, cache_dir: Path, built, tmp_path: Path
) -> None:
    _, mp3 = built
    again = build(BuildSettings(str(routine_file), out=tmp_path / "legs.mp3", cache_dir=cache_dir))
    assert again.synthesized == 0 and again.cached > 0
    assert again.path.read_bytes() == mp3.path.read_bytes()


@pytest.mark.slow
def test_concurrent_builds_share_one_cache(routine_file: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code = (
        "import sys; from pathlib import Path;"
        "from voicecoach.pipeline import BuildSettings, build;"
        "build(BuildSettings(sys.argv[1], out=Path(sys.argv[2]), cache_dir=Path(sys.argv[3])))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(routine_file), str(tmp_path / f"{i}.mp3"), str(cache)],
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert (tmp_path / "0.mp3").read_bytes() == (tmp_path / "1.mp3").read_bytes()


def test_failing_engine_is_a_clear_error_and_leaves_no_file(
    routine_file: Path, tmp_path: Path
) -> None:
    from voicecoach.compiler import compile_routine
    from voicecoach.routine import load_routine
    from voicecoach.speech import lexicon_for, register_engine, respell
    from voicecoach.speech.engines import ToneEngine

    class Broken(ToneEngine):
        name = "_broken"

        def synthesize(self, text, voice, rate, language):
            raise RuntimeError("no voice today")

    register_engine("_broken", Broken)
    out = tmp_path / "never.mp3"
    with pytest.raises(EngineError, match="no voice today") as info:
        build(BuildSettings(str(routine_file), out=out, engine="_broken", use_cache=False))
    routine = load_routine(str(routine_file))
    lexicon = lexicon_for(routine.language, routine.pronounce)
    said = {respell(text, lexicon) for text in compile_routine(routine).speech_texts()}
    assert info.value.phrase in said, "the error names a phrase of this session"
    assert repr(info.value.phrase) in str(info.value)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_unknown_voice_and_bad_output_fail_before_any_work(
    routine_file: Path, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="has no voice 'klingon'") as info:
        build(BuildSettings(str(routine_file), out=tmp_path / "x.mp3", voice="klingon"))
    assert "voicecoach voices" in (info.value.hint or "") and "--voice" in (info.value.hint or "")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UserError, match="is a file"):
        build(BuildSettings(str(routine_file), out=blocker / "x.mp3"))
    with pytest.raises(UserError, match=r"does not end in \.mp3"):
        build(BuildSettings(str(routine_file), out=tmp_path / "x.ogg", fmt="mp3"))


@pytest.mark.parametrize("fmt", ["m4a", "ogg", "wav"])
def test_other_formats_decode_to_the_right_length(
    routine_file: Path, cache_dir: Path, tmp_path: Path, fmt: str
) -> None:
    result = build(BuildSettings(str(routine_file), out=tmp_path / f"s.{fmt}", cache_dir=cache_dir))
    audio = decode(result.path)
    assert abs(audio.size - result.timeline.duration_sample) <= samples(0.03)
    if fmt == "m4a":
        from mutagen.mp4 import MP4

        m4a = MP4(result.path)
        assert m4a.tags["\xa9nam"] == ['Legs <&> "quotes"']
        assert [c.title for c in m4a.chapters] == [c.title for c in result.timeline.chapters]


def test_speaker_preset_is_louder(routine_file: Path, cache_dir: Path, tmp_path: Path) -> None:
    result = build(
        BuildSettings(
            str(routine_file), out=tmp_path / "s.mp3", cache_dir=cache_dir, loudness="speaker"
        )
    )
    lufs, peak = ebur128(result.path)
    assert -15.0 <= lufs <= -13.0 and peak <= -1.0, (lufs, peak)


def test_build_command_prints_one_summary_line(routine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.mp3"
    result = invoke(["build", str(routine_file), "-o", str(out), "--engine", "tone"])
    assert f"wrote {out}" in result.stdout and "cli.vtt" in result.stdout
    assert out.exists() and np.isfinite(decode(out)).all()


BREATHING = """\
format: voicecoach/1
id: tones
title: Tones
safety: [Stop if you feel sharp pain.]
breathing: {guide: tones}
sections:
  - title: A
    steps:
      - hold: 24s
        say: Press.
        lead_in: 3s
"""


def test_the_first_inhale_tone_is_heard(tmp_path: Path, cache_dir: Path) -> None:
    """The timer's first breath-in tone used to collide with the start sound and vanish."""
    routine = tmp_path / "tones.yaml"
    routine.write_text(BREATHING, encoding="utf-8")
    out = tmp_path / "tones.wav"
    result = build(BuildSettings(str(routine), out=out, engine="tone", cache_dir=cache_dir))
    events = result.timeline.events
    start = next(e for e in events if e.cue == "start")
    ins = [e for e in events if e.sound == "breath_in"]
    outs = [e for e in events if e.sound == "breath_out"]
    assert ins and ins[0].start_sample - start.end_sample < samples(1.0), "first inhale kept"
    assert len(ins) == len(outs), "tones come in pairs"
    for a, b in zip(ins, outs, strict=True):
        assert b.start_sample - a.start_sample == samples(4.0), "out-tone one inhale later"
    audio = decode(out)
    first = ins[0]
    tone = audio[first.start_sample : first.end_sample]
    before = audio[start.end_sample + samples(0.05) : first.start_sample]
    assert onset(audio, first.start_sample, threshold_db=-50) - first.start_sample < samples(0.01)
    assert dbfs(tone) > -40.0, "the first inhale tone is in the audio"
    assert dbfs(before) < dbfs(tone) - 20, "and it is its own sound, after the start sound"


def test_w2a_workout_builds_and_says_what_it_promises(tmp_path: Path) -> None:
    """The issue's done-when: the w2a example in our format, built and decoded."""
    from voicecoach.phrases import Phrases

    from .conftest import DATA

    path = DATA / "routines" / "w2a-workout.yaml"
    result = build(
        BuildSettings(str(path), out=tmp_path / "w2a.flac", engine="tone", cache_dir=tmp_path)
    )
    audio = decode(result.path)
    heard_s = len(audio) / SAMPLE_RATE
    assert abs(heard_s - result.timeline.duration_s) < 0.01
    texts = [line for _, _, line in parse_vtt(result.path.with_suffix(".vtt").read_text())]
    for e in result.timeline.events:
        if e.kind == "speech" and e.cue in ("intro", "then", "rest", "round"):
            assert abs(onset(audio, e.start_sample) - e.start_sample) <= samples(0.001), e.text

    moves = ["Neck roll from side to side.", "Shoulder roll.", "Wide stance toe reach."]
    assert [t for t in texts if t in moves] == moves, "each warm-up move once, in order"

    exercises = ("Jumping jacks.", "Push-ups.", "Squats.")
    rests = [i for i, t in enumerate(texts) if t.startswith("Rest.")]
    assert len(rests) == 3 * 2 + 2, "two rests a round, and one before rounds 2 and 3"
    for i in rests:
        following = next(t for t in texts[i:] if t in exercises)
        assert texts[i] == f"Rest. Next: {following[:-1].lower()}, thirty seconds."

    assert [t for t in texts if t.startswith("Round ")] == [f"Round {n} of 3." for n in (1, 2, 3)]
    titles = [c.title for c in result.timeline.chapters]
    assert titles[2:5] == [f"Main set, round {n} of 3" for n in (1, 2, 3)]

    length = Phrases("en", 0).duration(heard_s)
    assert texts[1] == (
        f"This session has eleven exercises and takes {length}; eight minutes of it is work."
    )
