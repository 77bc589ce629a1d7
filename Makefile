# Everyday commands. scripts/test.sh and scripts/demo.sh stay what CI and a
# fresh clone run; these targets call the same commands one step at a time.
# Extra arguments: make test ARGS="tests/domain -x", make serve ARGS="--port 9000".

PATHS := src tests migrations bench
ARGS ?=

.PHONY: help install demo test ci check fmt bench bench-metrics load migrate worker serve

help:
	@echo "install demo test ci check fmt bench bench-metrics load migrate worker serve"

install:  ## the locked dependencies, dev tools included
	uv sync --frozen

demo:  ## embedded mode with demo data on http://127.0.0.1:8000
	bash scripts/demo.sh $(ARGS)

test:  ## the pytest suite (PostgreSQL and Redis on 127.0.0.1, or TEST_DATABASE_URL / TEST_REDIS_URL)
	uv run pytest $(ARGS)

ci:  ## what CI runs: installs what is missing, every check, the whole suite
	bash scripts/test.sh $(ARGS)

check:  ## the linters, the formatter's check, mypy --strict and the import rules
	uv run ruff check $(PATHS)
	uv run ruff format --check $(PATHS)
	uv run mypy
	uv run lint-imports

fmt:  ## fix what ruff can, then format
	uv run ruff check --fix $(PATHS)
	uv run ruff format $(PATHS)

bench:  ## API throughput against a bare SELECT 1 (local PostgreSQL)
	uv run python bench/bench_api.py $(ARGS)

bench-metrics:  ## the admin metrics over 100,000 bookings
	uv run python bench/bench_metrics.py $(ARGS)

load:  ## the load test (e.g. ARGS="--users 100")
	uv run python bench/load.py $(ARGS)

migrate:  ## apply migrations (to DIRECT_URL when set)
	uv run tailtribe db upgrade

worker:  ## the SAQ worker on REDIS_URL
	uv run tailtribe worker

serve:  ## the API, served by granian
	uv run tailtribe serve $(ARGS)
