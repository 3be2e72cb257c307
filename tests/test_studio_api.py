"""The studio's API and page, in-process (Starlette's TestClient): no server, no browser.

What needs a browser (the editor, the chart, audio, the phone) is in test_studio.py; here
every route answers as the page expects, and hostile requests are refused.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import invoke
from voicecoach.model import DETAILS, PACES
from voicecoach.studio import StudioSettings, announce, bind
from voicecoach.studio.app import AppSettings, create_app

TOKEN = "k" * 32
HOST = "testserver"
SECRET = "format: voicecoach/1\nid: secret\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The studio's folder, with a symlink out of it to a file beside it."""
    inside = tmp_path / "routines <&>"
    inside.mkdir()
    (tmp_path / "secret.yaml").write_text(SECRET, encoding="utf-8")
    (inside / "escape.yaml").symlink_to(tmp_path / "secret.yaml")
    return inside


@pytest.fixture
def client(folder: Path):
    app = create_app(AppSettings(folder, TOKEN, frozenset({HOST}), 80, folder.parent / "cache"))
    headers = {"x-studio-token": TOKEN, "origin": f"http://{HOST}"}
    with TestClient(app, headers=headers) as c:
        yield c


def test_the_page_names_the_folder_escaped_and_offers_every_pace(client, folder) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["cache-control"] == "no-store"
    assert html.escape(str(folder), quote=False) in page.text and "<&>" not in page.text
    for select, values, chosen in (("pace", PACES, "normal"), ("detail", DETAILS, "full")):
        found = re.search(rf'<select id="{select}">(.*?)</select>', page.text, re.S)
        assert found is not None, select
        offered = re.findall(r'<option value="(\w+)"( selected)?>\1</option>', found.group(1))
        assert [p for p, _ in offered] == list(values)
        assert [p for p, selected in offered if selected] == [chosen]
    raw = re.search(r'id="studio-data">(.*?)</script>', page.text, re.S)
    assert raw is not None
    data = json.loads(raw.group(1))
    assert data["folder"] == str(folder) and "hamstring-quick" in data["builtins"]
    assert "sections" in data["schema"]["properties"]


def test_new_save_read_and_a_stale_save_is_a_conflict(client, folder) -> None:
    made = client.post("/api/new", json={"name": "Legs day"}).json()
    name = made["name"]
    assert name in made["files"] and (folder / name).is_file()
    assert (folder / name).read_text(encoding="utf-8") == invoke_new_text(folder, "legs-day")
    text, version = (
        client.get("/api/file", params={"name": name}).json()[k] for k in ("text", "version")
    )
    saved = client.post(
        "/api/save", json={"name": name, "text": text + "# mine\n", "version": version}
    )
    assert saved.status_code == 200, saved.text
    stale = client.post("/api/save", json={"name": name, "text": "x", "version": version})
    assert stale.status_code == 409 and stale.json()["theirs"].endswith("# mine\n")
    assert (folder / name).read_text(encoding="utf-8").endswith("# mine\n")
    builtin = client.get("/api/file", params={"builtin": "hamstring-quick"}).json()
    assert builtin["readonly"] is True and "id: hamstring-quick" in builtin["text"]


def invoke_new_text(folder: Path, rid: str) -> str:
    """What ``voicecoach new`` writes for this id (the studio's New starts from the same)."""
    out = folder.parent / f"{rid}.yaml"
    invoke(["new", str(out)])
    return out.read_text(encoding="utf-8")


def test_check_answers_with_the_timeline_and_problems(client) -> None:
    found = client.post("/api/check", json={"builtin": "hamstring-quick", "text": None})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["problems"] == [] and body["timeline"]["events"]


def test_the_detail_control_reaches_the_check(client) -> None:
    words = {}
    for detail in ("full", "brief", "minimal"):
        body = {"builtin": "hamstring-quick", "text": None, "detail": detail}
        timeline = client.post("/api/check", json=body).json()["timeline"]
        assert timeline.get("detail", "full") == detail
        spoken = [e["text"] for e in timeline["events"] if e["kind"] == "speech"]
        words[detail] = sum(len(text.split()) for text in spoken)
    assert words["minimal"] < words["brief"] < words["full"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"builtin": "hamstring-quick", "pace": "sprint"}, "unknown pace 'sprint'"),
        ({"builtin": "hamstring-quick", "detail": "loud"}, "unknown detail 'loud'"),
        ({"builtin": "hamstring-quick", "length_s": -1}, "length_s must be a positive"),
        ({"builtin": "hamstring-quick", "length_s": "nan"}, "length_s must be a positive"),
        ({"builtin": "hamstring-quick", "seed": -2}, "seed must be a whole number"),
        ({"builtin": "hamstring-quick", "text": 3}, "text must be a string"),
        ({"name": ""}, "name must be a non-empty string"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_bad_controls_are_a_clear_400(client, body, error) -> None:
    answer = client.post("/api/check", json=body)
    assert answer.status_code == 400 and error in answer.json()["error"]


def test_not_json_and_an_unknown_format_are_a_clear_400(client) -> None:
    answer = client.post("/api/check", content=b"\xff{", headers={"content-type": "text/plain"})
    assert answer.status_code == 400 and answer.json()["error"] == "the request is not JSON"
    answer = client.post("/api/build", json={"builtin": "hamstring-quick", "format": "exe"})
    assert answer.status_code == 400 and "unknown format 'exe'" in answer.json()["error"]


def test_unknown_jobs_previews_and_files_are_404(client) -> None:
    for path in ("/api/jobs/build-99", "/api/jobs/build-99/events", "/api/preview/build-99.wav"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["error"].startswith("no such"), path
    assert client.get("/files/output/none.mp3").status_code == 404


def test_requests_without_the_token_or_with_a_wrong_host_or_origin_are_refused(folder) -> None:
    app = create_app(AppSettings(folder, TOKEN, frozenset({HOST}), 80))
    with TestClient(app) as bare:
        assert bare.get(f"/?token={TOKEN}").status_code == 200
        assert bare.get("/api/files").status_code == 200, "the token came back as a cookie"
    with TestClient(app) as bare:
        assert bare.get("/").status_code == 403
        assert bare.get("/api/files").status_code == 403
        assert bare.get("/static/studio.js").status_code == 403
        assert bare.get("/?token=wrong").status_code == 403
        assert bare.get(f"/?token={TOKEN}", headers={"host": "evil.example:80"}).status_code == 403
        assert bare.get(f"/?token={TOKEN}", headers={"host": "rebind.example"}).status_code == 403
        body = {"name": "x.yaml", "text": "", "version": None}
        evil = {"origin": "http://evil.example"}
        assert bare.post(f"/api/save?token={TOKEN}", json=body, headers=evil).status_code == 403
        assert bare.post(f"/api/save?token={TOKEN}", json=body).status_code == 403, "no Origin"
    assert not (folder / "x.yaml").exists()


def test_paths_outside_the_folder_are_refused(client, folder) -> None:
    for name in ("../secret.yaml", "/etc/passwd", "sub/../../secret.yaml", "escape.yaml", "a\0b"):
        answer = client.get("/api/file", params={"name": name})
        assert answer.status_code == 403, name
        assert "id: secret" not in answer.text
        saved = client.post("/api/save", json={"name": name, "text": "x", "version": None})
        assert saved.status_code == 403, name
    assert client.get("/files/..%2Fsecret.yaml").status_code in (403, 404)
    assert (folder.parent / "secret.yaml").read_text(encoding="utf-8") == SECRET
    assert "escape.yaml" not in client.get("/api/files").json()["files"], "symlink not listed"


def test_a_builtin_is_named_by_id_never_by_path(client, folder) -> None:
    for rid in ("../secret", str(folder.parent / "secret.yaml"), "hamstring-quick/../x"):
        answer = client.post("/api/check", json={"builtin": rid, "text": None})
        assert answer.status_code == 400 and "no built-in routine" in answer.json()["error"]


def test_a_routine_over_the_formats_limits_gets_validates_located_error(client, folder) -> None:
    deep = "format: voicecoach/1\nid: deep\ntitle: Deep\nsections: " + "[" * 70 + "]" * 70
    (folder / "deep.yaml").write_text(deep + "\n", encoding="utf-8")
    answer = client.post("/api/check", json={"name": "deep.yaml", "text": deep + "\n"})
    assert answer.status_code == 200
    cli = invoke(["validate", "--strict", str(folder / "deep.yaml")], exit_code=2).stderr
    [problem] = answer.json()["problems"]
    assert f":{problem['line']}:{problem['col']}: {problem['message']}" in cli
    assert problem["line"] == 4 and "deeper than 40" in problem["message"]


def test_bodies_over_1_mb_get_413_with_or_without_a_length(client, folder) -> None:
    big = json.dumps({"name": "big.yaml", "text": "x" * 2_000_000}).encode()
    assert client.post("/api/save", content=big).status_code == 413

    def chunks():
        for i in range(0, len(big), 64_000):
            yield big[i : i + 64_000]

    assert client.post("/api/save", content=chunks()).status_code == 413
    assert not (folder / "big.yaml").exists()


# -- starting ---------------------------------------------------------------------------------


def test_listens_on_127_0_0_1_by_default_and_warns_with_a_qr_code_otherwise(tmp_path) -> None:
    settings = StudioSettings(folder=tmp_path)
    started = bind(settings)
    try:
        assert started.sock.getsockname()[0] == "127.0.0.1"
        assert f"127.0.0.1:{started.port}" in started.hosts
        assert re.fullmatch(rf"http://127\.0\.0\.1:{started.port}/\?token=[\w-]{{32}}", started.url)
        lines: list[str] = []
        announce(settings, started, lines.append)
        assert lines[0] == f"voicecoach studio: {started.url}"
        assert not any("warning" in line for line in lines)
    finally:
        started.sock.close()
    other = bind(StudioSettings(folder=tmp_path, host="0.0.0.0"))
    try:
        assert other.token != started.token
        lines = []
        announce(StudioSettings(folder=tmp_path, host="0.0.0.0"), other, lines.append)
        assert lines[0].startswith("warning: listening on 0.0.0.0")
        assert "▀" in lines[1] or "█" in lines[1], "a QR code of the URL"
        assert lines[2] == f"voicecoach studio: {other.url}" and "token=" in other.url
    finally:
        other.sock.close()
