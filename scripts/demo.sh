#!/usr/bin/env bash
# Install everything and start TailTribe with demo data on http://127.0.0.1:8000
# (embedded mode: SQLite file, no outside services).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_uv
uv sync --frozen --quiet
exec uv run tailtribe demo "$@"
