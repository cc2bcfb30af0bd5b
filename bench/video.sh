#!/usr/bin/env bash
# The video-sticker benchmark (docs/BENCHMARKS.md): Telegram's VP9 WebM with
# alpha, xuancai's libvpx encode vs FFmpeg's libvpx-vp9 on the same frames.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tools/assets/fetch.py
if ! command -v ffmpeg >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends ffmpeg \
    || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends ffmpeg; }
fi
if [ -z "${BENCH_BIN_DIR:-}" ]; then
  cargo build --release -p xuancai-cli -p xuancai-stickers --examples
  BENCH_BIN_DIR=target/release
fi
BENCH_BIN_DIR="$BENCH_BIN_DIR" python3 bench/video.py
