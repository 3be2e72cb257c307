"""The benchmark script runs end to end on a tiny session, so it cannot rot."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_smoke(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-peer.py"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--smoke", "--no-write",
         "--peer", str(missing)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = done.stdout
    assert "| session |" in table and "voicecoach cold" in table
    row = next(line for line in table.splitlines() if line.startswith("| 5.") or " min |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2].endswith(" s") and float(cells[2][:-2]) > 0, cells
    cold, warm = (float(v) for v in cells[4].removesuffix(" s").split(" / "))
    assert 0 < warm < float(cells[3][:-2]) and 0 < cold < float(cells[2][:-2]), cells
    assert cells[6] == "peer not found", cells
    assert "`voicecoach plan hamstring-release`" in table


def test_bench_batch_rows_zero_skips_the_batch(tmp_path: Path) -> None:
    assert _bench().bench_batch(0, tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_bench_rows_are_printed_as_measured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _bench()
    run = bench.Run(2.0, 100.0)
    row = {"minutes": 1.0, "events": 7, "cold": run, "warm": run, "first": (0.5, 0.4),
           "floor": bench.Run(1.0, 10.0), "peer": "peer not found"}  # fmt: skip

    def crash(*_args: object, **_kwargs: object) -> float:
        raise RuntimeError("a later step crashed")

    monkeypatch.setattr(bench, "bench_size", lambda *_a, **_k: row)
    monkeypatch.setattr(bench, "cli_time", crash)
    monkeypatch.setattr(bench.subprocess, "run", lambda *_a, **_k: None)  # no compileall
    with pytest.raises(RuntimeError):
        bench.main(["--smoke", "--no-write"])
    out = capsys.readouterr().out
    assert "| 1.0 min | 7 | 2.0 s | 2.0 s | 0.50 / 0.40 s | 1.0 s | peer not found |" in out


def test_bench_rewrites_its_tables_and_keeps_notes_and_the_studio_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = _bench()
    run = bench.Run(2.0, 100.0)
    row = {"minutes": 1.0, "events": 7, "cold": run, "warm": run, "first": (0.5, 0.4),
           "floor": bench.Run(1.0, 10.0), "peer": "peer not found"}  # fmt: skip
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "benchmarks.md"
    doc.write_text(
        f"# Benchmarks\n\n| old table |\n\n{bench.NOTES}\nour notes\n\n"
        f"{bench.STUDIO_MARK}\n## Studio: time to sound\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    monkeypatch.setattr(bench, "bench_size", lambda *_a, **_k: row)
    monkeypatch.setattr(bench, "cli_time", lambda *_a, **_k: 0.1)
    monkeypatch.setattr(bench, "python_floor", lambda *_a, **_k: 0.05)
    monkeypatch.setattr(bench, "machine", lambda: "a test machine")
    monkeypatch.setattr(bench.subprocess, "run", lambda *_a, **_k: None)  # no compileall
    assert bench.main(["--smoke"]) == 0
    text = doc.read_text(encoding="utf-8")
    assert "| old table |" not in text and "| 1.0 min | 7 |" in text
    assert text.index("| 1.0 min |") < text.index("our notes") < text.index("## Studio")


@pytest.mark.slow
def test_bench_programme_measures_both_and_writes_its_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = _bench()
    result = bench.bench_programme(tmp_path / "work", repeat=1, engine="tone")
    assert result["session"] > 0 and result["programme"] > 0
    assert result["ratio"] == result["programme"] / result["session"]
    assert result["session_cpu"] > 0 and result["programme_cpu"] > 0
    assert len(list((tmp_path / "work" / "p0").glob("*.mp3"))) == 3
    doc = tmp_path / "docs" / "benchmarks.md"
    doc.parent.mkdir()
    doc.write_text(f"# Benchmarks\n\nintro\n\n{bench.STUDIO_MARK}\n## Studio\n", encoding="utf-8")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    for _ in range(2):  # rewriting replaces the section, keeps the rest
        bench.write_programme_section(bench.programme_section(result, 1))
    text = doc.read_text(encoding="utf-8")
    assert text.count(bench.PROGRAMME_MARK) == 1 and text.count("## Studio") == 1
    assert text.index(bench.PROGRAMME_MARK) < text.index(bench.STUDIO_MARK)
    assert "| 3-phase programme |" in text and "intro" in text
