"""Thumbnail benchmark: xuancai's in-process thumbnail step vs libvips 8.18
(pyvips-binary, in process) and Debian's `vipsthumbnail` (a process per file),
on the same 12 MP JPEGs, in one run. Writes bench-out/thumbs.json and prints
a Markdown table for docs/BENCHMARKS.md.

The 12 MP inputs are made from the project's test photos (scikit-image and
face-api demo photos): cover-resized to 4000x3000 with Lanczos and saved at
quality 92 with 4:2:0 chroma, in two sets — "textured", with Gaussian noise
(sigma 4) so that the JPEG carries sensor-like detail (~2.3 MB, like a phone
photo), and "smooth", the upscaled photo as it is (~0.5 MB). Deterministic
(seeded). Entropy decoding dominates a shrink-on-load thumbnail, so the
textured set is the harder, more realistic one.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(subprocess.check_output([sys.executable, str(ROOT / "tools/assets/fetch.py"), "--print-dir"], text=True).strip())
# `BENCH_BIN_DIR`: where the binaries are (target/release; the smoke run in
# `make test` points it at the `ci` build). `BENCH_OUT`: where results go.
BIN_DIR = Path(os.environ.get("BENCH_BIN_DIR") or ROOT / "target" / "release")
OUT_DIR = Path(os.environ.get("BENCH_OUT") or ROOT / "bench-out")
OUT = OUT_DIR
SOURCES = ["astronaut.png", "coffee.png", "chelsea.png", "faceapi-sample1.jpg", "faceapi-sample2.jpg", "faceapi-sample3.jpg"]
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


def make_inputs(sigma: float, name: str) -> list[Path]:
    d = ASSETS / "bench-data" / name
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12)
    files = []
    for name in SOURCES:
        dest = d / (Path(name).stem + ".jpg")
        files.append(dest)
        if dest.exists():
            continue
        img = Image.open(ASSETS / "testdata" / name).convert("RGB")
        w, h = img.size
        scale = max(4000 / w, 3000 / h)
        img = img.resize((round(w * scale), round(h * scale)), Image.LANCZOS)
        left, top = (img.width - 4000) // 2, (img.height - 3000) // 2
        img = img.crop((left, top, left + 4000, top + 3000))
        arr = np.asarray(img).astype(np.float32) + (rng.normal(0, sigma, (3000, 4000, 3)) if sigma else 0)
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(dest, quality=92, subsampling=2)
    return files


VIPS_SNIPPET = r"""
import json, statistics, sys, time
import pyvips
files, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
out = {"version": pyvips.version(0), "minor": pyvips.version(1), "patch": pyvips.version(2)}
res, both = {}, {}
for f in files:
    times, times2 = [], []
    for i in range(repeat + 1):
        t = time.perf_counter()
        buf = pyvips.Image.thumbnail(f, 512).write_to_buffer(".jpg[Q=80]")
        a = (time.perf_counter() - t) * 1000
        # The two renditions of an upload, libvips at its best: one
        # shrink-on-load decode to the 1440 px preview (JPEG q85), the 250 px
        # thumbnail (WebP q75) made from the preview held in memory, not
        # from the file again (a lazy pipeline cannot be read twice; from
        # the file twice was 15-25 % slower here).
        t = time.perf_counter()
        preview = pyvips.Image.thumbnail(f, 1440).copy_memory()
        p = preview.write_to_buffer(".jpg[Q=85]")
        w = preview.thumbnail_image(250).write_to_buffer(".webp[Q=75]")
        b = (time.perf_counter() - t) * 1000
        if i:
            times.append(a)
            times2.append(b)
    res[f] = statistics.median(times)
    both[f] = statistics.median(times2)
out["ms"] = res
out["renditions_ms"] = both
print(json.dumps(out))
"""


def vips_in_process(files: list[Path], threads: str | None) -> dict:
    env = dict(os.environ)
    if threads:
        env["VIPS_CONCURRENCY"] = threads
    r = subprocess.run([sys.executable, "-c", VIPS_SNIPPET, json.dumps([str(f) for f in files]), str(REPEAT)],
                       env=env, check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


def vipsthumbnail_cli(files: list[Path]) -> dict:
    exe = shutil.which("vipsthumbnail")
    if not exe:
        return {}
    version = subprocess.run([exe, "--vips-version"], capture_output=True, text=True).stdout.strip()
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            times = []
            for i in range(REPEAT + 1):
                t = time.perf_counter()
                subprocess.run([exe, str(f), "-s", "512", "-o", f"{tmp}/%s.jpg[Q=80]"], check=True,
                               env={**os.environ, "VIPS_CONCURRENCY": "1"})
                if i:
                    times.append((time.perf_counter() - t) * 1000)
            res[str(f)] = statistics.median(times)
    return {"version": version, "ms": res}


def ours(files: list[Path], threads: str) -> dict:
    exe = BIN_DIR / "examples/thumbnail_bench"
    r = subprocess.run([str(exe), "--repeat", str(REPEAT), *map(str, files)], check=True, capture_output=True,
                       text=True, env={**os.environ, "RAYON_NUM_THREADS": threads})
    return {json.loads(l)["file"]: json.loads(l) for l in r.stdout.splitlines()}


def peak_rss_kib(cmd: list[str], env: dict) -> int | None:
    time_bin = shutil.which("time") or "/usr/bin/time"
    if not Path(time_bin).exists():
        return None
    r = subprocess.run([time_bin, "-f", "%M", *cmd], capture_output=True, text=True, env={**os.environ, **env})
    try:
        return int(r.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def run_set(label: str, files: list[Path]) -> dict:
    our1 = ours(files, "1")
    vips1 = vips_in_process(files, "1")
    vips_def = vips_in_process(files, None)
    cli = vipsthumbnail_cli(files)
    rows = []
    for f in files:
        k = str(f)
        rows.append({
            "file": f.name,
            "bytes": f.stat().st_size,
            "xuancai_thumb512_ms": our1[k]["thumb512_ms"],
            "xuancai_renditions_ms": our1[k]["renditions_ms"],
            "vips_1thread_ms": vips1["ms"][k],
            "vips_renditions_1thread_ms": vips1["renditions_ms"][k],
            "vips_default_threads_ms": vips_def["ms"][k],
            "vipsthumbnail_cli_ms": cli.get("ms", {}).get(k),
        })

    def mean(key):
        vals = [r[key] for r in rows if r[key] is not None]
        return sum(vals) / len(vals) if vals else None

    summary = {k: mean(k) for k in rows[0] if k != "file"}
    summary["ratio_xuancai_over_vips_1thread"] = summary["xuancai_thumb512_ms"] / summary["vips_1thread_ms"]
    summary["ratio_xuancai_over_vips_default"] = summary["xuancai_thumb512_ms"] / summary["vips_default_threads_ms"]
    # Issue 23 item 8: an upload's two renditions, side by side.
    summary["ratio_renditions_xuancai_over_vips_1thread"] = (
        summary["xuancai_renditions_ms"] / summary["vips_renditions_1thread_ms"])
    exe = str(BIN_DIR / "examples/thumbnail_bench")
    summary["xuancai_peak_rss_kib"] = peak_rss_kib([exe, "--repeat", "1", str(files[0])], {"RAYON_NUM_THREADS": "1"})
    if shutil.which("vipsthumbnail"):
        summary["vipsthumbnail_peak_rss_kib"] = peak_rss_kib(
            ["vipsthumbnail", str(files[0]), "-s", "512", "-o", "/tmp/xuancai-bench-%s.jpg[Q=80]"], {"VIPS_CONCURRENCY": "1"})
    print(f"\n### {label}\n")
    print(f"| photo | bytes | xuancai 512 px | xuancai preview+thumb | libvips {vips1['version']}.{vips1['minor']}.{vips1['patch']} 1 thread | same, default threads | vipsthumbnail {cli.get('version')} (process) | libvips preview+thumb, 1 thread |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cli_ms = f"{r['vipsthumbnail_cli_ms']:.1f}" if r["vipsthumbnail_cli_ms"] else "-"
        print(f"| {r['file']} | {r['bytes']} | {r['xuancai_thumb512_ms']:.1f} | {r['xuancai_renditions_ms']:.1f} | {r['vips_1thread_ms']:.1f} | {r['vips_default_threads_ms']:.1f} | {cli_ms} | {r['vips_renditions_1thread_ms']:.1f} |")
    print(json.dumps(summary, indent=2))
    return {"pyvips": f"libvips {vips1['version']}.{vips1['minor']}.{vips1['patch']} (pyvips-binary)",
            "vipsthumbnail": cli.get("version"), "rows": rows, "summary": summary}


def main() -> int:
    result = {
        "repeat": REPEAT,
        "cpu": subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip(),
        "nproc": os.cpu_count(),
        "sets": {
            "textured": run_set("textured (sensor-like noise)", make_inputs(4, "12mp")),
            "smooth": run_set("smooth (upscaled as is)", make_inputs(0, "12mp-smooth")),
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "thumbs.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
