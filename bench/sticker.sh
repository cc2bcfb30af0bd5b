#!/usr/bin/env bash
# The sticker benchmark (docs/BENCHMARKS.md): a WhatsApp sticker from a 12 MP
# photo, xuancai vs rembg + Pillow, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
# BENCH_BIN_DIR set (the smoke run): use those binaries, build nothing.
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release -p xuancai-cli
"$VENV/bin/python" bench/sticker.py
