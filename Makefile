# Xuancai's two commands:
#   make run    fetch the models (first time only), build, start the server
#               (SQLite file + local blobs in ./xuancai-data, development mode)
#   make test   fetch the models and test tools, build, run every test
# `make run ARGS="cutout photo.jpg -o out.png"` runs any other xuancai command.

PYTHON ?= python3
ASSETS = $(shell $(PYTHON) tools/assets/fetch.py --print-dir)
ARGS ?= serve --dev

.PHONY: setup run test lint bench

setup:
	$(PYTHON) tools/assets/fetch.py

run: setup
	cargo build --release -p xuancai-cli
	@mkdir -p out
	./target/release/xuancai $(ARGS)

test:
	$(PYTHON) tools/assets/fetch.py --with-test-tools
	cargo test --workspace --release
	$(ASSETS)/venv/bin/python -m pytest -q tools/assets

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

bench:
	bash bench/cutout.sh
