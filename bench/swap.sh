#!/usr/bin/env bash
# The face-swap benchmark (docs/BENCHMARKS.md): a 1080p swap on one core, stage by stage.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tools/assets/fetch.py
if [ -n "${BENCH_BIN_DIR:-}" ]; then
  "$BENCH_BIN_DIR/examples/swap_bench" "${1:-15}"
else
  cargo run --release -p xuancai-vision --example swap_bench -- "${1:-15}"
fi
