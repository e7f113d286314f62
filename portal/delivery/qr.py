"""QR codes for the link, drawn on the staff member's screen during the visit."""

from __future__ import annotations

import io

import segno


def svg(url: str) -> bytes:
    """An SVG QR code for ``url``, sized by the page's CSS (no inline styles)."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer, kind="svg", scale=8, border=4, light="#fff", xmldecl=True,
        svgclass=None, lineclass=None,
    )
    return buffer.getvalue()
