"""Door links and their QR codes."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def door_link(base_url: str, slug: str, secret: str) -> str:
    """The URL a volunteer opens; the key rides in the fragment, never sent to the server."""
    return f"{base_url.rstrip('/')}/door/{slug}#key={secret}"


def qr_svg(text: str) -> str:
    """An inline SVG QR code of the text (rendered here: no CDN, works offline)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]
