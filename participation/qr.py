"""QR codes as SVG (segno, pure Python): pupils scan the projector to open a join link."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> bytes:
    """An SVG QR code for `url` that scales to any size (a viewBox, no fixed width), dark on
    white with the quiet zone scanners need; medium error correction survives a dim projector."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        xmldecl=False,
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass=None,
        lineclass=None,
    )
    return buffer.getvalue()
