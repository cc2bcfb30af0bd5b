#!/usr/bin/env bash
# The cutout benchmark (docs/BENCHMARKS.md): xuancai vs rembg, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
cargo build --release -p xuancai-cli
"$VENV/bin/python" bench/cutout.py
