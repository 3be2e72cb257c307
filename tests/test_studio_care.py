"""The studio as a therapist meets it (issue 20's hands-on pass), in real Chromium: a saved
draft leaves nothing to discard, new routines start clean and can be renamed and deleted,
progress reads as a percentage, length and pace survive a reload and pace still moves the
length, and the therapist is asked once and signs new routines."""

from __future__ import annotations

import re

import pytest

from . import test_studio
from .test_studio import checks, copy_quick, editor_text, go_to_line, use_tone_voice, wait_checked

pytestmark = [pytest.mark.browser, pytest.mark.slow]
studio = test_studio.studio  # the same fixtures: a studio over a folder, a page on it
page = test_studio.page


def settled(page) -> None:
    page.wait_for_function(
        "() => { const s = window.studio.state;"
        " return s.name !== null && s.checkedGen === s.gen && s.timeline !== null; }"
    )


def test_saving_a_restored_draft_leaves_nothing_to_discard(page, studio) -> None:
    _, folder = studio
    name = copy_quick(page, studio)
    go_to_line(page, 3)
    page.keyboard.press("End")
    page.keyboard.type(" draft")
    page.wait_for_function("() => Object.keys(localStorage).some(k => k.includes(':draft:'))")
    page.reload()
    page.wait_for_selector("#notice:visible")
    assert "Discard draft" in page.inner_text("#notice")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('save').disabled")
    assert page.locator("#notice").is_hidden(), "no 'Discard draft' for a saved text"
    assert "draft" in (folder / name).read_text("utf-8")
    go_to_line(page, 3)
    page.keyboard.press("End")
    page.keyboard.type("!")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('save').disabled")
    assert page.locator("#conflict").is_hidden(), "no false 'file changed on disk'"
    assert page.inner_text("#status") == f"saved {name}"


def test_new_routines_start_clean_and_can_be_renamed_and_deleted(page, studio) -> None:
    _, folder = studio
    names = []
    for _ in range(2):
        before = checks(page)
        page.click("#new-routine")
        wait_checked(page, before)
        settled(page)
        names.append(page.evaluate("() => window.studio.state.name"))
        assert page.locator("#problems li.error").count() == 0, page.inner_text("#problems")
    second = names[1]
    assert re.search(rf"^id: {second[:-5]}\b", editor_text(page), re.M), "its own id"

    page.click("#rename")
    page.fill("#rename-to", "Evening legs")
    page.click("#rename-ok")
    page.wait_for_function("() => window.studio.state.name === 'evening-legs.yaml'")
    assert not (folder / second).exists() and (folder / "evening-legs.yaml").exists()
    assert re.search(r"^id: evening-legs\b", editor_text(page), re.M)
    assert page.locator("#files button", has_text="evening-legs.yaml").count() == 1

    page.click("#delete")
    assert "Delete evening-legs.yaml?" in page.inner_text("#delete-confirm")
    page.click("#delete-yes")
    page.wait_for_function("() => window.studio.state.name === null")
    assert not (folder / "evening-legs.yaml").exists()
    assert list((folder / ".voicecoach" / "deleted").glob("evening-legs-*.yaml"))
    assert page.locator("#files button", has_text="evening-legs.yaml").count() == 0
    assert page.locator("#rename").is_hidden() and page.locator("#delete").is_hidden()


def test_progress_reads_as_a_percentage(page, studio) -> None:
    copy_quick(page, studio)
    use_tone_voice(page)
    page.evaluate(
        "() => { window.__seen = []; const out = document.getElementById('build-result');"
        " new MutationObserver(() => window.__seen.push(out.textContent))"
        ".observe(out, {childList: true, characterData: true, subtree: true}); }"
    )
    page.click("#build")
    page.locator("#download-audio").wait_for(timeout=120_000)
    seen = [s for s in page.evaluate("window.__seen") if s]
    shown = [s for s in seen if not s.startswith("Download")]
    assert shown and any(re.search(r"\d+%$", s) for s in shown), seen
    assert not any(re.search(r"\d+/\d+", s) for s in seen), "no raw counts"


def test_length_and_pace_survive_a_reload_and_pace_moves_the_length(page, studio) -> None:
    copy_quick(page, studio)
    total = page.inner_text("#total").removeprefix("total ")
    assert page.inner_text("#length-out") == total, "the slider reads what the total says"
    slider = page.locator("#length")
    hi = int(float(slider.get_attribute("max")))
    before = checks(page)
    slider.fill(str(hi))
    wait_checked(page, before)
    pinned = float(page.get_attribute("#total", "data-seconds"))
    assert pinned == pytest.approx(hi, abs=3)

    page.reload()
    settled(page)
    assert float(page.get_attribute("#total", "data-seconds")) == pytest.approx(pinned, abs=0.5)
    assert int(slider.input_value()) == hi, "the length is kept with the routine"

    before = checks(page)
    page.select_option("#pace", "brisk")
    wait_checked(page, before)
    brisk = float(page.get_attribute("#total", "data-seconds"))
    assert brisk < pinned - 20, "pace moves the length even after the slider was touched"
    assert page.inner_text("#length-out") == page.inner_text("#total").removeprefix("total ")

    page.reload()
    settled(page)
    assert page.input_value("#pace") == "brisk"
    assert float(page.get_attribute("#total", "data-seconds")) == pytest.approx(brisk, abs=0.5)


def test_the_therapist_is_asked_once_and_signs_new_routines(page, studio) -> None:
    _, folder = studio
    page.wait_for_selector("#therapist-form:visible")
    page.fill("#therapist-name", "Dr Ana López")
    page.click("#therapist-save")
    page.wait_for_selector("#therapist:visible")
    assert page.inner_text("#therapist") == "Therapist: Dr Ana López"
    assert page.locator("#therapist-form").is_hidden()
    page.reload()
    page.wait_for_selector("#therapist:visible")
    assert page.locator("#therapist-form").is_hidden(), "asked once"
    before = checks(page)
    page.click("#new-routine")
    wait_checked(page, before)
    assert 'author: "Dr Ana López"' in editor_text(page)
    assert (folder / ".voicecoach" / "settings.json").is_file()
