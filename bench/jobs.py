"""Studio job load benchmark (issue 7; docs/BENCHMARKS.md).

Starts the release `xuancai serve --dev` on its embedded default (SQLite
file + local blobs), signs in, uploads the test photos, queues many cutout
jobs at once and waits for all of them, sampling the server's resident
memory (VmRSS) every 50 ms: throughput, peak memory, and memory at each
quarter of the run (flat = no growth). Then the peer: rembg's `remove` with
one shared session over the same photos in one Python process, sampled the
same way (rembg's own server grows; its in-process loop is the kinder
comparison).

    bash bench/jobs.sh            # JOBS=120 WORKERS="1 2" to change
    JOBS=1000 WORKERS=1 SKIP_PEER=1 bash bench/jobs.sh   # the soak run
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "api"))
from client import call, sign_in  # noqa: E402
ASSETS = pathlib.Path(sys.argv[1])
# `BENCH_BIN_DIR`: where the binaries are (target/release; the smoke run in
# `make test` points it at the `ci` build). `BENCH_OUT`: where results go.
BIN_DIR = pathlib.Path(os.environ.get("BENCH_BIN_DIR") or ROOT / "target" / "release")
OUT_DIR = pathlib.Path(os.environ.get("BENCH_OUT") or ROOT / "bench-out")
BIN = BIN_DIR / "xuancai"
PHOTOS = sorted((ASSETS / "testdata").iterdir())
JOBS = int(os.environ.get("JOBS", "120"))
WORKERS = [int(w) for w in os.environ.get("WORKERS", "1 2").split()]


def rss_kib(pid):
    try:
        text = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(m.group(1)) if m else 0


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], False

    def run(self):
        while not self.stop:
            self.samples.append((time.monotonic(), rss_kib(self.pid)))
            time.sleep(0.05)


def run_server(workers):
    tmp = tempfile.mkdtemp()
    data = pathlib.Path(tmp) / "data"
    cfg = pathlib.Path(tmp) / "x.toml"
    cfg.write_text(f"studio_workers = {workers}\nstudio_max_pending = 100000\n")
    env = dict(os.environ, XUANCAI_STUDIO_THREADS=str(os.cpu_count() // workers or 1))
    proc = subprocess.Popen(
        [BIN, "serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir", data, "--config", cfg],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )
    base = None
    for line in proc.stderr:
        if "listening on" in line:
            base = line.split("listening on ")[1].strip()
            break
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    token = sign_in(base, data)
    ids = [call(base, "POST", "/api/v1/photos", token, form=(p.name, p.read_bytes()))["photo"]["id"] for p in PHOTOS]
    idle = rss_kib(proc.pid)
    sampler = Sampler(proc.pid)
    sampler.start()
    start = time.monotonic()
    jobs = [call(base, "POST", "/api/v1/jobs", token, body={"kind": "cutout", "photo": ids[i % len(ids)]})["id"]
            for i in range(JOBS)]
    queued = time.monotonic() - start
    # Jobs are claimed oldest first: follow them in order (any number of jobs).
    done_at = {}
    for jid in jobs:
        while True:
            j = call(base, "GET", f"/api/v1/jobs/{jid}", token)
            if j["state"] in ("done", "failed"):
                done_at[jid] = (time.monotonic(), j["state"])
                break
            time.sleep(0.1)
    wall = time.monotonic() - start
    sampler.stop = True
    sampler.join()
    failed = sum(1 for _, s in done_at.values() if s != "done")
    proc.terminate()
    proc.wait()
    return summarise(f"xuancai serve, {workers} worker(s)", sampler.samples, start, wall, idle,
                     extra={"queue_ms_per_job": round(queued / JOBS * 1000, 2), "failed": failed})


def tenths(samples, start, wall):
    out = []
    for k in range(10):
        lo, hi = start + wall * k / 10, start + wall * (k + 1) / 10
        vals = [kib for (ts, kib) in samples if lo <= ts < hi]
        out.append(round(max(vals) / 1024, 1) if vals else None)
    return out


def summarise(name, samples, start, wall, idle, extra=None):
    def at(frac):
        t = start + wall * frac
        vals = [kib for (ts, kib) in samples if ts <= t]
        return round(vals[-1] / 1024, 1) if vals else None
    peak = max(kib for _, kib in samples) / 1024
    row = {
        "tool": name, "jobs": JOBS, "wall_s": round(wall, 2), "jobs_per_s": round(JOBS / wall, 2),
        "idle_rss_mib": round(idle / 1024, 1), "peak_rss_mib": round(peak, 1),
        "rss_mib_at_25_50_75_100": [at(0.25), at(0.5), at(0.75), at(1.0)],
        # The highest RSS in each tenth of the run: flat = no growth.
        "peak_rss_mib_by_tenth": tenths(samples, start, wall),
    }
    row.update(extra or {})
    return row


def run_rembg():
    code = r"""
import io, os, pathlib, sys, time
from PIL import Image
from rembg import new_session, remove
photos = sorted(pathlib.Path(sys.argv[1]).iterdir())
model = pathlib.Path(sys.argv[3])
os.environ["REMBG_HOME"] = str(model.parent)  # rembg loads custom models only from its home
session = new_session("dis_custom", model_path=str(model))
print("ready", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[2])):
    out = remove(Image.open(photos[i % len(photos)]), session=session)
    out.save(io.BytesIO(), format="PNG")
print("done", flush=True)
"""
    env = dict(os.environ)
    model = ASSETS / "models/isnet_general_fp32.onnx"
    proc = subprocess.Popen([sys.executable, "-c", code, ASSETS / "testdata", str(JOBS), model],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    if proc.stdout.readline().strip() != "ready":
        return {"tool": "rembg", "error": "did not start"}
    idle = rss_kib(proc.pid)
    sampler = Sampler(proc.pid)
    sampler.start()
    start = time.monotonic()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    proc.stdout.readline()
    wall = time.monotonic() - start
    sampler.stop = True
    sampler.join()
    proc.wait()
    return summarise("rembg remove() (ISNet for every photo), one session, in-process", sampler.samples, start, wall, idle)


def main():
    rows = [run_server(w) for w in WORKERS]
    if os.environ.get("SKIP_PEER") != "1":
        rows.append(run_rembg())
    out = OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / "jobs.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    print(json.dumps(rows, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
