"""Hostile input against the studio's API, in-process (Starlette's TestClient).

Each test here is the regression test of one defect a hostile pass found (issue 20): the
token in a QR code, OS errors as 500s, names the list never shows, loose booleans...
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from starlette.testclient import TestClient

from voicecoach.media import find_ffmpeg
from voicecoach.model import SAMPLE_RATE
from voicecoach.pipeline import keep_levelled_clips
from voicecoach.routine import check_client_name, clean_client_name
from voicecoach.studio.app import AppSettings, create_app

from .audio import decode
from .conftest import MINIMAL, invoke

ROOT = Path(__file__).parents[1]


TOKEN = "tok-" + "s3cret" * 4
HOST = "testserver"
TINY = """\
format: voicecoach/1
id: tiny
title: Tiny
author: Test
sections:
  - title: Only
    steps:
      - say: Hello there.
"""


@pytest.fixture(autouse=True)
def _no_levelled_clips_kept() -> Iterator[None]:
    """A studio app keeps levelled clips in memory for the whole process: not past a test."""
    yield
    keep_levelled_clips(0)


class Studio:
    """A studio app over a folder, talking as its own page does (token, Origin)."""

    def __init__(self, client: TestClient, folder: Path) -> None:
        self.client = client
        self.folder = folder
        self.answers: list[str] = []

    def _keep(self, res: Any) -> Any:
        self.answers.append(res.text)
        return res

    def get(self, path: str, **params: str) -> Any:
        return self._keep(self.client.get(path, params=params))

    def post(self, path: str, data: object) -> Any:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        return self._keep(self.client.post(path, content=body))

    def wait(self, job: dict[str, Any], timeout_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            snap: dict[str, Any] = self.get(f"/api/jobs/{job['id']}").json()
            if snap["state"] in ("done", "failed"):
                return snap
            time.sleep(0.1)
        raise AssertionError(f"job {job['id']} did not finish")


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Studio]:
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY, encoding="utf-8")
    app = create_app(
        AppSettings(
            folder=folder,
            token=TOKEN,
            hosts=frozenset({HOST}),
            port=80,
            cache_dir=tmp_path / "cache",
        )
    )
    headers = {"x-studio-token": TOKEN, "origin": f"http://{HOST}"}
    with TestClient(app, base_url=f"http://{HOST}", headers=headers) as client:  # type: ignore[arg-type]
        yield Studio(client, folder)


# -- the share QR code never carries the token ------------------------------------------------


def test_no_answer_of_a_share_session_holds_the_token_and_a_qr_is_only_the_hosted_page(
    studio: Studio,
) -> None:
    """The QR code once encoded ``/files/...zip?token=``: anyone scanning it owned FOLDER."""
    studio.get("/")
    studio.get("/api/files")
    studio.get("/api/file", name="tiny.yaml")
    request = {"name": "tiny.yaml", "text": TINY, "voice": "tone|default", "client": "Ana"}
    studio.post("/api/check", request)
    plain = studio.wait(studio.post("/api/share", request).json())
    assert plain["state"] == "done", plain["error"]
    assert "qr" not in plain["result"] and "qr_url" not in plain["result"]
    assert "zip" in plain["result"]["phone"] and "MP3" in plain["result"]["phone"]
    hosted = {**request, "base_url": "https://example.org/ana"}
    done = studio.wait(studio.post("/api/share", hosted).json())
    assert done["state"] == "done", done["error"]
    assert done["result"]["qr_url"] == "https://example.org/ana/"
    assert done["result"]["qr"].startswith("data:image/png;base64,")
    events = studio.get(f"/api/jobs/{done['id']}/events")
    assert "example.org/ana/" in events.text
    assert studio.answers and all(TOKEN not in text for text in studio.answers)


# -- routines that expand ---------------------------------------------------------------------


def include_chain(levels: int, top: str) -> str:
    """Blocks b1..b{levels}, each including the one before ten times: 10**levels steps."""
    lines = ["format: voicecoach/1", "id: bomb", "title: Bomb", "blocks:", "  b0:"]
    lines.append("    - say: Breathe in.")
    for i in range(1, levels + 1):
        lines += [f"  b{i}:", *[f"    - include: b{i - 1}"] * 10]
    lines += ["sections:", "  - title: A", "    steps:", "      - say: Hello.", f"      - {top}"]
    return "\n".join(lines) + "\n"


def test_an_include_chain_is_counted_before_it_is_expanded(tmp_path: Path) -> None:
    """Six levels took 72 s and 1.15 GB in validate (docs/reliability.md has the figures)."""
    path = tmp_path / "bomb.yaml"
    text = include_chain(6, "include: b6")
    path.write_text(text, encoding="utf-8")
    assert len(text) < 2000
    line = text.splitlines().index("      - include: b6") + 1
    for command in ("validate", "plan"):
        result = invoke([command, str(path)], exit_code=2)
        assert f"bomb.yaml:{line}:18: including 'b6' here adds 4,111,111 values" in result.stderr
        assert "more than 50,000, the format's limit" in result.stderr
        assert "hint: include big blocks fewer times" in result.stderr
        assert "Traceback" not in result.stderr
    # Within the limit, includes expand as before.
    path.write_text(include_chain(2, "include: b2"), encoding="utf-8")
    assert "ok" in invoke(["validate", str(path)]).stdout
    # Rounds multiply what they hold: 50 rounds of 10,000 included steps took 34 s, 330 MB.
    rounds = "rounds: 50\n        steps:\n          - include: b4"
    text = include_chain(4, rounds)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("      - rounds: 50") + 1
    result = invoke(["validate", str(path)], exit_code=2)
    assert f"bomb.yaml:{line}:17: 50 rounds of 10,000 steps take the routine past 20,000" in (
        result.stderr
    )
    # Repeats count into the session's shortest length as they are read: 19 rounds of 1,000
    # 200-count repeats were unrolled into 3.8 million events (25 s, 1.7 GB) before 12 h
    # was checked.
    text = include_chain(3, "rounds: 19\n        steps:\n          - include: b3")
    path.write_text(text.replace("- say: Breathe in.", "- {repeat: 200, each: 1s}"), "utf-8")
    result = invoke(["validate", str(path)], exit_code=2)
    assert "bomb.yaml:6:7: by this step the session lasts at least 12:" in result.stderr
    assert result.stderr.count("error:") == 1


# -- sound and music files --------------------------------------------------------------------


def lavfi(out: Path, source: str, seconds: float, *codec: str) -> Path:
    """Generates an audio file with ffmpeg's own sources (sine, silence)."""
    cmd = [find_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", str(seconds)]
    subprocess.run([*cmd, *codec, str(out)], check=True, timeout=120)
    return out


def peak_rss_mb(args: list[str], cache: Path) -> tuple[int, float, str]:
    """Runs ``voicecoach ARGS`` under a fresh Python that reports its child's peak RSS."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, peak / 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "voicecoach", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VOICECOACH_CACHE": str(cache)},
    )
    code, peak = done.stdout.split()
    return int(code), float(peak), done.stderr


@pytest.mark.slow
def test_a_30_minute_music_bed_under_a_short_session_builds_within_150_mb(tmp_path: Path) -> None:
    """The bed was decoded whole and measured in one FFT: 6.7 GB for a 14 MB MP3."""
    lavfi(tmp_path / "long.mp3", "sine=frequency=220:sample_rate=22050", 1800, "-b:a", "32k")
    routine = tmp_path / "bed.yaml"
    text = MINIMAL.replace("sections:", "music: {file: long.mp3}\nsections:", 1)
    routine.write_text(text, encoding="utf-8")
    out = tmp_path / "bed.wav"
    args = ["build", str(routine), "-o", str(out), "--engine", "tone"]
    code, peak_mb, stderr = peak_rss_mb(args, tmp_path / "cache")
    assert code == 0, stderr
    assert peak_mb < 150, f"peak RSS {peak_mb:.0f} MB"
    music = decode(out)
    assert 20 * SAMPLE_RATE < music.size < 40 * SAMPLE_RATE, "as long as the session"
    assert np.abs(music[SAMPLE_RATE * 5 : SAMPLE_RATE * 6]).max() > 0.01, "the bed plays"
    assert np.abs(music[: SAMPLE_RATE // 2]).max() < 0.05, "the bed fades in from silence"


def test_a_sound_over_10_s_is_refused_at_its_line_by_validate_plan_and_build(
    tmp_path: Path,
) -> None:
    """An hour of silence is 372 KB of FLAC: as a chime it ended in MemoryError."""
    flac = lavfi(tmp_path / "silence.flac", "anullsrc=r=8000:cl=mono", 3600, "-c:a", "flac")
    assert flac.stat().st_size < 1_000_000
    routine = tmp_path / "chime.yaml"
    text = MINIMAL.replace("sections:", "sounds: {gong: silence.flac}\nsections:", 1)
    routine.write_text(text.replace("- say: Hello there.", "- chime: gong"), encoding="utf-8")
    message = f"{routine}:5:16: the sound 'gong' (silence.flac) is longer than 10 s"
    build = ["build", "-o", str(tmp_path / "x.wav"), "--engine", "tone"]
    for args in (["validate"], ["plan"], build):
        started = time.monotonic()
        result = invoke([*args, str(routine)], exit_code=2)
        assert message in result.stderr, result.stderr
        assert "hint: cut the file" in result.stderr
        assert time.monotonic() - started < 10
    assert not (tmp_path / "x.wav").exists()
    # A sound within the limit still plays.
    lavfi(tmp_path / "silence.flac", "sine=frequency=440:sample_rate=44100", 9.5, "-c:a", "flac")
    invoke(["validate", str(routine)])
    # Six distinct 10-second sounds peaked at 153 MB in a cold build: 30 s in all at most.
    many = ", ".join(f"s{i}: silence.flac" for i in range(4))
    routine.write_text(text.replace("gong: silence.flac", many), encoding="utf-8")
    result = invoke(["validate", str(routine)], exit_code=2)
    assert "with 's3' the routine's own sounds last 38 s; together they may last at most 30 s" in (
        result.stderr
    )
    many = ", ".join(f"s{i}: silence.flac" for i in range(17))
    routine.write_text(text.replace("gong: silence.flac", many), encoding="utf-8")
    result = invoke(["validate", str(routine)], exit_code=2)
    assert f"{routine}:5:9: 17 sounds; a routine may name at most 16" in result.stderr


# -- a real server ----------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """The studio app under a real uvicorn on a free 127.0.0.1 port; yields (port, folder)."""
    folder = tmp_path / "routines"
    folder.mkdir()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(
        AppSettings(folder, TOKEN, frozenset({f"127.0.0.1:{port}"}), port, tmp_path / "cache")
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port, folder
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_a_chunked_body_over_1_mb_gets_413_not_500(served: tuple[int, Path]) -> None:
    """Without a Content-Length the cap tripped inside the route: 500, 'Unexpected ASGI message'."""
    port, folder = served

    def body() -> Iterator[bytes]:
        yield b'{"name": "big.yaml", "text": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    def post(chunks: Iterator[bytes]) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}",
                   "X-Studio-Token": TOKEN, "Content-Type": "application/json"}  # fmt: skip
        conn.request("POST", "/api/save", body=chunks, headers=headers, encode_chunked=True)
        res = conn.getresponse()
        text = res.read().decode()
        conn.close()
        return res.status, text

    status, text = post(body())
    assert status == 413 and "over 1,000,000 bytes" in text
    assert not (folder / "big.yaml").exists()
    small = json.dumps({"name": "small.yaml", "text": TINY, "version": None}).encode()
    status, text = post(iter([small[:10], small[10:]]))
    assert status == 200, text
    assert (folder / "small.yaml").read_text(encoding="utf-8") == TINY


# -- names and OS errors ----------------------------------------------------------------------


def test_names_too_long_for_the_file_system_get_400_not_500(studio: Studio) -> None:
    """An OSError (ENAMETOOLONG) used to escape as a 500 with a traceback."""
    long = "a" * 300 + ".yaml"
    for res in (
        studio.get("/api/file", name=long),
        studio.get(f"/files/{long}"),
        studio.get(f"/files/sub/{'b' * 300}.mp3"),
        studio.post("/api/save", {"name": long, "text": TINY, "version": None}),
    ):
        assert res.status_code == 400, res.text
        assert "too long" in res.json()["error"] and "at most 255" in res.json()["error"]


def test_names_with_control_characters_are_refused_and_never_listed(studio: Studio) -> None:
    for name in ("a\nb.yaml", "tab\there.yaml", "bell\x07.yaml", "esc\x1b[2J.yaml"):
        res = studio.post("/api/save", {"name": name, "text": TINY, "version": None})
        assert res.status_code == 400 and "control characters" in res.json()["error"], name
    assert sorted(p.name for p in studio.folder.iterdir()) == ["tiny.yaml"]
    (studio.folder / "sneaky\nname.yaml").write_text(TINY, encoding="utf-8")
    assert studio.get("/api/files").json()["files"] == ["tiny.yaml"]


def test_force_must_be_a_json_boolean(studio: Studio) -> None:
    """``"force": "false"`` counted as true and overwrote a file changed on disk."""
    res = studio.post("/api/save", {"name": "tiny.yaml", "text": "x", "version": "old",
                                    "force": "false"})  # fmt: skip
    assert res.status_code == 400 and "force must be true or false" in res.json()["error"]
    assert (studio.folder / "tiny.yaml").read_text(encoding="utf-8") == TINY
    res = studio.post("/api/save", {"name": "tiny.yaml", "text": "x", "version": "old",
                                    "force": False})  # fmt: skip
    assert res.status_code == 409
    res = studio.post("/api/save", {"name": "tiny.yaml", "text": TINY + "# mine\n",
                                    "version": "old", "force": True})  # fmt: skip
    assert res.status_code == 200


def test_save_goes_only_where_the_list_shows_it(studio: Studio) -> None:
    """Saves once made deep folders and files under output/ that the list never showed."""
    (studio.folder / "sub").mkdir()
    for name in ("output/x.yaml", "a/b/c/d.yaml", "sub/deeper/x.yaml", "new/x.yaml"):
        res = studio.post("/api/save", {"name": name, "text": TINY, "version": None})
        assert res.status_code == 400, name
    assert sorted(p.name for p in studio.folder.iterdir()) == ["sub", "tiny.yaml"]
    assert not any((studio.folder / "sub").iterdir())
    res = studio.post("/api/save", {"name": "sub/x.yaml", "text": TINY, "version": None})
    assert res.status_code == 200
    assert studio.get("/api/files").json()["files"] == ["sub/x.yaml", "tiny.yaml"]


@pytest.fixture
def tiny_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 64 KB tmpfs, filled up (root and mount allowed); else a folder whose atomic
    writes fail with ENOSPC, as a full disk's do."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)]
    mounted = os.geteuid() == 0 and subprocess.run(mount, capture_output=True).returncode == 0
    (disk / "tiny.yaml").write_text(TINY, encoding="utf-8")
    if not mounted:

        def full(path: Path, text: str) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr("voicecoach.studio.workspace.write_text_atomic", full)
    with contextlib.suppress(OSError), (disk / "filler.bin").open("wb") as fh:
        while mounted:
            fh.write(b"\0" * 4096)
            fh.flush()
    try:
        yield disk
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_save_on_a_full_disk_names_the_cause_and_keeps_the_file(tiny_disk: Path) -> None:
    app = create_app(AppSettings(tiny_disk, TOKEN, frozenset({HOST}), 80, tiny_disk / "c"))
    headers = {"x-studio-token": TOKEN, "origin": f"http://{HOST}"}
    with TestClient(app, base_url=f"http://{HOST}", headers=headers) as client:  # type: ignore[arg-type]
        version = client.get("/api/file", params={"name": "tiny.yaml"}).json()["version"]
        body = {"name": "tiny.yaml", "text": TINY + "# more\n" * 2000, "version": version}
        res = client.post("/api/save", content=json.dumps(body).encode())
    assert res.status_code == 400
    assert res.json()["error"] == "not saved: no space left on device"
    assert "draft is kept" in res.json()["hint"]
    assert (tiny_disk / "tiny.yaml").read_text(encoding="utf-8") == TINY
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler.bin", "tiny.yaml"]


# -- characters XML forbids -------------------------------------------------------------------

FORBIDDEN = "\uffff\ud800\x01\ufffe"


def test_a_title_with_characters_xml_forbids_still_gives_a_readable_feed_and_page(
    tmp_path: Path, write_routine: Any
) -> None:
    """A copied timeline.json with U+FFFF or a lone surrogate made podcast apps drop the feed."""
    folder = tmp_path / "sessions"
    routine = write_routine(MINIMAL.replace("title: Tiny", 'title: "Tiny\\uFFFF"'))
    invoke(["build", str(routine), "-o", str(folder / "tiny.mp3"), "--engine", "tone"])
    sidecar = folder / "tiny.timeline.json"
    timeline = json.loads(sidecar.read_text(encoding="utf-8"))
    assert "\uffff" not in timeline["title"], "sidecars carry no forbidden character"
    timeline["title"] = f"Legs {FORBIDDEN} day"
    timeline["chapters"][0]["title"] = f"Warm{FORBIDDEN}"
    sidecar.write_text(json.dumps(timeline), encoding="utf-8")  # "\\ud800" as JSON escapes
    invoke(["feed", str(folder), "--base-url", "https://example.org/s/"])
    root = ET.fromstring((folder / "feed.xml").read_bytes())  # expat: strict XML 1.0
    assert root.find("channel/item/title").text == "Legs  day"  # type: ignore[union-attr]
    chapters = json.loads((folder / "tiny.chapters.json").read_text(encoding="utf-8"))
    assert chapters["chapters"][0]["title"] == "Warm"
    with contextlib.suppress(ImportError):
        import feedparser  # type: ignore[import-not-found]

        parsed = feedparser.parse(str(folder / "feed.xml"))
        assert not parsed.bozo and parsed.entries[0].title == "Legs  day"
    # The share page, its captions and its tags, for a client name typed with them.
    result = invoke(["share", str(routine), "--engine", "tone", "--client", f"Ana{FORBIDDEN}",
                     "--out-dir", str(tmp_path / "share")])  # fmt: skip
    assert "Traceback" not in result.stderr
    page = (tmp_path / "share" / "index.html").read_text(encoding="utf-8")
    assert "Prepared for Ana<" in page and "\uffff" not in page
    assert not any(c in page for c in FORBIDDEN)


# -- the terminal -----------------------------------------------------------------------------


def test_batch_prints_escape_sequences_from_the_csv_escaped(tmp_path: Path) -> None:
    """A CSV cell set the terminal's title (OSC) and cleared the screen (CSI 2J)."""
    title, clear = "\x1b]0;owned\x07", "\x1b[2J"
    clients = tmp_path / "c.csv"
    clients.write_text(
        f'client,length,output\nBob,{clear}5m,\nCid,5m,"{title}x"\nDan,5m,"{clear}y"\n',
        encoding="utf-8",
    )
    args = ["batch", "hamstring-quick", "--clients", str(clients), "-o", str(tmp_path / "out")]
    result = invoke([*args, "--engine", "tone"], exit_code=1, color=True)
    shown = result.stdout + result.stderr
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b]0;owned\\x07x" in shown and "\\x1b[2Jy" in shown


# -- smaller ----------------------------------------------------------------------------------


def test_a_title_over_120_characters_is_refused_at_its_line(write_routine: Any) -> None:
    """A 200,000-character title was spoken for four hours without a word of warning."""
    long = "Stretch " * 25_000
    path = write_routine(MINIMAL.replace("title: Tiny", f"title: {long}"))
    result = invoke(["validate", str(path)], exit_code=2)
    assert f"{path}:3:8: the title is {len(long.strip()):,} characters long" in result.stderr
    assert "at most 120" in result.stderr and "hint: shorten it" in result.stderr
    path = write_routine(MINIMAL.replace("title: Only", f"title: {'x' * 121}"))
    result = invoke(["validate", str(path)], exit_code=2)
    assert f"{path}:6:12: the section title is 121 characters long" in result.stderr
    invoke(["validate", str(write_routine(MINIMAL.replace("title: Only", "title: " + "x" * 120)))])


def test_a_client_name_too_long_is_refused_for_its_length(tmp_path: Path, studio: Studio) -> None:
    """A 10,000-character name was refused as 'bad characters'."""
    clients = tmp_path / "c.csv"
    clients.write_text(f"client,length\n{'A' * 10_000},5m\nAna,5m\n", encoding="utf-8")
    args = ["batch", "hamstring-quick", "--clients", str(clients), "-o", str(tmp_path / "out")]
    result = invoke([*args, "--engine", "tone"], exit_code=1)
    assert "the client name is 10,000 characters long; a client name may have at most 80" in (
        result.stdout
    )
    assert "bad characters" not in result.stdout and "1 built" in result.stdout
    res = studio.post("/api/share", {"name": "tiny.yaml", "client": "B" * 81})
    assert res.status_code == 400 and "81 characters long" in res.json()["error"]


def test_control_characters_in_a_client_name_become_a_space() -> None:
    """'Ana\\nBob' was greeted as 'AnaBob'."""
    assert clean_client_name("Ana\nBob") == "Ana Bob"
    assert clean_client_name("Ana\x1b[2J\tBob \x00") == "Ana [2J Bob"
    assert check_client_name("  Ana\r\nBob ") == "Ana Bob"


def test_a_killed_studios_preview_folders_are_removed_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed studio never ran its clean-up: its voicecoach-studio-* folders stayed forever."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = tmp_path / f"voicecoach-studio-{gone.stdout.strip()}-abc"
    alive = tmp_path / f"voicecoach-studio-{os.getppid()}-def"
    other = tmp_path / "voicecoach-studio-notapid"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "preview.wav").write_bytes(b"RIFF")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(AppSettings(tmp_path, TOKEN, frozenset({HOST}), 80, tmp_path / "c"))
    assert not dead.exists() and alive.exists() and other.exists()
    mine = [p for p in tmp_path.glob(f"voicecoach-studio-{os.getpid()}-*")]
    assert len(mine) == 1, "this studio's own folder carries its pid"
    app.state.jobs.close()  # type: ignore[attr-defined]
    assert not mine[0].exists()


def test_plan_prints_a_routines_escape_sequences_escaped(write_routine: Any) -> None:
    """YAML's "\\e" is ESC: a shared routine could clear the screen of whoever plans it."""
    path = write_routine(MINIMAL.replace("- say: Hello there.", '- say: "Hello\\e]0;owned\\a."'))
    result = invoke(["plan", str(path)], color=True)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Hello\\x1b]0;owned\\x07." in result.stdout
