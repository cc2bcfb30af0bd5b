#!/usr/bin/env bash
# The cutout benchmark (docs/BENCHMARKS.md): xuancai vs rembg, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
# BENCH_BIN_DIR set (the smoke run): use those binaries, build nothing.
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release -p xuancai-cli
"$VENV/bin/python" bench/cutout.py
