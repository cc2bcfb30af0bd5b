#!/usr/bin/env bash
# The contact sheet of the default cutouts (bench/contact_sheet.py): every
# test photo and its `xuancai cutout` result over a checkerboard, one PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/venv.sh
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release -p xuancai-cli
"$VENV/bin/python" bench/contact_sheet.py
