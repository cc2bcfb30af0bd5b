#!/usr/bin/env bash
# Studio job load benchmark (docs/BENCHMARKS.md): many cutout jobs queued at
# once on `xuancai serve`, throughput and memory over the run, beside rembg.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
cargo build --release -p xuancai-cli
"$VENV/bin/python" bench/jobs.py "$ASSETS"
