#!/usr/bin/env bash
# The thumbnail benchmark (docs/BENCHMARKS.md): xuancai vs libvips, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
command -v vipsthumbnail >/dev/null || echo "note: vipsthumbnail not found (apt-get install libvips-tools); its column is skipped" >&2
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release -p xuancai-imaging --example thumbnail_bench
"$VENV/bin/python" bench/thumbs.py
