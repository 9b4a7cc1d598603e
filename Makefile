# roastnet: `make serve` serves on http://127.0.0.1:8000, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install serve test lint bench fuzz loadtest spec clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Debian's Chromium for the browser tests (Playwright cannot download its own build here).
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	touch $@

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/roastnet serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

spec: $(STAMP)
	$(BIN)/python -m service.spec > openapi.yaml

# wrk comes from Debian; the benchmark installs it when it is missing (the machines run as root).
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	ROASTNET_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/reliability/test_fuzz.py

loadtest: $(STAMP)
	ROASTNET_LOAD_SECONDS=120 $(BIN)/python -m pytest tests/reliability/test_load.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
