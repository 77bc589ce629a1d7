#!/usr/bin/env bash
# Install everything and run every check and the whole test suite.
# On a machine without them, PostgreSQL and Redis are installed (apt) and started,
# Node.js with npm (apt) for the TypeScript client test, and Chromium (apt) for tests/browser.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/domain -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_uv
uv sync --frozen --quiet
ensure_postgres
ensure_redis
ensure_pgbouncer
ensure_node
ensure_chromium

log "ruff";          uv run ruff check src tests migrations bench
log "ruff format";   uv run ruff format --check src tests migrations bench
log "mypy --strict"; uv run mypy
log "import rules";  uv run lint-imports
log "pytest";        uv run pytest "$@"
