#!/usr/bin/env bash
# The phone-bank benchmark: 200 callers working one call list of 100,000 people (the demo seat
# with a synthetic register of 100,000, a number for everyone from a matched list, a TPS file),
# each taking the next person, dialling and recording the call. On SQLite and on PostgreSQL.
# Usage: bash bench/phone-bank/run.sh [SECONDS]   (default 60 s of calling per run)
set -euo pipefail
# The benchmarks sign in with passwords: they measure the server, not two-factor sign-in.
export GROUNDGAME_TWO_FACTOR_REQUIRED=false
cd "$(dirname "$0")/../.."
log() { printf '\n==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
. .ci/postgres.sh

log "Building groundgame (release)"
cargo build --release --locked -q -p groundgame
export GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame"
python3 bench/phone-bank/bench.py "${1:-60}"
