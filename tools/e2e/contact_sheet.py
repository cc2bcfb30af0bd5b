"""The screens of the web app in one picture (issue 22, "Proof"): every
screenshot the browser tests took (`shot(page, NAME)`, in
target/e2e-screenshots or $XUANCAI_SCREENSHOTS), phone-sized ones (360 px
wide) and desktop ones (1280 px) each in their own rows, scaled to a common
width, the top of each screen shown (a long page is cut at twice its
width), with its name under it, written to contact-sheet.png beside them.

    make screenshots            # the browser tests, then this
    python3 tools/e2e/contact_sheet.py [DIR]
"""

import os
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
CAPTION = 30
GAP = 12


def sheet(shots, tile_w, cols, font):
    """One block of tiles: each screen scaled to `tile_w`, its top
    2 × tile_w pixels kept (a full page can be very long)."""
    tiles = []
    for p in shots:
        im = Image.open(p).convert("RGB")
        h = round(im.height * tile_w / im.width)
        im = im.resize((tile_w, h), Image.LANCZOS).crop((0, 0, tile_w, min(h, 2 * tile_w)))
        tiles.append((p.stem, im))
    tile_h = max(im.height for _, im in tiles) + CAPTION
    rows = (len(tiles) + cols - 1) // cols
    block = Image.new("RGB", (cols * (tile_w + GAP) + GAP, rows * (tile_h + GAP) + GAP), (245, 245, 247))
    draw = ImageDraw.Draw(block)
    for i, (name, im) in enumerate(tiles):
        x = GAP + (i % cols) * (tile_w + GAP)
        y = GAP + (i // cols) * (tile_h + GAP)
        block.paste(im, (x, y))
        draw.rectangle([x - 1, y - 1, x + im.width, y + im.height], outline=(200, 200, 205))
        draw.text((x, y + im.height + 6), name[: tile_w // 6], fill=(40, 40, 40), font=font)
    return block


def main(argv):
    shots_dir = Path(argv[0] if argv else os.environ.get("XUANCAI_SCREENSHOTS") or ROOT / "target/e2e-screenshots")
    shots = sorted(p for p in shots_dir.glob("*.png") if p.name != "contact-sheet.png")
    if not shots:
        sys.exit(f"no screenshots in {shots_dir}: run the browser tests first (make screenshots)")
    widths = {p: Image.open(p).width for p in shots}
    phone = [p for p in shots if widths[p] < 800]
    desktop = [p for p in shots if widths[p] >= 800]
    font = ImageFont.load_default()
    blocks = []
    if phone:
        blocks.append(sheet(phone, 180, 10, font))
    if desktop:
        blocks.append(sheet(desktop, 360, 5, font))
    width = max(b.width for b in blocks)
    out = Image.new("RGB", (width, sum(b.height for b in blocks)), (245, 245, 247))
    y = 0
    for b in blocks:
        out.paste(b, (0, y))
        y += b.height
    dest = shots_dir / "contact-sheet.png"
    out.save(dest, optimize=True)
    print(f"{dest}: {len(phone)} phone and {len(desktop)} desktop screens, {out.width}×{out.height}")


if __name__ == "__main__":
    main(sys.argv[1:])
