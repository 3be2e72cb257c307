"""The studio opens programme files: the API in-process (Starlette's TestClient), hostile
requests refused, a build through a job; the page in Chromium draws the calendar and each
phase's chart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import running_studio
from tests.test_programme import PROGRAMME
from voicecoach.studio.app import AppSettings, create_app

TOKEN = "p" * 32


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "ana.yaml").write_text(PROGRAMME, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(PROGRAMME.replace("weeks: 3-4", "weeks: 2-4"),
                                          encoding="utf-8")  # fmt: skip
    return tmp_path


@pytest.fixture
def client(folder: Path):
    app = create_app(AppSettings(folder, TOKEN, frozenset({"testserver"}), 80, folder / "cache"))
    headers = {"x-studio-token": TOKEN, "origin": "http://testserver"}
    with TestClient(app, headers=headers) as c:
        yield c


def test_plan_gives_the_calendar_and_a_chart_per_phase(client) -> None:
    answer = client.post("/api/programme/plan", json={"name": "ana.yaml"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["problems"] == []
    assert len(data["plan"]["sessions"]) == 18
    assert [p["phase"] for p in data["phases"]] == ["Weeks 1-2", "Weeks 3-4", "Weeks 5-6"]
    second = data["phases"][1]["timeline"]
    assert second["title"] == "Quick hamstring release — Weeks 3-4"
    assert second["steps"] and second["steps"][0]["section"] == "Foam roller"
    page = client.get("/programme", params={"name": "ana.yaml"})
    assert page.status_code == 200 and 'data-name="ana.yaml"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_broken_programme_comes_back_located(client) -> None:
    data = client.post("/api/programme/plan", json={"name": "broken.yaml"}).json()
    assert data["plan"] is None
    first = data["problems"][0]
    assert (first["file"], first["line"], first["col"]) == ("broken.yaml", 10, 12)
    assert "overlap the phase before" in first["message"]


def test_hostile_programme_requests_are_refused(client, folder: Path) -> None:
    (folder.parent / "outside.yaml").write_text(PROGRAMME, encoding="utf-8")
    for name in ("../outside.yaml", "/etc/passwd"):
        assert client.post("/api/programme/plan", json={"name": name}).status_code == 403
        assert client.get("/programme", params={"name": name}).status_code == 403
    assert client.post("/api/programme/plan", json={"name": "nope.yaml"}).status_code == 404
    assert client.post("/api/programme/plan", content=b"\xff{").status_code == 400
    assert client.post("/api/programme/plan", json=["ana.yaml"]).status_code == 400
    assert client.post("/api/programme/share", json={"name": "ana.yaml", "base_url": "ftp://x"}
                       ).status_code == 400  # fmt: skip
    stranger = TestClient(client.app, headers={"x-studio-token": TOKEN})  # no Origin
    assert stranger.post("/api/programme/build", json={"name": "ana.yaml"}).status_code == 403
    big = {"name": "ana.yaml", "pad": "x" * 3_000_000}
    assert client.post("/api/programme/plan", json=big).status_code == 413


@pytest.mark.slow
def test_build_runs_as_a_job_and_lists_what_it_made(client, folder: Path) -> None:
    job = client.post("/api/programme/build", json={"name": "ana.yaml", "voice": "tone|"}).json()
    deadline = time.monotonic() + 300
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/api/jobs/{job['id']}").json()
    assert job["state"] == "done", job
    files = job["result"]["files"]
    assert files == [f"output/ana/ana-hamstrings-weeks-{w}.mp3" for w in ("1-2", "3-4", "5-6")] + [
        "output/ana/ana-hamstrings.ics"
    ]
    assert all((folder / f).is_file() for f in files)


@pytest.mark.slow
@pytest.mark.browser
def test_the_programme_page_draws_the_calendar_and_each_phase(browser, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "ana.yaml").write_text(PROGRAMME, encoding="utf-8")
    with running_studio(folder, tmp_path / "cache") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)  # sets the studio's cookie
        page.wait_for_selector(".notice button, #notice button", timeout=15000)
        page.get_by_role("button", name="Open the programme").click()
        page.wait_for_selector("#calendar tbody tr", timeout=30000)
        assert page.locator("#calendar tbody tr").count() == 18
        first = page.locator("#calendar tbody tr").nth(6).inner_text()
        assert "Weeks 3-4" in first and "Foam roller: holds 45 s" in first
        assert page.locator("#phases .phase svg").count() == 3
        assert page.inner_text("#title") == "Ana's programme"
        assert errors == []
        context.close()
