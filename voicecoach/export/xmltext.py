"""Text every writer of XML, HTML, captions and tags can carry.

XML 1.0 forbids some characters outright (control characters other than tab and line
breaks, U+FFFE, U+FFFF, and lone surrogates, which cannot even be encoded as UTF-8): one of
them in a title makes a podcast app drop the whole feed, or a write fail. They reach us
from a copied ``timeline.json``, a client name typed into the studio, a routine's
``"\\uFFFF"`` escape. ``xml_chars`` drops them; every writer in ``export`` uses it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Timeline

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_chars(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (see the module's docstring)."""
    return _FORBIDDEN.sub("", str(text))


def xml_timeline(timeline: Timeline) -> Timeline:
    """The timeline with ``xml_chars`` applied to every text a writer shows."""
    return replace(
        timeline,
        title=xml_chars(timeline.title),
        author=xml_chars(timeline.author),
        description=xml_chars(timeline.description),
        safety=tuple(xml_chars(s) for s in timeline.safety),
        chapters=tuple(replace(c, title=xml_chars(c.title)) for c in timeline.chapters),
        events=tuple(
            replace(
                e,
                text=None if e.text is None else xml_chars(e.text),
                section=None if e.section is None else xml_chars(e.section),
            )
            for e in timeline.events
        ),
    )
