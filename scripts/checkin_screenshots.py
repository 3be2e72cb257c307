"""Screenshots for docs/sharing.md's Check-ins section, taken with Chromium: the questions
on a phone, the send button, and the studio's Clients view after a drop.

Run: .venv/bin/python scripts/checkin_screenshots.py  (writes docs/checkin-*.png, docs/clients.png)
"""

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import sync_playwright

WT = Path(__file__).resolve().parents[1]
PY = sys.executable
DOCS = WT / "docs"
scratch = Path(tempfile.mkdtemp(prefix="voicecoach-shots-"))
clinic = scratch / "clinic"
share = clinic / "output" / "share" / "ana"
if not share.exists():
    subprocess.run(
        [
            PY,
            "-m",
            "voicecoach",
            "share",
            "hamstring-quick",
            "--client",
            "Ana",
            "-o",
            str(share),
            "--engine",
            "tone",
            "-q",
        ],
        check=True,
        cwd=WT,
    )
html = (share / "index.html").read_text()
data = json.loads(re.search(r'id="data">(.*?)</script>', html, re.S).group(1))["checkin"]
STUB = """
window.__shared = [];
Object.defineProperty(navigator, 'canShare', {configurable: true,
  value: function (d) { return true; }});
Object.defineProperty(navigator, 'share', {configurable: true, value: function (d) {
  return d.files[0].text().then(function (t) { window.__shared.push(t); }); }});
"""
with sync_playwright() as p:
    b = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
    )
    ctx = b.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=1, color_scheme="light"
    )
    ctx.add_init_script(STUB)
    pg = ctx.new_page()
    pg.goto((share / "index.html").as_uri())
    pg.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    pg.evaluate(
        "async () => { const a = document.getElementById('audio');"
        " a.currentTime = a.duration - 0.8; await a.play(); }"
    )
    pg.wait_for_function("() => !document.getElementById('checkin').hidden", timeout=15000)
    pg.click("#checkin [data-pain='3']")
    pg.click("#checkin [data-difficulty='right']")
    pg.fill("#checkin-note", "Left side still tight at the knee.")
    pg.locator("#checkin").scroll_into_view_if_needed()
    pg.evaluate(
        "document.getElementById('checkin').scrollIntoView({block: 'start'});"
        " window.scrollBy(0, -10)"
    )
    pg.evaluate("document.activeElement.blur()")
    time.sleep(0.3)
    pg.screenshot(path=str(DOCS / "checkin-ask.png"))
    pg.click("#checkin-save")
    pg.evaluate(
        "document.getElementById('done').scrollIntoView({block: 'start'}); window.scrollBy(0, -90)"
    )
    pg.evaluate("document.activeElement.blur()")
    time.sleep(0.3)
    pg.screenshot(path=str(DOCS / "checkin-send.png"))
    ctx.close()

    # a few weeks of check-ins for the Clients view
    start = datetime(2026, 11, 9, 7, 30, tzinfo=timezone.utc)
    days = [0, 2, 4, 7, 9, 11, 14, 15, 18, 21, 23, 25]
    pains = [6, 6, 5, 5, 4, 5, 4, 3, 3, 2, 3, 2]
    diffs = [
        "hard",
        "hard",
        "right",
        "right",
        "right",
        "hard",
        "right",
        "right",
        "easy",
        "right",
        "easy",
        "easy",
    ]
    notes = {
        0: "Sore behind the knee afterwards.",
        5: "Skipped the last round, too tired.",
        10: "Felt loose all day.",
    }
    sessions = [
        {
            "done": (start + timedelta(days=d)).isoformat().replace("+00:00", "Z"),
            "pain": p,
            "difficulty": f,
            "note": notes.get(i, ""),
        }
        for i, (d, p, f) in enumerate(zip(days, pains, diffs, strict=True))
    ]
    inner = json.dumps(
        {
            "format": "voicecoach.checkin/1",
            "share": data["share"],
            "client": "Ana",
            "routine": "hamstring-quick",
            "title": "Quick hamstring release",
            "sent": "2026-12-04T20:00:00Z",
            "sessions": sessions,
        }
    )
    mac = hmac.new(bytes.fromhex(data["key"]), inner.encode(), hashlib.sha256).hexdigest()
    text = json.dumps(
        {
            "format": "voicecoach.checkin/1",
            "share": data["share"],
            "checkin": inner,
            "hmac_sha256": mac,
        },
        indent=1,
    )

    env = {**os.environ, "VOICECOACH_CACHE": str(scratch / "cache"), "PYTHONPATH": str(WT)}
    proc = subprocess.Popen(
        [PY, "-m", "voicecoach", "studio", str(clinic), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = ""
    while not url:
        m = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", proc.stdout.readline())
        url = m.group(1) if m else ""
    try:
        ctx = b.new_context(viewport={"width": 900, "height": 1000}, color_scheme="light")
        pg = ctx.new_page()
        pg.goto(url)
        pg.goto(url.split("/?")[0] + "/clients")
        pg.wait_for_function("() => document.body.dataset.loaded")
        pg.set_input_files(
            "#pick",
            files=[
                {
                    "name": "checkin-Ana-2026-12-04.txt",
                    "mimeType": "text/plain",
                    "buffer": text.encode(),
                }
            ],
        )
        pg.wait_for_function("() => document.querySelectorAll('.trend').length === 1")
        time.sleep(0.5)
        pg.focus(".trend circle.pain.noted >> nth=1")
        time.sleep(0.3)
        pg.screenshot(path=str(DOCS / "clients.png"), full_page=True)
        ctx.close()
    finally:
        proc.terminate()
        proc.wait()
    b.close()
