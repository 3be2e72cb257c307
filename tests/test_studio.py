"""`voicecoach studio`: a real server on a free 127.0.0.1 port, driven in real Chromium.

One server (a subprocess running the CLI command) and one browser serve the whole module;
each test opens its own page. The speech engine is `tone` (chosen in the page's voice
control) so builds are quick; the clip cache is private to the test run.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from voicecoach.routine import resolve

from .conftest import css_rgb, invoke, pixels_at, running_studio

ROOT = Path(__file__).parents[1]
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
QUICK = "hamstring-quick"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory):
    """The studio on a free port over an empty folder; yields (url with token, folder)."""
    base = tmp_path_factory.mktemp("studio")
    folder = base / "routines"
    folder.mkdir()
    with running_studio(folder, base / "cache") as url:
        yield url, folder


@pytest.fixture
def page(browser, studio):
    """A fresh browser profile on the studio page, recording errors and dialogs."""
    url, _ = studio
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.seen = {"errors": [], "dialogs": []}
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "409 (Conflict)" not in m.text  # a refused save, shown as a choice
            and page.seen["errors"].append(m.text)
        ),
    )
    page.on("pageerror", lambda e: page.seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (page.seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(url)
    yield page
    assert page.seen["dialogs"] == [], "no script from routine text ran"
    assert page.seen["errors"] == []
    ctx.close()


# -- helpers ----------------------------------------------------------------------------------


def checks(page) -> int:
    return int(page.evaluate("() => Number(document.body.dataset.checked || 0)"))


def wait_checked(page, after: int) -> None:
    """Waits until the page has a check result newer than ``after``."""
    page.wait_for_function("n => Number(document.body.dataset.checked || 0) > n", arg=after)


def copy_quick(page, studio) -> str:
    """Opens the quick built-in and copies it to the folder; returns the new file's name."""
    page.locator("#builtins button", has_text=re.compile(f"^{QUICK}$")).click()
    page.wait_for_selector("#copy-builtin:visible")
    page.click("#copy-builtin")
    page.wait_for_function(
        "() => { const s = window.studio.state;"
        " return s.name !== null && s.checkedGen === s.gen && s.timeline !== null; }"
    )
    return page.evaluate("() => window.studio.state.name")


def go_to_line(page, line: int) -> None:
    page.evaluate("n => window.studio.goToLine(n)", line)


def select_rest_of_line(page, line: int) -> None:
    """Selects a line's text after its indentation (what a person retypes)."""
    page.evaluate(
        "n => { const v = window.studio.view; const l = v.state.doc.line(n);"
        " const indent = /^\\s*/.exec(l.text)[0].length;"
        " v.dispatch({selection: {anchor: l.from + indent, head: l.to}}); v.focus(); }",
        line,
    )


def editor_line(page) -> int:
    return page.evaluate(
        "() => { const v = window.studio.view; "
        "return v.state.doc.lineAt(v.state.selection.main.head).number; }"
    )


def editor_text(page) -> str:
    return page.evaluate("() => window.studio.view.state.doc.toString()")


def use_tone_voice(page) -> None:
    """The test engine (quick); the page offers only real voices, so the test adds it."""
    page.wait_for_function("() => window.studio.state.voices.length > 0")
    assert page.locator("#voice option[value^='espeak|']").count() > 0
    assert page.locator("#voice option[value^='tone|']").count() == 0
    page.evaluate(
        "() => { const o = document.createElement('option'); o.value = 'tone|default';"
        " o.textContent = 'tone'; document.getElementById('voice').appendChild(o); }"
    )
    page.select_option("#voice", "tone|default")


# -- editing ----------------------------------------------------------------------------------


def test_copy_a_builtin_then_a_mistake_is_shown_at_its_line_like_validate(page, studio) -> None:
    _, folder = studio
    name = copy_quick(page, studio)
    on_disk = (folder / name).read_text(encoding="utf-8")
    assert on_disk.replace(f"id: {name[:-5]}\n", f"id: {QUICK}\n") == resolve(QUICK).read_text(
        "utf-8"
    )
    assert page.locator("#files button", has_text=name).count() == 1
    blocks = page.locator("#chart rect.block").count()
    assert blocks > 4

    # Line 19 is the first hold's `say:`; a person mistypes the key.
    assert editor_text(page).splitlines()[18].strip().startswith("say:")
    before = checks(page)
    select_rest_of_line(page, 19)
    page.keyboard.type("sya: Roller under the {side} thigh.")
    page.keyboard.press("Escape")
    wait_checked(page, before)
    problem = page.locator("#problems li.error", has_text="unknown key 'sya'").first
    problem.wait_for()
    assert problem.get_attribute("data-line") == "19"
    assert "unknown key 'sya'" in problem.inner_text()
    assert "hint: allowed keys" in problem.inner_text()
    page.wait_for_selector(".cm-lintRange-error")
    # The same problems, at the same places, as `voicecoach validate --strict`.
    draft = folder / "draft-copy.yaml"
    draft.write_text(editor_text(page), encoding="utf-8")
    cli = invoke(["validate", "--strict", str(draft)], exit_code=2).stderr
    draft.unlink()
    assert f"{draft}:19:9: unknown key 'sya'" in cli
    assert problem.locator(".where").inner_text() == "19:9"

    # Fixing it clears the problem and the chart comes back with the new sentence.
    before = checks(page)
    select_rest_of_line(page, 19)
    page.keyboard.type("say: Roll the {side} thigh from knee to sit bone, slowly.")
    page.keyboard.press("Escape")
    wait_checked(page, before)
    page.wait_for_function(
        "s => window.studio.state.timeline.events.some(e => e.text === s)",
        arg="Roll the right thigh from knee to sit bone, slowly.",
    )
    assert page.locator("#problems li.error").count() == 0
    assert page.locator("#chart rect.block").count() == blocks


def test_add_step_menu_inserts_a_commented_template_and_the_chart_grows(page, studio) -> None:
    copy_quick(page, studio)
    blocks = page.locator("#chart rect.block").count()
    total = float(page.get_attribute("#total", "data-seconds"))
    go_to_line(page, 36)  # the Finish hold
    before = checks(page)
    page.select_option("#add-step", "repeat")
    wait_checked(page, before)
    lines = editor_text(page).splitlines()
    assert lines[38].strip().startswith("- repeat: 6-10")
    assert "# repetitions" in lines[38]
    assert lines[38].index("-") == lines[35].index("-"), "indented as a sibling step"
    page.wait_for_function(
        f"() => document.querySelectorAll('#chart rect.block').length > {blocks}"
    )
    assert float(page.get_attribute("#total", "data-seconds")) > total + 30
    assert page.locator("#problems li.error").count() == 0


def test_keys_and_step_kinds_are_completed_from_the_schema(page, studio) -> None:
    copy_quick(page, studio)
    select_rest_of_line(page, 38)  # `halfway: false` inside the Finish hold
    page.keyboard.type("cou")
    popup = page.locator(".cm-tooltip-autocomplete")
    # The list follows each typed letter: wait for the one that answers "cou".
    expect(popup.locator("li[aria-selected=true]")).to_contain_text("countdown")
    # CodeMirror ignores Enter for 75 ms after the list opens or changes (interactionDelay).
    page.wait_for_timeout(300)
    options = popup.locator("li").all_inner_texts()
    assert any(o.startswith("countdown") for o in options)
    assert not any(re.match(r"count\b(?!down)", o) for o in options), "a repeat's key, not a hold's"
    page.keyboard.press("Enter")
    assert editor_text(page).splitlines()[37].strip() == "countdown:"
    # A new list item under `steps:` offers the step kinds.
    page.keyboard.press("Escape")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Home")
    page.keyboard.type("      - rep")
    expect(popup).to_contain_text("repeat")
    assert "step" in popup.inner_text()


def test_length_slider_changes_the_total_within_the_routines_range(page, studio) -> None:
    copy_quick(page, studio)
    slider = page.locator("#length")
    lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    assert lo < hi
    before_total = float(page.get_attribute("#total", "data-seconds"))
    before = checks(page)
    slider.fill(str(int(hi)))
    wait_checked(page, before)
    after_total = float(page.get_attribute("#total", "data-seconds"))
    assert after_total > before_total + 30
    assert after_total == pytest.approx(hi, abs=3)
    # The same fitting as `plan --length`: its total is the page's.
    cache = {"VOICECOACH_CACHE": str(studio[1].parent / "cache")}  # the studio's lengths
    plan = invoke(["plan", QUICK, "--length", f"{int(hi)}s", "--json"], env=cache).stdout
    assert json.loads(plan)["duration_s"] == pytest.approx(after_total, abs=0.01)
    # Pace moves where the ranges sit when no length is asked for: brisk is shorter.
    page.reload()
    page.wait_for_function(
        "() => { const s = window.studio.state; return s.checkedGen === s.gen; }"
    )
    natural = float(page.get_attribute("#total", "data-seconds"))
    before = checks(page)
    page.select_option("#pace", "brisk")
    wait_checked(page, before)
    assert float(page.get_attribute("#total", "data-seconds")) < natural - 20


def test_click_a_chart_block_goes_to_its_line_and_the_cursor_highlights_it(page, studio) -> None:
    copy_quick(page, studio)
    block = page.locator("#chart rect.block.repeat").first
    line = int(block.get_attribute("data-line"))
    block.click()
    assert editor_line(page) == line
    assert editor_text(page).splitlines()[line - 1].strip().startswith("- repeat:")
    assert "current" in (block.get_attribute("class") or "")
    # Moving the cursor to another step's text highlights that step's blocks instead.
    hold = page.locator("#chart rect.block.hold").first
    hold_line = int(hold.get_attribute("data-line"))
    go_to_line(page, hold_line + 1)
    assert "current" in (hold.get_attribute("class") or "")
    assert "current" not in (block.get_attribute("class") or "")


# -- saving -----------------------------------------------------------------------------------


def test_new_routine_starts_from_the_same_starter_as_voicecoach_new(page, studio, tmp_path) -> None:
    _, folder = studio
    page.wait_for_function("() => window.studio.state.voices !== undefined")
    page.click("#new-routine")
    page.wait_for_function("() => (window.studio.state.name || '').startsWith('my-routine')")
    name = page.evaluate("() => window.studio.state.name")
    invoke(["new", str(tmp_path / name)])
    assert (folder / name).read_text("utf-8") == (tmp_path / name).read_text("utf-8")
    assert editor_text(page) == (folder / name).read_text("utf-8")


def test_save_writes_the_file_and_a_change_on_disk_refuses_the_next_save(page, studio) -> None:
    _, folder = studio
    name = copy_quick(page, studio)
    go_to_line(page, 3)
    page.keyboard.press("End")
    page.keyboard.type(" (mine)")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('save').disabled")
    on_disk = (folder / name).read_text(encoding="utf-8")
    assert on_disk == editor_text(page)
    assert "title: Quick hamstring release (mine)" in on_disk

    theirs = on_disk.replace("(mine)", "(theirs)")
    (folder / name).write_text(theirs, encoding="utf-8")
    go_to_line(page, 3)
    page.keyboard.press("End")
    page.keyboard.type(" again")
    page.click("#save")
    page.wait_for_selector("#conflict:visible")
    assert (folder / name).read_text(encoding="utf-8") == theirs, "never a silent overwrite"
    for choice in ("#reload-theirs", "#keep-mine", "#show-both"):
        assert page.locator(choice).is_visible()
    page.click("#show-both")
    assert "(theirs)" in page.inner_text("#theirs")
    assert "(mine) again" in editor_text(page)
    page.click("#keep-mine")
    page.wait_for_selector("#conflict", state="hidden")
    assert (folder / name).read_text(encoding="utf-8") == editor_text(page)

    (folder / name).write_text(theirs, encoding="utf-8")
    go_to_line(page, 3)
    page.keyboard.press("End")
    page.keyboard.type("!")
    page.click("#save")
    page.wait_for_selector("#conflict:visible")
    page.click("#reload-theirs")
    assert editor_text(page) == theirs


def test_reload_mid_edit_brings_the_draft_back(page, studio) -> None:
    _, folder = studio
    name = copy_quick(page, studio)
    go_to_line(page, 3)
    page.keyboard.press("End")
    page.keyboard.type(" draft")
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.includes(':draft:'))", timeout=5000
    )
    page.reload()
    page.wait_for_function("() => window.studio && window.studio.state.name !== null")
    assert page.evaluate("() => window.studio.state.name") == name
    assert "title: Quick hamstring release draft" in editor_text(page)
    assert "draft" not in (folder / name).read_text(encoding="utf-8"), "kept in the browser"
    assert "Restored your unsaved draft" in page.inner_text("#notice")
    assert page.locator("#dirty").is_visible()


# -- hearing, sharing -------------------------------------------------------------------------


def test_play_from_a_step_plays_there_and_the_highlight_follows(page, studio) -> None:
    copy_quick(page, studio)
    use_tone_voice(page)
    repeat = page.locator("#chart rect.block.repeat").first
    line = int(repeat.get_attribute("data-line"))
    repeat.click()
    page.click("#play-here")
    page.wait_for_function(
        "() => { const a = document.getElementById('audio');"
        " return !a.paused && a.currentTime > 0; }",
        timeout=60_000,
    )
    start = page.evaluate("() => window.studio.state.playing.blocks.find(b => b.line === "
                          f"{line}).start_s")  # fmt: skip
    t0 = page.evaluate("() => document.getElementById('audio').currentTime")
    assert start - 0.1 <= t0 < start + 3
    page.wait_for_function("t => document.getElementById('audio').currentTime > t + 0.5", arg=t0)
    playing = page.locator(".cm-playing")
    playing.wait_for()
    assert playing.count() == 1
    assert (
        page.evaluate(
            "() => window.studio.view.state.doc.lineAt("
            "window.studio.view.posAtDOM(document.querySelector('.cm-playing'))).number"
        )
        == line
    )
    assert page.locator("#chart rect.block.playing").count() >= 1
    # Jump later in the session: the highlight follows to the step playing there.
    finish = page.evaluate(
        "() => window.studio.state.playing.blocks.filter(b => b.kind === 'hold').pop()"
    )
    page.evaluate(
        "t => { document.getElementById('audio').currentTime = t; }", finish["start_s"] + 1
    )
    page.wait_for_function(
        "n => { const el = document.querySelector('.cm-playing'); return el && "
        "window.studio.view.state.doc.lineAt(window.studio.view.posAtDOM(el)).number === n; }",
        arg=finish["line"],
    )
    assert page.evaluate("() => document.body.dataset.soundAfterMs") is not None
    page.click("#stop")


def test_build_shows_progress_and_offers_the_session(page, studio) -> None:
    _, folder = studio
    name = copy_quick(page, studio)
    use_tone_voice(page)
    page.click("#build")
    link = page.locator("#download-audio")
    link.wait_for(timeout=120_000)
    assert int(page.get_attribute("#progress", "data-updates") or 0) >= 2, "progress pushed"
    assert page.locator("#progress").is_hidden(), "the bar goes when the build is done"
    built = folder / "output" / f"{name[:-5]}.mp3"
    assert link.get_attribute("href") == f"/files/output/{built.name}"
    assert built.stat().st_size > 10_000
    timeline = json.loads(built.with_suffix(".timeline.json").read_text(encoding="utf-8"))
    assert {e["line"] for e in timeline["events"] if "step" in e} >= {18, 28, 30}
    with page.expect_download() as info:
        link.click()
    assert Path(info.value.path()).read_bytes() == built.read_bytes()


def test_share_makes_the_same_zip_as_voicecoach_share_with_its_qr(page, studio) -> None:
    _, folder = studio
    copy_quick(page, studio)
    use_tone_voice(page)
    page.fill("#client", "Ana")
    page.fill("#note", "Twice a week.")
    page.fill("#base-url", "https://example.org/ana/")
    page.click("#share")
    page.wait_for_selector("#share-qr", timeout=120_000)
    assert page.evaluate("() => document.getElementById('share-qr').naturalWidth") > 50
    assert page.get_attribute("#share-qr", "alt") == "QR code of https://example.org/ana/"
    assert "example.org/ana/" in page.text_content("#share-phone")
    href = page.get_attribute("#download-zip", "href")
    assert href.endswith(".zip")
    with page.expect_download() as info:
        page.click("#download-zip")
    got = Path(info.value.path())
    with zipfile.ZipFile(got) as z:
        names = z.namelist()
        top = names[0].split("/")[0]
        assert f"{top}/index.html" in names
        assert any(n.endswith(".mp3") for n in names)
        page_html = z.read(f"{top}/index.html").decode("utf-8")
    assert "Prepared for Ana" in page_html and "Twice a week." in page_html
    assert (folder / "output" / "share" / f"{top}.zip").read_bytes() == got.read_bytes()
    # the share is registered for check-ins: its id and key, beside the share zips
    found = re.search(r'id="data">(.*?)</script>', page_html, re.S)
    checkin = json.loads(found.group(1))["checkin"] if found else {}
    with sqlite3.connect(folder / "output" / "share" / "voicecoach-checkins.sqlite") as db:
        sql = "SELECT client, key_hex FROM shares WHERE share_id = ?"
        assert db.execute(sql, (checkin["share"],)).fetchone() == ("Ana", checkin["key"])


# -- safety (what needs a browser; the API's refusals are in test_studio_api.py) -----------


def test_script_in_a_step_is_shown_as_text_everywhere(page, studio) -> None:
    copy_quick(page, studio)
    before = checks(page)
    select_rest_of_line(page, 37)  # the Finish hold's `say:`
    page.keyboard.type(f'say: "{HOSTILE}"')
    page.keyboard.press("Escape")
    wait_checked(page, before)
    page.wait_for_function(
        "s => window.studio.state.timeline.events.some(e => e.text === s)", arg=HOSTILE
    )
    block = page.locator("#chart rect.block.hold").last
    block.hover()
    tooltip = page.locator("#tooltip")
    tooltip.wait_for()
    assert HOSTILE in tooltip.inner_text()
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    assert page.evaluate("() => document.querySelectorAll('#tooltip *').length") == 0
    # A problem message quoting the text is escaped too.
    select_rest_of_line(page, 37)
    page.keyboard.type(f"{HOSTILE}: 1")
    page.keyboard.press("Escape")
    page.wait_for_selector("#problems li.error")
    assert (
        page.evaluate("() => document.querySelectorAll('#problems script, #problems img').length")
        == 0
    )
    assert page.seen["dialogs"] == []


def test_desktop_screenshot_for_a_person_to_look_at(page, studio) -> None:
    copy_quick(page, studio)
    page.locator("#chart rect.block.repeat").first.click()
    page.wait_for_function("() => window.studio.state.voices.length > 0")
    out = ROOT / "output" / "studio.png"
    png = page.screenshot(path=str(out))
    block = page.locator("#chart rect.block.repeat").first.bounding_box()
    chart = page.locator("#chart").bounding_box()
    bar = page.locator("header.bar").bounding_box()
    in_block, in_bar = pixels_at(
        page,
        png,
        [
            (block["x"] + block["width"] / 2, block["y"] + block["height"] / 2),
            (bar["x"] + 2, bar["y"] + 2),
        ],
    )
    assert in_bar == css_rgb(page, "header.bar", "background-color"), "the header shows"
    assert in_block == css_rgb(page, "#chart rect.block.repeat", "fill"), "the chart's blocks show"
    assert chart["width"] > 300 and page.locator(".cm-line").count() > 10, "editor and chart"


def test_the_new_keys_are_completed_from_the_schema(page, studio) -> None:
    copy_quick(page, studio)
    select_rest_of_line(page, 38)  # `halfway: false` inside the Finish hold
    page.keyboard.type("unt")
    popup = page.locator(".cm-tooltip-autocomplete")
    expect(popup.locator("li[aria-selected=true]")).to_contain_text("until")
    page.keyboard.press("Escape")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Home")
    page.keyboard.type("      - brea")
    expect(popup).to_contain_text("breathe")
