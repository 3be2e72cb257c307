"""The hostile pass of issue 20 as a chaos category: files, pages and requests built to hurt.

Each case runs as a user would (a fresh ``voicecoach`` process, or a real studio server) and
fails unless it is refused or handled cleanly: the right exit code or HTTP status, a located
error, no traceback, no raw escape sequence on the terminal, no token in any answer, and,
for the bombs, time and peak memory within bounds (a child's peak RSS, measured by a
wrapper process that runs nothing else). ``run_hostile`` returns what it tried, what failed
and the measured figures (docs/reliability.md shows them).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
#: Bounds the issue sets: a refusal under 2 s and 200 MB; any build within 150 MB.
REFUSE_S, REFUSE_MB, BUILD_MB = 2.0, 200.0, 150.0
_PROBE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "t = time.perf_counter() - t\n"
    "sys.stderr.buffer.write(done.stderr)\n"
    "sys.stdout.buffer.write(done.stdout)\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu = use.ru_utime + use.ru_stime\n"
    "print(f'\\n@@ {done.returncode} {t:.3f} {use.ru_maxrss / 1024:.1f} {cpu:.3f}')\n"
)
TINY = """\
format: voicecoach/1
id: tiny
title: Tiny
sections:
  - title: Only
    steps:
      - say: Hello there.
      - hold: 12s
        say: Press the ball into the thigh.
"""


@dataclass(frozen=True)
class Run:
    code: int
    #: Wall time; ``cpu_s`` (user + system of the process and its children) is what the
    #: bounds check, so that a loaded machine (8 engineers on 2 cores) does not fail a case.
    seconds: float
    peak_mb: float
    cpu_s: float
    stdout: str
    stderr: str


def measured(args: list[str], env: dict[str, str], timeout: float = 600) -> Run:
    """``voicecoach ARGS`` in a fresh process: exit code, wall time and the child's peak RSS."""
    done = subprocess.run(
        [PY, "-c", _PROBE, PY, "-m", "voicecoach", *args],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=timeout,
    )
    out = done.stdout.decode("utf-8", errors="replace")
    body, _, tail = out.rpartition("\n@@ ")
    code, seconds, peak, cpu = tail.split()
    err = done.stderr.decode("utf-8", errors="replace")
    return Run(int(code), float(seconds), float(peak), float(cpu), body, err)


def ffmpeg(*args: str) -> None:
    from voicecoach.media import find_ffmpeg

    subprocess.run([find_ffmpeg(), "-v", "error", "-y", *args], check=True, timeout=300)


def include_chain(levels: int) -> str:
    lines = ["format: voicecoach/1", "id: bomb", "title: Bomb", "blocks:", "  b0:"]
    lines.append("    - say: Breathe in.")
    for i in range(1, levels + 1):
        lines += [f"  b{i}:", *[f"    - include: b{i - 1}"] * 10]
    lines += ["sections:", "  - title: A", "    steps:", f"      - include: b{levels}"]
    return "\n".join(lines) + "\n"


class Tally:
    """Cases tried, failures (each saying how to reproduce) and figures worth keeping."""

    def __init__(self) -> None:
        self.tried = 0
        self.failures: list[str] = []
        self.figures: list[str] = []

    def case(self, label: str, problem: str | None) -> None:
        self.tried += 1
        if problem:
            self.failures.append(f"{label}: {problem}")


def refused(run: Run, where: str, bound_s: float, bound_mb: float) -> str | None:
    """Why ``run`` is not a clean, located, bounded refusal (exit 2), or None."""
    if run.code != 2:
        return f"exit {run.code}, expected 2: {run.stderr[-300:]}"
    if "Traceback" in run.stderr or where not in run.stderr:
        return f"not located at {where}: {run.stderr[-300:]}"
    if run.cpu_s > bound_s or run.peak_mb > bound_mb:
        return f"{run.cpu_s:.2f} s CPU, {run.peak_mb:.0f} MB (bounds {bound_s} s, {bound_mb} MB)"
    return None


def files_cases(work: Path, quick: bool, t: Tally) -> None:
    env = {"VOICECOACH_CACHE": str(work / "cache")}
    for levels in (6, 8):
        path = work / f"chain{levels}.yaml"
        text = include_chain(levels)
        path.write_text(text, encoding="utf-8")
        line = len(text.splitlines())
        for cmd in ("validate", "plan"):
            run = measured([cmd, str(path)], env)
            t.case(
                f"include chain of {levels} levels ({cmd})",
                refused(run, f"{path}:{line}:18:", REFUSE_S, REFUSE_MB),
            )
            t.figures.append(
                f"include chain, {levels} levels ({len(text):,} bytes), `{cmd}`: refused in "
                f"{run.cpu_s:.2f} s CPU ({run.seconds:.2f} s wall), peak {run.peak_mb:.0f} MB"
            )
    # Rounds of an included block: 50 x 10,000 steps.
    text = include_chain(4).replace("      - include: b4", "      - rounds: 50\n        steps:\n"
                                    "          - include: b4")  # fmt: skip
    path = work / "rounds.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("      - rounds: 50") + 1
    run = measured(["validate", str(path)], env)
    t.case("50 rounds of a 10,000-step include (validate)",
           refused(run, f"{path}:{line}:17:", REFUSE_S, REFUSE_MB))  # fmt: skip
    t.figures.append(
        f"50 rounds of a 10,000-step include ({len(text):,} bytes), `validate`: refused in "
        f"{run.cpu_s:.2f} s CPU ({run.seconds:.2f} s wall), peak {run.peak_mb:.0f} MB"
    )
    # Rounds of included repeats: 3.8 million counts, unless the 12 hours are seen first.
    text = include_chain(3).replace("      - include: b3", "      - rounds: 19\n        steps:\n"
                                    "          - include: b3")  # fmt: skip
    text = text.replace("- say: Breathe in.", "- {repeat: 200, each: 1s}")
    path = work / "repeats.yaml"
    path.write_text(text, encoding="utf-8")
    run = measured(["validate", str(path)], env)
    t.case("19 rounds of 1,000 included 200-count repeats (validate)",
           refused(run, f"{path}:6:7: by this step", REFUSE_S, REFUSE_MB))  # fmt: skip
    t.figures.append(
        f"19 rounds of 1,000 included 200-count repeats ({len(text):,} bytes), `validate`: "
        f"refused in {run.cpu_s:.2f} s CPU ({run.seconds:.2f} s wall), peak {run.peak_mb:.0f} MB"
    )
    # An hour of silence as a chime (372 KB of FLAC): refused at its line, everywhere.
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=8000:cl=mono",
        "-t",
        "3600",
        "-c:a",
        "flac",
        str(work / "silence.flac"),
    )
    chime = work / "chime.yaml"
    text = TINY.replace("sections:", "sounds: {gong: silence.flac}\nsections:", 1)
    chime.write_text(text.replace("- say: Hello there.", "- chime: gong"), encoding="utf-8")
    for args in (
        ["validate"],
        ["plan"],
        ["build", "-o", str(work / "chime.wav"), "--engine", "tone"],
    ):
        run = measured([*args, str(chime)], env)
        t.case(
            f"an hour of silence as a chime ({args[0]})",
            refused(run, f"{chime}:4:16: the sound 'gong'", 5.0, BUILD_MB),
        )
        t.figures.append(
            f"an hour of silence as a chime (FLAC, {(work / 'silence.flac').stat().st_size:,} "
            f"bytes), `{args[0]}`: refused in {run.cpu_s:.2f} s CPU ({run.seconds:.2f} s "
            f"wall), peak {run.peak_mb:.0f} MB"
        )
    # A long MP3 bed under a 30-second session: built within the bench's ceiling.
    minutes = 10 if quick else 30
    bed = work / "long.mp3"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=220:sample_rate=22050",
        "-t",
        str(minutes * 60),
        "-b:a",
        "64k",
        str(bed),
    )
    routine = work / "bed.yaml"
    routine.write_text(TINY.replace("sections:", "music: {file: long.mp3}\nsections:", 1))
    run = measured(["build", str(routine), "-o", str(work / "bed.mp3"), "--engine", "tone"], env)
    problem = None
    if run.code != 0 or "Traceback" in run.stderr:
        problem = f"exit {run.code}: {run.stderr[-300:]}"
    elif run.peak_mb > BUILD_MB:
        problem = f"peak {run.peak_mb:.0f} MB (ceiling {BUILD_MB:.0f} MB)"
    t.case(f"a {minutes}-minute MP3 bed under a short session (build)", problem)
    t.figures.append(
        f"a {minutes}-minute MP3 bed ({bed.stat().st_size / 1e6:.1f} MB) under a 30-second "
        f"session, `build`: {run.cpu_s:.2f} s CPU ({run.seconds:.2f} s wall), "
        f"peak {run.peak_mb:.0f} MB"
    )
    if not quick:
        sounds_cases(work, env, t)
    # A 200,000-character title.
    title = work / "title.yaml"
    title.write_text(TINY.replace("title: Tiny", "title: " + "Stretch " * 25_000), "utf-8")
    run = measured(["validate", str(title)], env)
    t.case(
        "a 200,000-character title (validate)",
        refused(run, f"{title}:3:8: the title is", REFUSE_S, REFUSE_MB),
    )
    # Escape sequences and a 10,000-character name in a batch CSV.
    clients = work / "clients.csv"
    clients.write_text(
        'client,length,output\n"\x1b]0;owned\x07Ana",5m,\nBob,\x1b[2J5m,\nCid,5m,"\x1b[31mx"\n'
        f"{'A' * 10_000},5m,\n",
        encoding="utf-8",
    )
    run = measured(
        [
            "batch",
            "hamstring-quick",
            "--clients",
            str(clients),
            "-o",
            str(work / "batch"),
            "--engine",
            "tone",
        ],
        env,
    )
    shown = run.stdout + run.stderr
    raw = [c for c in ("\x1b", "\x07") if c in shown]
    t.case("escape sequences in a batch CSV", f"printed raw {raw}" if raw else None)
    long_name = "the client name is 10,000 characters long; a client name may have at most 80"
    problem = None if long_name in shown else f"not refused for its length: {shown[-300:]}"
    t.case("a 10,000-character client name (batch)", problem)
    # A title XML 1.0 forbids, from a copied timeline.json.
    feed = work / "feed"
    (work / "feed-tiny.yaml").write_text(TINY, encoding="utf-8")
    measured(
        ["build", str(work / "feed-tiny.yaml"), "-o", str(feed / "tiny.mp3"), "--engine", "tone"],
        env,
    )
    sidecar = feed / "tiny.timeline.json"
    timeline = json.loads(sidecar.read_text(encoding="utf-8"))
    timeline["title"] = "Legs \uffff\ud800\x01 day"
    sidecar.write_text(json.dumps(timeline), encoding="utf-8")
    run = measured(["feed", str(feed), "--base-url", "https://example.org/s/"], env)
    problem = None
    try:
        ET.parse(feed / "feed.xml")
    except (ET.ParseError, OSError) as exc:
        problem = f"feed.xml is not XML 1.0: {exc} ({run.stderr[-200:]})"
    t.case("U+FFFF and a lone surrogate in a title (feed)", problem)


def sounds_cases(work: Path, env: dict[str, str], t: Tally) -> None:
    """The most sound the format allows (three distinct 10-second sounds), all played, with
    a cold cache (levelling is what costs memory)."""
    names = []
    for i in range(3):
        ffmpeg("-f", "lavfi", "-i", f"sine=frequency={300 + 41 * i}:sample_rate=44100", "-t",
               "9.9", "-c:a", "flac", str(work / f"s{i}.flac"))  # fmt: skip
        names.append(f"s{i}: s{i}.flac")
    routine = work / "sounds.yaml"
    steps = "".join(f"      - chime: s{i}\n" for i in range(3))
    text = TINY.replace("sections:", f"sounds: {{{', '.join(names)}}}\nsections:", 1)
    routine.write_text(text.replace("      - say: Hello there.\n", steps), encoding="utf-8")
    cold = {**env, "VOICECOACH_CACHE": str(work / "cold-cache")}
    run = measured(["build", str(routine), "-o", str(work / "sounds.mp3"), "--engine", "tone"],
                   cold)  # fmt: skip
    problem = None
    if run.code != 0 or "Traceback" in run.stderr:
        problem = f"exit {run.code}: {run.stderr[-300:]}"
    elif run.peak_mb > BUILD_MB:
        problem = f"peak {run.peak_mb:.0f} MB (ceiling {BUILD_MB:.0f} MB)"
    t.case("three distinct 10-second sounds, all played (build)", problem)
    t.figures.append(
        f"three distinct 10-second sounds (the most the format allows), all played, cold "
        f"cache, `build`: "
        f"{run.cpu_s:.2f} s CPU ({run.seconds:.2f} s wall), peak {run.peak_mb:.0f} MB"
    )


# -- the studio -------------------------------------------------------------------------------


class Studio:
    """A real ``voicecoach studio`` over a folder, spoken to as its page does."""

    def __init__(self, folder: Path, tmp: Path, cache: Path) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TMPDIR": str(tmp),
            "VOICECOACH_CACHE": str(cache),
        }
        self.proc = subprocess.Popen(
            [PY, "-m", "voicecoach", "studio", str(folder), "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        url = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not url:
            found = re.search(
                r"http://(127\.0\.0\.1:\d+)/\?token=(\S+)", self.proc.stdout.readline()
            )
            if found:
                self.netloc, self.token = found.groups()
                url = found.group(0)
        if not url:
            self.close()
            raise RuntimeError("the studio did not print its URL")
        self.answers: list[str] = []

    def request(
        self,
        method: str,
        path: str,
        body: bytes | Iterator[bytes] | None = None,
        chunked: bool = False,
    ) -> tuple[int, str]:
        host, port = self.netloc.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        headers = {
            "Host": self.netloc,
            "Origin": f"http://{self.netloc}",
            "X-Studio-Token": self.token,
            "Content-Type": "application/json",
        }
        conn.request(method, path, body=body, headers=headers, encode_chunked=chunked)
        res = conn.getresponse()
        text = res.read().decode("utf-8", errors="replace")
        conn.close()
        self.answers.append(text)
        return res.status, text

    def post(self, path: str, data: object) -> tuple[int, str]:
        return self.request("POST", path, json.dumps(data).encode())

    def job(self, answer: str) -> dict[str, object]:
        job = json.loads(answer)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            snap = json.loads(self.request("GET", f"/api/jobs/{job['id']}")[1])
            if snap["state"] in ("done", "failed"):
                return dict(snap)
            time.sleep(0.2)
        raise RuntimeError(f"job {job['id']} did not finish")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def studio_cases(work: Path, t: Tally) -> None:
    folder, tmp = work / "studio", work / "studio-tmp"
    folder.mkdir()
    tmp.mkdir()
    (folder / "tiny.yaml").write_text(TINY, encoding="utf-8")
    gone = subprocess.run(
        [PY, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    ).stdout.strip()
    stale = tmp / f"voicecoach-studio-{gone}-x"
    stale.mkdir()
    studio = Studio(folder, tmp, work / "cache")
    try:
        t.case(
            "a killed studio's preview folder (next start)",
            "still there" if stale.exists() else None,
        )
        request = {"name": "tiny.yaml", "text": TINY, "voice": "tone|default", "client": "Ana"}
        plain = studio.job(studio.post("/api/share", request)[1])
        result = dict(plain.get("result") or {})  # type: ignore[call-overload]
        t.case(
            "share without 'Hosted at': no QR code",
            f"{plain['state']}: {plain.get('error')} {list(result)}"
            if plain["state"] != "done" or "qr" in result
            else None,
        )
        hosted_request = {**request, "base_url": "https://example.org/a"}
        hosted = studio.job(studio.post("/api/share", hosted_request)[1])
        url = dict(hosted.get("result") or {}).get("qr_url")  # type: ignore[call-overload]
        t.case(
            "share with 'Hosted at': a QR code of that address only",
            None if url == "https://example.org/a/" else f"qr_url {url!r}",
        )
        body = iter([b'{"name": "big.yaml", "text": "', *[b"x" * 65536] * 24, b'"}'])
        status, _ = studio.request("POST", "/api/save", body, chunked=True)
        t.case("a chunked body over 1 MB", None if status == 413 else f"status {status}")
        long = "a" * 300 + ".yaml"
        for method, path, data in (
            ("GET", f"/api/file?name={long}", None),
            ("GET", f"/files/{long}", None),
            ("POST", "/api/save", {"name": long, "text": TINY, "version": None}),
            ("POST", "/api/save", {"name": "a\nb.yaml", "text": TINY, "version": None}),
            (
                "POST",
                "/api/save",
                {"name": "tiny.yaml", "text": "x", "version": "v", "force": "false"},
            ),
            ("POST", "/api/save", {"name": "output/x.yaml", "text": TINY, "version": None}),
            ("POST", "/api/save", {"name": "a/b/c.yaml", "text": TINY, "version": None}),
            ("POST", "/api/share", {"name": "tiny.yaml", "client": "A" * 10_000}),
        ):
            payload = None if data is None else json.dumps(data).encode()
            status, text = studio.request(method, path, payload)
            label = f"{method} {path[:40]} {json.dumps(data)[:60] if data else ''}".strip()
            clean = status == 400 and "Traceback" not in text
            t.case(f"studio: {label}", None if clean else f"{status} {text[:200]}")
        listed = json.loads(studio.request("GET", "/api/files")[1])["files"]
        t.case(
            "studio: only listable files were saved",
            None if listed == ["tiny.yaml"] else f"listed {listed}",
        )
        leaked = [a[:80] for a in studio.answers if studio.token in a]
        t.case("studio: no answer holds the token", f"{leaked}" if leaked else None)
    finally:
        studio.close()


def run_hostile(work: Path, quick: bool) -> Tally:
    work.mkdir(parents=True, exist_ok=True)
    t = Tally()
    files_cases(work, quick, t)
    studio_cases(work, t)
    return t
