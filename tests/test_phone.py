"""The share page on the floor with a phone, in real Chromium (issue 16).

Floor view, Media Session (lock screen and earphone buttons), screen wake lock, offline
when hosted (service worker), resume and the done-log, keyboard and axe-core. The
browser APIs a headless browser cannot show (wake lock, page visibility) are stubbed by
an init script that records what the page asks for; Media Session is Chromium's own,
with its handlers recorded so the test can press the "buttons".
"""

from __future__ import annotations

import functools
import json
import struct
import threading
import zlib
from datetime import datetime, timedelta, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from voicecoach.export.icon import icon_png
from voicecoach.export.page import PageInfo, write_share
from voicecoach.model import SAMPLE_RATE, Chapter, Event, Timeline

from .conftest import invoke, pixels_at
from .test_sharing import ROOT

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "output"

#: Records what the page registers and requests; wake lock and visibility are fakes.
STUBS = """
window.__log = [];
window.__visibility = "visible";
Object.defineProperty(document, "visibilityState", { configurable: true,
  get: function () { return window.__visibility; } });
Object.defineProperty(document, "hidden", { configurable: true,
  get: function () { return window.__visibility !== "visible"; } });
if (!window.__noWakeLock) {
  Object.defineProperty(navigator, "wakeLock", { configurable: true, value: {
    request: function (type) {
      window.__log.push("request:" + type);
      return Promise.resolve({ type: type, released: false, addEventListener: function () {},
        release: function () { this.released = true; window.__log.push("release");
          return Promise.resolve(); } });
    } } });
}
window.__ms = { handlers: {}, positions: [] };
(function (ms) {
  var setHandler = ms.setActionHandler.bind(ms);
  ms.setActionHandler = function (action, fn) { window.__ms.handlers[action] = fn;
    return setHandler(action, fn); };
  var setPosition = ms.setPositionState.bind(ms);
  ms.setPositionState = function (state) { window.__ms.positions.push(state);
    return setPosition(state); };
})(navigator.mediaSession);
"""
NO_WAKE_LOCK = "window.__noWakeLock = true; delete Navigator.prototype.wakeLock;"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A share folder of the quick routine (5.5 min, tone engine: fast to build)."""
    folder = tmp_path_factory.mktemp("phone") / "ana"
    invoke(["share", "hamstring-quick", "--client", "Ana", "-o", str(folder), "--engine", "tone",
            "-q"])  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def timeline(site: Path) -> dict:
    return json.loads(next(site.glob("*.timeline.json")).read_text(encoding="utf-8"))


def open_at(browser, url: str, scripts: tuple[str, ...] = (STUBS,), context=None, **options):
    """A page at ``url`` (console errors recorded) once the audio's metadata is loaded."""
    ctx = context or browser.new_context(**options)
    for script in scripts:
        ctx.add_init_script(script)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_ready(page)
    return page, errors


def until(page, condition: str, timeout: float = 10_000) -> None:
    """Waits for a JS condition; ``$audio`` is the page's audio element. (A function, not an
    expression: the page's Content-Security-Policy forbids eval.)"""
    expression = condition.replace("$audio", "document.getElementById('audio')")
    page.wait_for_function(f"() => {expression}", timeout=timeout)


def wait_ready(page) -> None:
    until(page, "$audio.readyState >= 1", timeout=15_000)


def at(page, t: float, playing: bool = False) -> None:
    """Moves the audio to ``t`` s (paused unless ``playing``) and lets the page catch up."""
    page.evaluate(
        "async ([t, playing]) => { const a = document.getElementById('audio'); a.pause();"
        " a.currentTime = t; await new Promise(r => a.addEventListener('seeked', r, {once: true}));"
        " if (playing) { await a.play(); } }",
        [t, playing],
    )


def now(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


def press(page, action: str) -> None:
    page.evaluate(f"window.__ms.handlers[{action!r}]({{action: {action!r}}})")


def step_start(timeline: dict, step: int) -> float:
    """Where routine step ``step`` begins: its first event in the timeline."""
    return min(e["start_s"] for e in timeline["events"] if e.get("step") == step)


def instruction(timeline: dict, step: int) -> str:
    return next(
        e["text"]
        for e in timeline["events"]
        if e.get("step") == step and e.get("cue") == "instruction"
    )


def chapter(timeline: dict, title: str) -> float:
    return next(c["start_s"] for c in timeline["chapters"] if c["title"] == title)


# -- the folder ---------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_share_folder_can_be_installed_and_cached(site: Path) -> None:
    manifest = json.loads((site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "Quick hamstring release"
    assert manifest["start_url"] == "index.html" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        side = int(icon["sizes"].split("x")[0])
        assert png_size((site / icon["src"]).read_bytes()) == (side, side)
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    worker = (site / "sw.js").read_text(encoding="utf-8")
    files = json.loads(worker.split("var FILES = ", 1)[1].split(";\n", 1)[0])
    mp3 = next(site.glob("*.mp3")).name
    assert {"index.html", mp3, mp3.replace(".mp3", ".vtt"), "manifest.webmanifest"} <= set(files)
    assert all((site / name).is_file() for name in files)
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'rel="manifest" href="manifest.webmanifest"' in html


def test_icon_is_a_square_png_with_both_colours() -> None:
    data = icon_png(48)
    assert png_size(data) == (48, 48) and icon_png(48) == data, "same size, same bytes"
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    rows = zlib.decompress(idat)
    assert len(rows) == 48 * (1 + 48 * 3)
    pixels = {rows[i : i + 3] for r in range(48) for i in range(r * 145 + 1, r * 145 + 145, 3)}
    assert b"\xff\xff\xff" in pixels and bytes((0x0B, 0x6E, 0x4F)) in pixels


def test_cover_is_the_lock_screen_artwork(tmp_path: Path) -> None:
    """write_share alone (no build): a cover is copied, cached and listed first."""
    second = SAMPLE_RATE
    events = (
        Event(0, second, "speech", text="Hello.", cue="intro"),
        Event(12 * second, 14 * second, "speech", text="Roll.", section="A", side="right",
              cue="instruction", step=0),
        Event(40 * second, 42 * second, "speech", text="Press.", section="A", side="right",
              cue="instruction", step=1),
    )  # fmt: skip
    timeline = Timeline(
        "t", "T", 60 * second, events, (Chapter(0, "Intro"), Chapter(10 * second, "A"))
    )
    (tmp_path / "t.mp3").write_bytes(b"not really audio")
    cover = tmp_path / "Cover.PNG"
    cover.write_bytes(icon_png(64))
    write_share(tmp_path / "t.mp3", timeline, tmp_path, PageInfo(cover=cover))
    assert (tmp_path / "cover.png").read_bytes() == cover.read_bytes()
    assert '"cover.png"' in (tmp_path / "sw.js").read_text(encoding="utf-8")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    data = json.loads(html.split('id="data">', 1)[1].split("</script>", 1)[0])
    assert data["artwork"][0] == {"src": "cover.png", "type": "image/png"}
    assert data["steps"] == [
        [0.0, 10.0, "Intro", "", "Hello.", ""],
        [10.0, 40.0, "A", "right", "Roll.", "Right side"],
        [40.0, 60.0, "A", "right", "Press.", "Right side"],
    ], "chapters and steps more than 10 s after them, as in the terminal player"
    assert data["album"] == "voicecoach" and data["title"] == "T"


def test_cover_must_be_an_image_the_page_can_show(tmp_path: Path) -> None:
    (tmp_path / "cover.gif").write_bytes(b"GIF89a")
    out = tmp_path / "s"
    result = invoke(["share", "hamstring-quick", "-o", str(out), "--cover",
                     str(tmp_path / "cover.gif")], exit_code=2)  # fmt: skip
    assert "is not a PNG or JPEG" in result.stderr and not out.exists(), "refused before building"


# -- Media Session ------------------------------------------------------------------------


def test_lock_screen_buttons_skip_steps_and_seek(site: Path, timeline: dict, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri())
    handlers = page.evaluate("Object.keys(window.__ms.handlers)")
    for action in ("play", "pause", "nexttrack", "previoustrack", "seekforward", "seekbackward"):
        assert action in handlers

    # Step 3 (straighten the knee) starts well after its chapter: it is a jump point.
    third, left = step_start(timeline, 3), chapter(timeline, "Ball pin and stretch (left)")
    at(page, third - 20)
    press(page, "nexttrack")
    assert now(page) == pytest.approx(third, abs=0.01)
    press(page, "nexttrack")
    assert now(page) == pytest.approx(left, abs=0.01), "step 4 begins with its side switch"
    press(page, "previoustrack")
    assert now(page) == pytest.approx(third, abs=0.01), "at a step's start: the step before"
    at(page, third + 8)
    press(page, "previoustrack")
    assert now(page) == pytest.approx(third, abs=0.01), "mid-step: back to its start"

    at(page, 100)
    press(page, "seekforward")
    assert now(page) == pytest.approx(110, abs=0.01)
    press(page, "seekbackward")
    press(page, "seekbackward")
    assert now(page) == pytest.approx(90, abs=0.01)

    at(page, third + 1, playing=True)
    until(page, "navigator.mediaSession.playbackState === 'playing'")
    press(page, "pause")
    until(page, "navigator.mediaSession.playbackState === 'paused'")  # after the pause event
    screen = page.evaluate(
        """() => { const m = navigator.mediaSession.metadata;
        return { title: m.title, artist: m.artist, album: m.album,
                 artwork: m.artwork.map(a => ({src: a.src.slice(0, 40), sizes: a.sizes,
                                               type: a.type})),
                 playbackState: navigator.mediaSession.playbackState,
                 positionState: window.__ms.positions[window.__ms.positions.length - 1],
                 handlers: Object.keys(window.__ms.handlers).sort() }; }"""
    )
    assert screen["title"] == timeline["title"]
    assert screen["artist"] == "Ball pin and stretch (right)", "the chapter is the artist line"
    assert screen["album"] == "For Ana"
    assert screen["artwork"] and screen["artwork"][0]["src"].startswith("data:image/png")
    assert screen["playbackState"] == "paused"
    position = screen["positionState"]
    assert position["duration"] == pytest.approx(timeline["duration_s"], abs=0.1)
    assert position["position"] == pytest.approx(now(page), abs=0.3)
    assert position["playbackRate"] == 1
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "lock-screen.json").write_text(json.dumps(screen, indent=2) + "\n")
    assert errors == []
    page.context.close()


# -- screen wake lock -----------------------------------------------------------------------


def test_screen_stays_on_while_playing(site: Path, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri())
    log = lambda: page.evaluate("window.__log.slice()")  # noqa: E731
    at(page, 30, playing=True)
    until(page, "window.__log.length === 1")
    assert log() == ["request:screen"]
    assert floor(page)["on"] is False, "a wide screen keeps the full page while playing"
    page.evaluate("document.getElementById('audio').pause()")
    until(page, "window.__log.length === 2")
    assert log()[-1] == "release"

    page.evaluate("document.getElementById('audio').play()")
    until(page, "window.__log.length === 3")
    for state in ("hidden", "visible"):  # the phone locked, then unlocked
        page.evaluate(
            "s => { window.__visibility = s;"
            " document.dispatchEvent(new Event('visibilitychange')); }",
            state,
        )
    until(page, "window.__log.length === 4")
    assert log() == ["request:screen", "release", "request:screen", "request:screen"]

    page.evaluate("document.getElementById('audio').pause()")
    until(page, "window.__log.length === 5")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(200)
    assert log()[-1] == "release" and len(log()) == 5, "no lock while paused"
    assert errors == []
    page.context.close()

    page, errors = open_at(browser, (site / "index.html").as_uri(), (NO_WAKE_LOCK, STUBS))
    assert page.evaluate("'wakeLock' in navigator") is False
    at(page, 30, playing=True)
    page.evaluate("document.getElementById('audio').pause()")
    assert errors == [], "a browser without wake lock plays all the same"
    page.context.close()


# -- offline when hosted ------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".webmanifest": "application/manifest+json",
        ".vtt": "text/vtt",
        ".mp3": "audio/mpeg",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_hosted_page_plays_with_the_network_off(site: Path, browser) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        page, errors = open_at(browser, url, ())
        until(page, "document.getElementById('offline').textContent.length > 0", timeout=30_000)
        cached = page.evaluate(
            "async () => { const keys = await caches.keys(); const c = await caches.open(keys[0]);"
            " return (await c.keys()).map(r => new URL(r.url).pathname.slice(1)).sort(); }"
        )
        assert {"index.html", next(site.glob("*.mp3")).name} <= set(cached)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    context = page.context
    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    wait_ready(page)
    assert page.locator("#title").inner_text() == "Quick hamstring release"
    at(page, 200, playing=True)  # a byte range far into the file, answered from the cache
    until(page, "$audio.currentTime > 200.3", timeout=15_000)
    assert page.evaluate("document.getElementById('audio').error") is None
    page.evaluate("document.getElementById('audio').pause()")
    assert errors == []
    context.close()


def test_from_disk_no_service_worker_and_no_error(site: Path, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri(), ())
    page.wait_for_timeout(300)
    assert (
        page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.controller : null") is None
    )
    assert page.locator("#offline").inner_text() == ""
    assert errors == []
    page.context.close()


# -- floor view -----------------------------------------------------------------------------


def floor(page) -> dict:
    return page.evaluate(
        """() => ({ on: document.body.classList.contains('floor'),
                    step: document.getElementById('floor-step').textContent,
                    side: document.getElementById('floor-side').textContent,
                    left: document.getElementById('floor-left').textContent,
                    next: document.getElementById('floor-next').textContent,
                    said: document.getElementById('floor-announce').textContent,
                    size: parseFloat(
                      getComputedStyle(document.getElementById('floor-step')).fontSize),
                    mainShown: document.getElementById('page').offsetParent !== null })"""
    )


def seconds_of(clock: str) -> int:
    minutes, secs = clock.split(":")
    return int(minutes) * 60 + int(secs)


def test_floor_view_on_a_phone(site: Path, timeline: dict, browser) -> None:
    page, errors = open_at(
        browser,
        (site / "index.html").as_uri(),
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    assert floor(page)["on"] is False, "the full page until the session plays"
    third = step_start(timeline, 3)
    at(page, third + 5, playing=True)
    until(page, "document.body.classList.contains('floor')")
    view = floor(page)
    assert view["size"] >= 28, "readable from a metre away"
    assert view["mainShown"] is False, "the rest of the page is hidden"
    assert view["step"] == instruction(timeline, 3)
    assert view["side"] == "Right side"
    step_end = chapter(timeline, "Ball pin and stretch (left)")
    assert seconds_of(view["left"]) == pytest.approx(step_end - now(page), abs=1.5)
    assert instruction(timeline, 4) in view["next"]
    assert instruction(timeline, 3) in view["said"], "announced politely"
    assert page.evaluate("document.getElementById('floor-announce').getAttribute('aria-live')") == (
        "polite"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    until(page, f"document.getElementById('floor-left').textContent !== {view['left']!r}", 5_000)
    later = floor(page)
    assert seconds_of(later["left"]) < seconds_of(view["left"]), "the clock follows the audio"
    OUTPUT.mkdir(exist_ok=True)
    page.evaluate("document.getElementById('audio').pause()")
    png = page.screenshot(path=str(OUTPUT / "floor-view.png"))
    left = page.locator("#floor-left").bounding_box()
    across = [(left["x"] + i, left["y"] + left["height"] / 2) for i in range(int(left["width"]))]
    colours = set(pixels_at(page, png, across))
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert len(colours) > 2, f"the time left is drawn across its box (on {background})"
    assert min(sum(c) for c in colours) < 3 * 64 < max(sum(c) for c in colours), (
        "ink and background both show: the big clock is legible"
    )

    fifth = step_start(timeline, 5)
    at(page, fifth + 2)
    view = floor(page)
    assert view["step"] == instruction(timeline, 5) and view["side"] == "Left side"
    assert seconds_of(view["left"]) == pytest.approx(
        chapter(timeline, "Finish") - (fifth + 2), abs=1
    )
    assert instruction(timeline, 5) in view["said"]

    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    style = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.getElementById('floor-step')).color,"
        " getComputedStyle(document.getElementById('floor-step')).transitionDuration]"
    )
    assert style == ["rgb(0, 0, 0)", "rgb(255, 255, 255)", "0s"]
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"

    page.click("#floor-close")
    assert floor(page)["on"] is False and floor(page)["mainShown"] is True
    assert page.evaluate("document.activeElement.id") == "floor-toggle"
    assert errors == []
    page.context.close()


# -- resume and the done-log -------------------------------------------------------------


def test_resume_where_stopped_and_done_log(site: Path, timeline: dict, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri(), ())
    assert page.locator("#resume").is_hidden() and page.locator("#done").is_hidden()
    at(page, 58.5, playing=True)
    until(page, "$audio.currentTime >= 60", timeout=10_000)
    page.evaluate("document.getElementById('audio').pause()")

    page.reload()
    wait_ready(page)
    assert page.locator("#resume").is_visible()
    assert page.locator("#resume-yes").inner_text() == "Resume at 1:00"
    page.click("#resume-yes")
    assert now(page) == pytest.approx(60, abs=1.5)
    assert page.locator("#resume").is_hidden()

    at(page, timeline["duration_s"] - 1.5, playing=True)
    until(page, "document.querySelectorAll('#done-list li').length > 0", timeout=10_000)
    assert page.evaluate("document.getElementById('audio').ended")
    assert page.locator("#closing").is_visible(), "the end is a closing screen"
    page.click("#closing-close")
    done = page.locator("#done-list li")
    assert done.count() == 1 and page.locator("#done").is_visible()
    assert " · Quick hamstring release" in done.first.inner_text()  # then "How did it go?"
    stamp = page.locator("#done-list time").first.get_attribute("datetime")
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs(datetime.now(timezone.utc) - when) < timedelta(minutes=5)

    page.reload()
    wait_ready(page)
    assert page.locator("#resume").is_hidden(), "finished: nothing to resume"
    assert page.locator("#done-list li").count() == 1, "the log stays on this phone"
    assert errors == []
    page.context.close()


# -- keyboard and screen readers ------------------------------------------------------------


def test_every_control_by_keyboard(site: Path, browser) -> None:
    page, errors = open_at(browser, (site / "index.html").as_uri())
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert {"prev", "next", "floor-toggle"} <= reached
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("f")
    assert floor(page)["on"] is True
    assert page.evaluate("document.activeElement.id") == "floor-play"
    page.keyboard.press("Enter")
    until(page, "!$audio.paused")
    label = "document.getElementById('floor-play').getAttribute('aria-label')"
    until(page, f"{label} === 'Pause'")  # set by the audio's play event, just after
    page.keyboard.press("Enter")
    until(page, "$audio.paused")
    before = now(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # next step
    assert now(page) > before
    page.keyboard.press("Escape")
    assert floor(page)["on"] is False
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_problems(site: Path, browser, scheme: str) -> None:
    if not AXE.exists():
        pytest.skip("tests/vendor/axe-core/axe.min.js is missing (see tests/vendor/README.md)")
    page, errors = open_at(
        browser,
        (site / "index.html").as_uri(),
        viewport={"width": 390, "height": 844},
        bypass_csp=True,
        color_scheme=scheme,
    )
    page.add_script_tag(path=str(AXE))
    for view in ("page", "floor"):
        if view == "floor":
            page.click("#floor-toggle")
            assert floor(page)["on"] is True
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{view} view, {scheme}: " + "; ".join(bad)
    assert errors == []
    page.context.close()


def test_docs_show_the_floor_view() -> None:
    """The copy in docs/ (from output/floor-view.png) is a phone screenshot the docs show."""
    shown = ROOT / "docs" / "floor-view.png"
    assert png_size(shown.read_bytes()) == (780, 1688), "390x844 at 2x"
    assert "floor-view.png" in (ROOT / "docs" / "sharing.md").read_text(encoding="utf-8")
