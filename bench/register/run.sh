#!/usr/bin/env bash
# The register import benchmark: groundgame's import beside sqlite3's own .import of the same file
# into a bare table, the PostgreSQL COPY path, and a 5-million-row export for bounded memory.
# Usage: bash bench/register/run.sh [ELECTORS] [BIG_ELECTORS]   (defaults: 75000 5000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '\n==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
command -v sqlite3 >/dev/null || { as_root apt-get update -qq; as_root apt-get install -y -qq sqlite3 >/dev/null; }
. .ci/postgres.sh

log "Building groundgame (release)"
cargo build --release --locked -q
export GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame"
python3 bench/register/bench.py "${1:-75000}" "${2:-5000000}"
