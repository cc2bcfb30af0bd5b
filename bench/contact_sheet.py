"""A contact sheet of the default cutout of every test photo (issue 21,
"Proof"): `xuancai cutout` with its default model choice (`auto`) on each
photo of the asset cache's testdata, each result laid over a checkerboard
beside its original, with the model `auto` chose and the time it took, in
one PNG a reviewer can look at at once.

    bash bench/contact_sheet.sh        # writes bench-out/contact-sheet.png

`BENCH_BIN_DIR` (default target/release), `BENCH_OUT` (default bench-out),
`CONTACT_LIMIT` (photos, default all) as the other bench scripts.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(subprocess.check_output([sys.executable, str(ROOT / "tools/assets/fetch.py"), "--print-dir"],
                                      text=True).strip())
BIN = Path(os.environ.get("BENCH_BIN_DIR") or ROOT / "target" / "release") / "xuancai"
OUT = Path(os.environ.get("BENCH_OUT") or ROOT / "bench-out")
LIMIT = int(os.environ.get("CONTACT_LIMIT", "0")) or None
TILE = 300
CAPTION = 34


def checkerboard(w, h, square=12):
    board = Image.new("RGB", (w, h), (236, 236, 236))
    draw = ImageDraw.Draw(board)
    for y in range(0, h, square):
        for x in range(0, w, square):
            if (x // square + y // square) % 2:
                draw.rectangle([x, y, x + square - 1, y + square - 1], fill=(200, 200, 200))
    return board


def fit(img, side):
    img = img.copy()
    img.thumbnail((side, side), Image.LANCZOS)
    return img


def main():
    photos = sorted(p for p in (ASSETS / "testdata").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = photos[:LIMIT]
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([str(BIN), "cutout", "--json", "--format", "png", "--out-dir", tmp, *map(str, photos)],
                             capture_output=True, text=True)
        results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        if run.returncode != 0 or len(results) != len(photos) or not all(r.get("ok") for r in results):
            sys.exit(f"contact sheet: xuancai cutout failed ({run.returncode}): {run.stdout[-2000:]} {run.stderr[-2000:]}")
        font = ImageFont.load_default()
        cols = 2  # original | cutout, one photo per row pair of columns
        per_row = 2
        rows = (len(results) + per_row - 1) // per_row
        sheet = Image.new("RGB", (per_row * cols * TILE, rows * (TILE + CAPTION)), "white")
        for i, r in enumerate(results):
            x0 = (i % per_row) * cols * TILE
            y0 = (i // per_row) * (TILE + CAPTION)
            original = fit(Image.open(r["input"]).convert("RGB"), TILE - 8)
            cut = fit(Image.open(r["output"]).convert("RGBA"), TILE - 8)
            sheet.paste(original, (x0 + (TILE - original.width) // 2, y0 + (TILE - original.height) // 2))
            board = checkerboard(cut.width, cut.height)
            board.paste(cut, (0, 0), cut)
            sheet.paste(board, (x0 + TILE + (TILE - board.width) // 2, y0 + (TILE - board.height) // 2))
            caption = f"{Path(r['input']).name}: auto -> {r['model']}, {r['total_ms'] / 1000:.1f} s"
            ImageDraw.Draw(sheet).text((x0 + 8, y0 + TILE + 8), caption, fill="black", font=font)
    OUT.mkdir(parents=True, exist_ok=True)
    dest = OUT / "contact-sheet.png"
    sheet.save(dest, optimize=True)
    print(f"contact sheet: {len(results)} photos -> {dest}")


if __name__ == "__main__":
    main()
