"""The streaming mixer, fed numpy-made clips: placement, silence, ducking, loudness."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from voicecoach import mixer
from voicecoach.errors import UserError
from voicecoach.mixer import builtin_sound, levels, mix
from voicecoach.mixer.loudness import integrated_loudness, true_peak_db
from voicecoach.model import SAMPLE_RATE, Event, Music, Timeline, samples
from voicecoach.speech.cache import ArrayCache

from .audio import ebur128, onset

RNG = np.random.default_rng(7)


def burst(seconds: float, level: float = 0.3) -> np.ndarray:
    """Speech-like noise with a sharp start."""
    n = samples(seconds)
    envelope = 0.6 + 0.4 * np.sin(np.linspace(0, 20, n)) ** 2
    return (level * RNG.standard_normal(n) * envelope).astype(np.float32)


CLIPS = {"a": burst(1.2), "b": burst(0.7), "c": burst(2.0, 0.1)}


def timeline(music: Music | None = None) -> Timeline:
    events = (
        Event(samples(0.2), samples(0.2) + CLIPS["a"].size, "speech", text="a"),
        Event(samples(2.5), samples(2.5) + samples(1.2), "chime", sound="chime"),
        Event(65530, 65530 + CLIPS["b"].size, "speech", text="b"),
        Event(samples(6.0), samples(6.0) + CLIPS["c"].size, "speech", text="c"),
        Event(samples(9.0), samples(9.0) + samples(0.08), "tick", sound="tick"),
    )
    return Timeline("t", "T", samples(10.0), events, music=music)


SOUNDS = {"chime": builtin_sound("chime"), "tick": builtin_sound("tick")}


def render(tl: Timeline, block: int = 65536, **kw) -> np.ndarray:
    return np.concatenate(list(mix(tl, CLIPS, SOUNDS, block_sample=block, **kw)))


def test_length_and_placement_are_exact() -> None:
    tl = timeline()
    out = render(tl)
    assert out.size == tl.duration_sample
    for e in tl.events:
        found = onset(out, e.start_sample, threshold_db=-50)
        assert 0 <= found - e.start_sample <= samples(0.001), (e, found)


def test_block_size_does_not_change_a_sample() -> None:
    tl = timeline()
    assert np.array_equal(render(tl, 1000), render(tl, 65536))
    assert np.array_equal(render(tl, 4410), render(tl, 1 << 20))


def test_silence_between_events_is_digital_silence() -> None:
    tl = timeline()
    out = render(tl)
    assert not out[: samples(0.2)].any()
    gap = out[samples(3.8) : samples(5.9)]
    assert not gap.any()


def test_loudness_and_peak_targets_by_two_meters() -> None:
    out = render(timeline())
    ours = integrated_loudness([out])
    theirs = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(out.astype(np.float64))
    ffmpeg_lufs, ffmpeg_peak = ebur128(out)
    for value in (ours, theirs, ffmpeg_lufs):
        assert -17.0 <= value <= -15.0, (ours, theirs, ffmpeg_lufs)
    assert true_peak_db(out) <= -1.0 and ffmpeg_peak <= -1.0
    louder = render(timeline(), loudness="speaker")
    assert integrated_loudness([louder]) > ours + 1.0


def test_music_is_looped_and_ducked_under_speech() -> None:
    bed = (0.2 * np.sin(2 * np.pi * 220 * np.arange(samples(1.5)) / SAMPLE_RATE)).astype(np.float32)
    tl = timeline(Music("bed.wav", -20.0))
    out = np.concatenate(list(mix(tl, CLIPS, SOUNDS, music=bed)))
    dry = render(timeline())
    bed_only = out - dry * (np.abs(out - dry).max() > 0)
    under = bed_only[samples(6.5) : samples(7.5)]
    free = bed_only[samples(4.0) : samples(5.5)]
    rms = lambda x: float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))  # noqa: E731
    assert rms(free) > 0, "music plays between speech, past its own length (looped)"
    assert 20 * np.log10(rms(free) / rms(under)) >= 10.0


def test_missing_clip_is_a_clear_error() -> None:
    tl = timeline()
    with pytest.raises(UserError, match="no audio for the spoken line 'a'"):
        list(mix(tl, {"b": CLIPS["b"], "c": CLIPS["c"]}, SOUNDS))


def test_the_builtin_sound_list_is_the_assets_folder() -> None:
    """One list of built-in sounds: every name has its file, every file its name and length."""
    from importlib import resources

    from voicecoach.timing import BUILTIN_SOUND_S

    folder = resources.files("voicecoach") / "audio_assets"
    files = {p.name[:-4] for p in folder.iterdir() if p.name.endswith(".wav")}
    assert files == set(BUILTIN_SOUND_S)
    for name, length_s in BUILTIN_SOUND_S.items():
        sound = builtin_sound(name)
        assert sound is not None and abs(sound.size / SAMPLE_RATE - length_s) < 0.01, name
    assert builtin_sound("gong") is None


def _bed_level_db(out: np.ndarray, at_s: float, width_s: float = 0.1) -> float:
    x = out[samples(at_s) : samples(at_s + width_s)].astype(np.float64)
    return 10 * np.log10(max(float(np.mean(x**2)), 1e-20))


def test_music_fades_in_and_out_and_stays_ducked_across_short_gaps() -> None:
    """The bed rises over >= 2 s, stays down between close lines, and fades out at the end."""
    # 240 Hz: the loop's crossfade joins the tone in phase, so the bed's own level is flat.
    bed = (0.2 * np.sin(2 * np.pi * 240 * np.arange(samples(1.5)) / SAMPLE_RATE)).astype(np.float32)
    events = (
        Event(samples(4.0), samples(4.0) + CLIPS["a"].size, "speech", text="a"),  # to 5.2 s
        Event(samples(6.5), samples(6.5) + CLIPS["b"].size, "speech", text="b"),  # 1.3 s gap
        Event(samples(12.0), samples(12.0) + CLIPS["c"].size, "speech", text="c"),  # to 14 s
    )
    tl = Timeline("t", "T", samples(22.0), events, music=Music("bed.wav", -20.0))
    out = np.concatenate(list(mix(tl, CLIPS, SOUNDS, music=bed)))
    level = lambda at: _bed_level_db(out, at)  # noqa: E731
    full = level(9.5)  # free of speech, well after the release
    assert level(0.0) < full - 20, "starts from silence"
    assert full - 20 < level(1.0) < full - 1, "still rising a second in"
    assert level(1.9) < full - 0.5, "the fade-in lasts at least 2 s"
    assert abs(level(3.0) - full) < 1.0, "and reaches the bed's level"
    assert level(5.8) < full - 10, "held down in the 1.3 s gap between two lines"
    release = [_bed_level_db(out, 14.0 + k * 0.05, 0.05) for k in range(40)]
    assert max(np.diff(release)) < 2.0, "released smoothly, no jump"
    assert release[-1] > full - 1.0
    assert level(21.9) < full - 20, "fades out to silence at the end"
    assert level(20.0) < full - 1, "over at least 2 s"


@pytest.mark.parametrize("loudness", ["headphones", "speaker"])
def test_kept_levels_give_the_same_samples_and_skip_levelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loudness: str
) -> None:
    store = ArrayCache(tmp_path)
    fresh = render(timeline(), loudness=loudness)
    assert np.array_equal(render(timeline(), loudness=loudness, levels=store), fresh)
    kept = sorted(tmp_path.rglob("*.npy"))
    assert len(kept) == 5  # three clips, the chime and the tick

    def no_levelling(*_args: object, **_kwargs: object) -> np.ndarray:
        raise AssertionError("levelled again although the store had it")

    with monkeypatch.context() as patch:
        patch.setattr(levels, "level", no_levelling)
        assert np.array_equal(render(timeline(), loudness=loudness, levels=store), fresh)
    data = bytearray(kept[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    kept[0].write_bytes(bytes(data))
    assert np.array_equal(render(timeline(), loudness=loudness, levels=store), fresh)
    assert kept[0].read_bytes() != bytes(data)  # the damaged entry was made again
    assert sorted(tmp_path.rglob("*.npy")) == kept


def test_kept_levels_are_per_target_and_per_clip(tmp_path: Path) -> None:
    store = ArrayCache(tmp_path)
    render(timeline(), levels=store)
    render(timeline(), loudness="speaker", levels=store)
    music = np.zeros(samples(1.0), dtype=np.float32)  # music: no K-weighted copies kept
    list(mix(timeline(Music("bed.wav", -20.0)), CLIPS, SOUNDS, music=music, levels=store))
    assert len(list(tmp_path.rglob("*.npy"))) == 15


def test_clips_levelled_ahead_are_only_read_by_mix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ArrayCache(tmp_path)
    fresh = render(timeline())
    real = levels.level
    ahead_levelled: list[int] = []
    with monkeypatch.context() as patch:
        patch.setattr(levels, "level", lambda *a, **k: ahead_levelled.append(1) or real(*a, **k))
        with mixer.Leveller(store, "headphones", music=None) as ahead:
            for text in CLIPS:
                ahead.add(text, CLIPS)
            deadline = time.monotonic() + 60  # leaving drops the clips not started: wait
            while len(ahead_levelled) < len(CLIPS) and time.monotonic() < deadline:
                time.sleep(0.01)
    assert len(ahead_levelled) == len(CLIPS), "every clip was levelled ahead"
    levelled: list[int] = []
    monkeypatch.setattr(levels, "level", lambda *a, **k: levelled.append(1) or real(*a, **k))
    assert np.array_equal(render(timeline(), levels=store), fresh)
    assert len(levelled) == 2, "mix levelled only the chime and the tick; the clips were read"


def test_leveller_without_a_store_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []

    class Watched(dict):
        def __getitem__(self, text: str) -> np.ndarray:
            read.append(text)
            return super().__getitem__(text)

    def no_levelling(*_args: object, **_kwargs: object) -> np.ndarray:
        raise AssertionError("levelled without a store")

    monkeypatch.setattr(levels, "level", no_levelling)
    threads = threading.active_count()
    with mixer.Leveller(None, "headphones", music=None) as ahead:
        ahead.add("a", Watched(CLIPS))
        assert threading.active_count() == threads, "no levelling thread started"
    assert read == [], "no clip was even read"
