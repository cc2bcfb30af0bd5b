#!/usr/bin/env bash
# The web app's browser tests (issue 8): playwright-core from npm driving
# Debian's chromium (no browser download). Installs what is missing, then
# runs crates/xuancai-web/e2e/tests against the binary in $XUANCAI_BIN
# (`make test` passes the one it just built: target/ci/xuancai).
# Screenshots land in target/e2e-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
E2E=crates/xuancai-web/e2e
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
if [ ! -x "$CHROMIUM" ]; then
  echo "== installing Debian's chromium (browser tests)"
  $SUDO apt-get install -y --no-install-recommends chromium \
    || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends chromium; }
fi

# Screenshots of a Chinese UI need a CJK font (phones and desktops have one;
# a bare CI machine may not).
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  echo "== installing fonts-noto-cjk (CJK text in the screenshots)"
  ${SUDO:-} apt-get install -y --no-install-recommends fonts-noto-cjk \
    || { ${SUDO:-} apt-get update && ${SUDO:-} apt-get install -y --no-install-recommends fonts-noto-cjk; }
fi

# The binary under test: the one `make test` just built, never a stale one.
if [ -z "${XUANCAI_BIN:-}" ]; then
  cargo build --profile ci -p xuancai-cli
  XUANCAI_BIN=target/ci/xuancai
fi
XUANCAI_BIN="$(realpath "$XUANCAI_BIN")"
export XUANCAI_BIN
echo "== binary under test: $XUANCAI_BIN"

echo "== npm ci (playwright-core, axe-core: exact versions from package-lock.json)"
npm ci --prefix "$E2E" --no-audit --no-fund --loglevel=error
echo "== browser tests ($("$CHROMIUM" --version 2>/dev/null || echo chromium))"
rm -rf target/e2e-screenshots
# Results as JUnit too: the conformance report reads which tests passed.
# Two test files at a time (E2E_CONCURRENCY): each starts its own server on
# port 0 with its own data directory, so they share nothing; on two cores
# that took the phase from 195 s to 103-110 s.
JUNIT="$PWD/target/e2e-junit.xml"
mkdir -p target && rm -f "$JUNIT"
(cd "$E2E" && node --test --test-concurrency="${E2E_CONCURRENCY:-2}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$JUNIT" tests/)
echo "== screenshots: $(ls target/e2e-screenshots | wc -l) in target/e2e-screenshots/"
