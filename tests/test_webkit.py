"""The share page's phone tests in WebKit (every iPhone browser is WebKit): floor view, step
jumps, resume, the done-log and the closing screen.

Debian's WebKitGTK driven by selenium on its own Xvfb display (the ``webkit`` fixture).
The window is phone-narrow, so the floor view opens by itself when the session plays.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains

from .test_phone import chapter, instruction, seconds_of, site, step_start, timeline

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["site", "timeline"]  # fixtures shared with the Chromium tests


def js(driver, expression: str, *args: Any) -> Any:
    return driver.execute_script("return " + expression, *args)


def until(driver, expression: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not js(driver, expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


AUDIO = "document.getElementById('audio')"


def now(driver) -> float:
    return float(js(driver, AUDIO + ".currentTime"))


def at(driver, t: float, playing: bool = False) -> None:
    """Moves the audio to ``t`` and waits for the seek; ``playing`` then presses K, as a
    person would (WebKit lets only a user's gesture start sound)."""
    driver.execute_async_script(
        "const [t, done] = arguments; const a = document.getElementById('audio');"
        " a.pause(); a.addEventListener('seeked', () => done(), {once: true}); a.currentTime = t;",
        t,
    )
    if playing:
        ActionChains(driver).send_keys("k").perform()
        until(driver, "!" + AUDIO + ".paused")


def open_page(driver, url: str, fresh: bool = True) -> None:
    driver.set_window_size(390, 844)
    driver.get(url)
    if fresh:
        driver.execute_script("localStorage.clear()")
        driver.get(url)
    until(driver, AUDIO + ".readyState >= 1", 15)
    assert js(driver, "matchMedia('(max-width: 40rem)').matches"), "a phone-narrow window"


def click(driver, element_id: str) -> None:
    driver.find_element("id", element_id).click()


def text(driver, element_id: str) -> str:
    return str(js(driver, "document.getElementById(arguments[0]).textContent", element_id))


def test_floor_view_in_webkit(webkit, site: Path, timeline: dict) -> None:
    open_page(webkit, (site / "index.html").as_uri())
    assert js(webkit, "document.body.classList.contains('floor')") is False
    third = step_start(timeline, 3)
    at(webkit, third + 5, playing=True)
    until(webkit, "document.body.classList.contains('floor')")
    assert text(webkit, "floor-step") == instruction(timeline, 3)
    assert text(webkit, "floor-side") == "Right side"
    left = seconds_of(text(webkit, "floor-left"))
    step_end = chapter(timeline, "Ball pin and stretch (left)")
    assert left == pytest.approx(step_end - now(webkit), abs=1.5)
    assert instruction(timeline, 4) in text(webkit, "floor-next")
    screen = js(webkit, "[navigator.mediaSession.metadata.title, navigator.mediaSession"
                        ".metadata.artist, navigator.mediaSession.playbackState]")  # fmt: skip
    assert screen == [timeline["title"], "Ball pin and stretch (right)", "playing"], "lock screen"
    assert js(webkit, "document.getElementById('page').offsetParent") is None, "page hidden"
    size = js(
        webkit, "parseFloat(getComputedStyle(document.getElementById('floor-step')).fontSize)"
    )
    assert size >= 28
    until(webkit, f"document.getElementById('floor-left').textContent !== {str(left)!r}")
    assert js(webkit, "document.documentElement.scrollWidth <= innerWidth")
    js(webkit, AUDIO + ".pause()")
    click(webkit, "floor-close")
    assert js(webkit, "document.body.classList.contains('floor')") is False


def lands(driver, t: float, why: str = "") -> None:
    """The audio reaches ``t`` (WebKit may report a seek's target only once it is made)."""
    deadline = time.monotonic() + 5
    while abs(now(driver) - t) >= 0.05:
        assert time.monotonic() < deadline, f"at {now(driver)}, not {t}: {why}"
        time.sleep(0.05)


def _jumps(driver, timeline: dict) -> None:
    """Next through the steps as a person taps, then previous, 10 s on, previous, play."""
    starts = js(driver, "JSON.parse(document.getElementById('data').textContent).steps")
    starts = [s[0] for s in starts]
    third, left = step_start(timeline, 3), chapter(timeline, "Ball pin and stretch (left)")
    k = min(range(len(starts)), key=lambda i: abs(starts[i] - third))
    assert starts[k] == pytest.approx(third, abs=0.01)
    assert starts[k + 1] == pytest.approx(left, abs=0.01)
    for i in range(1, k + 2):
        click(driver, "next")
        lands(driver, starts[i], f"next to step {i}")
    click(driver, "prev")
    lands(driver, third, "at a step's start: the step before")
    ActionChains(driver).send_keys("l").perform()
    lands(driver, third + 10, "L: 10 s on")
    click(driver, "prev")
    lands(driver, third, "mid-step: back to its start")
    ActionChains(driver).send_keys("k").perform()
    until(driver, f"{AUDIO}.currentTime > {third + 0.3}")
    assert js(driver, AUDIO + ".error") is None
    js(driver, AUDIO + ".pause()")


def test_step_jumps_in_webkit(webkit, site: Path, timeline: dict) -> None:
    open_page(webkit, (site / "index.html").as_uri())
    _jumps(webkit, timeline)


def test_resume_done_log_and_closing_screen_in_webkit(webkit, site: Path, timeline: dict) -> None:
    url = (site / "index.html").as_uri()
    open_page(webkit, url)
    assert js(webkit, "document.getElementById('resume').hidden")
    at(webkit, 58.5, playing=True)
    until(webkit, AUDIO + ".currentTime >= 60")
    js(webkit, AUDIO + ".pause()")
    open_page(webkit, url, fresh=False)
    assert not js(webkit, "document.getElementById('resume').hidden"), "resume offered"
    assert text(webkit, "resume-yes") == "Resume at 1:00"
    click(webkit, "resume-yes")
    until(webkit, f"Math.abs({AUDIO}.currentTime - 60) < 1.5")
    js(webkit, AUDIO + ".pause()")

    at(webkit, timeline["duration_s"] - 1.5, playing=True)
    until(webkit, "document.body.classList.contains('closing')", 15)
    assert text(webkit, "closing-heading") == "Session complete"
    assert text(webkit, "closing-greeting") == "Well done, Ana."
    assert text(webkit, "closing-count") == "Done once on this phone."
    click(webkit, "closing-close")
    assert js(webkit, "document.getElementById('done').hidden") is False
    assert js(webkit, "document.querySelectorAll('#done-list li').length") == 1
    assert " · Quick hamstring release" in text(webkit, "done-list")  # then its check-in button
    open_page(webkit, url, fresh=False)
    assert js(webkit, "document.getElementById('resume').hidden"), "finished: nothing to resume"
    assert js(webkit, "document.querySelectorAll('#done-list li').length") == 1
