# An Sinh — one command per job. CI (.ci/run) runs `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The real services the second test pass runs against (DESIGN §7 production profile).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-embedded test-services lint format messages lock clean bench bench-recovery \
	bench-app bench-ingest bench-history bench-statements bench-growth bench-slowclients bench-report-memory bench-login-timing bench-attacks soak

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## Serve the portal, the API and the task worker on the embedded default (SQLite, dev mailbox).
run: $(STAMP)
	$(BIN)/ansinh run --host $(HOST) --port $(PORT)

## The whole suite: once on the embedded default, once on the real PostgreSQL + Redis.
test: test-embedded test-services

test-embedded: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -p no:cacheprovider

test-services: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ansinh
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Recompile translations after editing locale/*/LC_MESSAGES/django.po
messages: $(STAMP)
	cd ansinh && ../$(BIN)/python -m django compilemessages --settings=ansinh.settings -l vi -l en

## Re-pin dependencies after editing pyproject.toml
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

## Benchmarks, not tests (bench/README.md). Every figure of DESIGN §8 in one run (about 6
## minutes on 2 cores): starts the production profile on this machine's PostgreSQL (databases
## BENCH_DB and BENCH_DB_ingest, dropped and re-created) and Redis (db BENCH_REDIS_DB, flushed)
## and rewrites bench/RESULTS.md. A quick look: make bench BENCH_ARGS=--quick
bench: $(STAMP)
	$(BIN)/python bench/run.py --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) $(BENCH_ARGS)

## Benchmark, not a test (bench/README.md): password recovery under load on the production
## profile with this machine's PostgreSQL and Redis; writes bench/results/recovery.md.
## Flags: make bench-recovery BENCH_ARGS="--workers 4 -k 500"
bench-recovery: $(STAMP)
	$(BIN)/python bench/recovery.py $(BENCH_ARGS)

## Single benchmarks, not tests (bench/RESULTS.md). Each drops and re-creates its own PostgreSQL
## database BENCH_DB (and flushes Redis db BENCH_REDIS_DB for the history read).
BENCH_DB ?= ansinh_bench
BENCH_REDIS_DB ?= 15
## Login timing (issue 11 k): a wrong password for a registered identifier against an unknown
## identifier, Welch and Mann-Whitney tests; writes bench/results/login-timing.md.
bench-login-timing: $(STAMP)
	$(BIN)/python bench/login_timing.py --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) $(BENCH_ARGS)

bench-ingest: $(STAMP)
	$(BIN)/python bench/contributions.py ingest --database $(BENCH_DB) --output bench/RESULTS.md $(BENCH_ARGS)

## Benchmark (bench/report_memory.py): peak memory of one web process reading a 24 MB and a
## near-limit (245 MB) JSON report; adds a section to bench/results/report-memory.md.
bench-report-memory: $(STAMP)
	$(BIN)/python bench/report_memory.py --seed --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) $(BENCH_ARGS)

bench-statements: $(STAMP)
	$(BIN)/python bench/contributions.py statements --database $(BENCH_DB) --output bench/RESULTS.md $(BENCH_ARGS)

bench-history: $(STAMP)
	$(BIN)/python bench/history.py --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) --output bench/results/history.md $(BENCH_ARGS)

## Benchmark (bench/README.md): history reads and statements at 1×, 10× and 100× the demo
## population; writes bench/results/growth.md (about 6–8 minutes).
bench-growth: $(STAMP)
	$(BIN)/python bench/growth.py --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) $(BENCH_ARGS)

## Benchmark (bench/README.md): 500 idle and trickling connections against `ansinh serve`
## (production profile) and `ansinh run` (embedded), and the latency of legitimate requests
## meanwhile; writes bench/results/slowclients.md (about 2 minutes).
bench-slowclients: $(STAMP)
	$(BIN)/python bench/slowclients.py --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) $(BENCH_ARGS)

## Replay of issue 11's hostile probe over HTTP (bench/README.md) against `ansinh serve`
## (production profile; PostgreSQL database ATTACKS_DB dropped and re-created, Redis db
## ATTACKS_REDIS_DB flushed) and `ansinh run` (temporary SQLite); writes
## bench/results/attacks.md, exit status 1 when an attack still works (about 5 minutes).
ATTACKS_DB ?= ansinh_attacks
ATTACKS_REDIS_DB ?= 13
bench-attacks: $(STAMP)
	$(BIN)/python bench/attacks.py --database $(ATTACKS_DB) --redis-db $(ATTACKS_REDIS_DB) $(BENCH_ARGS)

## Soak, a benchmark, not a CI test (bench/README.md): 30 minutes of mixed traffic on the
## production profile; writes bench/results/soak.md; exit status 1 on FAIL.
## Flags: make soak BENCH_ARGS="--minutes 5"
soak: $(STAMP)
	$(BIN)/python bench/soak.py --database $(BENCH_DB) --redis-db $(BENCH_REDIS_DB) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## Benchmark (bench/app.py), not a test: the app at /app/ in Chromium on slow 4G-like network
## (400 kbit/s, 400 ms) and 4x CPU throttling; first-load bytes, time to interactive, offline
## card. Writes bench/results/app.md (about 2 minutes).
bench-app: $(STAMP)
	$(BIN)/python bench/app.py --database $(BENCH_DB)_app --redis-db 8 $(BENCH_ARGS)
