"""QR codes drawn on the server, as inline SVG: no third party, no script."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(uri: str, title: str, *, scalable: bool = False) -> Markup:
    """The QR code as inline SVG: presentation attributes only (no style attribute, no
    data: URI), so the strict Content-Security-Policy allows it. Black on white whatever
    the page's colours, with the quiet zone scanners need. `scalable`: a viewBox and no
    fixed size, for a stylesheet to size it (printed cards) without cutting it off."""
    out = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(
        out,
        kind="svg",
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        svgclass="qr",
        lineclass=None,
        title=title,
        omitsize=scalable,
    )
    return Markup(out.getvalue().decode())  # noqa: S704 - segno's own markup, title escaped  # nosec B704
