"""QR codes drawn on the server as SVG: a phone's camera opens the link they hold."""

from __future__ import annotations

import qrcode  # type: ignore[import-untyped]  # no stubs published
import qrcode.image.svg  # type: ignore[import-untyped]

SVG = "image/svg+xml"


def qr_svg(data: str) -> str:
    """`data` as a QR code, one SVG path (scales to any size without blur)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return str(image.to_string(encoding="unicode"))
