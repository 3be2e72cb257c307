"""The share page as a client meets it (issue 20's hands-on pass), in real Chromium: a
closing screen at the end with the done-log near the top, step jumps on the first visit to
a host that answers no byte ranges, and the step keys after a click on the native player."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_phone import OUTPUT, at, chapter, now, open_at, site, step_start, timeline, until

__all__ = ["site", "timeline"]  # module fixtures shared with test_phone

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}  # fmt: skip
DOCS = Path(__file__).parents[1] / "docs"


def play_to_the_end(page, duration_s: float) -> None:
    page.evaluate(
        "async t => { const a = document.getElementById('audio'); a.currentTime = t;"
        " await new Promise(r => a.addEventListener('seeked', r, {once: true})); await a.play(); }",
        duration_s - 1.5,
    )
    until(page, "document.body.classList.contains('closing')", timeout=15_000)


@pytest.mark.browser
@pytest.mark.slow
def test_the_session_ends_on_a_closing_screen(site: Path, timeline: dict, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri(), **PHONE)
    page.evaluate("document.getElementById('floor-toggle').click()")
    play_to_the_end(page, timeline["duration_s"])
    closing = page.locator("#closing")
    assert closing.is_visible() and page.locator("#floor").is_hidden()
    assert page.locator("#closing-heading").inner_text() == "Session complete"
    assert page.locator("#closing-greeting").inner_text() == "Well done, Ana."
    assert page.locator("#closing-count").inner_text() == "Done once on this phone."
    assert page.locator("#closing-log li").count() == 1
    assert page.evaluate("document.activeElement.id") == "closing-heading"
    box = page.locator("#closing-again").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, "its buttons fit the screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "closing-screen.png"))

    page.click("#closing-close")
    assert closing.is_hidden() and page.locator("#done").is_visible()
    assert page.locator("#done-list li").count() == 1
    top = page.evaluate("document.getElementById('done').offsetTop")
    assert top < 1200, f"the done-log is {top} px down the page"

    play_to_the_end(page, timeline["duration_s"])
    assert page.locator("#closing-count").inner_text() == "Done twice on this phone."
    page.click("#closing-again")
    until(page, "!document.getElementById('audio').paused")
    assert closing.is_hidden() and now(page) < 5
    page.evaluate("document.getElementById('audio').pause()")
    assert errors == []
    page.context.close()


def test_docs_show_the_closing_screen() -> None:
    shown = DOCS / "closing-screen.png"
    assert shown.is_file() and shown.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "closing-screen.png" in (DOCS / "sharing.md").read_text(encoding="utf-8")


@pytest.fixture
def no_ranges(site: Path):
    """``python -m http.server`` over the share folder: it answers no byte ranges."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
@pytest.mark.slow
def test_step_jumps_on_the_first_visit_to_a_host_without_ranges(
    site: Path, timeline: dict, browser, no_ranges: str
) -> None:
    # No service worker: the first visit, or a plain-http hand-over where none can run.
    page, errors = open_at(browser, no_ranges, service_workers="block")
    starts = page.evaluate("JSON.parse(document.getElementById('data').textContent).steps"
                           ".map(s => s[0])")  # fmt: skip
    page.click("#next")
    until(page, f"Math.abs(document.getElementById('audio').currentTime - {starts[1]}) < 0.05")
    page.click("#next")
    assert now(page) == pytest.approx(starts[2], abs=0.05), "not back to 0:01"
    third, left = step_start(timeline, 3), chapter(timeline, "Ball pin and stretch (left)")
    at(page, third - 5)
    page.click("#next")
    assert now(page) == pytest.approx(third, abs=0.05)
    page.evaluate("window.__ms.handlers.nexttrack({action: 'nexttrack'})")
    assert now(page) == pytest.approx(left, abs=0.05), "the lock screen's next too"
    at(page, left + 8, playing=True)
    until(page, f"document.getElementById('audio').currentTime > {left + 8.3}", 10_000)
    page.evaluate("document.getElementById('audio').pause()")
    page.click("#prev")
    assert now(page) == pytest.approx(left, abs=0.05), "previous: the start of this step"
    assert page.evaluate("document.getElementById('audio').currentSrc").startswith("blob:")
    assert errors == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_step_keys_work_after_a_click_on_the_native_play_button(site: Path, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri(), (), viewport={"width": 1280,
                           "height": 900})  # fmt: skip
    box = page.locator("#audio").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 20, box["y"] + box["height"] / 2)  # the native play button
    until(page, "!document.getElementById('audio').paused")
    page.evaluate("document.getElementById('audio').pause()")
    before = now(page)
    page.keyboard.press("n")
    assert now(page) > before + 5, "N: the next step"
    page.keyboard.press("p")
    assert now(page) < 1, "P: back to the step before"
    page.keyboard.press("f")
    assert page.evaluate("document.body.classList.contains('floor')"), "F: the floor view"
    assert errors == []
    page.context.close()
