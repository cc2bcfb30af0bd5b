# Xuancai's two commands:
#   make run    fetch the models (first time only), build, start the server
#               (SQLite file + local blobs in ./xuancai-data, development mode)
#   make test   fetch the models and test tools, build, run every test (browser tests included)
# `make run ARGS="cutout photo.jpg -o out.png"` runs any other xuancai command.

PYTHON ?= python3
ASSETS = $(shell $(PYTHON) tools/assets/fetch.py --print-dir)
ARGS ?= serve --dev

# Requirement IDs that a test passing in this run must prove (the conformance
# report fails otherwise). Every ID of the spec.
REQUIRED_IDS = SEC-5 IMG-4 IMG-5 IMG-6 DATA-3 R-8 CON-6 ADS-1 ACC-1 ACC-2 ACC-3 ACC-4 ACC-5 ACC-6 ACC-7 ACC-8 CON-1 CON-2 CON-3 CON-4 CON-5 COOK-1 \
  MIN-1 MIN-2 MIN-3 MIN-4 MIN-5 MIN-6 R-1 R-2 R-3 R-4 R-5 R-6 R-7 RET-1 RET-2 RET-3 \
  SEC-1 SEC-2 SEC-3 SEC-4 SEC-6 DATA-1 DATA-2 DATA-4 DATA-5 DATA-6 ADS-2 ADS-3 IMG-1 IMG-2 IMG-3

.PHONY: setup run test lint bench bench-smoke conformance attack mutants cluster-test cluster-bench contact-sheet screenshots

conformance:
	$(PYTHON) tools/conformance/report.py --require "$(REQUIRED_IDS)"

setup:
	$(PYTHON) tools/assets/fetch.py

run: setup
	cargo build --release -p xuancai-cli
	@mkdir -p out
	./target/release/xuancai $(ARGS)

# Every test: tools/ci/test.sh (set-up, one build with the `ci` profile, one S3
# server, Rust tests, browser tests on the binary just built, converter tests,
# conformance), with the time of each phase.
test:
	REQUIRED_IDS="$(REQUIRED_IDS)" PYTHON=$(PYTHON) bash tools/ci/test.sh

# Format, the crate layering and the dependency policy (deny.toml), clippy.
lint:
	bash tools/ci/lint.sh

# The attacks of docs/SECURITY.md (loopback only), printing their figures.
attack: setup
	cargo nextest run --workspace --cargo-profile ci --profile ci --no-capture \
	  -E 'test(/^abuse::|^outbound::|appended_mpf|codes_race|^codes::|archive_ends|quotas_stop/)'

# Deliberate breakages of the gate and the retention rules, and how many the
# tests catch (issue 20; docs/MUTANTS.md). Manual: about an hour on 2 cores.
mutants:
	cargo install --locked cargo-mutants --version 27.1.0
	cargo mutants -p xuancai-domain --file crates/xuancai-domain/src/privacy/consent.rs \
	  --file crates/xuancai-domain/src/privacy/calendar.rs --file crates/xuancai-domain/src/profile.rs \
	  --re 'consent.rs|calendar.rs|plus_months|days_in_month|years_until|plus_days|start_ms|from_unix_ms' \
	  --profile mutants -o target/mutants-domain || true
	cargo mutants -p xuancai-app --file crates/xuancai-app/src/privacy/gate.rs \
	  --file crates/xuancai-app/src/maintenance.rs --profile mutants -o target/mutants-app -- --test app || true

# The cluster test (issue 23 item 1; docs/DEPLOY.md): PostgreSQL, moto, two
# servers and two workers from deploy/, nginx in front with TLS, a worker and
# a server killed. About half a minute; `make test` runs it too.
cluster-test: setup
	cargo build --profile ci -p xuancai-cli
	XUANCAI_BIN=$(CURDIR)/target/ci/xuancai $(ASSETS)/venv/bin/python tools/cluster/cluster.py

# The same cluster under load (wrk through nginx, jobs with two workers and
# one): docs/BENCHMARKS.md. Needs wrk. The release build: the `ci` profile
# compiles the glue crates without optimisation.
cluster-bench: setup
	cargo build --release -p xuancai-cli
	XUANCAI_BIN=$(CURDIR)/target/release/xuancai $(ASSETS)/venv/bin/python tools/cluster/cluster.py --bench

# Every test photo's default cutout over a checkerboard beside the photo, in
# one PNG (bench-out/contact-sheet.png; issue 21).
contact-sheet: setup
	bash bench/contact_sheet.sh

# The web app's screens in one picture (issue 22): the browser tests at both
# sizes, then target/e2e-screenshots/contact-sheet.png.
screenshots:
	$(PYTHON) tools/assets/fetch.py --with-test-tools
	bash tools/e2e/run.sh
	$(ASSETS)/venv/bin/python tools/e2e/contact_sheet.py

# Every benchmark once, small and short, on the `ci` build (make test runs it).
bench-smoke:
	BENCH_BIN_DIR=target/ci bash bench/smoke.sh

bench:
	bash bench/cutout.sh
	bash bench/sticker.sh
