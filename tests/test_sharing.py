"""`share` and `feed`: the page in a real browser (Chromium via Playwright), the feed parsed.

Chromium comes from Debian's package (installed by `make install`); Playwright drives it.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from voicecoach.export.page import script_json

from .conftest import css_rgb, invoke, pixels_at

ROOT = Path(__file__).parents[1]
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A share folder of the quick routine with a hostile client name and note."""
    folder = tmp_path_factory.mktemp("share") / "ana"
    invoke(
        ["share", "hamstring-quick", "--client", HOSTILE, "--note", f"Twice a week. {HOSTILE}",
         "-o", str(folder), "--base-url", "https://example.org/ana/", "--engine", "tone", "-q"]
    )  # fmt: skip
    return folder


def open_page(browser, page_path: Path, **context):
    """A page with every console error, dialog and non-local request recorded."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    seen: dict[str, list[str]] = {"errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(page_path.as_uri())
    page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=10_000)
    return page, seen


def test_share_folder_has_the_session_page_and_sidecars(site: Path) -> None:
    names = sorted(p.name for p in site.iterdir())
    stem = "hamstring-quick-script-alert-1-script-img-src-x-onerror-alert-2"
    assert names == sorted(
        ["index.html", "qr.png", f"{stem}.mp3", f"{stem}.timeline.json", f"{stem}.txt",
         f"{stem}.vtt", "icon-192.png", "icon-512.png", "manifest.webmanifest", "sw.js",
         "share.json"]
    )  # fmt: skip
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "Content-Security-Policy" in html
    assert (site / "qr.png").read_bytes().startswith(b"\x89PNG")


def test_page_in_chromium(site: Path, browser) -> None:
    page, seen = open_page(browser, site / "index.html")
    timeline = json.loads(next(site.glob("*.timeline.json")).read_text(encoding="utf-8"))

    third = timeline["chapters"][2]
    page.locator("#chapters button").nth(2).click()
    # The click seeks and plays: by the time we look, a loaded machine may have played on.
    landed = page.evaluate("(() => { const a = document.getElementById('audio'); a.pause();"
                           " return a.currentTime; })()")  # fmt: skip
    assert third["start_s"] - 0.05 <= landed <= third["start_s"] + 1.0
    assert page.locator("#chapters button.current").inner_text().endswith(third["title"])

    assert page.evaluate("document.querySelectorAll('audio track[kind=captions]').length") == 1
    spoken = [e for e in timeline["events"] if e["kind"] == "speech"]
    for event in (spoken[5], spoken[-3]):
        t = (event["start_s"] + event["end_s"]) / 2
        page.evaluate(
            "t => { const a = document.getElementById('audio'); a.pause(); a.currentTime = t;"
            " a.dispatchEvent(new Event('timeupdate')); }",
            t,
        )
        assert page.locator("#script li.current").inner_text().endswith(event["text"])
        assert page.locator("#caption").inner_text() == event["text"]

    body = page.inner_text("body")
    assert f"Prepared for {HOSTILE}" in body, "the client name is shown as text"
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert seen["dialogs"] == [], "no script from user text ran"
    assert seen["errors"] == []
    assert all(url.startswith("file://") or url.startswith("data:") for url in seen["requests"])
    assert all(str(site) in url for url in seen["requests"] if url.startswith("file://"))
    page.context.close()


def test_phone_screenshot_for_a_person_to_look_at(site: Path, browser) -> None:
    page, seen = open_page(
        browser, site / "index.html", viewport={"width": 390, "height": 844}, device_scale_factor=2
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    assert page.locator(".safety").is_visible()
    out = ROOT / "output" / "share-phone.png"
    png = page.screenshot(path=str(out), full_page=False)
    box = page.locator(".safety").bounding_box()
    title = page.locator("#title").bounding_box()
    inside_safety, page_background = pixels_at(
        page, png, [(box["x"] + 8, box["y"] + box["height"] / 2), (2, title["y"] - 4)]
    )
    assert inside_safety == css_rgb(page, ".safety", "background-color"), "the safety box shows"
    assert page_background == css_rgb(page, "body", "background-color")
    assert inside_safety != page_background
    assert seen["errors"] == []
    page.context.close()


def test_zip_holds_the_same_files_under_one_folder(tmp_path: Path) -> None:
    invoke(["share", "hamstring-quick", "--zip", "-o", str(tmp_path / "s"), "--engine", "tone"])
    with zipfile.ZipFile(tmp_path / "s.zip") as z:
        names = sorted(z.namelist())
    assert names[0] == "s/hamstring-quick.mp3" and "s/index.html" in names
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["s.zip", "voicecoach-checkins.sqlite"], "no scratch folder left"


def test_script_json_cannot_close_the_script_element() -> None:
    text = script_json({"t": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & \u2028"}


def test_base_url_must_be_a_web_address(tmp_path: Path) -> None:
    result = invoke(
        [
            "share",
            "hamstring-quick",
            "-o",
            str(tmp_path / "x"),
            "--base-url",
            "javascript:alert(1)",
        ],
        exit_code=2,
    )
    assert "is not a web address" in result.stderr
    assert not (tmp_path / "x").exists()


# -- feed -------------------------------------------------------------------------------------


def test_feed_is_valid_rss_with_stable_guids(site: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    mp3 = next(site.glob("*.mp3"))
    shutil.copy(mp3, folder / "week1.mp3")
    shutil.copy(mp3.with_name(mp3.stem + ".timeline.json"), folder / "week1.timeline.json")
    invoke(["feed", str(folder), "--base-url", "https://example.org/ana", "--title", HOSTILE])
    first = ET.parse(folder / "feed.xml").getroot()
    channel = first.find("channel")
    assert channel.findtext("title") == HOSTILE, "escaped, not dropped or executed"
    (item,) = channel.findall("item")
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == "https://example.org/ana/week1.mp3"
    assert int(enclosure.get("length")) == (folder / "week1.mp3").stat().st_size
    assert enclosure.get("type") == "audio/mpeg"
    assert item.find("guid").get("isPermaLink") == "false"
    duration = json.loads((folder / "week1.timeline.json").read_text())["duration_s"]
    minutes, secs = divmod(int(duration), 60)
    assert item.findtext(f"{ITUNES}duration") == f"{minutes}:{secs:02d}"
    chapters_url = item.find(f"{PODCAST}chapters").get("url")
    chapters = json.loads((folder / chapters_url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert chapters["version"] == "1.2.0" and len(chapters["chapters"]) >= 3
    for required in ("title", "link", "description", "pubDate"):
        assert (channel.findtext(required) or item.findtext(required)) is not None

    shutil.copy(mp3, folder / "week2.mp3")
    shutil.copy(mp3.with_name(mp3.stem + ".timeline.json"), folder / "week2.timeline.json")
    invoke(["feed", str(folder), "--base-url", "https://example.org/ana"])
    items = ET.parse(folder / "feed.xml").getroot().find("channel").findall("item")
    guids = {i.find("enclosure").get("url").rsplit("/", 1)[1]: i.findtext("guid") for i in items}
    assert guids["week1.mp3"] == item.findtext("guid")
    assert len(items) == 2
    dates = {i.findtext("guid"): i.findtext("pubDate") for i in items}
    assert dates[item.findtext("guid")] == item.findtext("pubDate")


def test_feed_of_an_empty_folder_says_what_to_do(tmp_path: Path) -> None:
    result = invoke(["feed", str(tmp_path), "--base-url", "https://example.org/"], exit_code=2)
    assert "no built sessions" in result.stderr and "voicecoach build" in result.stderr


def test_feed_of_mp3s_without_sidecars_uses_their_own_tags(site: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copied"
    folder.mkdir()
    mp3 = next(site.glob("*.mp3"))
    timeline = json.loads(mp3.with_name(mp3.stem + ".timeline.json").read_text(encoding="utf-8"))
    shutil.copy(mp3, folder / "week1.mp3")
    result = invoke(["feed", str(folder), "--base-url", "https://example.org/ana"])
    assert "(1 episode)" in result.stdout
    (item,) = ET.parse(folder / "feed.xml").getroot().find("channel").findall("item")
    assert item.findtext("title") == timeline["title"]
    minutes, secs = divmod(round(timeline["duration_s"]), 60)
    shown = item.findtext(f"{ITUNES}duration")
    assert shown in {f"{minutes}:{secs:02d}", f"{minutes}:{secs - 1:02d}"}, shown
    chapters = json.loads((folder / "week1.chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters["chapters"]] == [c["title"] for c in timeline["chapters"]]
    for read, expected in zip(chapters["chapters"], timeline["chapters"], strict=True):
        assert abs(read["startTime"] - expected["start_s"]) <= 0.001


def test_feed_names_every_file_it_skips(site: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    mp3 = next(site.glob("*.mp3"))
    shutil.copy(mp3, folder / "week1.mp3")
    shutil.copy(mp3.with_name(mp3.stem + ".timeline.json"), folder / "week1.timeline.json")
    shutil.copy(mp3, folder / "week2.mp3")
    (folder / "broken.mp3").write_bytes(b"not audio at all" * 100)
    (folder / "week3.wav").write_bytes(b"RIFF")
    result = invoke(["feed", str(folder), "--base-url", "https://example.org/ana"])
    assert "(2 episodes)" in result.stdout
    items = ET.parse(folder / "feed.xml").getroot().find("channel").findall("item")
    urls = sorted(i.find("enclosure").get("url").rsplit("/", 1)[1] for i in items)
    assert urls == ["week1.mp3", "week2.mp3"]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2, result.stderr
    assert any("broken.mp3" in line and "tags" in line for line in skipped), skipped
    assert any("week3.wav" in line and "podcast" in line for line in skipped), skipped
