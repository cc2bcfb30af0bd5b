#!/usr/bin/env bash
# Every test, as `make test` runs it (issue 18): set-up, one build of every
# test binary with the `ci` profile (optimised, no LTO), one S3 server for the
# run, the Rust tests, the browser tests against the binary built here, the
# API contract (schemathesis), the cluster test, a smoke run of every benchmark, the
# converter's tests, and the conformance report. Prints the time of each phase.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python3}"
PROFILE="${XUANCAI_TEST_PROFILE:-ci}"
TIMES=()
T0=$(date +%s)
phase_start=$T0
phase() { # phase NAME: close the previous phase, open NAME
  local now; now=$(date +%s)
  if [ -n "${current:-}" ]; then TIMES+=("$(printf '%-28s %5ss' "$current" $((now - phase_start)))"); fi
  current="$1"; phase_start=$now
  [ -n "$1" ] && echo "== [$(date +%H:%M:%S)] $1"
  return 0
}
summary() {
  phase ""
  echo "== phase times (make test)"
  printf '   %s\n' "${TIMES[@]}"
  echo "   total                        $(( $(date +%s) - T0 ))s"
}
trap summary EXIT

phase "set-up (models, test tools)"
$PYTHON tools/assets/fetch.py --with-test-tools
ASSETS="$($PYTHON tools/assets/fetch.py --print-dir)"

phase "build (cargo, profile $PROFILE)"
cargo test --workspace --profile "$PROFILE" --no-run
# That build made the binary too (the CLI's tests run it), with the same
# features; `cargo build -p xuancai-cli` would build it again with others
# (two minutes here).
export XUANCAI_BIN="$PWD/target/$PROFILE/xuancai"
[ -x "$XUANCAI_BIN" ] || { echo "no $XUANCAI_BIN after the test build" >&2; exit 1; }

phase "S3 server (moto, once)"
MOTO_PORT=$($PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ASSETS/venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true; summary' EXIT
for _ in $(seq 1 100); do
  if $PYTHON -c "import socket,sys; socket.create_connection(('127.0.0.1',$MOTO_PORT),1)" 2>/dev/null; then break; fi
  sleep 0.2
done
export XUANCAI_TEST_S3_ENDPOINT="http://127.0.0.1:$MOTO_PORT"

phase "Rust tests (cargo-nextest)"
# The PostgreSQL backup test runs pg_dump/pg_restore (Debian's client tools,
# which come with the server machines of this kind run).
if ! command -v pg_dump >/dev/null 2>&1; then
  echo "installing postgresql-client (pg_dump, pg_restore)"
  apt-get install -y --no-install-recommends postgresql-client >/dev/null || sudo apt-get install -y --no-install-recommends postgresql-client >/dev/null
fi
# The sticker tests check Telegram's video stickers with ffprobe and decode
# their alpha with FFmpeg's libvpx (Debian's ffmpeg; issue 22 item 9a).
if ! command -v ffprobe >/dev/null 2>&1; then
  echo "installing ffmpeg (ffprobe)"
  apt-get install -y --no-install-recommends ffmpeg >/dev/null || sudo apt-get install -y --no-install-recommends ffmpeg >/dev/null
fi
# One process per test, JUnit results in target/nextest/ci/junit.xml for the
# conformance report. The machine's cargo-nextest, else the pinned one.
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest --version "${NEXTEST_VERSION:-0.9.143}"
fi
rm -f target/nextest/ci/junit.xml
cargo nextest run --workspace --cargo-profile "$PROFILE" --profile ci

phase "browser tests"
bash tools/e2e/run.sh
# Their screenshots in one picture (issue 22; `make screenshots`).
"$ASSETS/venv/bin/python" tools/e2e/contact_sheet.py

phase "API contract (schemathesis)"
# Every operation of the OpenAPI document against a dev server built here,
# every check at zero failures (issue 18 item 7; tools/api/contract.py).
"$ASSETS/venv/bin/python" tools/api/contract.py

phase "cluster test (PostgreSQL, S3, nginx, 2+2 nodes)"
# Issue 23 item 1: the deploy/ files run as a cluster behind nginx with TLS,
# a worker and a server killed (tools/cluster/cluster.py; its own moto).
"$ASSETS/venv/bin/python" tools/cluster/cluster.py

phase "benchmarks (smoke)"
# Every benchmark once, small and short, on the binaries built here, beside
# its peer tool (issue 23 item 9): a benchmark that breaks fails CI.
BENCH_BIN_DIR="target/$PROFILE" PYTHON=$PYTHON bash bench/smoke.sh

phase "converter tests (pytest)"
"$ASSETS/venv/bin/python" -m pytest -q tools/assets tools/conformance

phase "conformance report"
$PYTHON tools/conformance/report.py --require "${REQUIRED_IDS:?REQUIRED_IDS is set by the Makefile}"
