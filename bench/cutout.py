"""Cutout benchmark: xuancai against rembg on the same images, the same ONNX
files, the same machine and the same thread count.

Run it through `make bench` (bench/cutout.sh), which prepares the virtualenv.

For each model (portrait = MediaPipe selfie, general = ISNet fp32), each image
size and each thread count it measures, end to end in-process (decode → mask
→ refine → PNG, model already loaded), the median of several runs:
  - xuancai: `xuancai cutout --json` on N copies of the image; the first copy
    pays the model load and is dropped, the rest give per-stage timings;
  - rembg: `rembg.remove(bytes, session=...)` with rembg's custom-model session
    (`dis_custom` for ISNet; for the selfie model, whose input is NHWC 256×256,
    a subclass of rembg's BaseSession doing the same thing), once plain and
    once with `decontaminate=True` (rembg's despill, the closest to ours).
Peak memory is the max RSS (MiB) of a separate one-image xuancai process, 5 runs.
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
# `BENCH_BIN_DIR`: where the binaries are (target/release; the smoke run in
# `make test` points it at the `ci` build). `BENCH_OUT`: where results go.
BIN_DIR = Path(os.environ.get("BENCH_BIN_DIR") or ROOT / "target" / "release")
OUT_DIR = Path(os.environ.get("BENCH_OUT") or ROOT / "bench-out")
# The photo size in megapixels (12; the smoke run makes them small); the
# memory run uses twice it.
MEGAPIXELS = float(os.environ.get("BENCH_MP", "12"))
XUANCAI = BIN_DIR / "xuancai"


def assets() -> Path:
    out = subprocess.run([sys.executable, str(ROOT / "tools/assets/fetch.py"), "--print-dir"],
                         check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def make_photo(src: Path, megapixels: float, dest: Path) -> Path:
    """A real photo upscaled (Lanczos) to the wanted size, saved as JPEG q92."""
    im = Image.open(src).convert("RGB")
    s = (megapixels * 1e6 / (im.width * im.height)) ** 0.5
    im = im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS)
    im.save(dest, quality=92)
    return dest


def xuancai_run(img: Path, model: str, threads: int, copies: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(copies):
            f = Path(tmp) / f"in{i}.jpg"
            shutil.copy(img, f)
            files.append(str(f))
        env = dict(os.environ, XUANCAI_THREADS=str(threads))
        out = subprocess.run([str(XUANCAI), "cutout", *files, "--model", model, "--json",
                              "--out-dir", str(Path(tmp) / "out")], check=True, capture_output=True,
                             text=True, env=env)
        rows = [json.loads(l) for l in out.stdout.splitlines()][1:]
    stages = {k: statistics.median(r["timings"][k] for r in rows) for k in rows[0]["timings"]}
    return {"total_ms": statistics.median(r["total_ms"] for r in rows), "stages": stages}


def xuancai_peak_rss_mb(img: Path, model: str, threads: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        code = ("import resource,subprocess,sys;"
                "subprocess.run(sys.argv[1:],check=True,capture_output=True);"
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        env = dict(os.environ, XUANCAI_THREADS=str(threads))
        out = subprocess.run([sys.executable, "-c", code, str(XUANCAI), "cutout", str(img), "--model", model,
                              "-o", str(Path(tmp) / "o.png")], check=True, capture_output=True, text=True,
                             env=env)
        return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB


class SelfieSession:
    """rembg's session protocol for MediaPipe selfie segmentation (NHWC 256)."""

    @staticmethod
    def build(model_path: Path, opts: ort.SessionOptions):
        from rembg.sessions.base import BaseSession

        class _Selfie(BaseSession):
            def predict(self, img, *args, **kwargs):
                x = np.asarray(img.convert("RGB").resize((256, 256), Image.Resampling.LANCZOS),
                               dtype=np.float32)[None] / 255.0
                pred = self.inner_session.run(None, {self.inner_session.get_inputs()[0].name: x})[0]
                pred = np.clip(np.squeeze(pred), 0, 1)
                mask = Image.fromarray((pred * 255).astype("uint8"), mode="L")
                return [mask.resize(img.size, Image.Resampling.LANCZOS)]

            @classmethod
            def download_models(cls, *args, **kwargs):
                return str(kwargs["model_path"])

            @classmethod
            def name(cls, *args, **kwargs):
                return "selfie_custom"

        return _Selfie("selfie_custom", opts, model_path=model_path)


def rembg_run(img: Path, model: str, model_path: Path, threads: int, runs: int, decontaminate: bool) -> dict:
    from rembg import new_session, remove

    # rembg only loads custom models from inside its home directory.
    os.environ["REMBG_HOME"] = str(model_path.parent)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    if model == "general":
        session = new_session("dis_custom", sess_opts=opts, model_path=str(model_path))
    else:
        session = SelfieSession.build(model_path, opts)
    predict = session.predict
    spent = {"predict": 0.0}

    def timed_predict(*a, **k):
        t = time.perf_counter()
        r = predict(*a, **k)
        spent["predict"] += time.perf_counter() - t
        return r

    session.predict = timed_predict
    data = img.read_bytes()
    remove(data, session=session, decontaminate=decontaminate)  # warm-up
    totals, masks = [], []
    for _ in range(runs):
        spent["predict"] = 0.0
        t = time.perf_counter()
        out = remove(data, session=session, decontaminate=decontaminate, force_return_bytes=True)
        totals.append((time.perf_counter() - t) * 1000)
        masks.append(spent["predict"] * 1000)
        assert out[:4] == b"\x89PNG"
    return {"total_ms": statistics.median(totals), "stages": {"mask_ms": statistics.median(masks)}}


def main() -> int:
    a = assets()
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    thread_counts = [int(t) for t in os.environ.get("BENCH_THREADS", "1,2").split(",")]
    models = os.environ.get("BENCH_MODELS", "portrait,general").split(",")
    model_files = {"portrait": a / "models/selfie_segmentation.onnx", "general": a / "models/isnet_general_fp32.onnx"}
    work = Path(tempfile.mkdtemp(prefix="xuancai-bench-"))
    src = a / "testdata/faceapi-sample3.jpg"
    img12 = make_photo(src, MEGAPIXELS, work / "photo-12mp.jpg")
    img24 = make_photo(src, 2 * MEGAPIXELS, work / "photo-24mp.jpg")
    results = {"machine": {"cpus": os.cpu_count(), "onnxruntime": ort.__version__},
               "image": f"{src.name} upscaled to {Image.open(img12).size} JPEG q92", "rows": []}
    for model in models:
        for threads in thread_counts:
            ours = xuancai_run(img12, model, threads, runs + 1)
            theirs = rembg_run(img12, model, model_files[model], threads, runs, False)
            theirs_dc = rembg_run(img12, model, model_files[model], threads, runs, True)
            row = {"model": model, "threads": threads, "xuancai": ours, "rembg": theirs,
                   "rembg_decontaminate": theirs_dc,
                   "speedup": theirs["total_ms"] / ours["total_ms"],
                   "speedup_vs_decontaminate": theirs_dc["total_ms"] / ours["total_ms"]}
            results["rows"].append(row)
            print(json.dumps(row), flush=True)
        peaks = [xuancai_peak_rss_mb(img24, model, 1) for _ in range(int(os.environ.get("BENCH_RSS_RUNS", "5")))]
        results.setdefault("peak_rss_24mp_mb", {})[model] = {"min": min(peaks), "max": max(peaks), "runs": peaks}
        print(f"peak RSS 24 MP {model} over {len(peaks)} runs: {min(peaks):.0f}-{max(peaks):.0f} MiB", flush=True)
    out = OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    # Keep earlier results for models not run this time.
    previous = out / "cutout.json"
    if previous.exists():
        old = json.loads(previous.read_text())
        results["rows"] = [r for r in old.get("rows", []) if r["model"] not in models] + results["rows"]
        for m, v in old.get("peak_rss_24mp_mb", {}).items():
            results["peak_rss_24mp_mb"].setdefault(m, v)
    previous.write_text(json.dumps(results, indent=2))
    print(f"results in {out / 'cutout.json'}")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
