"""Draw the app icon (assets/icons/icon.png, 1024×1024) from assets/icons/icon.svg.

Renders the SVG in Debian's Chromium with the bundled font, so the 访 glyph is the app's
own. Run after changing icon.svg: python build_scripts/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "assets" / "icons"
FONT = ROOT / "assets" / "fonts" / "NotoSansSC-Regular.otf"
SIZE = 1024


def main() -> None:
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    html = f"""<html><head><style>
      @font-face {{ font-family: 'Noto Sans SC'; src: url('{FONT.as_uri()}'); }}
      html, body {{ margin: 0; background: transparent; }}
    </style></head><body>{svg}</body></html>"""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": SIZE, "height": SIZE})
        page.set_content(html)
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ICONS / "icon.png"), omit_background=True)
        browser.close()
    print(ICONS / "icon.png")


if __name__ == "__main__":
    main()
