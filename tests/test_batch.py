"""`voicecoach batch`: rows, bad rows, skipping, and the same results on a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.batch import BatchSettings, run_batch
from voicecoach.errors import UserError
from voicecoach.files import slug
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


@pytest.mark.slow
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


def test_corrupt_output_is_rebuilt_not_called_up_to_date(setup, tmp_path: Path) -> None:
    import hashlib
    import json

    routine, clients, out = setup
    settings = BatchSettings(str(routine), clients, out, jobs=1, engine="tone",
                             cache_dir=tmp_path / "cache")  # fmt: skip
    run_batch(settings)
    manifest = json.loads((out / ".voicecoach-batch.json").read_text(encoding="utf-8"))
    recorded = manifest["ana-garcia"]["files"]["ana-garcia.mp3"]
    data = (out / "ana-garcia.mp3").read_bytes()
    assert recorded == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    # junk of the very same size: only the hash can tell
    (out / "ana-garcia.mp3").write_bytes(b"\0" * len(data))
    (out / "bo.vtt").write_text("WEBVTT\n\njunk\n", encoding="utf-8")
    again = {r.number: r for r in run_batch(settings)}
    assert again[2].status == "built" and again[3].status == "built"
    assert (out / "ana-garcia.mp3").read_bytes() == data
    third = statuses(run_batch(settings))
    assert third[2] == "skipped" and third[3] == "skipped"


@pytest.fixture
def dask_scheduler(tmp_path: Path):
    """A scheduler and one worker started as separate processes, as a user starts them.

    Both listen on 127.0.0.1 only; the worker runs in its own folder, so a relative
    path that leaked to it would land (or be looked up) there. Stopped at teardown.
    """
    import os
    import signal
    import subprocess
    import sys
    import time

    pytest.importorskip("distributed")
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    worker_dir = tmp_path / "worker-home"
    worker_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cli = [sys.executable, "-m"]
    procs = [
        subprocess.Popen(
            [
                *cli,
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            cwd=tmp_path,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert procs[0].poll() is None, "the dask scheduler exited at start"
            assert time.monotonic() < deadline, "the dask scheduler did not start in 60 s"
            time.sleep(0.2)
        procs.append(
            subprocess.Popen(
                [
                    *cli,
                    "distributed.cli.dask_worker",
                    "--scheduler-file",
                    str(scheduler_file),
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    str(worker_dir),
                ],
                cwd=worker_dir,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        address = json.loads(scheduler_file.read_text(encoding="utf-8"))["address"]
        assert address.startswith("tcp://127.0.0.1:")
        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, worker_dir
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.mark.slow
def test_dask_scheduler_with_relative_paths_from_another_folder(
    dask_scheduler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, worker_dir = dask_scheduler
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "x.yaml").write_text(ROUTINE, encoding="utf-8")
    (tmp_path / "batch" / "c.csv").write_text("client,format\nAna,mp3\nBo,ogg\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICECOACH_CACHE", str(tmp_path / "cache"))
    args = ["batch", "batch/x.yaml", "--clients", "batch/c.csv", "-o", "batch/out3",
            "--executor", "dask", "--scheduler", address, "--engine", "tone"]  # fmt: skip
    result = invoke(args)
    assert "2 built, 0 skipped, 0 failed" in result.stdout
    out = tmp_path / "batch" / "out3"
    assert sorted(p.name for p in out.iterdir() if p.suffix in (".mp3", ".ogg")) == [
        "ana.mp3",
        "bo.ogg",
    ]
    assert not (tmp_path / "batch" / "batch").exists()
    assert not any(worker_dir.rglob("*.mp3"))
    # the summary names each file where it was written
    for name in ("ana.mp3", "bo.ogg"):
        assert f"batch/out3/{name}" in result.stdout
        assert (out / name).stat().st_size > 1000
    again = invoke(args)
    assert "0 built, 2 skipped, 0 failed" in again.stdout


def test_an_interrupted_batch_keeps_the_rows_it_finished(setup, tmp_path: Path) -> None:
    """Ctrl-C after the first row: run again, that row is skipped, not rebuilt."""
    routine, clients, out = setup
    settings = BatchSettings(str(routine), clients, out, jobs=1, engine="tone",
                             cache_dir=tmp_path / "cache")  # fmt: skip

    def stop_after_first_build(result, total: int) -> None:
        if result.status == "built":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(settings, progress=stop_after_first_build)
    first = (out / "ana-garcia.mp3").stat().st_mtime_ns
    again = {r.number: r for r in run_batch(settings)}
    assert again[2].status == "skipped", again[2]
    assert again[3].status == "built"
    assert (out / "ana-garcia.mp3").stat().st_mtime_ns == first


TINY_PROGRAMME = """\
format: voicecoach/programme/1
id: knees
start: 2027-01-04
days: [tue, thu]
reminder: "08:00"
phases:
  - weeks: 1
    routine: tiny.yaml
  - weeks: 2-3
    routine: tiny.yaml
    changes:
      - {section: Only, hold: 20s}
"""


@pytest.mark.slow
def test_batch_builds_a_programme_per_client_row_locally_and_on_dask(setup, tmp_path: Path) -> None:
    import icalendar

    routine, _, out = setup
    programme = tmp_path / "knees.yaml"
    programme.write_text(TINY_PROGRAMME, encoding="utf-8")
    clients = tmp_path / "programme-clients.csv"
    clients.write_text("client,length,note\nAna,,\nBo,,Go easy.\nCy,5m,\n", encoding="utf-8")
    results = {}
    for executor in ("local", "dask"):
        settings = BatchSettings(str(programme), clients, out / executor, jobs=2, engine="tone",
                                 cache_dir=tmp_path / "cache", executor=executor)  # fmt: skip
        results[executor] = run_batch(settings)
        assert statuses(results[executor]) == {2: "built", 3: "built", 4: "failed"}
        assert "sets its length per phase" in results[executor][2].message
    ana = out / "local" / "ana"
    assert sorted(p.name for p in ana.glob("*.mp3")) == ["knees-week-1.mp3", "knees-weeks-2-3.mp3"]
    timeline = json.loads((ana / "knees-weeks-2-3.timeline.json").read_text("utf-8"))
    assert timeline["title"] == "Tiny — Weeks 2-3"
    assert any("Ana" in (e.get("text") or "") for e in timeline["events"])
    bo = json.loads((out / "local" / "bo" / "knees-week-1.timeline.json").read_text("utf-8"))
    assert "Go easy." in bo["description"]
    calendar = icalendar.Calendar.from_ical((ana / "knees.ics").read_bytes())
    assert len(list(calendar.walk("VEVENT"))) == 2
    for name in ("ana/knees-week-1.mp3", "bo/knees-weeks-2-3.mp3"):
        local, dask = ((out / e / name).read_bytes() for e in ("local", "dask"))
        assert local == dask, f"{name} differs between the local pool and Dask"

    again = run_batch(BatchSettings(str(programme), clients, out / "local", jobs=2,
                                    engine="tone", cache_dir=tmp_path / "cache"))  # fmt: skip
    assert statuses(again) == {2: "skipped", 3: "skipped", 4: "failed"}
    routine.write_text(ROUTINE.replace("Tiny", "Tiny too"), encoding="utf-8")
    changed = run_batch(BatchSettings(str(programme), clients, out / "local", jobs=2,
                                      engine="tone", cache_dir=tmp_path / "cache"))  # fmt: skip
    assert statuses(changed) == {2: "built", 3: "built", 4: "failed"}, "a routine it names changed"


def test_batch_refuses_a_broken_programme_before_any_row(setup, tmp_path: Path) -> None:
    _, clients, out = setup
    programme = tmp_path / "knees.yaml"
    programme.write_text(TINY_PROGRAMME.replace("weeks: 2-3", "weeks: 3-4"), encoding="utf-8")
    result = invoke(["batch", str(programme), "--clients", str(clients), "-o", str(out)],
                    exit_code=2)  # fmt: skip
    assert f"{programme}:9:12: weeks 3-4 leave a gap between phases: week 2" in result.stderr
    assert not out.exists()
