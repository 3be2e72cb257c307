"""Shared test helpers: one CLI runner, golden files, small generated routines, Chromium.

Tiers: a test that drives a browser is marked ``browser`` (any test using the ``browser``
fixture is marked so here, automatically), one that takes over ~5 s ``slow``;
``make check`` runs the rest (``pytest -m "not slow and not browser"``), ``make test`` all.
Golden files are only ever written with ``--update-goldens``: a missing one fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from voicecoach.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
CHROMIUM = "/usr/bin/chromium"
#: Set from ``--update-goldens`` when the run starts.
_UPDATE = {"goldens": False}
#: The engine of every test that names none: espeak, as before a natural voice became the
#: default where one is installed (fast, deterministic, the goldens' voice; subprocesses
#: inherit it). Tests of the default choice itself remove it (test_languages.py).
os.environ["VOICECOACH_ENGINE"] = "espeak"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="write the golden files the tests compare with (review the diff before committing)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _UPDATE["goldens"] = bool(config.getoption("--update-goldens"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the browser is in the ``browser`` tier, marked or not."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def invoke(args: Sequence[str], exit_code: int = 0, **kwargs: object) -> Result:
    """Runs the CLI in-process; a wrong exit code fails with the full output shown."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)
    assert result.exit_code == exit_code, (
        f"voicecoach {' '.join(args)} exited {result.exit_code}, expected {exit_code}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


def check_golden(path: Path, actual: dict) -> None:
    """Compares with a stored JSON file; ``pytest --update-goldens`` (re)writes it.

    A missing golden is a failure, never written on the fly: a test that writes what it
    compares with cannot fail.
    """
    text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
    if _UPDATE["goldens"]:
        path.write_text(text, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; write it with `pytest --update-goldens`")
    assert json.loads(path.read_text(encoding="utf-8")) == actual, (
        f"{path.name} differs; if the change is intended, rerun with `pytest --update-goldens`"
    )


@pytest.fixture
def write_routine(tmp_path: Path):
    """Writes routine YAML text to a file and returns its path."""

    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


MINIMAL = """\
format: voicecoach/1
id: tiny
title: Tiny
author: Test
sections:
  - title: Only
    steps:
      - say: Hello there.
      - hold: 12s
        say: Press the ball into the thigh.
        lead_in: 2s
"""


@pytest.fixture(scope="session")
def browser():
    """One Chromium (Debian's, driven by Playwright) for the whole run: launching costs
    seconds on a 2-core machine. Each test opens its own context (a fresh profile)."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make install` (apt chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        DEVICES.update(p.devices)
        yield b
        b.close()


def pixels_at(page, png: bytes, points: Sequence[tuple[float, float]]) -> list[tuple[int, ...]]:
    """The RGB colours of a screenshot at points given in CSS pixels of ``page``.

    The browser decodes the PNG itself (a canvas), so a screenshot test can say what is on
    the screen, not only that a file was written.
    """
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    found = page.evaluate(
        """async ([src, points]) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = img.width;
            canvas.height = img.height;
            const g = canvas.getContext("2d");
            g.drawImage(img, 0, 0);
            const scale = img.width / window.innerWidth;
            return points.map(([x, y]) =>
                Array.from(g.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1)
                    .data.slice(0, 3)));
        }""",
        [src, [list(p) for p in points]],
    )
    return [tuple(rgb) for rgb in found]


def css_rgb(page, selector: str, prop: str) -> tuple[int, ...]:
    """A computed colour of the first element matching ``selector``, as an RGB tuple."""
    text = page.evaluate(
        "([s, p]) => getComputedStyle(document.querySelector(s)).getPropertyValue(p)",
        [selector, prop],
    )
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", text)[:3])


@contextlib.contextmanager
def running_studio(folder: Path, cache: Path) -> Iterator[str]:
    """``voicecoach studio FOLDER`` in a child process on a free 127.0.0.1 port, as a user
    starts it; yields the URL it prints (with its token) and stops it after."""
    env = {**os.environ, "VOICECOACH_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "studio", str(folder), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    try:
        url = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not url:
            found = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", proc.stdout.readline())
            url = found.group(1) if found else ""
        assert url, "the studio did not print its URL"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


#: Playwright's device descriptors (``DEVICES["Pixel 7"]``), filled by ``browser``.
DEVICES: dict[str, dict] = {}


WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"


@pytest.fixture(scope="session")
def webkit():
    """One WebKit (Debian's WebKitGTK through selenium) for the whole run, on its own Xvfb
    display: every iPhone browser is WebKit. Xvfb picks a free display itself (-displayfd),
    so `make test` needs no xvfb-run and runs beside other X servers."""

    for tool in (WEBKIT_DRIVER, "/usr/bin/Xvfb"):
        assert Path(tool).exists(), (
            f"{tool} is missing: run `make install` (webkit2gtk-driver, xvfb)"
        )
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.service import Service

    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        number = b""
        while not number.endswith(b"\n"):
            chunk = os.read(read_fd, 16)
            assert chunk, "Xvfb did not start"
            number += chunk
        os.close(read_fd)
        env = {**os.environ, "DISPLAY": ":" + number.decode().strip()}
        with warnings.catch_warnings():  # selenium's own use of a deprecated argument
            warnings.simplefilter("ignore", DeprecationWarning)
            driver = webdriver.WebKitGTK(service=Service(executable_path=WEBKIT_DRIVER, env=env))
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
