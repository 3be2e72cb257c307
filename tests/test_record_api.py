"""The Record panel's API, in-process (Starlette's TestClient): takes in and out, hostile
requests refused, and a take sent to the studio builds exactly as the same file imported
from a CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import invoke
from tests.test_recordings import ROUTINE, _say
from voicecoach.studio.app import AppSettings, create_app

TOKEN = "t" * 32
LINE = "Sit tall with both legs long."


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "legs.yaml").write_text(ROUTINE, encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(folder: Path):
    app = create_app(AppSettings(folder, TOKEN, frozenset({"testserver"}), 80, folder / "cache"))
    headers = {"x-studio-token": TOKEN, "origin": "http://testserver"}
    with TestClient(app, headers=headers) as c:
        yield c


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("take") / "sit.wav"
    _say(LINE, path)
    return path


def _send(
    client: TestClient, take: Path, force: str = "0", line: str = LINE, name: str = "legs.yaml"
):
    return client.post(
        "/api/recordings/take",
        params={"name": name, "line": line, "force": force},
        content=take.read_bytes(),
        headers={"content-type": "audio/wav"},
    )


def test_a_take_is_listed_heard_replaced_only_when_asked_and_deleted(client, take) -> None:
    lines = client.post("/api/recordings/lines", json={"name": "legs.yaml", "cues": False}).json()
    assert lines["named"] is True and lines["recorded"] == 0
    assert all(line["kind"] == "line" for line in lines["lines"])

    made = _send(client, take)
    assert made.status_code == 201, made.text
    assert made.json()["take"]["text"] == LINE and made.json()["warnings"] == []
    again = _send(client, take)
    assert again.status_code == 400 and "already recorded" in again.json()["error"]
    assert _send(client, take, force="1").status_code == 201

    heard = client.get("/api/recordings/audio", params={"name": "legs.yaml", "line": LINE})
    assert heard.status_code == 200 and heard.content[:4] == b"RIFF"
    listed = client.post("/api/recordings/lines", json={"name": "legs.yaml"}).json()
    assert [line["text"] for line in listed["lines"] if line["recorded"]] == [LINE]

    gone = client.post("/api/recordings/delete", json={"name": "legs.yaml", "line": LINE})
    assert gone.status_code == 200
    assert client.post("/api/recordings/lines", json={"name": "legs.yaml"}).json()["recorded"] == 0


def test_hostile_requests_are_refused(client, take, folder: Path) -> None:
    assert _send(client, take, force="yes").status_code == 400
    assert _send(client, take, line=" ").status_code == 400
    assert _send(client, take, name="../legs.yaml").status_code == 403
    empty = client.post("/api/recordings/take", params={"name": "legs.yaml", "line": LINE})
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    junk = client.post(
        "/api/recordings/take", params={"name": "legs.yaml", "line": LINE}, content=b"\x00" * 999
    )
    assert junk.status_code == 400 and "cannot read the recording" in junk.json()["error"]
    big = client.post(
        "/api/recordings/take",
        params={"name": "legs.yaml", "line": LINE},
        content=b"\x00" * 1_000_001,
    )
    assert big.status_code == 413
    builtin = client.post("/api/recordings/take", params={"builtin": "hamstring-quick",
                                                          "line": LINE}, content=b"x")  # fmt: skip
    assert builtin.status_code in (400, 403)
    stranger = TestClient(client.app, headers={"x-studio-token": TOKEN})  # no Origin
    assert (
        stranger.post(
            "/api/recordings/delete", json={"name": "legs.yaml", "line": LINE}
        ).status_code
        == 403
    )
    assert not (folder / "recordings" / "manifest.json").exists()


def test_named_folder_is_added_to_the_draft(client) -> None:
    text = ROUTINE.replace("voice: {recordings: recordings/}\n", "voice:\n  engine: espeak\n")
    named = client.post("/api/recordings/name", json={"text": text}).json()["text"]
    assert "voice:\n  recordings: recordings/\n  engine: espeak\n" in named
    bad = client.post("/api/recordings/name", json={"text": "a: [b"})
    assert bad.status_code == 400


def test_the_studio_and_a_csv_import_give_the_same_build(client, take, folder, tmp_path) -> None:
    assert _send(client, take).status_code == 201
    other = tmp_path / "other"
    other.mkdir()
    (other / "legs.yaml").write_text(ROUTINE, encoding="utf-8")
    shutil.copy(take, other / "sit.wav")
    (other / "takes.csv").write_text(f'text,file\n"{LINE}",sit.wav\n', encoding="utf-8")
    invoke(["recordings", "import", str(other / "legs.yaml"), str(other / "takes.csv")])
    env = {"VOICECOACH_CACHE": str(tmp_path / "cache")}
    invoke(["build", str(folder / "legs.yaml"), "-o", str(tmp_path / "a.wav")], env=env)
    invoke(["build", str(other / "legs.yaml"), "-o", str(tmp_path / "b.wav")], env=env)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
