# roastnet: `make serve` serves on http://127.0.0.1:8000, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install serve test lint bench bench-peers fuzz loadtest mutate spec lock clean services axe

# Installs come from the lock files (every version pinned, every file's hash checked);
# `make lock` writes them again from pyproject.toml.
$(STAMP): pyproject.toml requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# Debian's Chromium for the browser tests (Playwright cannot download its own build here).
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	touch $@

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/roastnet serve --host 127.0.0.1 --port 8000

# Redocly's linter for openapi.yaml, from the npm registry, pinned (Node.js comes with the machine).
REDOCLY := .tools/node_modules/.bin/redocly
$(REDOCLY):
	npm install --silent --no-audit --no-fund --prefix .tools @redocly/cli@2.77.0

# Every function in service/ is typed, and checked against every answer's TypedDict
# (service/answers/): strictly in the modules that pass --strict, plainly in the rest (where
# database rows, huey and gunicorn give Any, and views import names re-exported for them).
TYPED_STRICT := service/answers service/present.py service/columns.py service/training.py \
	service/stored.py service/problems.py service/validation.py service/readings.py \
	service/schemas.py service/settings.py service/params.py service/operations.py \
	service/errors.py service/caching.py service/compression.py service/cors.py \
	service/api/dataset.py service/api/predictions.py service/cli_commands.py \
	service/cli_output.py service/cli_training.py service/symmetry_command.py \
	service/supervisor.py service/recycling.py service/refusals.py service/metrics_dir.py \
	service/granian_server.py service/preload.py service/wsgi.py service/registry/__init__.py \
	service/registry/migrate.py service/registry/migrations
lint: $(STAMP) $(REDOCLY)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict model/
	$(BIN)/mypy --strict --follow-imports=silent $(TYPED_STRICT)
	$(BIN)/mypy --follow-imports=silent --disallow-untyped-defs --disallow-incomplete-defs service/
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --format=summary openapi.yaml

test: lint services axe
	$(BIN)/python -m pytest

# axe-core for the explorer's accessibility test, from the npm registry: a pinned version whose
# tarball must match the pinned integrity. Fetched, not committed (about 0.5 MB of minified
# third-party code that only a test loads); tests/vendor/ is ignored.
AXE_VERSION := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_DIR := tests/vendor/axe-core-$(AXE_VERSION)

$(AXE_DIR)/axe.min.js:
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm >/dev/null)
	rm -rf $(AXE_DIR).tmp && mkdir -p $(AXE_DIR).tmp
	cd $(AXE_DIR).tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	python3 -c 'import base64, hashlib, sys; d = open(sys.argv[1], "rb").read(); \
	  got = "sha512-" + base64.b64encode(hashlib.sha512(d).digest()).decode(); \
	  sys.exit(0 if got == sys.argv[2] else "axe-core tarball integrity mismatch: " + got)' \
	  $(AXE_DIR).tmp/axe-core-$(AXE_VERSION).tgz '$(AXE_INTEGRITY)'
	tar -xzf $(AXE_DIR).tmp/axe-core-$(AXE_VERSION).tgz -C $(AXE_DIR).tmp --strip-components=1 \
	  package/axe.min.js package/LICENSE
	mkdir -p $(AXE_DIR) && mv $(AXE_DIR).tmp/axe.min.js $(AXE_DIR).tmp/LICENSE $(AXE_DIR)/
	rm -rf $(AXE_DIR).tmp

axe: $(AXE_DIR)/axe.min.js

# The tests need PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379): start
# them if they are not running, and stop here, loudly, if they cannot be reached.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done; \
	  pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 \
	  --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in $$(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done; \
	  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }

LOCK := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	--no-emit-find-links --allow-unsafe
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(LOCK) --extra otel --extra granian -o requirements.txt pyproject.toml
	$(LOCK) --extra dev --extra otel --extra granian -o requirements-dev.txt pyproject.toml

spec: $(STAMP)
	$(BIN)/python -m service.spec > openapi.yaml

# wrk and nginx come from Debian; the benchmark installs them when missing (the machines run as root).
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	command -v wrk >/dev/null && command -v nginx >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk nginx >/dev/null)
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks

# roastnet beside FastAPI and KServe, each in its own venv under .peers/ (opt-in, not in make test).
bench-peers: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.peers

fuzz: $(STAMP)
	ROASTNET_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/reliability/test_fuzz.py

loadtest: $(STAMP)
	ROASTNET_LOAD_SECONDS=120 $(BIN)/python -m pytest tests/reliability/test_load.py

# Mutation testing of the explanation modules (slow: not part of make test).
mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutate]'
	ROASTNET_ZOO=quick $(BIN)/mutmut run --max-children 2 || true
	$(BIN)/python -m tests.confirm_survivors

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache mutants tests/vendor .artifacts
