"""The share page follows the person on the floor: it waits at `until: ready` steps until
a tap or the earphone's play (Media Session), counts `count: self` taps, and shows the
breath's phase on the floor view. Real Chromium, a real share folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import invoke

ROUTINE = """\
format: voicecoach/1
id: follow
title: Follow me
safety: [Stop on sharp pain.]
sections:
  - title: Ball
    steps:
      - hold: 5s
        say: Press the ball into the thigh.
        until: ready
      - repeat: 3
        say: Bend the knee.
        each: 2s
        count: self
        cap: 30s
      - rest: 5s
        until: ready
      - breathe:
        cycles: 2
        spoken: 1
        pattern: box
"""

#: Records the page's Media Session handlers, so a test can press the earphone's buttons.
RECORD_HANDLERS = """
window.__handlers = {};
if (navigator.mediaSession) {
  const set = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, fn) => {
    window.__handlers[action] = fn;
    return set(action, fn);
  };
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("follow")
    routine = folder / "follow.yaml"
    routine.write_text(ROUTINE, encoding="utf-8")
    out = folder / "share"
    invoke(["share", str(routine), "-o", str(out), "--engine", "tone", "-q"])
    return out


def _timeline(site: Path) -> dict:
    return json.loads(next(site.glob("*.timeline.json")).read_text(encoding="utf-8"))


def _open(browser, site: Path, **context):
    ctx = browser.new_context(**context)
    ctx.add_init_script(RECORD_HANDLERS)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / "index.html").as_uri())
    _until(page, "document.getElementById('audio').readyState >= 1", timeout=10_000)
    return page, errors


def _play_from(page, t: float) -> None:
    page.evaluate(
        "t => { const a = document.getElementById('audio'); a.currentTime = t; a.play(); }", t
    )


def _until(page, expression: str, timeout: int = 10_000) -> None:
    """Polls ``expression`` from Python (the page's CSP forbids the eval that
    ``wait_for_function`` polls with)."""
    for _ in range(timeout // 20):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(20)
    raise AssertionError(f"{expression} never held; audio at {_now(page)}")


def _now(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_waits_at_a_ready_step_until_the_earphones_play_or_a_tap(site, browser) -> None:
    waits = _timeline(site)["waits"]
    ready, counting, rest = waits
    page, errors = _open(browser, site)
    assert page.evaluate("typeof window.__handlers.play") == "function"

    _play_from(page, ready["at_s"] - 1.0)
    _until(page, "document.getElementById('audio').paused", timeout=10_000)
    assert page.locator("#wait").is_visible()
    assert "ready" in page.locator("#wait-go").inner_text()
    assert abs(_now(page) - ready["at_s"]) < 0.05
    page.wait_for_timeout(1500)
    assert page.evaluate("document.getElementById('audio').paused"), "it waits"
    assert abs(_now(page) - ready["at_s"]) < 0.05
    page.evaluate("window.__handlers.play({action: 'play'})")  # the earphone's play
    _until(page, "!document.getElementById('audio').paused", timeout=5_000)
    assert page.locator("#wait").is_hidden()
    _until(page, f"document.getElementById('audio').currentTime > {ready['at_s'] + 0.3}")

    # count: self: stops where the counting starts, one repetition per tap, then goes on
    _until(page, "document.getElementById('audio').paused", timeout=15_000)
    assert abs(_now(page) - counting["start_s"]) < 0.05
    assert page.locator("#wait-go").inner_text().startswith("0 / 3")
    for n in (1, 2):
        page.locator("#wait-go").click()
        assert page.locator("#wait-go").inner_text().startswith(f"{n} / 3")
    page.locator("#wait-go").click()
    _until(page, "!document.getElementById('audio').paused", timeout=5_000)
    assert counting["at_s"] - 0.01 <= _now(page) < counting["at_s"] + 1.0

    # the rest waits too; a tap on the screen goes on
    _until(page, "document.getElementById('audio').paused", timeout=20_000)
    assert abs(_now(page) - rest["at_s"]) < 0.05
    page.locator("#wait-go").click()
    _until(page, "!document.getElementById('audio').paused", timeout=5_000)
    page.evaluate("document.getElementById('audio').pause()")
    assert errors == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_the_floor_view_shows_the_breaths_phase(site, browser, motion) -> None:
    timeline = _timeline(site)
    tones = [e for e in timeline["events"] if (e.get("sound") or "").startswith("tone_")]
    inhale = next(e for e in tones if e["sound"].startswith("tone_in"))
    exhale = next(e for e in tones if e["sound"].startswith("tone_out"))
    page, errors = _open(browser, site, reduced_motion=motion)
    page.keyboard.press("f")
    for event, phase, scale in ((inhale, "in", "scale(1)"), (exhale, "out", "scale(0.45)")):
        page.evaluate(
            "t => { const a = document.getElementById('audio'); a.pause(); a.currentTime = t;"
            " a.dispatchEvent(new Event('timeupdate')); }",
            event["start_s"] + 0.1,
        )
        circle = page.locator("#floor-breath-circle")
        assert page.locator("#floor-breath").is_visible()
        assert circle.get_attribute("data-phase") == phase
        assert circle.evaluate("c => c.style.transform") == scale
        assert page.locator("#floor-breath-phase").inner_text() == (
            "Breathe in" if phase == "in" else "Breathe out"
        )
    # playing, the circle moves unless the device asks for reduced motion
    page.evaluate(
        "t => { const a = document.getElementById('audio'); a.currentTime = t; a.play(); }",
        inhale["start_s"] - 0.3,
    )
    _until(
        page, "document.getElementById('floor-breath-circle').dataset.phase === 'in'", timeout=5_000
    )
    transition = page.locator("#floor-breath-circle").evaluate("c => c.style.transition")
    page.evaluate("document.getElementById('audio').pause()")
    if motion == "reduce":
        assert transition in ("none", "")
    else:
        assert transition.startswith("transform")
    body = page.evaluate("document.body.textContent")
    assert "Breathe in" in body
    page.keyboard.press("f")
    page.evaluate(
        "t => { const a = document.getElementById('audio'); a.currentTime = t;"
        " a.dispatchEvent(new Event('timeupdate')); }",
        1.0,
    )
    assert page.locator("#floor-breath").is_hidden()
    assert errors == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_share_folder_can_carry_a_second_level_the_client_picks(tmp_path, browser) -> None:
    out = tmp_path / "two"
    invoke(["share", "hamstring-quick", "--also-detail", "minimal", "-o", str(out),
            "--engine", "tone", "-q"])  # fmt: skip
    full, minimal = out / "hamstring-quick.mp3", out / "hamstring-quick-minimal.mp3"
    assert full.is_file() and minimal.is_file() and (out / "index-minimal.html").is_file()
    assert minimal.stat().st_size < full.stat().st_size
    worker = (out / "sw.js").read_text(encoding="utf-8")
    assert '"index-minimal.html"' in worker and '"hamstring-quick-minimal.mp3"' in worker
    page, errors = _open(browser, out)
    levels = page.locator("#levels")
    assert f"{full.stat().st_size / 1e6:.1f} MB" in levels.inner_text()
    assert f"{minimal.stat().st_size / 1e6:.1f} MB" in levels.inner_text()
    assert levels.locator("[aria-current=page]").inner_text().startswith("Full")
    levels.locator("a").click()
    page.wait_for_url("**/index-minimal.html")
    assert page.title().endswith("(minimal)")
    assert page.locator("#levels [aria-current=page]").inner_text().startswith("Minimal")
    src = page.evaluate("document.getElementById('audio').getAttribute('src')")
    assert src == "hamstring-quick-minimal.mp3"
    assert errors == []
    page.context.close()
    result = invoke(["share", "hamstring-quick", "--also-detail", "full", "-o", str(tmp_path / "x"),
                     "--engine", "tone", "-q"], exit_code=2)  # fmt: skip
    assert "--also-detail full is the session's own level" in result.stderr
    assert not (tmp_path / "x").exists()
