"""Files beside the audio: the exact timeline (JSON), captions (WebVTT), a script (text)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..files import write_text_atomic
from ..model import Event, Timeline
from ..phrases import side_heading
from ..timing import clock, clock_ms
from .xmltext import xml_timeline


def sidecar_paths(out_path: Path) -> dict[str, Path]:
    stem = out_path.with_suffix("")
    return {
        "json": stem.with_name(stem.name + ".timeline.json"),
        "vtt": stem.with_name(stem.name + ".vtt"),
        "txt": stem.with_name(stem.name + ".txt"),
    }


def write_sidecars(timeline: Timeline, out_path: Path) -> list[Path]:
    """Writes the three sidecars atomically; returns their paths."""
    paths = sidecar_paths(out_path)
    timeline = xml_timeline(timeline)
    text = json.dumps(timeline.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(paths["json"], text)
    write_text_atomic(paths["vtt"], render_vtt(timeline))
    write_text_atomic(paths["txt"], render_script(timeline))
    return list(paths.values())


def vtt_escape(text: str) -> str:
    """Cue text for WebVTT: markup characters as entities, no '-->' and no blank lines."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def render_vtt(timeline: Timeline) -> str:
    """WebVTT captions: one cue per spoken line."""
    timeline = xml_timeline(timeline)
    lines = ["WEBVTT", ""]
    n = 0
    for e in timeline.events:
        if e.kind != "speech" or not e.text:
            continue
        n += 1
        lines += [
            str(n),
            f"{clock_ms(e.start_s)} --> {clock_ms(e.end_s)}",
            vtt_escape(e.text),
            "",
        ]
    return "\n".join(lines)


def script_lines(timeline: Timeline) -> Iterator[tuple[str | None, Event, str]]:
    """The script's spoken lines (heading to show before it, else None; event; its text).

    A heading is the section (with its side) whenever it changes; the text sidecar and
    the share page both walk the script this way, so they show the same headings.
    """
    heading = None
    for e in timeline.events:
        if e.kind != "speech" or not e.text:
            continue
        current = e.section and side_heading(e.section, e.side, timeline.language)
        new = current if current and current != heading else None
        heading = new or heading
        yield new, e, e.text


def render_script(timeline: Timeline) -> str:
    """A printable script: safety notes first, then every spoken line with its clock time."""
    out = [timeline.title, "=" * len(timeline.title)]
    if timeline.author:
        out.append(f"by {timeline.author}")
    if timeline.description:
        out += ["", timeline.description]
    out += ["", f"Length: {clock(timeline.duration_s)}", ""]
    if timeline.safety:
        out += ["SAFETY", "------"]
        out += [f"* {note}" for note in timeline.safety]
        out.append("")
    for heading, e, text in script_lines(timeline):
        if heading:
            out += ["", heading, "-" * len(heading)]
        out.append(f"{clock(e.start_s):>7}  {text}")
    out += ["", f"End: {clock(timeline.duration_s)}", ""]
    return "\n".join(out)
