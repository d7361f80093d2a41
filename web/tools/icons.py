"""Draw the traveller app's icons (SVG) and render their PNG sizes with the machine's Chromium.

    python web/tools/icons.py      # writes web/app/icons/

The mark: a station vault (an arch) over a platform, with a light at the top of the vault, white on
the app's blue. Drawn here from coordinates, so the project owns every pixel of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "web" / "app" / "icons"
BLUE = "#0a58a8"
TEAL = "#5fd3bd"


def mark(scale: float) -> str:
    """The arch, the platform and the light, on a 512 grid, scaled around the centre."""
    s = scale
    c = 256

    def x(v: float) -> float:
        return round(c + (v - c) * s, 2)

    stroke = round(40 * s, 2)
    return (
        f'<path d="M{x(150)} {x(352)}V{x(250)}a{round(106 * s, 2)} {round(106 * s, 2)} 0 0 1 {round(212 * s, 2)} 0'
        f'V{x(352)}" fill="none" stroke="#fff" stroke-width="{stroke}" stroke-linecap="round"/>'
        f'<path d="M{x(112)} {x(398)}H{x(400)}" stroke="#fff" stroke-width="{stroke}" stroke-linecap="round"/>'
        f'<circle cx="{x(256)}" cy="{x(226)}" r="{round(30 * s, 2)}" fill="{TEAL}"/>'
    )


def icon_svg(*, maskable: bool) -> str:
    # A maskable icon fills its square (the platform crops it to any shape) and keeps the mark
    # inside the central 80 % safe zone; the plain icon is a rounded square.
    background = (
        f'<rect width="512" height="512" fill="{BLUE}"/>'
        if maskable
        else f'<rect width="512" height="512" rx="112" fill="{BLUE}"/>'
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">'
        f"{background}{mark(0.72 if maskable else 1.0)}</svg>\n"
    )


def render_png(svg: str, size: int, path: Path) -> None:
    from tests.browser.support import launch_chromium

    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": size, "height": size})
        html = (
            "<html><body style='margin:0;background:transparent'>"
            f"<img src='data:image/svg+xml;base64,{_b64(svg)}' width='{size}' height='{size}'></body></html>"
        )
        page.set_content(html)
        page.locator("img").screenshot(path=str(path), omit_background=True)


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    plain, maskable = icon_svg(maskable=False), icon_svg(maskable=True)
    (OUT / "icon.svg").write_text(plain)
    (OUT / "icon-maskable.svg").write_text(maskable)
    render_png(plain, 192, OUT / "icon-192.png")
    render_png(plain, 512, OUT / "icon-512.png")
    render_png(maskable, 512, OUT / "icon-maskable-512.png")
    # iOS puts its own rounded mask on a full square, with no transparency.
    render_png(maskable, 180, OUT / "apple-touch-icon.png")
    print(f"icons written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
