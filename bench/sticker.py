"""Sticker benchmark (IMG-4): a static WhatsApp sticker (512×512 WebP under
100 KiB) from a 12 MP photo, cutout included, xuancai against rembg + Pillow
on the same image, the same portrait model, the same machine and threads.

Run it through `bash bench/sticker.sh`, which prepares the virtualenv.

- xuancai: `xuancai sticker --preset whatsapp --model portrait --json` on N
  copies of the photo (the first copy pays the model load and is dropped),
  in-process time per sticker (decode, cutout, trim, outline, [caption],
  render, WebP search); once plain, once with a caption.
- rembg + Pillow, the way people make a sticker with rembg today: `remove()`
  on the photo, then Pillow trims to the subject, fits it in 480 px on a
  512 canvas and saves WebP (quality 95, lowered until under 100 KiB). Once
  on the full photo (rembg as documented), once on a copy Pillow shrank on
  load to 1024 px (`Image.draft`, the peer's best case). No outline, no
  caption: it does less than xuancai.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import onnxruntime as ort  # noqa: E402
from PIL import Image  # noqa: E402

from cutout import MEGAPIXELS, OUT_DIR, ROOT, XUANCAI, SelfieSession, assets, make_photo  # noqa: E402

LIMIT = 100 * 1024


def xuancai_run(img: Path, threads: int, copies: int, caption: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(copies):
            f = Path(tmp) / f"in{i}.jpg"
            shutil.copy(img, f)
            files.append(str(f))
        env = dict(os.environ, XUANCAI_THREADS=str(threads))
        cmd = [str(XUANCAI), "sticker", *files, "--preset", "whatsapp", "--model", "portrait", "--json",
               "--out-dir", str(Path(tmp) / "out")]
        if caption:
            cmd += ["--caption", caption]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
        rows = [json.loads(l) for l in out.stdout.splitlines()][1:]
    assert all(r["ok"] and r["bytes"] <= LIMIT for r in rows), rows
    stages = {k: statistics.median(r["timings"][k] for r in rows) for k in rows[0]["timings"]}
    return {"total_ms": statistics.median(r["total_ms"] for r in rows), "stages": stages,
            "bytes": rows[0]["bytes"], "setting": rows[0]["setting"]}


def pil_sticker(cut: Image.Image) -> bytes:
    box = cut.getbbox()
    if box:
        cut = cut.crop(box)
    cut.thumbnail((480, 480), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (512, 512))
    canvas.paste(cut, ((512 - cut.width) // 2, (512 - cut.height) // 2))
    for q in (95, 90, 80, 70, 60, 50, 40, 30, 20, 10):
        buf = io.BytesIO()
        canvas.save(buf, "WEBP", quality=q)
        if buf.tell() <= LIMIT:
            return buf.getvalue()
    raise RuntimeError("no quality fits")


def rembg_run(img: Path, model_path: Path, threads: int, runs: int, shrink: bool) -> dict:
    from rembg import remove

    os.environ["REMBG_HOME"] = str(model_path.parent)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = SelfieSession.build(model_path, opts)
    data = img.read_bytes()

    def once() -> bytes:
        im = Image.open(io.BytesIO(data))
        if shrink:
            im.draft("RGB", (1024, 1024))
        cut = remove(im.convert("RGB"), session=session)
        return pil_sticker(cut)

    once()  # warm-up
    totals = []
    for _ in range(runs):
        t = time.perf_counter()
        out = once()
        totals.append((time.perf_counter() - t) * 1000)
        assert len(out) <= LIMIT
    return {"total_ms": statistics.median(totals), "bytes": len(out)}


def main() -> int:
    a = assets()
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    thread_counts = [int(t) for t in os.environ.get("BENCH_THREADS", "1,2").split(",")]
    model = a / "models/selfie_segmentation.onnx"
    work = Path(tempfile.mkdtemp(prefix="xuancai-bench-"))
    src = a / "testdata/faceapi-sample3.jpg"
    img12 = make_photo(src, MEGAPIXELS, work / "photo-12mp.jpg")
    results = {"machine": {"cpus": os.cpu_count(), "onnxruntime": ort.__version__},
               "image": f"{src.name} upscaled to {Image.open(img12).size} JPEG q92", "rows": []}
    for threads in thread_counts:
        row = {
            "threads": threads,
            "xuancai": xuancai_run(img12, threads, runs + 1, None),
            "xuancai_caption": xuancai_run(img12, threads, runs + 1, "收到，马上就来"),
            "rembg_pillow": rembg_run(img12, model, threads, runs, False),
            "rembg_pillow_shrunk": rembg_run(img12, model, threads, runs, True),
        }
        row["speedup"] = row["rembg_pillow"]["total_ms"] / row["xuancai"]["total_ms"]
        row["speedup_vs_shrunk"] = row["rembg_pillow_shrunk"]["total_ms"] / row["xuancai"]["total_ms"]
        results["rows"].append(row)
        print(json.dumps(row), flush=True)
    out = OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / "sticker.json").write_text(json.dumps(results, indent=2))
    print(f"results in {out / 'sticker.json'}")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
