"""Video-sticker benchmark (issue 22 item 9a): the frames of a Telegram
moving sticker (the astronaut, caption, shake: 12 frames of 512×512 RGBA)
encoded as VP9 WebM with alpha at one fixed quantizer, one thread, speed 4,
no lag — xuancai (`examples/vp9_bench`: libvpx 1.16 from PyAV's wheel,
opened at run time, our muxer) against FFmpeg (`-c:v libvpx-vp9 -pix_fmt
yuva420p`, Debian's build). Both are whole processes reading the same PNG
frames and writing a file; the median of BENCH_RUNS runs after one warm-up.
Results in $BENCH_OUT/video.json (bench-out/ by default).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ["BENCH_BIN_DIR"])
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench-out"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
QS = [int(q) for q in os.environ.get("BENCH_QS", "8,24,40").split(",")]
DELAY = 84


def assets() -> Path:
    return Path(subprocess.run([sys.executable, str(ROOT / "tools/assets/fetch.py"), "--print-dir"],
                               check=True, capture_output=True, text=True).stdout.strip())


def timed(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return (time.perf_counter() - t) * 1000, r.stdout


def median_run(cmd: list[str]) -> float:
    timed(cmd)
    return statistics.median(timed(cmd)[0] for _ in range(RUNS))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    photo = assets() / "testdata" / "astronaut.png"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        made = tmp / "made.webm"
        subprocess.run([str(BIN / "xuancai"), "sticker", str(photo), "--preset", "telegram", "--animate", "shake",
                        "--caption", "哈哈哈 LOL", "-o", str(made), "--json"], check=True, capture_output=True)
        subprocess.run(["ffmpeg", "-v", "error", "-c:v", "libvpx-vp9", "-i", str(made), "-pix_fmt", "rgba",
                        str(tmp / "f%03d.png")], check=True)
        frames = sorted(str(p) for p in tmp.glob("f*.png"))
        rows = []
        for q in QS:
            ours_out, peer_out = tmp / f"ours{q}.webm", tmp / f"peer{q}.webm"
            ours = [str(BIN / "examples/vp9_bench"), str(q), str(DELAY), str(ours_out), *frames]
            peer = ["ffmpeg", "-v", "error", "-y", "-framerate", f"1000/{DELAY}", "-i", str(tmp / "f%03d.png"),
                    "-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", "-qmin", str(q), "-qmax", str(q), "-b:v", "20M",
                    "-deadline", "good", "-cpu-used", "4", "-lag-in-frames", "0", "-auto-alt-ref", "0",
                    "-threads", "1", "-row-mt", "0", "-an", str(peer_out)]
            ours_ms, peer_ms = median_run(ours), median_run(peer)
            rows.append({"quantizer": q, "frames": len(frames),
                         "xuancai": {"ms": round(ours_ms, 1), "bytes": ours_out.stat().st_size},
                         "ffmpeg": {"ms": round(peer_ms, 1), "bytes": peer_out.stat().st_size},
                         "time_ratio_ffmpeg_over_xuancai": round(peer_ms / ours_ms, 2)})
            print(json.dumps(rows[-1]), flush=True)
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    (OUT / "video.json").write_text(json.dumps({"ffmpeg": version, "runs": RUNS, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
