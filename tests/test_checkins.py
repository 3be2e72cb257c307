"""Check-ins (issue 22): asked on the share page after a session and from the done-log, in
the session's language; "sent" (the share sheet's file, or the download, captured in real
Chromium); imported by the CLI and by a drop on the studio into a real SQLite file; shown
in the Clients view. Bad files (unknown share, edited, malformed, over 1 MB) are each
refused with their reason and nothing of them is kept.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import running_studio
from voicecoach.checkins import DB_NAME, MAX_FILE_BYTES, SCHEMA_VERSION, Store
from voicecoach.checkins.store import MIGRATIONS
from voicecoach.compiler import compile_routine
from voicecoach.export.page import PageInfo, render_page
from voicecoach.model import CHECKIN_FORMAT, ShareKey
from voicecoach.routine import load_routine
from voicecoach.studio.app import AppSettings, create_app

from .conftest import invoke
from .test_phone import AXE, png_size
from .test_sharing import ROOT

TOKEN = "t" * 32

#: Records the file handed to the share sheet (headless Chromium has no share sheet).
SHARE_SHEET = """
window.__shared = [];
Object.defineProperty(navigator, "canShare", { configurable: true,
  value: function (d) { return !!(d && d.files && d.files.length); } });
Object.defineProperty(navigator, "share", { configurable: true, value: function (d) {
  var f = d.files[0];
  return f.text().then(function (t) {
    window.__shared.push({ name: f.name, type: f.type, text: t }); });
} });
"""
#: A phone without Web Share and without WebCrypto (a plain-http page): download and plain JS.
NO_SHARE_NO_CRYPTO = """
Object.defineProperty(Navigator.prototype, "share", { configurable: true, value: undefined });
Object.defineProperty(Navigator.prototype, "canShare", { configurable: true, value: undefined });
Object.defineProperty(Crypto.prototype, "subtle", { configurable: true,
  get: function () { return undefined; } });
"""


@pytest.fixture(scope="module")
def shares(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of share folders (as a studio's ``output/share``): one share for Ana."""
    folder = tmp_path_factory.mktemp("clinic") / "output" / "share"
    invoke(["share", "hamstring-quick", "--client", "Ana", "-o", str(folder / "ana"),
            "--engine", "tone", "-q"])  # fmt: skip
    return folder


def page_data(share_folder: Path) -> dict:
    html = (share_folder / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def signed_file(key: ShareKey, sessions: list[dict], client: str = "Ana", sent: str = "") -> bytes:
    """A check-in file as the page makes one (for the refusal tests; the page's own files
    are tested in Chromium below)."""
    inner = json.dumps(
        {"format": CHECKIN_FORMAT, "share": key.share_id, "client": client,
         "routine": "hamstring-quick", "title": "Quick hamstring release",
         "sent": sent or "2026-12-01T10:00:00.000Z", "sessions": sessions}
    )  # fmt: skip
    mac = hmac.new(bytes.fromhex(key.key_hex), inner.encode(), hashlib.sha256).hexdigest()
    envelope = {"format": CHECKIN_FORMAT, "share": key.share_id, "checkin": inner,
                "hmac_sha256": mac}  # fmt: skip
    return json.dumps(envelope).encode()


def key_of(shares: Path, name: str = "ana") -> ShareKey:
    data = page_data(shares / name)["checkin"]
    return ShareKey(data["share"], data["key"])


def rows(shares: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read with sqlite3 itself (the file is real)."""
    with sqlite3.connect(shares / DB_NAME) as db:
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall())
                for t in ("shares", "sessions", "files")}  # fmt: skip


def open_page(browser, share_folder: Path, script: str):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, accept_downloads=True, bypass_csp=True
    )
    ctx.add_init_script(script)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((share_folder / "index.html").as_uri())
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    return page, errors


def finish_session(page) -> None:
    """Plays the last second so the page sees the session end (and logs it as done)."""
    page.evaluate(
        "async () => { const a = document.getElementById('audio');"
        " a.currentTime = a.duration - 0.8; await a.play(); }"
    )
    page.wait_for_function("() => document.getElementById('audio').ended", timeout=15_000)


def check_accessibility(page, where: str) -> None:
    """axe-core on the page as it is now: no serious or critical problem."""
    if not AXE.exists():
        pytest.skip("tests/vendor/axe-core/axe.min.js is missing (see tests/vendor/README.md)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert bad == [], f"{where}: " + "; ".join(bad)


def answer(page, pain: int, difficulty: str, note: str) -> None:
    """The three taps (pain, how hard, save), with a note typed before saving."""
    page.click(f"#checkin [data-pain='{pain}']")
    page.click(f"#checkin [data-difficulty='{difficulty}']")
    if note:
        page.fill("#checkin-note", note)
    page.click("#checkin-save")


# -- the page -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_a_checkin_made_on_the_page_is_shared_and_imported(shares: Path, browser) -> None:
    page, errors = open_page(browser, shares / "ana", SHARE_SHEET)
    assert page.locator("#checkin").is_hidden() and page.locator("#send").is_hidden()
    page.click("#floor-toggle")
    finish_session(page)
    assert page.locator("#checkin").is_visible(), "asked at the end of the session"
    assert page.evaluate("document.body.classList.contains('floor')") is False
    # The closing screen has the focus ("Session complete"); the check-in is on it, below.
    assert page.evaluate("document.activeElement.id") == "closing-heading"
    assert page.locator("#closing #checkin").is_visible()
    assert page.locator("#checkin-heading").inner_text() == "How did it go?"
    check_accessibility(page, "the check-in")
    answer(page, 3, "right", "Left side felt tight <b>")
    assert page.locator("#checkin").is_hidden()
    assert "pain 3/10, About right" in page.locator("#done-list li").first.inner_text()
    stored = page.evaluate("JSON.parse(localStorage.getItem('voicecoach:done'))")
    assert stored[0]["checkin"] == {"pain": 3, "difficulty": "right",
                                    "note": "Left side felt tight <b>"}  # fmt: skip
    assert page.evaluate("window.__shared") == [], "nothing is sent by itself"

    page.click("#send-button")
    page.wait_for_function("() => window.__shared.length === 1")
    sent = page.evaluate("window.__shared[0]")
    assert re.fullmatch(r"checkin-Ana-\d{4}-\d\d-\d\d\.txt", sent["name"])
    assert sent["type"] == "text/plain"
    assert page.locator("#send-status").inner_text() == "Shared."
    assert errors == []
    page.context.close()

    file = shares.parent / sent["name"]
    file.write_text(sent["text"], encoding="utf-8")
    envelope = json.loads(sent["text"])
    inner = json.loads(envelope["checkin"])
    assert envelope["share"] == inner["share"] == key_of(shares).share_id
    assert inner["client"] == "Ana" and inner["routine"] == "hamstring-quick"
    assert [(s["pain"], s["difficulty"], s["note"]) for s in inner["sessions"]] == [
        (3, "right", "Left side felt tight <b>")
    ]

    out = invoke(["checkins", "import", "--folder", str(shares), str(file)]).stdout
    assert "imported" in out and "Ana, 1 session" in out
    before = rows(shares)
    again = invoke(["checkins", "import", "--folder", str(shares), str(file)]).stdout
    assert "already imported" in again
    assert rows(shares) == before, "importing a file twice changes nothing"

    listed = json.loads(invoke(["checkins", "list", "--folder", str(shares), "--json"]).stdout)
    assert [(s["client"], s["pain"], s["difficulty"], s["note"]) for s in listed["sessions"]] == [
        ("Ana", 3, "right", "Left side felt tight <b>")
    ]
    text = invoke(["checkins", "list", "--folder", str(shares), "--client", "ana"]).stdout
    assert "Ana  hamstring-quick" in text and "pain 3/10" in text
    csv_text = invoke(["checkins", "list", "--folder", str(shares), "--csv"]).stdout
    assert csv_text.splitlines()[0] == "client,routine,share,done,pain,difficulty,note"
    assert ",3,right,Left side felt tight <b>" in csv_text


@pytest.mark.browser
@pytest.mark.slow
def test_from_the_done_log_without_share_sheet_or_webcrypto(
    shares: Path, browser, tmp_path
) -> None:
    """A plain-http phone: no Web Share, no crypto.subtle. The plain-JS HMAC must match and
    the file comes as a download; the answers are given later, from the done-log."""
    page, errors = open_page(browser, shares / "ana", NO_SHARE_NO_CRYPTO)
    assert page.evaluate("window.crypto.subtle === undefined && !navigator.share")
    finish_session(page)
    page.click("#checkin-later")
    assert page.locator("#checkin").is_hidden() and page.locator("#send").is_visible()
    page.reload()
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    page.click("#done-list button.rate")
    assert page.locator("#checkin").is_visible()
    assert page.locator("#checkin-save").is_disabled(), "nothing to save before a tap"
    answer(page, 7, "hard", "")
    page.click("#send-button")
    assert page.locator("#send-fallback").is_visible()
    assert page.locator("#send-email").get_attribute("href").startswith("mailto:?subject=")
    with page.expect_download() as info:
        page.click("#send-download")
    download = info.value
    assert download.suggested_filename.startswith("checkin-Ana-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert errors == []
    page.context.close()

    inner = json.loads(json.loads(path.read_text(encoding="utf-8"))["checkin"])
    assert [(s["pain"], s["difficulty"]) for s in inner["sessions"]] == [(7, "hard")]
    out = invoke(["checkins", "import", "--folder", str(shares), str(path)]).stdout
    assert "imported" in out, "the plain-JS HMAC is the same HMAC-SHA256"


@pytest.mark.parametrize(
    ("routine", "ask", "hard"),
    [("hamstring-quick", "How did it go?", "Too hard"),
     ("hamstring-quick-es", "¿Qué tal ha ido?", "Demasiado difícil"),
     ("hamstring-quick-de", "Wie ist es gelaufen?", "Zu schwer")],
)  # fmt: skip
def test_the_questions_are_in_the_sessions_language(routine: str, ask: str, hard: str) -> None:
    timeline = compile_routine(load_routine(routine))
    key = ShareKey.mint()
    html = render_page(timeline, "s.mp3", PageInfo(client="<Ana>", key=key), None)
    assert f">{ask}</h2>" in html and f'data-difficulty="hard" aria-pressed="false">{hard}<' in html
    assert "<Ana>" not in html
    without = render_page(timeline, "s.mp3", PageInfo(client="Ana"), None)
    assert 'id="checkin"' not in without, "a page without a share key asks nothing"


def test_every_share_gets_its_own_id_and_key_and_the_folder_names_it(shares: Path) -> None:
    record = json.loads((shares / "ana" / "share.json").read_text(encoding="utf-8"))
    data = page_data(shares / "ana")["checkin"]
    assert record["share"] == data["share"] and record["client"] == "Ana"
    assert "key" not in record and data["key"] not in json.dumps(record)
    assert re.fullmatch(r"[0-9a-f]{64}", data["key"])
    with sqlite3.connect(shares / DB_NAME) as db:
        (stored,) = db.execute(
            "SELECT key_hex FROM shares WHERE share_id = ?", (data["share"],)
        ).fetchone()
    assert stored == data["key"]
    assert ShareKey.mint() != ShareKey.mint()


# -- bad files --------------------------------------------------------------------------------


def test_bad_files_are_each_refused_with_their_reason_and_nothing_kept(
    shares: Path, tmp_path: Path
) -> None:
    key = key_of(shares)
    session = {"done": "2026-11-30T08:00:00Z", "pain": 2, "difficulty": "easy", "note": ""}
    good = signed_file(key, [session])
    edited = good.replace(b'\\"pain\\": 2', b'\\"pain\\": 0')
    assert edited != good
    bad_content = signed_file(key, [{**session, "pain": 11}])
    files = {
        "unknown.txt": (signed_file(ShareKey.mint(), [session]), "unknown share"),
        "edited.txt": (edited, "edited"),
        "notjson.txt": (b"\xff\xfe not a check-in", "malformed"),
        "other.txt": (b'{"format": "something/1"}', "malformed"),
        "pain11.txt": (bad_content, "malformed"),
        "big.txt": (b" " * (MAX_FILE_BYTES + 1), "too large"),
    }
    paths = []
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    paths.append(str(tmp_path / "missing.txt"))
    huge = tmp_path / "huge.txt"  # 8 GB, sparse: read at most 1 MB + 1 byte of it
    with huge.open("wb") as f:
        f.truncate(8 * 2**30)
    paths.append(str(huge))
    before = rows(shares)
    result = invoke(["checkins", "import", "--folder", str(shares), *paths], exit_code=2)
    for name, (_, reason) in files.items():
        assert f"refused {tmp_path / name}: {reason}:" in result.stderr, name
    assert f"refused {huge}: too large:" in result.stderr
    assert f"refused {tmp_path / 'missing.txt'}: unreadable:" in result.stderr
    assert "Traceback" not in result.stderr
    assert rows(shares) == before, "nothing of a refused file is kept"

    (tmp_path / "good.txt").write_bytes(good)
    mixed = invoke(["checkins", "import", "--folder", str(shares), str(tmp_path / "good.txt"),
                    str(tmp_path / "edited.txt")], exit_code=2)  # fmt: skip
    assert "imported" in mixed.stdout and "edited" in mixed.stderr
    assert len(rows(shares)["files"]) == len(before["files"]) + 1


def test_csv_never_hands_a_spreadsheet_a_formula(tmp_path: Path) -> None:
    store = Store(tmp_path)
    key = ShareKey.mint()
    store.add_share(key, "=Ben", "r", "R", "2026-11-01T00:00:00Z", "")
    note = '=HYPERLINK("http://example.invalid","x")'
    sessions = [{"done": "2026-11-02T09:00:00Z", "pain": 1, "difficulty": "easy", "note": note}]
    (tmp_path / "f").write_bytes(signed_file(key, sessions, "=Ben"))
    invoke(["checkins", "import", "--folder", str(tmp_path), str(tmp_path / "f")])
    out = invoke(["checkins", "list", "--folder", str(tmp_path), "--csv"]).stdout
    row = next(csv.reader(io.StringIO(out.splitlines()[1])))
    assert row[0] == "'=Ben" and row[-1] == "'" + note


def test_a_later_file_updates_an_answer_an_older_one_does_not(tmp_path: Path) -> None:
    store = Store(tmp_path)
    key = ShareKey.mint()
    store.add_share(key, "Ben", "r", "R", "2026-11-01T00:00:00Z", "")
    done = "2026-11-02T09:00:00Z"
    first = signed_file(key, [{"done": done, "pain": 5, "difficulty": "hard", "note": "ow"}],
                        "Ben", sent="2026-11-02T10:00:00Z")  # fmt: skip
    later = signed_file(key, [{"done": done, "pain": 4, "difficulty": "right", "note": ""}],
                        "Ben", sent="2026-11-03T10:00:00Z")  # fmt: skip
    for name, data in (("later", later), ("first", first)):
        (tmp_path / name).write_bytes(data)
    invoke(["checkins", "import", "--folder", str(tmp_path), str(tmp_path / "later"),
            str(tmp_path / "first")])  # fmt: skip
    (row,) = store.sessions("Ben")
    assert (row.pain, row.difficulty) == (4, "right")


# -- the database -----------------------------------------------------------------------------


def test_schema_is_versioned_and_migrated_in_place(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO shares VALUES ('abcdef0123456789', ?, 'Ana', 'r', 'R', 'x', '')",
               ("0" * 64,))  # fmt: skip
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert [s.client for s in store.shares()] == ["Ana"], "the old rows are kept"
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "shares_client" in names
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    result = invoke(["checkins", "list", "--folder", str(tmp_path)], exit_code=2)
    assert "schema version" in result.stderr and "newer voicecoach" in result.stderr


def test_a_database_that_is_not_one_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"not sqlite at all" * 100)
    result = invoke(["checkins", "list", "--folder", str(tmp_path)], exit_code=2)
    assert "cannot be used" in result.stderr and "Traceback" not in result.stderr


def test_list_without_shares_says_what_to_do(tmp_path: Path) -> None:
    out = invoke(["checkins", "list", "--folder", str(tmp_path)]).stdout
    assert "voicecoach share" in out
    assert not (tmp_path / DB_NAME).exists(), "listing creates nothing"


# -- the studio: drop API in-process ----------------------------------------------------------


@pytest.fixture
def studio_folder(tmp_path: Path) -> Path:
    invoke(["share", "hamstring-quick", "--client", "Ana", "-o",
            str(tmp_path / "output" / "share" / "ana"), "--engine", "tone", "-q"])  # fmt: skip
    return tmp_path


def test_studio_drop_imports_and_refuses_like_the_cli(studio_folder: Path) -> None:
    shares = studio_folder / "output" / "share"
    key = key_of(shares)
    good = signed_file(key, [{"done": "2026-11-30T08:00:00Z", "pain": 2, "difficulty": "easy",
                              "note": "fine"}])  # fmt: skip
    app = create_app(AppSettings(studio_folder, TOKEN, frozenset({"testserver"}), 80))
    headers = {"x-studio-token": TOKEN, "origin": "http://testserver"}
    with TestClient(app, headers=headers) as client:
        made = client.post("/api/checkins", content=good, headers={"x-file-name": "a%20b.txt"})
        assert made.status_code == 200, made.text
        assert made.json() | {"name": "a b.txt"} == made.json()
        assert made.json()["status"] == "imported" and made.json()["sessions"] == 1
        assert client.post("/api/checkins", content=good).json()["status"] == "already"
        spaced = b"\n " + json.dumps(json.loads(good), indent=2).encode() + b"\n"
        assert client.post("/api/checkins", content=spaced).json()["status"] == "already"
        before = rows(shares)
        for data, reason in (
            (good.replace(b"fine", b"FINE"), "edited"),
            (signed_file(ShareKey.mint(), []), "unknown share"),
            (b"{}", "malformed"),
            (b"", "malformed"),
        ):
            refused = client.post("/api/checkins", content=data)
            assert refused.status_code == 422 and refused.json()["reason"] == reason
        big = client.post("/api/checkins", content=b" " * (MAX_FILE_BYTES + 1))
        assert big.status_code == 413 and "over 1,000,000 bytes" in big.json()["error"]
        stranger = TestClient(client.app, headers={"x-studio-token": TOKEN})  # no Origin
        assert stranger.post("/api/checkins", content=good).status_code == 403
        assert TestClient(client.app).get("/api/clients").status_code == 403  # no token
        assert rows(shares) == before, "nothing of a refused file is kept"
        listed = client.get("/api/clients").json()["clients"]
        assert [c["client"] for c in listed] == ["Ana"]
        assert [(s["pain"], s["note"]) for s in listed[0]["sessions"]] == [(2, "fine")]
        assert listed[0]["shares"][0]["routine"] == "hamstring-quick"
        page = client.get("/clients")
        assert page.status_code == 200 and "Check-ins from clients" in page.text
        assert "content-security-policy" in page.headers


# -- the studio in Chromium: drop, Clients view -----------------------------------------------


@pytest.fixture
def studio(studio_folder: Path):
    with running_studio(studio_folder, studio_folder / "cache") as url:
        yield url, studio_folder


DROP = """([name, text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, { type: "text/plain" }));
  for (const type of ["dragover", "drop"]) {
    const event = new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true });
    document.body.dispatchEvent(event);
  }
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_files_dropped_on_the_studio_show_in_the_clients_view(studio, browser) -> None:
    url, folder = studio
    shares = folder / "output" / "share"
    key = key_of(shares)
    sessions = [
        {"done": "2026-11-23T08:00:00Z", "pain": 6, "difficulty": "hard", "note": "Sore after"},
        {"done": "2026-11-25T08:00:00Z", "pain": 4, "difficulty": "right", "note": ""},
        {"done": "2026-11-30T08:00:00Z", "pain": 2, "difficulty": "easy", "note": ""},
    ]
    good = signed_file(key, sessions).decode()
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.click("a[href='/clients']")
    page.wait_for_function("() => document.body.dataset.loaded")
    assert page.locator(".client h2").all_inner_texts() == ["Ana"]
    assert page.locator(".trend").count() == 0, "no answers yet"

    page.evaluate(DROP, ["checkin-Ana.txt", good])
    page.wait_for_function("() => document.querySelectorAll('#drop-results li').length === 1")
    assert page.locator("#drop-results li").inner_text().startswith("imported checkin-Ana.txt")
    page.wait_for_function("() => document.querySelectorAll('.trend').length === 1")
    for date in ("2026-11-23", "2026-11-25", "2026-11-30"):
        assert page.locator(f".calendar td[data-date='{date}'] .mark").inner_text() == "●"
    assert page.locator(".calendar td[data-date='2026-11-24'] .mark").inner_text() == ""
    assert page.locator(".calendar tbody tr").first.locator("th").inner_text() == "Nov 23, 2026"
    assert page.locator(".trend circle.pain").count() == 3
    assert page.locator(".trend circle.difficulty").count() == 3
    noted = page.locator(".trend circle.pain.noted")
    noted.hover()
    assert page.locator(".tip").is_visible()
    assert "Sore after" in page.locator(".tip").inner_text()
    page.mouse.move(0, 0)
    assert page.locator(".tip").is_hidden()
    page.focus(".trend circle.difficulty.noted")
    assert "too hard" in page.locator(".tip").inner_text()
    assert "Sore after" in page.locator(".tip").inner_text()

    bad = good.replace("Sore after", "Fine after")
    page.set_input_files("#pick", files=[{"name": "edited.txt", "mimeType": "text/plain",
                                          "buffer": bad.encode()}])  # fmt: skip
    page.wait_for_function(
        "() => document.querySelector('#drop-results li').textContent.startsWith('refused')"
    )
    assert "edited" in page.locator("#drop-results li.refused").inner_text()
    big = " " * (MAX_FILE_BYTES + 1)
    page.evaluate(DROP, ["big.txt", big])
    page.wait_for_function(
        "() => document.querySelector('#drop-results li').textContent.includes('big.txt')"
    )
    assert "too large" in page.locator("#drop-results li").inner_text()
    assert len(rows(shares)["sessions"]) == 3

    # the text a client emailed or copied, pasted (with the mail's line breaks around it)
    later = signed_file(key, [{"done": "2026-12-02T08:00:00Z", "pain": 1, "difficulty": "easy",
                               "note": "Best so far"}], sent="2026-12-02T09:00:00Z")  # fmt: skip
    page.click("#paste-box summary")
    page.fill("#paste", "\n  " + later.decode() + "\n\n")
    page.click("#paste-import")
    page.wait_for_function(
        "() => document.querySelector('#drop-results li').textContent.startsWith('imported')"
    )
    assert page.locator("#paste").input_value() == ""
    page.wait_for_function("() => document.querySelectorAll('.trend circle.pain').length === 4")
    assert page.locator(".calendar td[data-date='2026-12-02'] .mark").inner_text() == "●"
    assert len(rows(shares)["sessions"]) == 4
    assert errors == []
    ctx.close()


# -- help and docs ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["import", "list"])
def test_checkins_commands_have_help_with_an_example(command: str) -> None:
    out = invoke(["checkins", command, "--help"]).stdout
    assert f"voicecoach checkins {command} " in out.split("Example:", 1)[1]


def test_a_file_the_checks_accept_fits_through_the_studio() -> None:
    from voicecoach.studio.security import MAX_BODY_BYTES

    assert MAX_FILE_BYTES <= MAX_BODY_BYTES


def test_docs_show_the_checkin_flow() -> None:
    text = (ROOT / "docs" / "sharing.md").read_text(encoding="utf-8")
    section = text.split("\n## Check-ins\n", 1)[1]
    for name, width in (("checkin-ask.png", 390), ("checkin-send.png", 390),
                        ("clients.png", 900)):  # fmt: skip
        assert f"]({name})" in section
        assert png_size((ROOT / "docs" / name).read_bytes())[0] == width
    assert "does **not** prove" in section
