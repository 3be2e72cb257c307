"""Publishing to the clinic's own web space (issue 22), against real servers started here:
WebDAV (wsgidav), S3 (moto's server mode). The published page is fetched from the server
and played in Chromium, also with the network off after the first visit; failures (wrong
password, host down, a server failing midway, a timeout) exit 1 naming the target, and
leave no page online whose audio is missing."""

from __future__ import annotations

import shutil
import socket
import threading
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from voicecoach.errors import PublishError, UserError
from voicecoach.publish.target import parse_target, public_url, shown
from voicecoach.publish.upload import MANIFEST, publish

from .conftest import invoke
from .publishing import (
    dav_server,
    failing_put,
    recording,
    s3_server,
    sftp_server,
    wsgidav_command,
)
from .test_phone import open_at, until, wait_ready

PASSWORD = "s3cret-clinic-pw"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A share folder of the quick routine (tone engine: fast to build)."""
    folder = tmp_path_factory.mktemp("publish") / "ana"
    invoke(
        ["share", "hamstring-quick", "--client", "Ana", "-o", str(folder), "--engine", "tone", "-q"]
    )
    return folder


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (any case) and body of a GET."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as r:
        return r.status, r.headers, r.read()


def share_args(out: Path, *more: str) -> list[str]:
    return [
        "share",
        "hamstring-quick",
        "--client",
        "Ana",
        "-o",
        str(out),
        "--engine",
        "tone",
        "-q",
        *more,
    ]


# -- targets and credentials -----------------------------------------------------------------


def test_targets_parse_and_never_show_credentials(tmp_path: Path) -> None:
    t = parse_target("webdav+https://cloud.example.org/remote.php/dav/files/clinic/ana/", {})
    assert (t.kind, t.web_scheme, t.path) == ("webdav", "https", "remote.php/dav/files/clinic/ana")
    assert public_url(t, None) == "https://cloud.example.org/remote.php/dav/files/clinic/ana/"
    t = parse_target("sftp://clinic@files.example.org:2222/srv/www/ana", {})
    assert (t.kind, t.username, t.port, t.path) == ("sftp", "clinic", 2222, "srv/www/ana")
    assert t.shown == "sftp://files.example.org:2222/srv/www/ana", "no user name shown"
    assert public_url(t, None) is None and public_url(t, "https://x.org/a") == "https://x.org/a/"
    t = parse_target("s3://clinic/ana/", {"AWS_ENDPOINT_URL": "https://s3.example.net"})
    assert public_url(t, None) == "https://s3.example.net/clinic/ana/"
    with pytest.raises(UserError) as caught:
        parse_target(f"webdav+https://clinic:{PASSWORD}@cloud.example.org/ana/", {})
    assert PASSWORD not in caught.value.format() and "carries a password" in caught.value.format()
    assert shown(f"dav://u:{PASSWORD}@h.org:81/a/") == "dav://h.org:81/a/"
    for bad in ("ftp://h.org/a", "cloud.example.org/ana", "webdav+https:///a", "s3://b/a?x=1"):
        with pytest.raises(UserError):
            parse_target(bad, {})
    with pytest.raises(UserError, match="timeout"):
        parse_target("s3://b/a", {"VOICECOACH_PUBLISH_TIMEOUT": "soon"})


def test_config_file_gives_credentials_and_address(tmp_path: Path) -> None:
    config = tmp_path / ".voicecoach" / "publish.yaml"
    config.parent.mkdir()
    config.write_text(
        "webdav+https://cloud.example.org/dav/:\n  username: clinic\n  password: pw-from-file\n"
        "  base_url: https://sessions.example.org/\n"
        "webdav+https://cloud.example.org/dav/private/:\n  username: other\n",
        encoding="utf-8",
    )
    t = parse_target("webdav+https://cloud.example.org/dav/ana/", {}, tmp_path)
    assert (t.username, t.secrets["password"]) == ("clinic", "pw-from-file")
    assert public_url(t, None) == "https://sessions.example.org/ana/"
    assert "pw-from-file" not in repr(t), "secrets stay out of reprs and logs"
    t = parse_target("webdav+https://cloud.example.org/dav/private/x", {}, tmp_path)
    assert t.username == "other", "the longest prefix wins"
    env = {"VOICECOACH_PUBLISH_USER": "u", "VOICECOACH_PUBLISH_PASSWORD": "p"}
    t = parse_target("webdav+https://elsewhere.org/a/", env, tmp_path)
    assert (t.username, t.secrets["password"]) == ("u", "p")
    config.write_text("webdav+https://a.org/:\n  pasword: typo\n", encoding="utf-8")
    with pytest.raises(UserError, match="unknown setting 'pasword'"):
        parse_target("webdav+https://a.org/x/", {}, tmp_path)
    config.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(UserError, match="mapping"):
        parse_target("webdav+https://a.org/x/", {}, tmp_path)
    config.write_bytes(b"x: [" * 20_000)
    with pytest.raises(UserError, match="64 kB"):
        parse_target("webdav+https://a.org/x/", {}, tmp_path)


# -- WebDAV ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_share_publish_webdav_then_play_offline(tmp_path: Path, browser) -> None:
    """`share --publish` to `wsgidav --auth anonymous`; the page from the server plays in
    Chromium, then again with the network off (the service worker's cache)."""
    root = tmp_path / "dav"
    root.mkdir()
    with wsgidav_command(root) as authority:
        result = invoke(
            share_args(tmp_path / "out", "--publish", f"webdav+http://{authority}/clinic/ana/")
        )
        address = f"http://{authority}/clinic/ana/index.html"
        assert f"open it at {address}" in result.stdout
        assert "▀" in result.stdout or "█" in result.stdout, "a QR code in the terminal"
        published = root / "clinic" / "ana"
        local = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert sorted(p.name for p in published.iterdir()) == sorted([*local, MANIFEST])
        assert not list(published.glob(".part-*")), "no temporary file left"
        mp3 = next(published.glob("*.mp3")).name
        status, headers, body = get(address.replace("index.html", mp3), {"Range": "bytes=100-199"})
        assert (status, len(body), headers["Content-Type"]) == (206, 100, "audio/mpeg")
        html = get(address)[2].decode()
        assert address in html, "the page's own QR code shows where it lives"

        page, errors = open_at(browser, address, ())
        until(page, "document.getElementById('offline').textContent.length > 0", timeout=30_000)
        page.evaluate("document.getElementById('audio').play()")
        until(page, "$audio.currentTime > 0.5")
    context = page.context
    context.set_offline(True)  # and the server is gone too
    response = page.reload()
    assert response is not None and response.from_service_worker
    wait_ready(page)
    page.evaluate(
        "async () => { const a = document.getElementById('audio'); a.currentTime = 200;"
        " await a.play(); }"
    )
    until(page, "$audio.currentTime > 200.3", timeout=15_000)
    assert page.evaluate("document.getElementById('audio').error") is None
    assert errors == []
    context.close()


def test_publish_again_sends_only_what_changed_page_last(site: Path, tmp_path: Path) -> None:
    root = tmp_path / "dav"
    root.mkdir()
    log: list[tuple[str, str]] = []
    with dav_server(root, wrap=recording(log)) as authority:
        target = parse_target(f"webdav+http://{authority}/ana", {})
        first = publish(site, target)
        names = sorted(p.name for p in site.iterdir())
        assert sorted(first.uploaded) == names and first.unchanged == ()
        moves = [where.split()[1].rsplit("/", 1)[1] for method, where in log if method == "MOVE"]
        assert moves[-3:] == ["sw.js", "index.html", MANIFEST], "the page last, then the record"
        assert moves[0].endswith(".mp3"), "the audio first"
        assert all(m == "PUT" for m, w in log if ".part-" in w and m in ("PUT", "GET"))

        log.clear()
        again = publish(site, target)
        assert again.uploaded == () and again.bytes_sent == 0
        assert not [m for m, _ in log if m in ("PUT", "MOVE")], "nothing sent"

        html = (site / "index.html").read_text(encoding="utf-8")
        (site / "index.html").write_text(html.replace("Prepared for", "Made for"), "utf-8")
        (root / "ana" / "icon-192.png").unlink()  # removed on the server by hand
        try:
            changed = publish(site, target)
        finally:
            (site / "index.html").write_text(html, encoding="utf-8")
        assert changed.uploaded == ("icon-192.png", "index.html")
        assert "Made for" in (root / "ana" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_cli_share_republish_reports_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "dav"
    root.mkdir()
    with dav_server(root) as authority:
        url = f"webdav+http://{authority}/ana/"
        invoke(share_args(tmp_path / "out", "--publish", url))
        again = invoke(share_args(tmp_path / "out", "--publish", url))
        count = len(list((tmp_path / "out").iterdir()))
        # The same build; a re-share mints a new check-in key, so only its page, share.json
        # and the offline list change: the audio and the rest are not sent again.
        assert f"published 3 files (0.1 MB; {count - 3} unchanged)" in again.stdout, "same build"
        noted = invoke(share_args(tmp_path / "out", "--publish", url, "--note", "Twice a week."))
        assert "published 0 files" not in noted.stdout
        assert "Twice a week." in (root / "ana" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_wrong_password_exit_1_target_named_nothing_online(tmp_path: Path) -> None:
    root = tmp_path / "dav"
    root.mkdir()
    with dav_server(root, users={"clinic": PASSWORD}) as authority:
        url = f"webdav+http://clinic@{authority}/ana/"
        env = {"VOICECOACH_PUBLISH_PASSWORD": "not-the-password"}
        result = invoke(share_args(tmp_path / "out", "--publish", url), exit_code=1, env=env)
        assert f"publishing to webdav+http://{authority}/ana/ failed" in result.stderr
        assert "user name or password" in result.stderr and "401" in result.stderr
        assert "not-the-password" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert not (root / "ana").exists() or not list((root / "ana").iterdir())
        env = {"VOICECOACH_PUBLISH_PASSWORD": PASSWORD}
        ok = invoke(share_args(tmp_path / "out", "--publish", url), env=env)
        assert PASSWORD not in ok.stdout + ok.stderr
        assert (root / "ana" / "index.html").is_file()


def feed_folder(site: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "feed"
    folder.mkdir()
    for p in site.glob("hamstring-quick-ana.*"):
        if p.suffix in (".mp3", ".json"):
            shutil.copy(p, folder / p.name)
    return folder


def test_host_down_exit_1(site: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the test runs: nothing listens there
    result = invoke(
        [
            "feed",
            str(feed_folder(site, tmp_path)),
            "--publish",
            f"webdav+http://127.0.0.1:{port}/feeds/ana/",
        ],
        exit_code=1,
    )
    assert f"publishing to webdav+http://127.0.0.1:{port}/feeds/ana/ failed" in result.stderr
    assert "connection refused" in result.stderr


def test_silent_server_times_out(site: Path, tmp_path: Path) -> None:
    """A host that accepts connections and never answers: a timeout, not a hang."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        target = parse_target(
            f"webdav+http://127.0.0.1:{port}/a/", {"VOICECOACH_PUBLISH_TIMEOUT": "1"}
        )
        with pytest.raises(PublishError, match=r"127\.0\.0\.1.*\(timeout\)"):
            publish(feed_folder(site, tmp_path), target)
    finally:
        silent.close()


@pytest.mark.parametrize(
    ("status", "read_half", "cause"),
    [
        ("507 Insufficient Storage", False, "disk is full"),
        ("500 Internal Server Error", True, "server failed (500)"),
    ],
)
def test_server_failing_midway_leaves_no_page(
    site: Path, tmp_path: Path, status: str, read_half: bool, cause: str
) -> None:
    """The first upload (the audio) succeeds, the next fails: exit 1, the target named, no
    page online, nothing half-written left."""
    root = tmp_path / "dav"
    root.mkdir()
    with dav_server(root, wrap=failing_put(1, status, read_half)) as authority:
        target = parse_target(f"webdav+http://{authority}/ana/", {})
        with pytest.raises(PublishError) as caught:
            publish(site, target)
    message = str(caught.value)
    assert f"publishing to webdav+http://{authority}/ana/ failed while uploading" in message
    assert cause in message
    online = sorted(p.name for p in (root / "ana").iterdir())
    assert online == ["hamstring-quick-ana.mp3"], "the audio only: no page links to anything"


def test_feed_publish_webdav_feed_last(site: Path, tmp_path: Path) -> None:
    root = tmp_path / "dav"
    root.mkdir()
    log: list[tuple[str, str]] = []
    with dav_server(root, wrap=recording(log)) as authority:
        result = invoke(
            [
                "feed",
                str(feed_folder(site, tmp_path)),
                "--publish",
                f"webdav+http://{authority}/feeds/ana/",
            ]
        )
        feed_url = f"http://{authority}/feeds/ana/feed.xml"
        assert f"open it at {feed_url}" in result.stdout
        xml = get(feed_url)[2].decode()
        assert f"http://{authority}/feeds/ana/hamstring-quick-ana.mp3" in xml
    moves = [w.split()[1].rsplit("/", 1)[1] for m, w in log if m == "MOVE"]
    assert moves[-2:] == ["feed.xml", MANIFEST]
    assert not (root / "feeds" / "ana" / ".feed-state.json").exists(), "local state stays home"


# -- S3 ----------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_share_publish_s3_then_play(tmp_path: Path, browser) -> None:
    with s3_server("clinic") as env:
        result = invoke(share_args(tmp_path / "out", "--publish", "s3://clinic/ana/"), env=env)
        address = f"{env['AWS_ENDPOINT_URL']}/clinic/ana/index.html"
        assert f"open it at {address}" in result.stdout
        assert "clinic-secret" not in result.stdout + result.stderr
        status, headers, _ = get(address)
        assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/html")
        mp3 = address.replace("index.html", "hamstring-quick-ana.mp3")
        status, headers, body = get(mp3, {"Range": "bytes=0-99"})
        assert (status, len(body)) == (206, 100)
        page, errors = open_at(browser, address, ())
        page.evaluate("document.getElementById('audio').play()")
        until(page, "$audio.currentTime > 0.5")
        assert errors == []
        page.context.close()
        again = invoke(share_args(tmp_path / "out", "--publish", "s3://clinic/ana/"), env=env)
        assert "published 3 files (0.1 MB; 8 unchanged)" in again.stdout  # page, key, list
        missing = invoke(
            share_args(tmp_path / "out", "--publish", "s3://nobucket/ana/"), exit_code=1, env=env
        )
        assert "publishing to s3://nobucket/ana/ failed" in missing.stderr
        assert "no such bucket" in missing.stderr


def test_zip_and_publish_refused() -> None:
    result = invoke(["share", "hamstring-quick", "--zip", "--publish", "s3://b/a/"], exit_code=2)
    assert "--zip" in result.stderr


def test_publish_in_thread_safe_message_for_unknown_errors(tmp_path: Path) -> None:
    """A cause we do not know by name is still told, with secrets scrubbed."""
    from voicecoach.publish.upload import scrub

    target = parse_target("sftp://h.org/a", {"VOICECOACH_PUBLISH_PASSWORD": PASSWORD})
    text = scrub(f"failed at sftp://u:{PASSWORD}@h.org/ with {PASSWORD}", target)
    assert PASSWORD not in text and "sftp://h.org/" in text
    assert threading.active_count() >= 1


def test_progress_and_a_foreign_manifest(site: Path, tmp_path: Path) -> None:
    """Progress runs up to the bytes sent; a manifest on the target that is not ours (bad
    JSON, too big) only means everything is sent again."""
    root = tmp_path / "dav"
    (root / "ana").mkdir(parents=True)
    (root / "ana" / MANIFEST).write_text("{not json", encoding="utf-8")
    with dav_server(root) as authority:
        target = parse_target(f"webdav+http://{authority}/ana/", {})
        seen: list[tuple[int, int]] = []
        result = publish(site, target, lambda sent, total: seen.append((sent, total)))
        assert seen and seen[-1] == (result.bytes_sent, result.bytes_sent)
        assert [s for s, _ in seen] == sorted(s for s, _ in seen), "never goes back"
        assert result.bytes_sent == sum(p.stat().st_size for p in site.iterdir())
        (root / "ana" / MANIFEST).write_bytes(b"{" + b" " * (2 << 20) + b"}")
        assert publish(site, target).uploaded, "an oversized manifest is not read"


def test_sftp_publish_again_and_wrong_password(site: Path, tmp_path: Path) -> None:
    """SFTP (sshfs) to a real SSH server: the host key checked against a known_hosts file,
    files replaced in place on a second publish, a wrong password named."""
    root = tmp_path / "sftp"
    root.mkdir()
    with sftp_server(root, "clinic", PASSWORD) as server:
        url = f"sftp://clinic@127.0.0.1:{server['port']}/www/ana/"
        env = {"VOICECOACH_PUBLISH_PASSWORD": PASSWORD,
               "VOICECOACH_PUBLISH_KNOWN_HOSTS": server["known_hosts"]}  # fmt: skip
        first = publish(site, parse_target(url, env))
        assert sorted(first.uploaded) == sorted(p.name for p in site.iterdir())
        assert (root / "www" / "ana" / "index.html").read_bytes() == (
            site / "index.html"
        ).read_bytes()
        html = (site / "index.html").read_text(encoding="utf-8")
        (site / "index.html").write_text(html.replace("Prepared for", "Made for"), "utf-8")
        try:
            again = publish(site, parse_target(url, env))
        finally:
            (site / "index.html").write_text(html, encoding="utf-8")
        assert again.uploaded == ("index.html",), "moved onto the old page"
        assert "Made for" in (root / "www" / "ana" / "index.html").read_text(encoding="utf-8")
        assert not list((root / "www" / "ana").glob(".part-*"))
        wrong = {**env, "VOICECOACH_PUBLISH_PASSWORD": "nope-nope"}
        with pytest.raises(PublishError) as caught:
            publish(site, parse_target(url, wrong))
        message = str(caught.value)
        assert f"publishing to sftp://127.0.0.1:{server['port']}/www/ana/ failed" in message
        assert "nope-nope" not in message and "clinic@" not in message
        unknown = {**env, "VOICECOACH_PUBLISH_KNOWN_HOSTS": str(tmp_path / "empty")}
        (tmp_path / "empty").write_text("", encoding="utf-8")
        with pytest.raises(PublishError, match="host key"):
            publish(site, parse_target(url, unknown))
