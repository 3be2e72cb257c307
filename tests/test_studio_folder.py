"""The studio's folder, in-process (Starlette's TestClient): new routines that pass
`validate --strict` and get their own id, rename and delete (nothing lost), and the
therapist's name kept in the folder's settings and used for new routines and shares."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import invoke
from voicecoach.studio.app import AppSettings, create_app
from voicecoach.studio.folder import MAX_NAME_CHARS, settings_path

TOKEN = "t" * 32


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "routines"
    path.mkdir()
    return path


@pytest.fixture
def client(folder: Path):
    app = create_app(AppSettings(folder, TOKEN, frozenset({"testserver"}), 80, folder / "cache"))
    headers = {"x-studio-token": TOKEN, "origin": "http://testserver"}
    with TestClient(app, headers=headers) as c:
        yield c


def _id(path: Path) -> str:
    line = next(x for x in path.read_text("utf-8").splitlines() if x.startswith("id:"))
    return line.split()[1]


def test_the_starter_passes_validate_strict(tmp_path: Path) -> None:
    path = tmp_path / "legs.yaml"
    invoke(["new", str(path)])
    invoke(["validate", "--strict", str(path)])


def test_each_new_routine_has_its_own_id(client, folder: Path) -> None:
    first = client.post("/api/new", json={"name": "my-routine"}).json()["name"]
    second = client.post("/api/new", json={"name": "my-routine"}).json()["name"]
    assert (first, second) == ("my-routine.yaml", "my-routine-2.yaml")
    assert _id(folder / first) == "my-routine" and _id(folder / second) == "my-routine-2"
    invoke(["validate", "--strict", str(folder / second)])
    copied = client.post("/api/new", json={"builtin": "hamstring-quick"}).json()["name"]
    again = client.post("/api/new", json={"builtin": "hamstring-quick"}).json()["name"]
    assert _id(folder / copied) == "hamstring-quick" and _id(folder / again) == again[:-5]


def test_rename_moves_the_file_and_its_id_and_refuses_a_taken_name(client, folder) -> None:
    client.post("/api/new", json={"name": "my-routine"})
    client.post("/api/new", json={"name": "my-routine"})
    res = client.post("/api/rename", json={"name": "my-routine.yaml", "to": "Evening legs"})
    assert res.status_code == 200, res.text
    assert res.json()["name"] == "evening-legs.yaml"
    assert res.json()["files"] == ["evening-legs.yaml", "my-routine-2.yaml"]
    assert _id(folder / "evening-legs.yaml") == "evening-legs"
    assert "# lowercase letters" in (folder / "evening-legs.yaml").read_text("utf-8")
    taken = client.post("/api/rename", json={"name": "my-routine-2.yaml", "to": "evening-legs"})
    assert taken.status_code == 409 and "already exists" in taken.json()["error"]
    assert (folder / "my-routine-2.yaml").exists()
    # A hand-written id that is not the file's name is the author's: it stays.
    (folder / "own.yaml").write_text("format: voicecoach/1\nid: mine\n", encoding="utf-8")
    client.post("/api/rename", json={"name": "own.yaml", "to": "other"})
    assert _id(folder / "other.yaml") == "mine"


def test_delete_keeps_the_file_aside(client, folder: Path) -> None:
    client.post("/api/new", json={"name": "my-routine"})
    text = (folder / "my-routine.yaml").read_text("utf-8")
    res = client.post("/api/delete", json={"name": "my-routine.yaml"})
    assert res.status_code == 200 and res.json()["files"] == []
    kept = folder / res.json()["kept"]
    assert kept.parent == folder / ".voicecoach" / "deleted" and kept.read_text("utf-8") == text
    assert client.get("/api/files").json()["files"] == [], "the bin is never listed"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/rename", {"name": "../x.yaml", "to": "y"}, 403),
        ("/api/rename", {"name": "nope.yaml", "to": "y"}, 400),
        ("/api/rename", {"name": "a.yaml", "to": "../../etc"}, 200),  # a slug: stays inside
        ("/api/rename", {"name": "a.yaml", "to": "///"}, 400),
        ("/api/rename", {"name": "a.yaml", "to": 5}, 400),
        ("/api/rename", {"name": "a.yaml", "to": "b" * 300}, 200),  # cut to a 60-char slug
        ("/api/delete", {"name": "../a.yaml"}, 403),
        ("/api/delete", {"name": ".voicecoach/settings.json"}, 403),
        ("/api/delete", {"name": "notes.txt"}, 400),
        ("/api/delete", {}, 400),
        ("/api/settings", {"therapist": "x" * (MAX_NAME_CHARS + 1)}, 400),
        ("/api/settings", {"therapist": " \n\t"}, 400),
        ("/api/settings", {"therapist": ["Ana"]}, 400),
    ],
)
def test_hostile_folder_requests_are_refused_and_confined(client, folder, path, body, status):
    (folder / "a.yaml").write_text("format: voicecoach/1\nid: a\n", encoding="utf-8")
    (folder / "notes.txt").write_text("hi", encoding="utf-8")
    res = client.post(path, json=body)
    assert res.status_code == status, res.text
    if status != 200:
        assert res.json()["error"]
    inside = {p.resolve().parent for p in folder.rglob("*.yaml")}
    assert inside <= {folder.resolve(), (folder / ".voicecoach" / "deleted").resolve()}
    assert client.post(path, content=b"not json").status_code == 400


@pytest.mark.slow
def test_the_therapist_is_asked_once_and_signs_new_routines_and_shares(client, folder):
    assert client.get("/api/settings").json() == {"therapist": None}
    saved = client.post("/api/settings", json={"therapist": " Dr  Ana\nLópez "})
    assert saved.json() == {"therapist": "Dr Ana López"}, "control characters become a space"
    assert settings_path(folder).is_file()
    assert client.get("/api/settings").json() == {"therapist": "Dr Ana López"}

    name = client.post("/api/new", json={"name": "my-routine"}).json()["name"]
    assert 'author: "Dr Ana López"' in (folder / name).read_text("utf-8")
    copied = client.post("/api/new", json={"builtin": "hamstring-quick"}).json()["name"]
    assert 'author: "Dr Ana López"' in (folder / copied).read_text("utf-8")
    invoke(["validate", str(folder / copied)])

    # A share of a template the therapist did not sign still says who the session is by.
    (folder / copied).write_text(
        (folder / copied).read_text("utf-8").replace('"Dr Ana López"', "voicecoach"), "utf-8"
    )
    job = client.post(
        "/api/share", json={"name": copied, "client": "Bob", "voice": "tone|default"}
    ).json()
    app = client.app.state  # type: ignore[attr-defined]
    app.jobs._futures[job["id"]].result(timeout=120)
    done = client.get(f"/api/jobs/{job['id']}").json()
    assert done["state"] == "done", done
    with zipfile.ZipFile(folder / done["result"]["file"]) as z:
        page = next(n for n in z.namelist() if n.endswith("index.html"))
        html = z.read(page).decode("utf-8")
    assert "by Dr Ana López ·" in html and "by voicecoach ·" not in html
