"""The studio's "Hand over" button (issue 22): the share folder served to a phone on this
network with a QR code, a countdown and a stop button; the studio stays on 127.0.0.1.
The API's refusals run in-process (TestClient); the button in Chromium."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from voicecoach.studio.app import AppSettings, create_app

from .test_studio import ROOT, copy_quick, page, studio, use_tone_voice  # noqa: F401

TOKEN = "t" * 32


@pytest.fixture
def client(tmp_path: Path):
    app = create_app(AppSettings(tmp_path, TOKEN, frozenset({"testserver"}), 80, tmp_path / "c"))
    headers = {"x-studio-token": TOKEN, "origin": "http://testserver"}
    with TestClient(app, headers=headers) as c:
        yield c


def test_api_refuses_what_is_not_a_finished_share_folder(client: TestClient) -> None:
    assert client.get("/api/handover").json() == {"active": False}
    for body in ({}, {"job": "nope"}, {"job": ["x"]}):
        r = client.post("/api/handover/start", json=body)
        assert r.status_code == 404 and "no such finished share" in r.json()["error"]
    r = client.post("/api/handover/start", content=b"[", headers={"content-type": "text/plain"})
    assert r.status_code == 400
    assert client.post("/api/handover/stop", json={}).json() == {"active": False}
    stranger = TestClient(client.app, headers={"x-studio-token": TOKEN})  # no Origin
    assert stranger.post("/api/handover/start", json={"job": "x"}).status_code == 403


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.browser
@pytest.mark.slow
def test_hand_over_button_shows_qr_countdown_and_stops(page, studio) -> None:  # noqa: F811
    url, _ = studio
    assert url.startswith("http://127.0.0.1:"), "the studio stays on loopback"
    copy_quick(page, studio)
    use_tone_voice(page)
    page.fill("#client", "Ana")
    page.click("#handover")
    page.wait_for_selector("#handover-panel:not([hidden])", timeout=120_000)
    assert page.evaluate("() => document.getElementById('handover-qr').naturalWidth") > 50
    served = page.inner_text("#handover-url")
    assert re.fullmatch(r"http://[\d.]+:\d+/[\w-]{40,}/", served)
    assert not served.startswith("http://127."), "on the LAN address, not the studio's"
    assert re.fullmatch(r"(29:5\d|30:00) left", page.inner_text("#handover-left"))
    with urllib.request.urlopen(served, timeout=5) as r:
        assert b"Prepared for Ana" in r.read()
    above = served.rsplit("/", 2)[0] + "/"
    assert fetch(above) == 404 and fetch(above + "api/files") == 404
    first = page.inner_text("#handover-left")
    page.wait_for_function(
        f"() => document.getElementById('handover-left').textContent !== {first!r}"
    )
    (ROOT / "output").mkdir(exist_ok=True)
    page.locator("#share-form").screenshot(path=str(ROOT / "output" / "studio-handover.png"))
    page.click("#handover-stop")
    page.wait_for_selector("#handover-panel", state="hidden")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            fetch(served)
        except OSError:
            break
        time.sleep(0.1)
    with pytest.raises(OSError):
        fetch(served)


def wait_job(client: TestClient, job: dict) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        snap = client.get(f"/api/jobs/{job['id']}").json()
        if snap["state"] in ("done", "failed"):
            return snap
        time.sleep(0.2)
    raise AssertionError("the job did not finish")


@pytest.mark.slow
def test_studio_share_publishes_to_webdav(client: TestClient, tmp_path: Path) -> None:
    """The studio's share with a target: the folder uploaded, the QR code of the public
    address; a password in the URL and an unknown scheme are refused without echo."""
    from .publishing import dav_server

    root = tmp_path / "dav"
    root.mkdir()
    body = {"builtin": "hamstring-quick", "voice": "tone|default", "client": "Ana"}
    with dav_server(root) as authority:
        url = f"webdav+http://{authority}/ana/"
        snap = wait_job(client, client.post("/api/share", json={**body, "publish": url}).json())
        assert snap["state"] == "done", snap.get("error")
        published = snap["result"]["published"]
        address = f"http://{authority}/ana/index.html"
        assert published["address"] == address and published["uploaded"] >= 9
        assert snap["result"]["qr_url"] == address
        assert snap["result"]["qr"].startswith("data:image/png;base64,")
        assert (root / "ana" / "index.html").is_file()
        assert address in (root / "ana" / "index.html").read_text(encoding="utf-8")
    r = client.post("/api/share", json={**body, "publish": "webdav+https://u:hunter22@h.org/a/"})
    assert r.status_code == 400 and "hunter22" not in r.text and "password" in r.text
    r = client.post("/api/share", json={**body, "publish": "ftp://h.org/a/"})
    assert r.status_code == 400 and "unknown kind of target" in r.text


@pytest.mark.browser
@pytest.mark.slow
def test_publish_button_uploads_and_shows_the_address(page, studio, tmp_path: Path) -> None:  # noqa: F811
    from .publishing import dav_server

    root = tmp_path / "dav"
    root.mkdir()
    with dav_server(root) as authority:
        copy_quick(page, studio)
        use_tone_voice(page)
        page.fill("#client", "Ana")
        page.fill("#publish-url", f"webdav+http://{authority}/clinic/ana/")
        page.click("#publish")
        page.wait_for_selector("#publish-address", timeout=120_000)
        address = f"http://{authority}/clinic/ana/index.html"
        assert page.inner_text("#publish-address") == address
        assert "Published" in page.inner_text("#publish-done")
        assert page.evaluate("() => document.getElementById('share-qr').naturalWidth") > 50
        with urllib.request.urlopen(address, timeout=5) as r:
            assert b"Prepared for Ana" in r.read()
