"""The command line: output, exit codes and error messages, through one ``invoke`` helper."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.cli import cli

from .conftest import MINIMAL, invoke


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = invoke([command, "--help"])
    assert "Example:" in result.stdout
    assert "voicecoach " in result.stdout.split("Example:", 1)[1]


def test_top_level_help_and_version() -> None:
    assert "Example:" in invoke(["--help"]).stdout
    assert "voicecoach, version" in invoke(["--version"]).stdout


def test_plan_prints_a_table_with_totals(write_routine) -> None:
    path = write_routine(MINIMAL)
    out = invoke(["plan", str(path)]).stdout
    assert "Tiny — Test" in out
    assert "0:00.5" in out and "Hello there." in out
    assert "[start]" in out
    assert out.strip().splitlines()[-1].startswith("total ")


def test_plan_json_is_the_timeline_contract(write_routine) -> None:
    doc = json.loads(invoke(["plan", str(write_routine(MINIMAL)), "--json"]).stdout)
    assert doc["format"] == "voicecoach.timeline/1"
    assert doc["routine"] == "tiny"
    assert {"start_s", "title"} <= set(doc["chapters"][0])
    kinds = {e["kind"] for e in doc["events"]}
    assert "speech" in kinds and "chime" in kinds
    for e in doc["events"]:
        assert e["end_s"] > e["start_s"]
        assert ("text" in e) == (e["kind"] == "speech")


def test_plan_length_option(write_routine) -> None:
    path = write_routine(MINIMAL.replace("hold: 12s", "hold: 10-100s"))
    doc = json.loads(invoke(["plan", str(path), "--length", "90s", "--json"]).stdout)
    assert abs(doc["duration_s"] - 90) <= 2
    result = invoke(["plan", str(path), "--length", "1h"], exit_code=2)
    assert "out of reach" in result.stderr and "--length" in result.stderr
    bad = invoke(["plan", str(path), "--length", "soon"], exit_code=2)
    assert "not a length" in bad.stderr


def test_validate_reports_every_error_in_every_file(write_routine) -> None:
    good = write_routine(MINIMAL, "good.yaml")
    bad1 = write_routine(MINIMAL.replace("hold: 12s", "hodl: 12s"), "bad1.yaml")
    bad2 = write_routine(MINIMAL.replace("title: Tiny", "titel: Tiny"), "bad2.yaml")
    result = invoke(["validate", str(good), str(bad1), str(bad2)], exit_code=2)
    assert f"{good}: ok" in result.stdout
    assert f"error: {bad1}:9:9: unknown step 'hodl' (did you mean 'hold'?)" in result.stderr
    assert f"error: {bad2}:3:1: unknown key 'titel'" in result.stderr
    assert "hint:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_validate_strict_turns_fit_warnings_into_errors(write_routine) -> None:
    text = MINIMAL.replace("say: Press the ball into the thigh.", "say: " + "word " * 40)
    path = write_routine(text.replace("hold: 12s", "hold: 5s"))
    assert "warning:" in invoke(["validate", str(path)]).stderr
    assert "error:" in invoke(["validate", "--strict", str(path)], exit_code=2).stderr


def test_yaml_syntax_error_is_located(write_routine) -> None:
    path = write_routine("format: voicecoach/1\nid: [oops\n")
    result = invoke(["plan", str(path)], exit_code=2)
    assert f"error: {path}:" in result.stderr and "YAML syntax error" in result.stderr


def test_list_shows_builtins_with_lengths() -> None:
    out = invoke(["list"]).stdout
    assert "hamstring-release" in out and "hamstring-quick" in out
    line = next(x for x in out.splitlines() if x.startswith("hamstring-quick"))
    assert ":" in line.split()[1]


def test_new_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "legs.yaml"
    invoke(["new", str(path)])
    assert "id: legs" in path.read_text()
    invoke(["validate", str(path)])
    assert "--force" in invoke(["new", str(path)], exit_code=2).stderr
    invoke(["new", str(path), "--force"])


def test_schema_is_json() -> None:
    schema = json.loads(invoke(["schema"]).stdout)
    assert schema["properties"]["format"]["const"] == "voicecoach/1"


def test_unknown_routine_is_a_clear_error() -> None:
    result = invoke(["plan", "no-such-routine"], exit_code=2)
    assert "no routine file or built-in routine named 'no-such-routine'" in result.stderr
    assert "voicecoach list" in result.stderr


@pytest.mark.parametrize("command", ["plan", "validate"])
def test_plan_and_validate_import_no_audio_stack(command: str) -> None:
    """plan and validate must start fast: numpy, scipy and the audio stages stay unimported.

    (Once the voice is measured: the first plan for a voice synthesizes a few sentences.)
    """
    invoke(["plan", "hamstring-quick"])
    code = (
        "import sys\nfrom voicecoach.cli import main\n"
        f"sys.argv=['voicecoach',{command!r},'hamstring-quick']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy=[m for m in ('numpy','scipy','pydub','voicecoach.mixer') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "hamstring" in done.stdout.lower()


def test_every_build_option_reaches_the_settings() -> None:
    """build, share, play and batch turn options into settings one way (``settings_from``),
    which leaves out what the settings have no field for: no option may fall through.
    Options the command takes by name (``quiet``, share's ``publish_url``...) it uses
    itself."""
    import dataclasses
    import inspect

    from voicecoach.batch import BatchSettings
    from voicecoach.cli import cli
    from voicecoach.pipeline import BuildSettings, ShareSettings
    from voicecoach.player import PlaySettings

    renamed = {"length": "length_s", "no_cache": "use_cache"}
    own = {"build": BuildSettings, "share": ShareSettings, "play": PlaySettings,
           "batch": BatchSettings}  # fmt: skip
    for name, settings in own.items():
        fields = {f.name for f in dataclasses.fields(settings)}
        if name in ("share", "play"):
            fields |= {f.name for f in dataclasses.fields(BuildSettings)}
        command = cli.commands[name]
        assert command.callback is not None
        by_name = {p.name for p in inspect.signature(command.callback).parameters.values()
                   if p.kind is not p.VAR_KEYWORD}  # fmt: skip
        for param in command.params:
            if param.name == "help" or param.name in by_name:
                continue
            assert renamed.get(param.name, param.name) in fields, f"{name} --{param.name}"


def test_voices_shows_what_a_user_can_choose_grouped_and_the_rest_behind_all() -> None:
    from voicecoach.phrases import languages

    out = invoke(["voices"]).stdout
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    table = [r for r in rows if r[0] in ("espeak", "piper", "pyttsx3", "tone")]
    assert len(out.splitlines()) <= 40, out
    assert "tone" not in [r[0] for r in table], "the test engine is not offered"
    assert [r[0] for r in table].count("pyttsx3") == 1, "pyttsx3 does not repeat espeak's list"
    engines = [r[0] for r in table]
    assert engines == sorted(engines, key=engines.index), "grouped by engine"
    espeak = {r[2].split("-")[0] for r in table if r[0] == "espeak"}
    assert espeak == set(languages()), "every routine language, and only those"
    assert "voicecoach voices --all" in out
    everything = invoke(["voices", "--all"]).stdout
    assert any(line.startswith("tone ") for line in everything.splitlines())
    assert len(everything.splitlines()) > len(out.splitlines())


@pytest.mark.parametrize("command", ["", *sorted(cli.commands)])
def test_help_renders_cleanly_at_80_columns(command: str) -> None:
    import shlex

    args = [command, "--help"] if command else ["--help"]
    text = invoke(args, terminal_width=80, env={"COLUMNS": "80"}).stdout
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), [x for x in lines if len(x) > 80]
    body = lines[1 : lines.index("Options:")]
    start = body.index("  Example:")
    for line in body[:start]:
        assert line == "" or (line.startswith("  ") and line[2] != " "), f"garbled: {line!r}"
    example = body[start + 1 :]
    while example and not example[-1].strip():
        example.pop()
    assert example, "an empty Example"
    for line in example:
        assert line.startswith("    ") and line[4] != " ", f"garbled example line: {line!r}"
        shlex.split(line)  # a whole shell command: no quote left open


def test_new_suggests_a_next_command_that_a_shell_runs_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    monkeypatch.chdir(tmp_path)
    for name in ("My Legs.yaml", "it's.yaml", "plain.yaml"):
        out = invoke(["new", name]).stdout
        command = out.split("next: ", 1)[1].strip()
        assert shlex.split(command) == ["voicecoach", "plan", name], command
    assert "next: voicecoach plan plain.yaml" in out, "no quotes where none are needed"


def test_validate_strict_failing_on_a_warning_does_not_say_ok(write_routine) -> None:
    text = MINIMAL.replace("say: Press the ball into the thigh.", "say: " + "word " * 40)
    path = write_routine(text.replace("hold: 12s", "hold: 5s"))
    good = write_routine(MINIMAL.replace("lead_in: 2s", "lead_in: 6s").replace(
        "title: Tiny", "title: Tiny\nsafety: [Stop if it hurts.]"), "good.yaml")  # fmt: skip
    loose = invoke(["validate", str(path)])
    assert f"{path}: ok" in loose.stdout, "without --strict a warning is still ok"
    strict = invoke(["validate", "--strict", str(path), str(good)], exit_code=2)
    assert str(path) not in strict.stdout, "a failed file is reported as errors, like any other"
    assert "error: the routine has timing problems (--strict)" in strict.stderr
    assert f"\n{path}:" in strict.stderr, "each warning, now an error, names its place"
    assert f"{good}: ok" in strict.stdout, strict.stderr


def test_formats_and_paces_are_declared_once() -> None:
    """The CLI's choices, the studio's checks and page come from model.py; what each format
    and pace does lives in export and compiler, keyed by the same names."""
    from voicecoach import compiler, export
    from voicecoach.model import AUDIO_FORMATS, PACES

    assert tuple(export.FORMATS) == AUDIO_FORMATS
    assert tuple(compiler.PACES) == PACES
    build_help = invoke(["build", "--help"]).stdout
    assert f"[{'|'.join(AUDIO_FORMATS)}]" in build_help and f"[{'|'.join(PACES)}]" in build_help
