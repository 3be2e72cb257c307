"""Handing a session over in the clinic (issue 22): one share folder served on the local
network for a limited time, under an unguessable path, GET and HEAD only, nothing else.
The phone test runs in Chromium's Pixel 7 emulation from this machine's non-loopback
address: the page loads, keeps the audio (IndexedDB: a plain-http LAN address gets no
service worker) and plays it with the network off."""

from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path

import pytest

from voicecoach.errors import UserError
from voicecoach.publish.handover import Handover, HandoverSettings, lan_address

from .conftest import DEVICES, invoke
from .test_phone import OUTPUT, until, wait_ready


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("handover") / "ana"
    invoke(["share", "hamstring-quick", "--client", "Ana", "-o", str(folder), "--engine", "tone",
            "-q"])  # fmt: skip
    (folder / ".secret-note").write_text("not for phones", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "x.txt").write_text("not for phones", encoding="utf-8")
    return folder


def ask(handover: Handover, method: str, path: str, headers: dict[str, str] | None = None,
        body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    host, port = handover.authority.rsplit(":", 1)
    connection = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_serves_the_folder_only_get_and_head(site: Path) -> None:
    with Handover(HandoverSettings(site, host="127.0.0.1")) as h:
        assert len(h.token) >= 40 and h.url == f"http://{h.authority}/{h.token}/"
        base = f"/{h.token}/"
        status, headers, body = ask(h, "GET", base)
        assert status == 200 and b"Quick hamstring release" in body
        assert headers["referrer-policy"] == "no-referrer"
        mp3 = next(site.glob("*.mp3"))
        status, headers, body = ask(h, "GET", base + mp3.name, {"Range": "bytes=1000-1999"})
        assert (status, len(body), headers["content-type"]) == (206, 1000, "audio/mpeg")
        assert body == mp3.read_bytes()[1000:2000]
        status, headers, body = ask(h, "HEAD", base + mp3.name)
        assert (status, body, headers["content-length"]) == (200, b"", str(mp3.stat().st_size))
        for method in ("POST", "PUT", "DELETE", "PROPFIND", "OPTIONS"):
            status, headers, _ = ask(h, method, base + "index.html", body=b"x")
            assert status == 405 and headers["allow"] == "GET, HEAD", method
        for path in ("/", "/index.html", f"/{h.token}", f"/{h.token[:-1]}/index.html",
                     "/api/share", "/api/routines", f"{base}.secret-note", f"{base}sub/x.txt",
                     f"{base}sub/", f"{base}..%2F..%2Fetc%2Fpasswd", f"{base}../ana/index.html",
                     f"{base}%2e%2e/x"):  # fmt: skip
            status, _, body = ask(h, "GET", path)
            assert status == 404 and b"Quick" not in body, path
        status, _, _ = ask(h, "POST", "/api/share", body=b"{}")
        assert status == 404, "the studio's API is not here"
        status, _, _ = ask(h, "GET", base, {"Host": "attacker.example"})
        assert status == 404, "a wrong Host header (DNS rebinding) gets nothing"
    with pytest.raises(OSError):
        ask(h, "GET", base)


def test_huge_body_is_not_read(site: Path) -> None:
    """A POST announcing a gigabyte is answered 405 at once; nothing is read into memory."""
    with Handover(HandoverSettings(site, host="127.0.0.1")) as h:
        host, port = h.authority.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(f"POST /{h.token}/ HTTP/1.1\r\nHost: {h.authority}\r\n"
                      "Content-Length: 1000000000\r\n\r\n".encode() + b"x" * 1000)  # fmt: skip
            answer = s.recv(200)
        assert answer.startswith(b"HTTP/1.1 405")
        start = time.monotonic()
        status, _, _ = ask(h, "GET", f"/{h.token}/")
        assert status == 200 and time.monotonic() - start < 5


def test_ends_by_itself(site: Path) -> None:
    h = Handover(HandoverSettings(site, host="127.0.0.1", duration_s=1))
    ticks: list[float] = []
    start = time.monotonic()
    h.wait(ticks.append)
    assert 0.9 < time.monotonic() - start < 5
    assert ticks and ticks[-1] <= 1.0, "counts down (the timer may end it before a last tick)"
    assert not h.active
    with pytest.raises(OSError):
        ask(h, "GET", f"/{h.token}/")


def test_refuses_what_is_not_a_share_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no index\.html"):
        Handover(HandoverSettings(tmp_path, host="127.0.0.1"))
    with pytest.raises(UserError, match="positive"):
        Handover(HandoverSettings(tmp_path, host="127.0.0.1", duration_s=0))


def test_cli_handover_prints_url_qr_and_ends(tmp_path: Path) -> None:
    result = invoke(["share", "hamstring-quick", "--client", "Ana", "-o", str(tmp_path / "a"),
                     "--engine", "tone", "-q", "--handover", "--for", "1s",
                     "--host", "127.0.0.1"])  # fmt: skip
    assert "handing over a at http://127.0.0.1:" in result.stdout
    assert "█" in result.stdout and "hand-over ended (time is up)" in result.stdout
    invoke(["share", "hamstring-quick", "--handover", "--for", "soon"], exit_code=2)
    invoke(["share", "hamstring-quick", "--handover", "--zip"], exit_code=2)


def test_lan_address_is_not_loopback() -> None:
    address = lan_address()
    assert not address.startswith("127.") and address.count(".") == 3


@pytest.mark.browser
@pytest.mark.slow
def test_phone_scans_keeps_and_plays_offline(site: Path, browser) -> None:
    """Pixel 7 emulation at the machine's LAN address (not a secure context: no service
    worker): the page loads, the audio is kept in IndexedDB and plays with the network
    off; the path above it and a POST get 404 and 405."""
    with Handover(HandoverSettings(site)) as h:
        assert not h.authority.startswith("127.")
        context = browser.new_context(**DEVICES["Pixel 7"])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(h.url)
        wait_ready(page)
        assert page.evaluate("window.isSecureContext") is False
        until(page, "document.documentElement.dataset.kept === 'indexeddb'", timeout=30_000)
        assert "Kept on this phone" in page.locator("#offline").inner_text()
        assert page.locator("#save-audio").get_attribute("download", timeout=1000)
        page.locator("#offline").scroll_into_view_if_needed()
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "handover-phone.png"))
        above = page.request.get(h.url.rsplit("/", 2)[0] + "/")
        assert above.status == 404
        posted = page.request.post(h.url + "index.html", data="x")
        assert posted.status == 405
        api = page.request.get(f"http://{h.authority}/api/routines")
        assert api.status == 404
    context.set_offline(True)  # and the listener is gone
    page.evaluate("async () => { const a = document.getElementById('audio'); a.currentTime = 200;"
                  " await a.play(); }")  # fmt: skip
    until(page, "$audio.currentTime > 200.3", timeout=15_000)
    assert page.evaluate("document.getElementById('audio').src").startswith("blob:")
    assert page.evaluate("document.getElementById('audio').error") is None
    assert errors == []
    context.close()
