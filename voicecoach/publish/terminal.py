"""A QR code of an address, drawn with text blocks for a terminal."""

from __future__ import annotations

import io


def qr_text(url: str) -> str:
    """``url`` as a QR code of half-block characters (two modules per line: small enough
    for an 80x24 terminal with a URL of up to ~80 characters)."""
    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue().rstrip("\n")
