#!/usr/bin/env bash
# Every benchmark once, small and short (issue 23 item 9), so that a
# benchmark that breaks fails `make test` instead of rotting until someone
# reruns it. The figures mean nothing; the full runs stay manual
# (docs/BENCHMARKS.md). Uses the binaries in BENCH_BIN_DIR (`make test`
# passes its `ci` build) and writes results to a temporary BENCH_OUT, so
# bench-out/ keeps the last full run.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_BIN_DIR:?BENCH_BIN_DIR: the directory with xuancai and examples/ (target/ci after the build of make test)}"
BENCH_BIN_DIR=$(realpath "$BENCH_BIN_DIR")
export BENCH_BIN_DIR
BENCH_OUT=$(mktemp -d)
export BENCH_OUT
trap 'rm -rf "$BENCH_OUT"' EXIT
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
if ! command -v wrk >/dev/null; then
  echo "== installing wrk (load benchmark)"
  $SUDO apt-get install -y --no-install-recommends wrk \
    || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends wrk; }
fi
t() { local s; s=$(date +%s); echo "== [bench smoke] $1"; shift; "$@" > "$BENCH_OUT/log" 2>&1 \
  || { cat "$BENCH_OUT/log"; echo "bench smoke: $* failed" >&2; exit 1; }; echo "   ($(( $(date +%s) - s ))s)"; }
t cutout env BENCH_MP=2 BENCH_RUNS=1 BENCH_THREADS=1 BENCH_MODELS=portrait BENCH_RSS_RUNS=1 bash bench/cutout.sh
t sticker env BENCH_MP=2 BENCH_RUNS=1 BENCH_THREADS=1 bash bench/sticker.sh
t thumbs env BENCH_REPEAT=1 bash bench/thumbs.sh
t jobs env JOBS=4 WORKERS=1 bash bench/jobs.sh
t load env BENCH_SECONDS=1 BENCH_COPIES=1 bash bench/load.sh
t swap bash bench/swap.sh 1
t contact-sheet env CONTACT_LIMIT=1 bash bench/contact_sheet.sh
t video env BENCH_RUNS=1 BENCH_QS=24 bash bench/video.sh
# Each wrote its results, with figures in them.
"${PYTHON:-python3}" - "$BENCH_OUT" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
cutout = json.loads((out / "cutout.json").read_text())
assert cutout["rows"] and all(r["xuancai"]["total_ms"] > 0 and r["rembg"]["total_ms"] > 0 for r in cutout["rows"]), cutout
sticker = json.loads((out / "sticker.json").read_text())
assert sticker["rows"], sticker
thumbs = json.loads((out / "thumbs.json").read_text())
assert all(s["summary"]["xuancai_thumb512_ms"] > 0 for s in thumbs["sets"].values()), thumbs
jobs = json.loads((out / "jobs.json").read_text())
assert jobs and all(r["jobs_per_s"] > 0 for r in jobs), jobs
load = json.loads((out / "load.json").read_text())
assert len(load) == 4 and all(r["rps"] > 0 and r["non_2xx"] == "0" for r in load), load
assert (out / "contact-sheet.png").stat().st_size > 10_000
video = json.loads((out / "video.json").read_text())
assert video["rows"] and all(r["xuancai"]["ms"] > 0 and r["ffmpeg"]["ms"] > 0 for r in video["rows"]), video
print("bench smoke: every benchmark ran and wrote its figures")
PY
