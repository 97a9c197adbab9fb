#!/usr/bin/env bash
# The polling-day benchmark: a simulated polling day in the demo seat (70,000 electors, about
# 20,000 promises from a simulated canvass, one polling station per district) replayed into the
# server: teller entries at 20 times the real peak rate, 300 volunteers each refreshing a walk's
# knock-up list once a minute, and 10 committee-room dashboards on the event stream. On SQLite,
# on PostgreSQL, and with two `groundgame serve` processes on one PostgreSQL.
# Usage: bash bench/polling-day/run.sh [SECONDS]   (default 120 s of polling day per run)
set -euo pipefail
# The benchmarks sign in with passwords as the demo organiser: they measure the server, not
# two-factor sign-in (which a real campaign keeps on).
export GROUNDGAME_TWO_FACTOR_REQUIRED=false
cd "$(dirname "$0")/../.."
log() { printf '\n==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
. .ci/postgres.sh

log "Building groundgame (release)"
cargo build --release --locked -q -p groundgame
export GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame"
python3 bench/polling-day/day.py "${1:-120}"
