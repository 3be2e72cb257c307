"""The programme page (``index.html`` of a programme's share folder), from a Jinja2
template with autoescape: every text a programme or routine wrote is escaped, and the
script's data is JSON with ``<``, ``>`` and ``&`` escaped (``export.page.script_json``).

Without script the page still lists every phase and date; the script (``page.js``) picks
today's session by the phone's date and ticks the dates done on that phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..files import write_text_atomic
from ..pipeline import BuildResult
from ..timing import clock
from .values import WEEKDAYS, Phase, Programme


@dataclass(frozen=True)
class SharedPhase:
    phase: Phase
    folder: str
    audio: str
    result: BuildResult


def render_programme_page(
    programme: Programme, shared: list[SharedPhase], ics: str, feed: str | None
) -> str:
    """The page's HTML; pure, so tests can read it without a browser."""
    import jinja2
    from markupsafe import Markup

    from ..export.page import script_json

    here = resources.files("voicecoach") / "programme"
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string((here / "templates" / "page.html").read_text("utf-8"))
    code = (here / "page.js").read_text("utf-8")
    if "</script" in code.lower() or "<!--" in code:
        raise ValueError("programme/page.js must not contain </script or <!--")
    rows = phase_rows(programme, shared)
    phases = [
        {
            **row,
            "days": [
                {"iso": d.isoformat(), "label": f"{WEEKDAYS[d.weekday()].capitalize()} {d:%d %b}"}
                for d in programme.dates(s.phase)
            ],
        }
        for row, s in zip(rows, shared, strict=True)
    ]
    language = shared[0].result.timeline.language if shared else "en"
    return template.render(
        language=language,
        name=programme.name,
        client=programme.client,
        note=programme.note,
        weeks=programme.weeks,
        start=f"{programme.start:%d %B %Y}",
        days=", ".join(WEEKDAYS[d].capitalize() for d in programme.days),
        reminder=programme.reminder.strftime("%H:%M") if programme.reminder else None,
        phases=phases,
        ics=ics,
        feed=feed,
        data=Markup(script_json({"phases": rows})),
        script=Markup(code.rstrip("\n")),
    )


def write_programme_page(
    programme: Programme, folder: Path, shared: list[SharedPhase], ics: str, feed: str | None
) -> Path:
    page = folder / "index.html"
    write_text_atomic(page, render_programme_page(programme, shared, ics, feed))
    return page


def phase_rows(programme: Programme, shared: list[SharedPhase]) -> list[dict[str, object]]:
    """What the programme page's script needs per phase (dates, files, done-log id)."""
    rows: list[dict[str, object]] = []
    for s in shared:
        timeline = s.result.timeline
        rows.append(
            {
                "label": s.phase.label,
                "title": timeline.title,
                "first": programme.first_day(s.phase).isoformat(),
                "last": programme.last_day(s.phase).isoformat(),
                "dates": [d.isoformat() for d in programme.dates(s.phase)],
                "page": f"{s.folder}/index.html",
                "audio": s.audio,
                # The share page's done-log id (export/page.py): `<audio name>:<samples>`.
                "id": f"{Path(s.audio).name}:{timeline.duration_sample}",
                "length": clock(timeline.duration_s),
                "note": s.phase.note or "",
            }
        )
    return rows
