"""The benchmark script runs end to end on a tiny session, so it cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--smoke", "--no-write"],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = done.stdout
    assert "| session |" in table and "voicecoach cold" in table
    row = next(line for line in table.splitlines() if line.startswith("| 5.") or " min |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2].endswith(" s") and float(cells[2][:-2]) > 0, cells
    assert "`voicecoach plan hamstring-release`" in table
