"""Parsing and checking routines: every mistake located, all of them reported."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from voicecoach.errors import RoutineErrors, UserError
from voicecoach.routine import (
    STEP_KINDS,
    Hold,
    Repeat,
    Span,
    builtin_ids,
    load_routine,
    nodes,
    parse_duration,
    parse_routine,
    resolve,
    schema_text,
)

from .conftest import DATA, MINIMAL, invoke

INVALID = sorted((DATA / "invalid").glob("*.yaml"))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45", 45), ("45s", 45), ("1m30s", 90), ("2m", 120), ("1h", 3600), ("1.5s", 1.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m", "1x", "-5"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_minimal_routine_parses() -> None:
    routine = parse_routine(MINIMAL, "tiny.yaml")
    assert routine.id == "tiny"
    (section,) = routine.sections
    _, hold = section.steps
    assert isinstance(hold, Hold)
    assert hold.duration == Span(12, 12)
    assert hold.lead_in_s == 2
    assert hold.countdown == 3
    assert hold.text is not None and hold.text.location.line == 10


def test_ranges_and_units_inherit() -> None:
    text = MINIMAL.replace("hold: 12s", "hold: 1-2m") + "      - repeat: 5-10\n"
    routine = parse_routine(text, "r.yaml")
    hold, rep = routine.sections[0].steps[1:]
    assert isinstance(hold, Hold) and hold.duration == Span(60, 120)
    assert isinstance(rep, Repeat) and rep.count == Span(5, 10)


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_routines_point_at_the_mistake(path: Path) -> None:
    header = path.read_text(encoding="utf-8").splitlines()[:3]
    expect = next(line.split(":", 1)[1].strip() for line in header if line.startswith("# expect:"))
    at = next(line.split(":", 1)[1].strip() for line in header if line.startswith("# at:"))
    with pytest.raises(RoutineErrors) as info:
        load_routine(str(path))
    found = [(f"{e.line}:{e.column}", e.message) for e in info.value.errors]
    assert any(expect in message for _, message in found), found
    assert any(where == at and expect in message for where, message in found), found
    for error in info.value.errors:
        assert error.path == str(path)
        assert error.hint, f"no hint for {error}"


def test_all_errors_are_reported_not_only_the_first() -> None:
    text = MINIMAL.replace("hold: 12s", "hodl: 12s").replace("title: Only", "titel: Only")
    text += "      - pause: 5 minutes\n"
    with pytest.raises(RoutineErrors) as info:
        parse_routine(text, "many.yaml")
    messages = " | ".join(e.message for e in info.value.errors)
    assert "unknown key 'titel'" in messages
    assert "unknown step 'hodl' (did you mean 'hold'?)" in messages
    assert "'5 minutes' is not a duration" in messages
    lines = [e.line for e in info.value.errors]
    assert lines == sorted(lines)


def test_error_format_is_black_style() -> None:
    with pytest.raises(RoutineErrors) as info:
        parse_routine(MINIMAL.replace("hold: 12s", "hodl: 12s"), "legs.yaml")
    first = info.value.errors[0]
    assert re.match(
        r"^legs\.yaml:\d+:\d+: unknown step 'hodl' \(did you mean 'hold'\?\)", str(first)
    )
    assert "\n  hint: " in first.format()


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    with pytest.raises(RoutineErrors, match="expands to more than"):
        parse_routine("\n".join(lines), "bomb.yaml")
    assert time.perf_counter() - start < 1.0


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(RoutineErrors, match="nesting"):
        parse_routine("a: " + "[" * 300 + "]" * 300, "deep.yaml")


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(MINIMAL + "# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    with pytest.raises(RoutineErrors, match="too large"):
        load_routine(str(path))


def test_python_tags_are_not_executed() -> None:
    text = MINIMAL.replace("title: Tiny", "title: !!python/object/apply:os.system ['echo hi']")
    with pytest.raises(RoutineErrors, match="tag"):
        parse_routine(text, "evil.yaml")
    with pytest.raises(RoutineErrors, match="tag"):
        parse_routine(MINIMAL.replace("title: Tiny", "title: !!python/name:os.system"), "e.yaml")


def test_unknown_routine_reference_suggests_builtin() -> None:
    with pytest.raises(UserError, match="did you mean 'hamstring-quick'"):
        load_routine("hamstring-quik")


def test_builtins_ship_and_validate() -> None:
    ids = builtin_ids()
    for expected in (
        "hamstring-release",
        "hamstring-quick",
        "hamstring-foam-roller",
        "hamstring-desk-ball",
        "hamstring-hands",
    ):
        assert expected in ids
    for rid in ids:
        assert load_routine(rid).id == rid


SAFETY_FACTS = {
    "en": ("sharp", "numb", "knee", "sit bone"),
    "es": ("agudo", "entumecimiento", "rodilla", "hueso de sentarte"),
    "de": ("stechend", "taubheit", "kniekehle", "sitzbeinhöcker"),
}


def test_builtins_carry_every_safety_warning() -> None:
    for rid in builtin_ids():
        routine = load_routine(rid)
        notes = " ".join(o for note in routine.safety for o in note.options).lower()
        for fact in SAFETY_FACTS[routine.language]:
            assert fact in notes, f"{rid} lacks the safety note about {fact!r}"


def test_builtins_are_not_copied_from_the_source() -> None:
    """Our routines are written in our own words: no 8-word run of the guide appears."""
    source = Path(__file__).parents[2] / "shared" / "source" / "hamstring-self-massage.txt"
    if not source.is_file():
        pytest.skip(f"the source guide is not beside this checkout ({source})")
    words = re.findall(r"[a-z']+", source.read_text(encoding="utf-8").lower())
    grams = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    for rid in builtin_ids():
        folder = Path(__file__).parents[1] / "voicecoach" / "routine" / "builtins"
        mine = re.findall(r"[a-z']+", (folder / f"{rid}.yaml").read_text("utf-8").lower())
        copied = {" ".join(mine[i : i + 8]) for i in range(len(mine) - 7)} & grams
        assert not copied, f"{rid} copies the guide: {sorted(copied)[:3]}"


def test_schema_accepts_every_builtin_and_rejects_a_typo() -> None:
    import json

    import jsonschema
    import yaml

    schema = json.loads((Path(__file__).parents[1] / "voicecoach/routine/schema.json").read_text())
    folder = Path(__file__).parents[1] / "voicecoach" / "routine" / "builtins"
    examples = sorted((DATA / "routines").glob("*.yaml"))
    for path in [*sorted(folder.glob("*.yaml")), *examples]:
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)
    nested = yaml.safe_load(
        MINIMAL + "      - rounds: 2\n        steps:\n          - {rounds: 2, steps: [say: Hi.]}\n"
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(nested, schema)
    bad = yaml.safe_load(MINIMAL.replace("title: Tiny", "titel: Tiny"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "music"])
def test_files_outside_the_routine_folder_are_refused_unless_allowed(tmp_path, kind) -> None:
    home, outside = tmp_path / "routines", tmp_path / "elsewhere"
    home.mkdir()
    outside.mkdir()
    (outside / "gong.wav").write_bytes(b"RIFF")
    ref = {
        "dotdot": "../elsewhere/gong.wav",
        "absolute": str(outside / "gong.wav"),
        "symlink": "link.wav",
        "music": "../elsewhere/gong.wav",
    }[kind]
    if kind == "symlink":
        (home / "link.wav").symlink_to(outside / "gong.wav")
    body = f"music: {{file: '{ref}'}}\n" if kind == "music" else f"sounds: {{gong: '{ref}'}}\n"
    path = home / "r.yaml"
    path.write_text(
        f"format: voicecoach/1\nid: r\ntitle: R\n{body}"
        "sections:\n  - title: A\n    steps:\n      - say: Hi.\n",
        encoding="utf-8",
    )
    result = invoke(["validate", str(path)], exit_code=2)
    column = 15 if kind == "music" else 16
    assert f"r.yaml:4:{column}: " in result.stderr
    assert "is outside the routine's folder" in result.stderr
    assert f"--allow-path {outside}" in result.stderr
    invoke(["validate", str(path), "--allow-path", str(outside)])


@pytest.mark.parametrize("kind", ["sound", "music"])
def test_a_sound_or_music_file_that_does_not_exist_is_reported_where_it_is_named(
    tmp_path, kind
) -> None:
    """validate (and plan) catch a missing file at its line, not build without a location."""
    body = "music: {file: 'bed.mp3'}\n" if kind == "music" else "sounds: {gong: 'gong.wav'}\n"
    path = tmp_path / "r.yaml"
    path.write_text(
        f"format: voicecoach/1\nid: r\ntitle: R\n{body}"
        "sections:\n  - title: A\n    steps:\n      - say: Hi.\n",
        encoding="utf-8",
    )
    name = "bed.mp3" if kind == "music" else "gong.wav"
    for command in (["validate"], ["plan"]):
        result = invoke([*command, str(path)], exit_code=2)
        column = 15 if kind == "music" else 16
        assert f"r.yaml:4:{column}: " in result.stderr
        assert f"{name!r}" in result.stderr and "does not exist" in result.stderr
        assert "hint: " in result.stderr
        assert "Traceback" not in result.stderr
    (tmp_path / name).write_bytes(b"RIFF")
    invoke(["validate", str(path)])
    # `a/../gong.wav` reads as gong.wav on paper, but opening it needs a folder `a`: the
    # check asks the file system as the mixer will, so validate and build agree.
    path.write_text(path.read_text(encoding="utf-8").replace(name, f"a/../{name}"), "utf-8")
    result = invoke(["validate", str(path)], exit_code=2)
    assert "does not exist" in result.stderr
    (tmp_path / "a").mkdir()
    invoke(["validate", str(path)])


def test_unquoted_placeholder_in_a_flow_mapping_says_how_to_quote_it() -> None:
    text = MINIMAL.replace("title: Only", "title: Only\n    sides: [right, left]")
    text += "      - {hold: 15s, say: On your {side} arm.}\n"
    with pytest.raises(RoutineErrors) as info:
        parse_routine(text, "flow.yaml")
    (error,) = info.value.errors
    assert "{side}" in error.message and "': '" not in (error.hint or "")
    assert error.hint == 'put the text in quotes: `say: "On your {side} arm."`'


#: Every kind of mapping the format has that the built-ins and examples may not use.
EVERY_MAPPING = """\
format: voicecoach/1
id: every
title: Every mapping
voice: {engine: tone, name: x, rate: 160}
music: {file: bed.wav, volume: -20}
hands_free: {max_silence: 20s}
sections:
  - title: One
    steps:
      - chime: bell
      - breathe: 1m
        pattern: {inhale: 4s, hold: 2s, exhale: 6s, hold_out: 1s}
"""


def test_the_schema_and_the_parser_know_the_same_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-written schema (editors, the studio's completion) and the parser agree on
    every mapping's keys: each key the parser accepts is in the schema, and no other."""
    seen: dict[str, set[str]] = {}
    real = nodes.Context.mapping

    def recording(self, node, what, allowed, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.setdefault(what, set()).update(allowed)
        return real(self, node, what, allowed, *args, **kwargs)

    monkeypatch.setattr(nodes.Context, "mapping", recording)
    for ref in [*builtin_ids(), *map(str, sorted((DATA / "routines").glob("*.yaml")))]:
        load_routine(ref)
    with pytest.raises(RoutineErrors):  # bed.wav is not there; the keys were read first
        parse_routine(EVERY_MAPPING, "every.yaml")

    schema = json.loads(schema_text())
    props = schema["properties"]
    defs = schema["$defs"]
    steps = defs["steps"]["items"]["oneOf"]
    [hold] = [s for s in steps if "hold" in s["properties"]]
    expected = {
        "the routine": set(props),
        "voice": set(props["voice"]["properties"]),
        "music": set(props["music"]["properties"]),
        "hands_free": set(props["hands_free"]["properties"]),
        "breathing": set(defs["breathing"]["anyOf"][1]["properties"]),
        "a section": set(defs["section"]["oneOf"][0]["properties"]),
        "a section include": set(defs["section"]["oneOf"][1]["properties"]),
        "encourage": set(hold["properties"]["encourage"]["properties"]),
        "pattern": set(defs["pattern"]["anyOf"][1]["properties"]),
    }
    for step in steps:
        kind = step["required"][0]  # the key that names the step
        assert kind in STEP_KINDS
        expected[f"a {kind} step"] = set(step["properties"])
    assert seen == expected


_QUICK = resolve("hamstring-quick").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("line", "text", "where", "words"),
    [
        # something opened and never closed: YAML notices lines later, the error is where it opened
        (37, '        say: "Lie back, legs long.', (37, 14), "never closed"),
        (37, "        say: 'Lie back, legs long.", (37, 14), "never closed"),
        (37, "        say: {Lie back, legs long.", (37, 14), "`{` here is never closed"),
        (22, "          say: [Slow and steady., Keep it comfortable.", (22, 16), "`[`"),
        (37, "        say:Lie back, legs long.", (37, 9), "no `: `"),
        # already where they are: they stay there
        (37, "        say: Lie back: legs long.", (37, 22), "mapping values"),
        (37, "      say: Lie back, legs long.", (37, 7), "expected '-'"),
        (37, "        say: *nope", (37, 14), "undefined alias"),
    ],
)
def test_yaml_syntax_errors_are_located_where_the_mistake_is(
    line: int, text: str, where: tuple[int, int], words: str
) -> None:
    """The hands-on pass: an unclosed `{` on line 37 was reported at 38:16."""
    lines = _QUICK.splitlines()
    assert lines[line - 1].lstrip().split(":")[0] == text.lstrip().split(":")[0]
    lines[line - 1] = text
    with pytest.raises(RoutineErrors) as info:
        parse_routine("\n".join(lines) + "\n", "quick.yaml")
    (error,) = info.value.errors
    assert (error.location.line, error.location.column) == where, error.format()
    assert words in error.message and "YAML syntax error" in error.message
