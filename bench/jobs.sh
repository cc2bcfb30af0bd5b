#!/usr/bin/env bash
# Studio job load benchmark (docs/BENCHMARKS.md): many cutout jobs queued at
# once on `xuancai serve`, throughput and memory over the run, beside rembg.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
# BENCH_BIN_DIR set (the smoke run): use those binaries, build nothing.
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release -p xuancai-cli
"$VENV/bin/python" bench/jobs.py "$ASSETS"
