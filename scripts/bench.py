#!/usr/bin/env python3
"""Benchmark: voicecoach against the pydub peer and the ffmpeg encode floor, side by side.

For sessions of about 5 minutes, 35 minutes and 3 hours it measures, in one run:
  * ``voicecoach build`` cold (empty clip cache) and warm (cache filled);
  * the time to the first byte of audio: from starting the interpreter until the library
    hands its first block of the session to the encoder (what a studio preview waits for);
  * the peer (../shared/bench/peer_pydub.py: pyttsx3 per phrase, AudioSegment.overlay per
    event, export) on the timeline our build wrote, same bitrate. It lives outside this
    repository: when it is missing the table says "peer not found" (nothing else changes);
  * the encode floor: ffmpeg encoding the same length of audio with the same settings;
  * peak RSS of each (getrusage of the measured child tree);
  * ``voicecoach plan`` and ``validate`` of the built-in routines, import time included.
Each table row is printed as soon as it is measured (a crash later loses nothing); the
tables are written, with the machine's description, to docs/benchmarks.md at the end.

Usage: python scripts/bench.py [--smoke] [--sizes 5,35,180] [--peer-max 40] [--no-write]
                               [--batch-rows 100 (0: no batch table)] [--peer PATH]
                               [--repeat 1] [--studio] [--programme]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "bench" / "peer_pydub.py"
PY = sys.executable
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
    "print(json.dumps({'seconds': time.perf_counter() - t, 'rc': r.returncode,"
    " 'rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,"
    " 'cpu_s': resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime"
    " + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,"
    " 'out': r.stdout.decode(errors='replace')[-2000:],"
    " 'err': r.stderr.decode(errors='replace')[-2000:]}))\n"
)


FIRST_AUDIO = (
    "import sys\n"
    "from pathlib import Path\n"
    "from voicecoach.pipeline import BuildSettings, Progress, build\n"
    "class Heard(Exception):\n"
    "    pass\n"
    "def encoded(done, total):\n"
    "    print('first audio', flush=True)\n"
    "    raise Heard\n"
    "settings = BuildSettings(routine=sys.argv[1], out=Path(sys.argv[2]))\n"
    "try:\n"
    "    build(settings, Progress(encode=encoded))\n"
    "except Heard:\n"
    "    pass\n"
)


#: Everything in docs/benchmarks.md from this line on is kept when the tables are rewritten.
NOTES = "<!-- notes: kept by scripts/bench.py -->"


@dataclass
class Run:
    seconds: float
    rss_mb: float
    out: str = ""
    #: CPU seconds (user + system) of the command and everything it started.
    cpu_s: float = 0.0


def measure(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time, CPU time and peak RSS of one command and everything it starts."""
    done = subprocess.run(
        [PY, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env, check=True
    )
    data = json.loads(done.stdout)
    if data["rc"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{data['err']}")
    return Run(data["seconds"], data["rss_mb"], data["out"], data["cpu_s"])


def first_audio(routine: Path, out: Path, env: dict[str, str]) -> float:
    """Seconds from starting a fresh interpreter until the library hands the first block of
    the session to the encoder; the build is stopped there (through its normal clean-up)."""
    start = time.perf_counter()
    with subprocess.Popen(
        [PY, "-c", FIRST_AUDIO, str(routine), str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None
        line = proc.stdout.readline()
        seconds = time.perf_counter() - start
        _, err = proc.communicate()
    if line.strip() != "first audio" or proc.returncode != 0:
        raise SystemExit(f"failed: time to first audio of {routine}\n{err[-2000:]}")
    return seconds


def synthetic_routine(minutes: float) -> str:
    """A routine of about ``minutes`` built like real ones: sided sections of holds and reps.

    Twelve section templates rotate, so long sessions repeat their cue phrases the way a
    real long session does.
    """
    templates = [
        ("Foam roller", "Roll slowly along the back of the {side} thigh."),
        ("Massage ball", "Lean into the ball under the {side} thigh."),
        ("Thumb pressure", "Press your thumbs into a tight spot on the {side} leg."),
        ("Kneading", "Knead the {side} hamstring like dough."),
        ("Pin and stretch", "Keep the pressure on and straighten the {side} knee."),
        ("Stripping", "Glide your stacked thumbs up the {side} thigh."),
        ("Rocking", "Rock gently from side to side on the {side} leg."),
        ("Circles", "Make small circles over the knot on the {side} leg."),
        ("Long roll", "Roll the whole length of the {side} thigh."),
        ("Seated ball", "Sit tall with the ball under the {side} thigh."),
        ("Rest", "Let the {side} leg rest and breathe slowly."),
        ("Sit bone", "Work the top of the {side} thigh, just below the sit bone."),
    ]
    per_section_s = 150.0
    count = max(1, round(minutes * 60 / per_section_s))
    lines = [
        "format: voicecoach/1",
        f"id: bench-{int(minutes)}m",
        f"title: Benchmark session, {int(minutes)} minutes",
        "author: voicecoach bench",
        "safety: [Stop if you feel sharp pain, numbness or tingling.]",
        "sections:",
    ]
    for i in range(count):
        title, text = templates[i % len(templates)]
        lines += [
            f"  - title: {title} {i // len(templates) + 1}",
            "    sides: [right, left]",
            "    steps:",
            "      - hold: 40s",
            f'        say: "{text}"',
            "      - repeat: 4",
            "        say: Bend and straighten the knee.",
            "        each: 4s",
        ]
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.platform()}; Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({cpu}){mem}; {system}"


def ffmpeg() -> str:
    sys.path.insert(0, str(ROOT))
    from voicecoach.export import find_ffmpeg

    return find_ffmpeg()


def encode_floor(mp3: Path, work: Path) -> Run:
    """ffmpeg encoding the same length of the same audio with the same settings."""
    pcm = work / "floor.pcm"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", "44100",
         "-y", str(pcm)], check=True,
    )  # fmt: skip
    run = measure(
        [ffmpeg(), "-v", "error", "-f", "s16le", "-ar", "44100", "-ac", "1", "-i", str(pcm),
         "-c:a", "libmp3lame", "-b:a", "96k", "-y", str(work / "floor.mp3")]
    )  # fmt: skip
    pcm.unlink()
    return run


def cli_time(args: list[str], repeat: int = 5) -> float:
    """Median wall time of a voicecoach command in a fresh interpreter (imports included)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([PY, "-m", "voicecoach", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python_floor(repeat: int) -> float:
    """Median wall time of a bare interpreter importing click and yaml: what any CLI of
    ours pays before its own code runs (the machine's speed, for reading the figures)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([PY, "-c", "import click, yaml"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_size(
    minutes: float, work: Path, peer_max: float, peer_path: Path, repeat: int = 1
) -> dict:
    """One session's row. With ``repeat`` > 1 the warm build and the floor are measured
    that many times, one after the other, and the fastest of each is kept (with the largest
    peak RSS): on a shared machine the minimum is the figure least disturbed by other work."""
    routine = work / f"bench-{int(minutes)}.yaml"
    routine.write_text(synthetic_routine(minutes), encoding="utf-8")
    if 4 <= minutes <= 6:
        routine = Path("hamstring-quick")
    out = work / f"session-{int(minutes)}.mp3"
    env = dict(os.environ, VOICECOACH_CACHE=str(work / f"cache-{int(minutes)}"))
    build = [PY, "-m", "voicecoach", "build", str(routine), "-o", str(out), "-q"]
    first_env = dict(os.environ, VOICECOACH_CACHE=str(work / f"cache-first-{int(minutes)}"))
    first_cold = first_audio(routine, work / f"first-{int(minutes)}.mp3", first_env)
    cold = measure(build, env)
    warms, floors = [], []
    for _ in range(max(1, repeat)):
        warms.append(measure(build, env))
        floors.append(encode_floor(out, work))
    warm = Run(min(r.seconds for r in warms), max(r.rss_mb for r in warms))
    floor = Run(min(r.seconds for r in floors), max(r.rss_mb for r in floors))
    first_warm = first_audio(routine, work / f"first-{int(minutes)}.mp3", env)
    timeline = json.loads(out.with_suffix(".timeline.json").read_text())
    peer: Run | str
    if minutes > peer_max:
        peer = f"skipped (over {peer_max:g} min)"
    elif not peer_path.is_file():
        peer = "peer not found"
    else:
        peer = measure([PY, str(peer_path), str(out.with_suffix(".timeline.json")),
                        str(work / "peer.mp3"), "--bitrate", "96k"])  # fmt: skip
    return {
        "minutes": timeline["duration_s"] / 60,
        "events": len(timeline["events"]),
        "cold": cold,
        "warm": warm,
        "first": (first_cold, first_warm),
        "floor": floor,
        "peer": peer,
    }


def bench_batch(rows: int, work: Path) -> dict[str, float] | None:
    """``rows`` clients of the quick session: workers 1 and 2, shared cache against none.

    None (nothing run) when ``rows`` is 0: a batch needs at least one client.
    """
    if rows <= 0:
        return None
    clients = work / "clients.csv"
    clients.write_text(
        "client,output\n" + "".join(f"Client {i},client-{i}\n" for i in range(rows)),
        encoding="utf-8",
    )
    out: dict[str, float] = {}
    for label, jobs, cache in (("1 worker", 1, True), ("2 workers", 2, True),
                               ("2 workers, no cache", 2, False)):  # fmt: skip
        env = dict(os.environ, VOICECOACH_CACHE=str(work / f"batch-cache-{jobs}-{cache}"))
        cmd = [PY, "-m", "voicecoach", "batch", "hamstring-quick", "--clients", str(clients),
               "-o", str(work / f"batch-{jobs}-{cache}"), "--jobs", str(jobs)]  # fmt: skip
        if not cache:
            cmd.append("--no-cache")
        out[label] = measure(cmd, env).seconds
    return out


SIZE_HEADER = [
    "| session | events | voicecoach cold | warm | first audio cold / warm | encode floor "
    "| peer (pydub) | cold speed-up vs peer | warm / floor | peak RSS cold / warm / peer |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
]


def size_row(r: dict) -> str:
    """One session's row; ``r["peer"]`` is a Run or the reason it was not run."""
    peer = r["peer"]
    ran = isinstance(peer, Run)
    peer_s = f"{peer.seconds:.1f} s" if ran else peer
    ratio = f"{peer.seconds / r['cold'].seconds:.1f}x" if ran else "-"
    peer_rss = f"{peer.rss_mb:.0f}" if ran else "-"
    first_cold, first_warm = r["first"]
    return (
        f"| {r['minutes']:.1f} min | {r['events']} | {r['cold'].seconds:.1f} s "
        f"| {r['warm'].seconds:.1f} s | {first_cold:.2f} / {first_warm:.2f} s "
        f"| {r['floor'].seconds:.1f} s | {peer_s} | {ratio} "
        f"| {r['warm'].seconds / r['floor'].seconds:.2f}x "
        f"| {r['cold'].rss_mb:.0f} / {r['warm'].rss_mb:.0f} / {peer_rss} MB |"
    )


def cli_lines(cli: dict[str, float], floor_s: float) -> list[str]:
    lines = ["", "| command | median wall time (fresh interpreter) |", "| --- | --- |"]
    lines += [f"| `voicecoach {k}` | {v * 1000:.0f} ms |" for k, v in cli.items()]
    lines.append(f"| floor: `python -c 'import click, yaml'` | {floor_s * 1000:.0f} ms |")
    return lines


# -- studio: time to sound ---------------------------------------------------------------------

STUDIO_MARK = "<!-- studio time-to-sound -->"


def bench_studio(work: Path, repeat: int = 3) -> tuple[list[tuple[str, float]], float]:
    """Seconds from a click on "play from here" to the audio playing, in real Chromium.

    A fresh ``voicecoach studio`` per round (cold = empty clip cache), the quick routine
    copied into its folder, the default voice; the page itself records the time from the
    click to the audio element's ``playing`` event. Medians of ``repeat`` rounds.
    """
    import re as _re

    from playwright.sync_api import sync_playwright

    cases: dict[str, list[float]] = {"cold": [], "warm": [], "prepared": [], "opened": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        for n in range(repeat):
            folder = work / f"studio-{n}"
            folder.mkdir()
            env = {**os.environ, "VOICECOACH_CACHE": str(work / f"studio-cache-{n}")}
            server = subprocess.Popen(
                [PY, "-m", "voicecoach", "studio", str(folder), "--no-browser"],
                stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
            )  # fmt: skip
            try:
                assert server.stdout is not None
                url = ""
                while not url:
                    found = _re.search(r"(http://\S+token=\S+)", server.stdout.readline())
                    url = found.group(1) if found else ""
                page = browser.new_page()
                page.goto(url)
                _open_copy(page, "hamstring-quick")

                cases["cold"].append(_play_from_here(page))
                # An edit that says nothing new: every clip comes from the cache.
                _edit(page, "# edited\n")
                cases["warm"].append(_play_from_here(page))
                # Another edit, then a pause: the page prepared it while idle.
                _edit(page, "# again\n")
                page.wait_for_timeout(8000)
                cases["prepared"].append(_play_from_here(page))
                # Another routine (none of its lines in the cache), open a while before playing.
                _open_copy(page, "hamstring-hands")
                page.wait_for_timeout(15000)
                cases["opened"].append(_play_from_here(page))
                page.close()
            finally:
                server.terminate()
                server.wait(timeout=10)
        browser.close()
    rows = [(name, statistics.median(values)) for name, values in cases.items()]
    return rows, statistics.mean(_LOADS)


_LOADS: list[float] = []


def _open_copy(page, rid: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#builtins button", has_text=rid).first.click()
    page.wait_for_function("id => window.studio.state.builtin === id", arg=rid)
    page.click("#copy-builtin")
    page.wait_for_function(
        "() => window.studio.state.name && window.studio.state.timeline"
        " && document.querySelector('#chart rect.block.repeat')"
    )


def _play_from_here(page) -> float:  # type: ignore[no-untyped-def]
    """Clicks the first repeat step and "play from here"; the page's click-to-sound time."""
    page.evaluate("() => { delete document.body.dataset.soundAfterMs; }")
    page.locator("#chart rect.block.repeat").first.click()
    page.click("#play-here")
    page.wait_for_function("() => document.body.dataset.soundAfterMs", timeout=120_000)
    ms = float(page.evaluate("() => document.body.dataset.soundAfterMs"))
    _LOADS.append(os.getloadavg()[0])
    page.click("#stop")
    return ms / 1000


def _edit(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("t => window.studio.view.dispatch({changes: {from: 0, insert: t}})", text)
    page.wait_for_timeout(100)


def write_studio_section(rows: list[tuple[str, float]], load: float) -> str:
    """Puts the studio table into docs/benchmarks.md (its own section, kept on rewrite)."""
    labels = {
        "cold": "cold: empty clip cache, first play",
        "warm": "warm: clip cache filled, draft just edited",
        "prepared": "prepared: draft idle for a moment before the click",
        "opened": "cold, but the routine open 15 s before the click (hamstring-hands)",
    }
    targets = {"cold": 6.0, "warm": 2.0, "prepared": 2.0, "opened": 6.0}
    lines = [
        STUDIO_MARK,
        "## Studio: time to sound",
        "",
        f"Made by `python scripts/bench.py --studio` on {time.strftime('%Y-%m-%d')}: "
        '`voicecoach studio`, the quick routine (5 min), default voice, "play from here" on '
        "its first repeat step in Chromium; seconds from the click to the audio element's "
        "`playing` event, median of 3 fresh studios. The page prepares the preview when the "
        "text has been still for 1.2 s, so only a click right after opening or editing "
        f"waits for a build. Load average during the run: {load:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine).",
        "",
        "| case | time to sound | target |",
        "| --- | --- | --- |",
        *[f"| {labels[k]} | {v:.2f} s | {targets[k]:g} s |" for k, v in rows],
        "",
    ]
    section = "\n".join(lines)
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    text = text.split(STUDIO_MARK)[0].rstrip("\n") + "\n\n" + section
    doc.write_text(text, encoding="utf-8")
    return section


PROGRAMME_MARK = "<!-- programme cold build -->"
#: A 3-phase programme of cold builds may take at most this many times one session's.
PROGRAMME_TARGET = 1.6
#: The programme the tests build too: 6 weeks, 3 phases over hamstring-quick.
PROGRAMME = ROOT / "tests" / "data" / "programme.yaml"


def bench_programme(work: Path, repeat: int = 3, engine: str | None = None) -> dict[str, float]:
    """Cold (empty cache) wall times, median of ``repeat`` runs taken in turns: one quick
    session (``build hamstring-quick --client Ana``) and the 3-phase programme over it."""
    work.mkdir(parents=True, exist_ok=True)
    path = PROGRAMME
    extra = ["--engine", engine] if engine else []
    session, programme, loads = [], [], []
    cpu: dict[str, list[float]] = {"session": [], "programme": []}
    for i in range(repeat):
        loads.append(os.getloadavg()[0])
        env = dict(os.environ, VOICECOACH_CACHE=str(work / f"cache-s{i}"))
        run = measure([PY, "-m", "voicecoach", "build", "hamstring-quick", "-q",
                       "--client", "Ana", "-o", str(work / f"s{i}.mp3"), *extra], env)  # fmt: skip
        session.append(run.seconds)
        cpu["session"].append(run.cpu_s)
        env = dict(os.environ, VOICECOACH_CACHE=str(work / f"cache-p{i}"))
        cmd = [PY, "-m", "voicecoach", "programme", "build", str(path), "-q",
               "-o", str(work / f"p{i}"), *extra]  # fmt: skip
        run = measure(cmd, env)
        programme.append(run.seconds)
        cpu["programme"].append(run.cpu_s)
    one, three = statistics.median(session), statistics.median(programme)
    return {"session": one, "programme": three, "ratio": three / one,
            "load": statistics.mean(loads), "session_cpu": statistics.median(cpu["session"]),
            "programme_cpu": statistics.median(cpu["programme"])}  # fmt: skip


def programme_section(r: dict[str, float], repeat: int) -> str:
    """The docs section for ``bench_programme``'s figures."""
    verdict = "met" if r["ratio"] <= PROGRAMME_TARGET else "MISSED"
    return "\n".join([
        PROGRAMME_MARK,
        "## Programme: three phases built cold",
        "",
        f"Made by `python scripts/bench.py --programme` on {time.strftime('%Y-%m-%d')}: "
        "`voicecoach programme build` of a 6-week, 3-phase programme over hamstring-quick "
        "(holds 45 s, then 60 s; 8 repeats; each phase about 5-6 minutes), against one "
        "`voicecoach build hamstring-quick --client Ana`, both with an empty clip cache and the "
        f"default voice; median of {repeat} runs taken in turns. The first phase synthesizes "
        "every phase's lines in one pool; the other phases only mix and encode, side by side. "
        f"Load average during the run: {r['load']:.1f} on {os.cpu_count()} cores.",
        "",
        "| case | cold wall time | CPU time (user + system, all processes) |",
        "| --- | --- | --- |",
        f"| one session | {r['session']:.1f} s | {r['session_cpu']:.1f} s |",
        f"| 3-phase programme | {r['programme']:.1f} s | {r['programme_cpu']:.1f} s |",
        f"| programme / session | {r['ratio']:.2f}x (target {PROGRAMME_TARGET:g}x: {verdict}) "
        f"| {r['programme_cpu'] / r['session_cpu']:.2f}x |",
        "",
        "The target is on wall time. The CPU column is the work itself: each later phase "
        "still mixes and encodes its own 5-6 minutes (ffmpeg's MP3 encoder is single-"
        "threaded), so the programme does about twice one session's work; its wall time stays "
        "lower because the later phases run side by side, beside the first one's encoding. On "
        "a heavily loaded machine wall times are mostly waiting for a core, so read the wall "
        "ratio with the load average above.",
    ])  # fmt: skip


def write_programme_section(section: str) -> None:
    """Puts the section into docs/benchmarks.md, before the studio's (both kept on rewrite)."""
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if PROGRAMME_MARK in text:
        before, after = text.split(PROGRAMME_MARK, 1)
        rest = after.find("\n<!-- ")
        text = before.rstrip("\n") + "\n\n" + (after[rest + 1 :] if rest >= 0 else "")
    at = text.find(STUDIO_MARK)
    if at < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        text = text[:at].rstrip("\n") + "\n\n" + section + "\n" + text[at:]
    doc.write_text(text, encoding="utf-8")


def batch_lines(batch: dict[str, float], rows: int) -> list[str]:
    lines = ["", f"| batch of {rows} quick sessions | wall time |", "| --- | --- |"]
    lines += [f"| {k} | {v:.1f} s |" for k, v in batch.items()]
    if "2 workers, no cache" in batch:
        ratio = batch["2 workers"] / batch["2 workers, no cache"]
        lines.append(f"| shared cache / no cache (2 workers) | {ratio:.2f} |")
    return lines


class Report:
    """The tables, printed line by line as they are measured and kept for the docs page."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="a tiny session only (for tests)")
    ap.add_argument("--sizes", default="5,35,180", help="session lengths in minutes")
    ap.add_argument("--peer-max", type=float, default=40, help="skip the peer above (minutes)")
    ap.add_argument("--batch-rows", type=int, default=100, help="0: no batch table")
    ap.add_argument("--repeat", type=int, default=1, help="warm and floor: fastest of N")
    ap.add_argument("--peer", type=Path, default=PEER, help="the pydub peer script")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    ap.add_argument("--studio", action="store_true", help="only the studio's time to sound")
    ap.add_argument("--programme", action="store_true",
                    help="only a 3-phase programme's cold build against one session's")  # fmt: skip
    args = ap.parse_args(argv)
    # Every figure is espeak's, on every machine: builds that name no engine get a natural
    # voice where one is installed, and the tables must stay comparable run to run.
    os.environ["VOICECOACH_ENGINE"] = "espeak"
    if args.programme:
        with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp:
            result = bench_programme(Path(tmp), max(args.repeat, 3))
        section = programme_section(result, max(args.repeat, 3))
        if not args.no_write:
            write_programme_section(section)
        print(section)
        return 0
    if args.studio:
        with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp:
            rows, load = bench_studio(Path(tmp))
        print(write_studio_section(rows, load) if not args.no_write else rows)
        return 0
    if not args.peer.is_file():
        print(f"peer not found at {args.peer}: its column says so", file=sys.stderr)
    sizes = [1.0] if args.smoke else [float(s) for s in args.sizes.split(",")]
    # Bytecode as a normal install has it (an editable install has none until imported).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "voicecoach")], check=True)
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp:
        work = Path(tmp)
        report = Report()
        report.add(*SIZE_HEADER)
        for minutes in sizes:
            print(f"benchmarking a {minutes:g}-minute session ...", file=sys.stderr)
            report.add(size_row(bench_size(minutes, work, args.peer_max, args.peer, args.repeat)))
        repeat = 3 if args.smoke else 7
        builtins = [str(p) for p in sorted((ROOT / "voicecoach/routine/builtins").glob("*.yaml"))]
        cli = {
            "plan hamstring-release": cli_time(["plan", "hamstring-release"], repeat),
            "validate (all built-ins)": cli_time(["validate", *builtins], repeat),
        }
        report.add(*cli_lines(cli, python_floor(repeat)))
        batch = None if args.smoke else bench_batch(args.batch_rows, work)
        if batch:
            report.add(*batch_lines(batch, args.batch_rows))
    if not args.no_write:
        doc = ROOT / "docs" / "benchmarks.md"
        old = doc.read_text(encoding="utf-8") if doc.exists() else ""
        marks = [old.index(mark) for mark in (NOTES, STUDIO_MARK) if mark in old]
        notes = old[min(marks) :] if marks else ""  # notes and the studio's section stay
        doc.write_text(
            "# Benchmarks\n\n"
            f"Made by `python scripts/bench.py` on {time.strftime('%Y-%m-%d')}.\n\n"
            f"Machine: {machine()}.\n\n"
            "Cold = empty clip cache; warm = rebuild with the cache filled. The peer is "
            "`shared/bench/peer_pydub.py` on the timeline our build wrote. The encode floor is "
            "ffmpeg alone encoding the same audio to MP3 at 96 kbps. First audio is the time from "
            "starting the interpreter until the first block of the session reaches the encoder. "
            "Peak RSS is the largest process of the measured command's tree.\n\n"
            f"{report.text()}\n" + (f"\n{notes}" if notes else ""),
            encoding="utf-8",
        )
        print(f"wrote {doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
