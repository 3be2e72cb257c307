"""``programme share``: one folder for the whole programme, to host or send.

Layout (``<id>`` the programme's id)::

    index.html             the programme page: today's session, the calendar, reminders
    <id>.ics               the reminders (``calendar.py``)
    weeks-1-2/index.html   each phase's own share page (``pipeline.share``: floor view,
    weeks-1-2/<id>-weeks-1-2.mp3   chapters, script, captions) and its session
    feed.xml               with a base URL: one episode per phase, dated on its first day

A session finished on either page goes into the phone's done-log (``voicecoach:done`` in
the browser's storage, the share page's own), which the programme page reads to tick its
calendar; nothing leaves the phone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ..pipeline import BuildSettings, Progress, ShareSettings, share
from .build import lines_ahead
from .calendar import write_calendar
from .page import SharedPhase, write_programme_page
from .sessions import phase_settings, session_name
from .values import Phase, Programme


@dataclass(frozen=True)
class ShareProgramme:
    programme: Path
    out_dir: Path | None = None
    session: BuildSettings = field(default_factory=lambda: BuildSettings(""))
    base_url: str | None = None

    def __post_init__(self) -> None:
        if self.base_url:  # refused before anything is built, wherever it is made
            from ..export.page import check_base_url

            check_base_url(self.base_url)


def share_programme(
    settings: ShareProgramme,
    progress: Progress | None = None,
    on_phase: Callable[[int, int, Phase], None] | None = None,
) -> Path:
    """Builds every phase's share folder, the programme page, the ``.ics`` and (with a
    base URL) the feed; returns the programme page."""
    from ..export.page import check_base_url, page_url
    from .parse import load_programme

    programme = load_programme(settings.programme)
    if settings.base_url:
        check_base_url(settings.base_url)
    base = settings.session
    folder = settings.out_dir or base.output_dir / "share" / programme.id
    url = page_url(settings.base_url) if settings.base_url else None
    builds = [phase_settings(programme, phase, base) for phase in programme.phases]
    builds[0] = replace(builds[0], say_ahead=lines_ahead(builds[0], builds[1:]))
    shared = []
    for index, phase in enumerate(programme.phases, start=1):
        if on_phase:
            on_phase(index, len(programme.phases), phase)
        name = session_name(programme, phase)
        sub = folder / phase.slug
        share_settings = ShareSettings(
            build=builds[index - 1],
            out_dir=sub,
            base_url=f"{url}{phase.slug}/" if url else None,
            name=name,
        )
        _, result = share(share_settings, progress)
        shared.append(SharedPhase(phase, phase.slug, f"{phase.slug}/{result.path.name}", result))
    lengths = {s.phase.number: s.result.timeline.duration_s for s in shared}
    ics = write_calendar(programme, folder / f"{programme.id}.ics", lengths, url)
    feed = None
    if url:
        feed = write_programme_feed(programme, folder, shared, url)
    return write_programme_page(programme, folder, shared, ics.name, feed)


def write_programme_feed(
    programme: Programme, folder: Path, shared: list[SharedPhase], url: str
) -> str:
    """``feed.xml`` with one episode per phase, each dated on its phase's first day (at the
    reminder time, in the programme's zone, else UTC)."""
    from ..export.podcast import STATE, FeedSettings, write_feed
    from ..files import write_text_atomic

    state_path = folder / STATE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        state = state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        state = {}
    zone = timezone.utc
    if programme.timezone:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(programme.timezone)  # type: ignore[assignment]
    at = programme.reminder or datetime.min.time()
    for s in shared:
        day = programme.first_day(s.phase)
        first = datetime.combine(day, at, tzinfo=zone)
        state[f"voicecoach:{Path(s.audio).stem}"] = first.isoformat()
    write_text_atomic(state_path, json.dumps(state, indent=2, sort_keys=True) + "\n")
    result = write_feed(
        FeedSettings(
            folder,
            url,
            title=programme.name,
            author=programme.author or None,
            description=f"{programme.name}: {len(shared)} phases over {programme.weeks} weeks",
            sessions=tuple(folder / s.audio for s in shared),
        )
    )
    return result.path.name
