"""`voicecoach batch`: rows, bad rows, skipping, and the same results on a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.batch import BatchSettings, run_batch
from voicecoach.errors import UserError
from voicecoach.fsutil import slug
from voicecoach.phrases import Phrases
from voicecoach.routine import load_routine

from .conftest import MINIMAL, invoke

ROUTINE = MINIMAL.replace("say: Hello there.", "say: Hello {client}, welcome back.")
ROUTINE = ROUTINE.replace("hold: 12s", "hold: 10-40s")


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(ROUTINE, encoding="utf-8")
    clients = tmp_path / "clients.csv"
    clients.write_text(
        "client,length,voice,format,output,note\n"
        "Ana García,45s,,mp3,,Left knee surgery in May\n"
        "Bo,,,ogg,bo,\n"
        "Cy,9h,,,,\n"
        "Dee,,klingon,,,\n"
        "Eve,,,,../../etc/passwd,\n",
        encoding="utf-8",
    )
    return routine, clients, tmp_path / "out"


def statuses(results) -> dict[int, str]:
    return {r.number: r.status for r in results}


def test_rows_are_built_and_bad_rows_reported(setup, tmp_path: Path) -> None:
    routine, clients, out = setup
    settings = BatchSettings(str(routine), clients, out, jobs=2, engine="tone",
                             cache_dir=tmp_path / "cache")  # fmt: skip
    results = run_batch(settings)
    assert statuses(results) == {2: "built", 3: "built", 4: "failed", 5: "failed", 6: "failed"}
    by_row = {r.number: r for r in results}
    assert "out of reach" in by_row[4].message
    assert "klingon" in by_row[5].message
    assert "bad characters" in by_row[6].message
    assert sorted(p.name for p in out.glob("*.mp3")) == ["ana-garcia.mp3"]
    assert (out / "bo.ogg").exists()
    assert not (tmp_path / "etc").exists()
    timeline = (out / "ana-garcia.timeline.json").read_text(encoding="utf-8")
    assert "Hello Ana García, welcome back." in timeline
    greeting = Phrases("en", load_routine(str(routine)).seed).say("greeting", client="Ana García")
    events = json.loads(timeline)["events"]
    assert [e["text"] for e in events if e.get("cue") == "greeting"] == [greeting]
    assert "Left knee surgery in May" in timeline
    again = run_batch(settings)
    assert statuses(again)[2] == "skipped" and statuses(again)[3] == "skipped"


def test_dask_cluster_gives_the_same_sessions(setup, tmp_path: Path) -> None:
    routine, clients, out = setup
    cache = tmp_path / "cache"
    local = run_batch(BatchSettings(str(routine), clients, out, jobs=1, engine="tone",
                                    cache_dir=cache))  # fmt: skip
    dask_out = tmp_path / "dask"
    remote = run_batch(BatchSettings(str(routine), clients, dask_out, jobs=2, executor="dask",
                                     engine="tone", cache_dir=cache))  # fmt: skip
    assert statuses(local) == statuses(remote)
    for name in ("ana-garcia.mp3", "bo.ogg"):
        assert (out / name).read_bytes() == (dask_out / name).read_bytes()


def test_cli_summary_and_exit_code(setup, tmp_path: Path) -> None:
    routine, clients, out = setup
    result = invoke(["batch", str(routine), "--clients", str(clients), "-o", str(out),
                     "--engine", "tone", "--jobs", "1"], exit_code=1)  # fmt: skip
    assert "2 built, 0 skipped, 3 failed" in result.stdout
    assert "   4  failed" in result.stdout


def test_bad_csv_header_is_a_user_error(tmp_path: Path) -> None:
    clients = tmp_path / "c.csv"
    clients.write_text("name,length\nAna,5m\n", encoding="utf-8")
    with pytest.raises(UserError, match="unknown column"):
        run_batch(BatchSettings("hamstring-quick", clients, tmp_path))


def test_slug() -> None:
    assert slug("Ana García") == "ana-garcia"
    assert slug("../..") == "client"
