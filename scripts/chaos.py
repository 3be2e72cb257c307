#!/usr/bin/env python3
"""Fault and hostile-input suite: voicecoach must fail cleanly, never lose or corrupt a file.

Each category tries many cases and counts failures (a traceback, a hang, a partial or
corrupt file, a write outside the chosen folder, an error without a location ...):

  fuzz         generated routines and mutations of every built-in, through validate/plan/compile
  kill         builds killed with SIGKILL at random moments; then the next build must succeed
  sigint       Ctrl-C: exit code 130, no temporary or partial file left
  disk         output or cache on a full (tiny tmpfs, else RLIMIT_FSIZE) file system
  concurrency  4 different and 4 identical builds at once (2 and 2 with --quick), one cache
  engine       engines that hang, crash, return empty audio or garbage
  corruption   damaged cache entries, built-in sounds and sound files
  paths        sound/music files and batch output names that lead out of their folder
  text         an XSS corpus in titles, notes, client names and step text
  limits       huge files, 12 h+ sessions, alias bombs, deep nesting: refused in under 1 s
  hostile      issue 20's hostile pass: include and sound bombs, a 30-minute music bed,
               escape sequences, characters XML forbids, and requests to a real studio
               (its token in a QR code, chunked bodies, bad names); time and peak RSS kept

Usage: python scripts/chaos.py [--quick] [--only fuzz,kill] [--seed N] [--no-write]
The full run writes its table to docs/reliability.md; `make test` runs --quick counts.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path[:0] = [str(ROOT), str(SCRIPTS)]

import yaml  # noqa: E402

from voicecoach.errors import RoutineError, RoutineErrors, UserError, VoicecoachError  # noqa: E402

PY = sys.executable
QUICK = {"fuzz": 300, "kill": 3, "text": 4, "concurrency": 2}
FULL = {"fuzz": 10_000, "kill": 20, "text": 0, "concurrency": 4}


@dataclass
class Outcome:
    """What one category tried and what went wrong (each failure says how to reproduce)."""

    name: str
    tried: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""
    #: Measured figures worth keeping (docs/reliability.md lists them under the table).
    figures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures.append(message)


# -- helpers ----------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120, **kw):
    """Runs ``voicecoach`` in a child process (as a user would)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [PY, "-m", "voicecoach", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        **kw,
    )


def clean_failure(done: subprocess.CompletedProcess, want: int | tuple[int, ...]) -> str | None:
    """Why a failed run is not a clean user-facing failure, or None when it is."""
    codes = want if isinstance(want, tuple) else (want,)
    if done.returncode not in codes:
        return f"exit code {done.returncode}, expected {codes}: {done.stderr[-400:]}"
    if "Traceback" in done.stderr:
        return f"traceback: {done.stderr[-400:]}"
    if done.returncode and not done.stderr.startswith("error: "):
        return f"no `error:` line: {done.stderr[-200:]}"
    return None


def leftovers(folder: Path) -> list[str]:
    """Temporary or partial files in a folder tree."""
    return sorted(str(p) for p in folder.rglob("*") if p.name.endswith((".part", ".tmp")))


def cache_damage(cache: Path) -> list[str]:
    """Cache entries whose bytes do not match the digest in their name."""
    bad = []
    for path in cache.rglob("*.wav"):
        digest = path.name.split(".")[1]
        if hashlib.sha256(path.read_bytes()).hexdigest()[:16] != digest:
            bad.append(str(path))
    return bad


def cache_env(cache: Path) -> dict[str, str]:
    return {"VOICECOACH_CACHE": str(cache)}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def tiny_fs(path: Path, size: str) -> Iterator[bool]:
    """A small tmpfs at ``path`` when the machine allows mounting; yields whether it did."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


# -- fuzz ------------------------------------------------------------------------------------

NASTY_STRINGS = [
    "",
    " ",
    "x" * 20_000,
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "🦵🧘‍♀️🔥" * 20,
    "e\u0301\u0302\u0303" * 40,
    "nul\x00byte",
    "{side}",
    "{client}",
    "{nope}",
    "{{}}",
    "}{",
    "\t\n\r",
    "<script>alert(1)</script>",
    "-->",
    "1m30s",
    "30-60s",
    "-5s",
    "5-",
    "99999h",
]
NASTY_VALUES: list[object] = [
    None,
    True,
    0,
    -1,
    10**30,
    -(10**30),
    1e308,
    float("inf"),
    float("nan"),
    0.0001,
    [],
    {},
    [None],
    {"a": 1},
    *NASTY_STRINGS,
]


def _paths(doc: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _get(doc: object, path: tuple) -> object:
    for p in path:
        doc = doc[p]  # type: ignore[index]
    return doc


def mutate(doc: object, rng: random.Random) -> object:
    """One to three random edits: delete, retype, or replace a value with a nasty one."""
    import copy

    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            return rng.choice(NASTY_VALUES)
        path = rng.choice(paths)
        parent = _get(doc, path[:-1])
        op = rng.random()
        if op < 0.25 and isinstance(parent, dict):
            del parent[path[-1]]
        elif op < 0.35 and isinstance(parent, list):
            parent.insert(path[-1], rng.choice(parent))
        elif op < 0.45 and isinstance(parent, dict):
            parent[rng.choice(["hodl", "sides", "steps", "repeat", "say", "every"])] = rng.choice(
                NASTY_VALUES
            )
        else:
            parent[path[-1]] = rng.choice(NASTY_VALUES)  # type: ignore[index]
    return doc


def mutate_text(text: str, rng: random.Random) -> str:
    """Byte-level damage: cut, duplicate or insert YAML syntax."""
    i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
    op = rng.random()
    if op < 0.3:
        return text[:i] + text[j:]
    if op < 0.6:
        return text[:j] + text[i:j] + text[j:]
    junk = rng.choice([":", "- ", "  ", "\t", "&a ", "*a", "!!python/object ", "{", "]", "\x00"])
    return text[:i] + junk + text[i:]


def check_routine_text(text: str, base: Path) -> str | None:
    """None when the text is accepted or refused cleanly (our error type, with a location)."""
    from voicecoach.cli import format_plan
    from voicecoach.compiler import compile_routine
    from voicecoach.routine import parse_routine

    try:
        routine = parse_routine(text, "fuzz.yaml", base_dir=base)
        timeline = compile_routine(routine)
        format_plan(timeline)
        json.dumps(timeline.to_json())
        compile_routine(routine, pace="brisk", seed=7)
    except RoutineErrors as exc:
        for e in exc.errors:
            if e.line < 1 or e.column < 1 or not e.message or not e.hint:
                return f"error without location or hint: {e.format()!r}"
    except RoutineError as exc:
        if exc.line < 1 or exc.column < 1:
            return f"error without location: {exc.format()!r}"
    except UserError:
        pass
    except Exception:
        return traceback.format_exc(limit=4)[-600:]
    return None


def fuzz(work: Path, n: int, seed: int) -> Outcome:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from voicecoach.routine import builtin_ids, resolve

    out = Outcome("fuzz")
    rng = random.Random(seed)
    builtins = [resolve(rid).read_text(encoding="utf-8") for rid in builtin_ids()]
    docs = [yaml.safe_load(t) for t in builtins]

    def record(text: str) -> None:
        out.tried += 1
        problem = check_routine_text(text, work)
        if problem:
            out.fail(f"case {out.tried}: {problem}\n--- routine\n{text[:1500]}")

    mutations = n * 2 // 3
    for i in range(mutations):
        if i % 4 == 3:
            record(mutate_text(rng.choice(builtins), rng))
        else:
            doc = mutate(rng.choice(docs), rng)
            record(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))

    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True),
        st.text(max_size=40),
        st.sampled_from(NASTY_STRINGS),
        st.sampled_from(["30s", "1m", "5-10", "10-5", "0s", "2h", "right", "left"]),
    )
    step = st.dictionaries(
        st.sampled_from(
            ["say", "hold", "pause", "repeat", "chime", "each", "count", "halfway", "countdown",
             "encourage", "breathing", "lead_in", "setup", "include", "every", "typo", "then",
             "rest", "rounds", "steps"]
        ),
        st.one_of(scalar, st.lists(scalar, max_size=3)),
        min_size=1,
        max_size=4,
    )  # fmt: skip
    section = st.fixed_dictionaries(
        {"title": scalar, "steps": st.one_of(st.lists(step, max_size=4), scalar)},
        optional={"sides": st.one_of(st.lists(scalar, max_size=3), scalar), "setup": scalar},
    )
    routine = st.fixed_dictionaries(
        {
            "format": st.sampled_from(["voicecoach/1", "voicecoach/1", "voicecoach/2", 1]),
            "id": st.one_of(st.just("fuzz"), scalar),
            "title": scalar,
            "sections": st.one_of(st.lists(section, min_size=0, max_size=3), scalar),
        },
        optional={
            "language": st.sampled_from(["en", "es", "de", "xx", ""]),
            "voice": st.dictionaries(st.sampled_from(["engine", "name", "rate"]), scalar),
            "breathing": st.dictionaries(st.sampled_from(["inhale", "exhale", "guide"]), scalar),
            "safety": st.lists(scalar, max_size=3),
            "equipment": st.one_of(st.lists(scalar, max_size=3), scalar),
            "seed": scalar,
            "gap": scalar,
            "cues": scalar,
            "pronounce": st.dictionaries(st.text(max_size=10), scalar, max_size=3),
            "hands_free": st.dictionaries(st.sampled_from(["max_silence", "lead_in"]), scalar),
        },
    )

    @settings(
        max_examples=n - mutations,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(routine)
    def generated(doc: dict) -> None:
        record(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))

    generated()

    from click.testing import CliRunner

    from voicecoach.cli import cli as vc

    for text in [mutate_text(builtins[0], rng) for _ in range(10)]:
        path = work / "cli-fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        for cmd in (["validate", str(path)], ["plan", str(path)]):
            result = CliRunner().invoke(vc, cmd)
            out.tried += 1
            crashed = result.exception and not isinstance(result.exception, SystemExit)
            if result.exit_code not in (0, 2) or crashed:
                out.fail(f"voicecoach {cmd[0]}: exit {result.exit_code}: {result.output[-300:]}")
    return out


# -- kills, Ctrl-C, full disk ------------------------------------------------------------------

ROUTINE = "hamstring-quick"


def _reference(work: Path) -> tuple[Path, Path]:
    """A serial build of ROUTINE with its own cache: what every other build must equal.

    The cache holds ROUTINE's clips only, so damaging any of its entries must be repaired
    by the next build of ROUTINE; other routines use caches of their own.
    """
    ref = work / "reference" / f"{ROUTINE}.mp3"
    if not ref.exists():
        done = cli("build", ROUTINE, "-o", str(ref), "-q", env=cache_env(work / "c0"))
        if done.returncode:
            raise SystemExit(f"reference build failed: {done.stderr}")
    return ref, work / "c0"


def kill(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("kill")
    rng = random.Random(seed)
    ref, _ = _reference(work)
    cache, dest = work / "kill-cache", work / "kill-out"
    target = dest / f"{ROUTINE}.mp3"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VOICECOACH_CACHE": str(cache)}
    for i in range(n):
        if i % 2 == 0:
            shutil.rmtree(cache, ignore_errors=True)
        delay = rng.uniform(0.05, 2.5)
        proc = subprocess.Popen(
            [PY, "-m", "voicecoach", "build", ROUTINE, "-o", str(target), "-q"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        out.tried += 1
        where = f"kill {i + 1} at {delay:.2f} s"
        if target.exists() and sha(target) != sha(ref):
            out.fail(f"{where}: {target} is not the complete session")
        if cache.exists() and (bad := cache_damage(cache)):
            out.fail(f"{where}: cache entries fail verification: {bad[:3]}")
        done = cli("build", ROUTINE, "-o", str(target), "-q", env={"VOICECOACH_CACHE": str(cache)})
        if done.returncode or sha(target) != sha(ref):
            out.fail(f"{where}: the next build failed or differs: {done.stderr[-300:]}")
        if stale := leftovers(dest):
            out.fail(f"{where}: the next build left temporary files: {stale}")
    out.note = "SIGKILL of the whole process group at 0.05-2.5 s"
    return out


def sigint(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("sigint")
    rng = random.Random(seed)
    for i in range(n):
        dest = work / f"sigint-{i}"
        cache = work / f"sigint-cache-{i}"
        proc = subprocess.Popen(
            [PY, "-m", "voicecoach", "build", ROUTINE, "-o", str(dest / "s.mp3")],
            env={**os.environ, "PYTHONPATH": str(ROOT), "VOICECOACH_CACHE": str(cache)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.8, 1.6))
        os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out.tried += 1
            out.fail(f"Ctrl-C {i + 1}: the build did not stop within 30 s")
            continue
        out.tried += 1
        if proc.returncode == 0:
            out.note = "some builds finished before the signal"
            continue
        if proc.returncode != 130 or "Traceback" in err:
            out.fail(f"Ctrl-C {i + 1}: exit {proc.returncode}, stderr {err[-300:]!r}")
        if (dest / "s.mp3").exists() or leftovers(dest) or leftovers(cache):
            out.fail(f"Ctrl-C {i + 1}: left {leftovers(dest) + leftovers(cache)}")
    return out


def full_disk(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("disk")
    small = work / "small"
    with tiny_fs(small, "1m") as mounted:
        cases = [
            ("output", ["-o", str(small / "out" / "s.mp3")], cache_env(work / "c1")),
            ("cache", ["-o", str(work / "disk-out" / "s.mp3")], cache_env(small / "c")),
        ]
        for what, args, env in cases:
            shutil.rmtree(small / "c", ignore_errors=True)
            limit: Callable[[], None] | None = None
            if not mounted:
                import resource

                def limit() -> None:
                    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

            done = cli("build", ROUTINE, *args, env=env, preexec_fn=limit)
            out.tried += 1
            if problem := clean_failure(done, (1, 2)):
                out.fail(f"full {what} disk: {problem}")
            elif "space" not in done.stderr and "too large" not in done.stderr:
                out.fail(f"full {what} disk: the error does not say so: {done.stderr[-300:]}")
            target = Path(args[1])
            if target.exists() or leftovers(target.parent) or leftovers(small):
                out.fail(f"full {what} disk: partial files left: {leftovers(small)}")
    out.note = "1 MB tmpfs" if mounted else "RLIMIT_FSIZE 1 MB (mount not allowed here)"
    return out


# -- concurrency, engines, corruption ------------------------------------------------------------


def concurrency(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("concurrency")
    ref, _ = _reference(work)
    others = ["hamstring-desk-ball", "hamstring-hands", "hamstring-foam-roller"][: n - 1]
    serial = work / "serial"
    for rid in others:
        cli("build", rid, "-o", str(serial / f"{rid}.mp3"), "-q", env=cache_env(serial / "cache"))
    cache, dest = work / "shared-cache", work / "shared-out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VOICECOACH_CACHE": str(cache)}
    jobs = [ROUTINE, *others] + [ROUTINE] * n
    procs = [
        subprocess.Popen(
            [PY, "-m", "voicecoach", "build", rid, "-o", str(dest / f"{rid}.mp3"), "-q"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rid in jobs
    ]
    for rid, proc in zip(jobs, procs, strict=True):
        _, err = proc.communicate(timeout=300)
        out.tried += 1
        if proc.returncode:
            out.fail(f"concurrent build of {rid} failed: {err[-300:]}")
    for rid in [ROUTINE, *others]:
        expected = ref if rid == ROUTINE else serial / f"{rid}.mp3"
        if sha(dest / f"{rid}.mp3") != sha(expected):
            out.fail(f"{rid}: the concurrent build differs from the serial one")
    if bad := cache_damage(cache):
        out.fail(f"cache entries fail verification: {bad[:3]}")
    if stale := leftovers(dest) + leftovers(cache):
        out.fail(f"temporary files left: {stale}")
    out.note = f"{len(jobs)} builds at once ({n} routines + {n} of the same), one cache, one folder"
    return out


def engine_faults(work: Path, n: int, seed: int) -> Outcome:
    import chaos_engines

    from voicecoach.errors import EngineError
    from voicecoach.model import Voice
    from voicecoach.pipeline import BuildSettings, build
    from voicecoach.speech import synthesize

    out = Outcome("engine")
    phrases = ["Roll slowly.", "Breathe in.", "Switch sides now."]
    for label, engine in chaos_engines.FAULTS.items():
        for jobs in (1, 2):
            started = time.perf_counter()
            out.tried += 1
            try:
                synthesize(phrases, Voice(engine=engine.name), jobs=jobs, timeout_s=2.0,
                           use_cache=False)  # fmt: skip
                out.fail(f"{label} engine (jobs={jobs}): no error")
            except EngineError as exc:
                text = exc.format()
                if not any(p in text for p in phrases):
                    out.fail(f"{label} engine: the error names no phrase: {text}")
            except Exception:
                out.fail(f"{label} engine (jobs={jobs}): {traceback.format_exc(limit=3)}")
            if time.perf_counter() - started > 20:
                out.fail(f"{label} engine: took {time.perf_counter() - started:.0f} s")
        target = work / "engine" / f"{engine.name}.mp3"
        out.tried += 1
        try:
            if label != "hang":
                settings = BuildSettings(ROUTINE, out=target, engine=engine.name, use_cache=False)
                build(settings)
                out.fail(f"{label} engine: the build succeeded")
        except VoicecoachError:
            pass
        if target.exists() or leftovers(target.parent if target.parent.exists() else work):
            out.fail(f"{label} engine: an output file was left")
    out.note = "hang bounded by a 2 s timeout, killed, retried once"
    return out


def corruption(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("corruption")
    rng = random.Random(seed)
    ref, base_cache = _reference(work)
    cache = work / "corrupt-cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(base_cache, cache)
    entries = sorted(cache.rglob("*.wav"))
    for i, path in enumerate(rng.sample(entries, min(6, len(entries)))):
        data = bytearray(path.read_bytes())
        if i % 2:
            data = data[: len(data) // 2]
        else:
            spot = rng.randrange(44, len(data))
            data[spot] ^= 0x40
        path.write_bytes(bytes(data))
    target = work / "corrupt-out" / "s.mp3"
    done = cli("build", ROUTINE, "-o", str(target), "-q", env={"VOICECOACH_CACHE": str(cache)})
    out.tried += 1
    if done.returncode or sha(target) != sha(ref):
        out.fail(f"damaged cache entries were played or broke the build: {done.stderr[-300:]}")
    if cache_damage(cache):
        out.fail("damaged cache entries were not repaired")

    copy = work / "pkgcopy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT / "voicecoach", copy / "voicecoach", symlinks=False)
    for i, name in enumerate(["chime.wav", "bell.wav"]):
        asset = copy / "voicecoach" / "audio_assets" / name
        data = bytearray(asset.read_bytes())
        damaged = data[: len(data) // 3] if i else data[:100] + b"\xff" + data[101:]
        asset.write_bytes(bytes(damaged))
        target = work / "asset-out" / f"{name}.mp3"
        # -S: no site hooks, so the damaged copy is imported, not the installed package.
        path = os.pathsep.join([str(copy), *(p for p in sys.path if "site-packages" in p)])
        done = subprocess.run(
            [PY, "-S", "-m", "voicecoach", "build", ROUTINE, "-o", str(target), "-q"],
            capture_output=True,
            text=True,
            cwd=work,
            env={**os.environ, "PYTHONPATH": path, "VOICECOACH_CACHE": str(work / "c0")},
        )
        out.tried += 1
        if problem := clean_failure(done, 2):
            out.fail(f"damaged built-in {name}: {problem}")
        elif "damaged" not in done.stderr or target.exists():
            out.fail(f"damaged built-in {name} was not reported: {done.stderr[-300:]}")
        asset.write_bytes(data)

    folder = work / "own-sound"
    folder.mkdir(exist_ok=True)
    damaged = [("truncated wav", b"RIFF\x24\x00\x00\x00WAVEfmt "), ("garbage", os.urandom(3000))]
    for label, blob in damaged:
        (folder / "gong.wav").write_bytes(blob)
        (folder / "r.yaml").write_text(
            "format: voicecoach/1\nid: r\ntitle: R\nsounds: {gong: gong.wav}\n"
            "sections:\n  - title: A\n    steps:\n      - chime: gong\n      - say: Hello.\n",
            encoding="utf-8",
        )
        done = cli("build", str(folder / "r.yaml"), "-o", str(folder / "r.mp3"), "-q",
                   env={"VOICECOACH_CACHE": str(work / "c-own")})  # fmt: skip
        out.tried += 1
        if problem := clean_failure(done, 2):
            out.fail(f"{label} sound file: {problem}")
        if (folder / "r.mp3").exists():
            out.fail(f"{label} sound file: an output was written")
    return out


# -- hostile paths and text, limits ---------------------------------------------------------------


def hostile_paths(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("paths")
    home, outside = work / "paths" / "routine", work / "paths" / "outside"
    home.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "voicecoach" / "audio_assets" / "chime.wav", outside / "gong.wav")
    link = home / "link.wav"
    if not link.exists():
        link.symlink_to(outside / "gong.wav")
    refs = ["../outside/gong.wav", str(outside / "gong.wav"), "link.wav", "a/../../outside/g.wav"]
    for ref in refs:
        for key in ("sounds: {gong: '%s'}", "music: {file: '%s'}"):
            (home / "r.yaml").write_text(
                f"format: voicecoach/1\nid: r\ntitle: R\n{key % ref}\n"
                "sections:\n  - title: A\n    steps:\n      - say: Hello.\n",
                encoding="utf-8",
            )
            for cmd in ("validate", "build"):
                build_args = ["-o", str(home / "r.mp3"), "-q", "--engine", "tone"]
                extra = build_args if cmd == "build" else []
                done = cli(cmd, str(home / "r.yaml"), *extra)
                out.tried += 1
                if problem := clean_failure(done, 2):
                    out.fail(f"{key % ref} ({cmd}): {problem}")
                elif "r.yaml:4:" not in done.stderr or "--allow-path" not in done.stderr:
                    out.fail(f"{key % ref} ({cmd}): no location or hint: {done.stderr[-200:]}")
            done = cli("validate", str(home / "r.yaml"), "--allow-path", str(outside))
            out.tried += 1
            if (home / ref).is_file():  # allowed, and there: valid
                if done.returncode:
                    out.fail(f"{key % ref} with --allow-path: {done.stderr[-200:]}")
            elif problem := clean_failure(done, 2):  # allowed, but missing (`a/..` needs `a`)
                out.fail(f"{key % ref} with --allow-path: {problem}")
            elif "r.yaml:4:" not in done.stderr or "does not exist" not in done.stderr:
                out.fail(f"{key % ref} with --allow-path: missing file not located: {done.stderr}")

    batch_dir = work / "paths" / "batch"
    names = ["../escape", "/etc/evil", "a/../../b", "..", ".", "x\x00y", "con", "é" * 300,
             "../" * 10 + "tmp/evil", "~/evil", "-rf", " ", "<script>"]  # fmt: skip
    rows = "client,output\n" + "".join(f'Ana,"{name}"\n' for name in names)
    (work / "paths" / "clients.csv").write_text(rows, encoding="utf-8")
    before = {p for p in (work / "paths").rglob("*")}
    done = cli("batch", ROUTINE, "--clients", str(work / "paths" / "clients.csv"),
               "-o", str(batch_dir), "--engine", "tone", "--jobs", "2")  # fmt: skip
    out.tried += len(names)
    if "Traceback" in done.stderr:
        out.fail(f"batch with hostile names: traceback {done.stderr[-300:]}")
    written = {p for p in (work / "paths").rglob("*")} - before
    escaped = [str(p) for p in written if batch_dir not in p.parents and p != batch_dir]
    if escaped:
        out.fail(f"batch wrote outside its folder: {escaped}")
    if Path("/etc/evil.mp3").exists() or Path("/tmp/evil.mp3").exists():
        out.fail("batch wrote to an absolute path")
    return out


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "javascript:alert(4)",
    "</title><script>alert(5)</script>",
    "<a href='javascript:alert(6)'>x</a>",
    "<!--",
    "]]><![CDATA[",
    "&amp;&lt;&#0;",
    "<style>body{display:none}</style>",
    "--> \n\nNOTE",
    "line\u2028separator\u2029end",
]


def hostile_text(work: Path, n: int, seed: int) -> Outcome:
    """The XSS corpus in every user text, through the share page (in Chromium), feed, VTT, tags."""
    out = Outcome("text")
    try:
        from voicecoach.export import page  # noqa: F401
    except ImportError:
        out.fail("the share stage is missing")
        return out
    from mutagen.id3 import ID3

    corpus = XSS[: n or None]
    folder = work / "xss"
    folder.mkdir(exist_ok=True)
    for i, text in enumerate(corpus):
        quoted = json.dumps(text)
        # Spoken text takes {placeholders}; doubled braces are how a routine writes them.
        spoken = json.dumps(text.replace("{", "{{").replace("}", "}}"))
        (folder / f"x{i}.yaml").write_text(
            f"format: voicecoach/1\nid: x{i}\ntitle: {quoted}\nauthor: {quoted}\n"
            f"description: {quoted}\nsafety: [{spoken}]\n"
            f"sections:\n  - title: {quoted}\n    steps:\n      - say: {spoken}\n",
            encoding="utf-8",
        )
        site = folder / f"site{i}"
        done = cli("share", str(folder / f"x{i}.yaml"), "--client", text, "--note", text,
                   "-o", str(site), "--engine", "tone")  # fmt: skip
        out.tried += 1
        if done.returncode:
            out.fail(f"share with {text!r}: {done.stderr[-300:]}")
            continue
        problem = browser_check(site / "index.html", text)
        if problem:
            out.fail(f"share page with {text!r}: {problem}")
        mp3 = next(site.glob("*.mp3"))
        tags = ID3(mp3)
        if str(tags.get("TIT2")) != " ".join(text.split()) and str(tags.get("TIT2")) != text:
            out.fail(f"ID3 title {str(tags.get('TIT2'))!r} is not the text {text!r}")
        vtt = next(site.glob("*.vtt")).read_text(encoding="utf-8")
        if vtt.count("-->") != sum(1 for line in vtt.splitlines() if " --> " in line):
            out.fail(f"VTT with {text!r}: a cue text contains '-->'")
    feed_dir = folder / "feed"
    feed_dir.mkdir(exist_ok=True)
    for site in folder.glob("site*"):
        for f in site.glob("*.mp3"):
            shutil.copy(f, feed_dir / f.name)
            timeline = f.with_suffix(".timeline.json")
            shutil.copy(timeline, feed_dir / timeline.name)
    done = cli("feed", str(feed_dir), "--base-url", "https://example.org/s/", "--title", XSS[0])
    out.tried += 1
    if done.returncode:
        out.fail(f"feed: {done.stderr[-300:]}")
    else:
        import xml.etree.ElementTree as ET

        try:
            root = ET.parse(feed_dir / "feed.xml").getroot()
            titles = [t.text for t in root.iter("title")]
            if XSS[0] not in titles:
                out.fail("feed: the channel title was changed, not escaped")
        except ET.ParseError as exc:
            out.fail(f"feed is not well-formed XML: {exc}")
    return out


def browser_check(page: Path, text: str) -> str | None:
    """Opens the page in headless Chromium: no dialog, no script from the text, shown as text."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            pg = browser.new_page()
            dialogs: list[str] = []
            pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            pg.goto(page.as_uri())
            pg.wait_for_timeout(200)
            if dialogs:
                return f"a dialog opened: {dialogs}"
            visible = pg.inner_text("body")
            core = " ".join(text.split())
            if core and core not in " ".join(visible.split()):
                return "the text is not shown literally"
            injected = pg.evaluate(
                "document.querySelectorAll('img[src=x], svg[onload], body style').length"
            )
            if injected:
                return f"{injected} injected elements in the page"
        finally:
            browser.close()
    return None


def limits(work: Path, n: int, seed: int) -> Outcome:
    out = Outcome("limits")
    cases = {
        "file over 1 MB": "format: voicecoach/1\nid: big\ntitle: Big\n# " + "x" * 1_100_000 + "\n",
        "session over 12 h": "format: voicecoach/1\nid: long\ntitle: Long\nsections:\n"
        "  - title: A\n    steps:\n      - hold: 13h\n        say: Hold.\n",
        "12 h of repeats": "format: voicecoach/1\nid: reps\ntitle: Reps\nsections:\n"
        "  - title: A\n    steps:\n      - repeat: 9999\n        each: 10s\n        say: Again.\n",
        "alias bomb": "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))  # noqa: E501
        + "format: voicecoach/1\n",
        "deep nesting": "format: voicecoach/1\ntitle: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "deep mappings": "format: voicecoach/1\nx: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
    }  # fmt: skip
    for label, text in cases.items():
        path = work / f"limit-{label.replace(' ', '-')}.yaml"
        path.write_text(text, encoding="utf-8")
        for cmd in ("validate", "plan"):
            started = time.perf_counter()
            done = cli(cmd, str(path))
            seconds = time.perf_counter() - started
            out.tried += 1
            if problem := clean_failure(done, 2):
                out.fail(f"{label} ({cmd}): {problem}")
            # A child process pays the interpreter's start (~0.1 s) on top of the refusal.
            if seconds > 1.5:
                out.fail(f"{label} ({cmd}): took {seconds:.2f} s")
    out.note = "each refused with exit 2 and a located error, in a fresh process"
    return out


def hostile(work: Path, n: int, seed: int) -> Outcome:
    """Issue 20's hostile pass (scripts/chaos_hostile.py); ``n`` 3 is the quick run."""
    import chaos_hostile

    out = Outcome("hostile")
    tally = chaos_hostile.run_hostile(work / "hostile", quick=n < 5)
    out.tried, out.failures, out.figures = tally.tried, tally.failures, tally.figures
    out.note = "each refused or handled cleanly; bombs within 2 s / 200 MB, builds 150 MB"
    return out


CATEGORIES: dict[str, Callable[[Path, int, int], Outcome]] = {
    "fuzz": fuzz,
    "kill": kill,
    "sigint": sigint,
    "disk": full_disk,
    "concurrency": concurrency,
    "engine": engine_faults,
    "corruption": corruption,
    "paths": hostile_paths,
    "text": hostile_text,
    "limits": limits,
    "hostile": hostile,
}


def run(names: list[str], quick: bool, seed: int, work: Path) -> list[Outcome]:
    counts = QUICK if quick else FULL
    outcomes = []
    for name in names:
        started = time.perf_counter()
        print(f"chaos: {name} ...", file=sys.stderr, flush=True)
        outcome = CATEGORIES[name](work, counts.get(name, 3 if quick else 5), seed)
        outcome.seconds = time.perf_counter() - started
        outcomes.append(outcome)
    return outcomes


def row(o: Outcome) -> str:
    return f"| {o.name} | {o.tried} | {len(o.failures)} | {o.seconds:.1f} | {o.note} |"


def table(outcomes: list[Outcome], kept: dict[str, str] | None = None) -> str:
    """The results table; ``kept`` rows (from an earlier full run) fill categories not run."""
    rows = {**(kept or {}), **{o.name: row(o) for o in outcomes}}
    lines = [
        "| category | cases | failures | seconds | notes |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lines += [rows[name] for name in CATEGORIES if name in rows]
    return "\n".join(lines)


_FIGURES = "## Measured figures: "
#: What a category's figures were before the fixes they guard (measured by the issue).
_BEFORE = {
    "hostile": "Before issue 20's fixes: the six-level include chain took 72 s and 1.15 GB in "
    "`validate` (eight levels would have needed about 110 GB); a 30-minute, 14 MB MP3 bed "
    "under a 37-second session peaked at 6.7 GB and took 45 s; the hour of silence as a "
    "chime ended in MemoryError; 50 rounds of a 10,000-step include took 34 s and 330 MB, "
    "19 rounds of 1,000 included 200-count repeats 25 s of CPU and 1.7 GB. Each figure is "
    "one fresh process: its CPU time (user + "
    "system, what the bounds check: the machine is shared), wall time and peak RSS "
    "(`getrusage(RUSAGE_CHILDREN)` in a wrapper that runs nothing else).",
}


def report(outcomes: list[Outcome], seed: int, old: str = "") -> str:
    """docs/reliability.md: the table and each category's figures. A run of some categories
    (``--only``) keeps the other categories' rows and figures from ``old``."""
    kept_rows = {
        line.split("|")[1].strip(): line
        for line in old.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip() in CATEGORIES
    }
    kept_figures = {
        part.split("\n", 1)[0].strip(): _FIGURES + part.rstrip() + "\n"
        for part in old.split(_FIGURES)[1:]
    }
    figures = dict(kept_figures)
    for o in outcomes:
        figures.pop(o.name, None)
        if o.figures:
            before = f"{_BEFORE[o.name]}\n\n" if o.name in _BEFORE else ""
            listed = "".join(f"- {f}\n" for f in o.figures)
            figures[o.name] = f"{_FIGURES}{o.name}\n\n{before}{listed}"
    sections = "".join("\n" + figures[name] for name in CATEGORIES if name in figures)
    return (
        "# Reliability: the fault and hostile-input suite\n\n"
        "`python scripts/chaos.py` (see its docstring for what each category does); "
        "`make test` runs the same categories with reduced counts "
        "(`tests/test_chaos.py`).\n\n"
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores. Seed {seed}.\n\n{table(outcomes, kept_rows)}\n{sections}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the reduced counts `make test` uses")
    ap.add_argument("--only", default=",".join(CATEGORIES), help="comma-separated categories")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true", help="do not write docs/reliability.md")
    args = ap.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CATEGORIES]
    if unknown:
        ap.error(f"unknown categories {unknown}; choose from {', '.join(CATEGORIES)}")
    with tempfile.TemporaryDirectory(prefix="voicecoach-chaos-") as tmp:
        outcomes = run(names, args.quick, args.seed, Path(tmp))
    text = table(outcomes)
    print(text)
    for o in outcomes:
        for f in o.failures[:5]:
            print(f"\n[{o.name}] {f}", file=sys.stderr)
    if not args.no_write and not args.quick:
        path = ROOT / "docs" / "reliability.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(report(outcomes, args.seed, old), encoding="utf-8")
    return 1 if any(o.failures for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
