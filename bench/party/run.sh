#!/usr/bin/env bash
# A whole party on one PostgreSQL: 650 campaigns of 72,000 electors each (47 million electors),
# imported two at a time, then per-campaign work (walk payload, sync, knock-up list, progress)
# measured beside the same work with one campaign. Needs about 40 GB of free disk and an hour.
# Usage: bash bench/party/run.sh [CAMPAIGNS] [ELECTORS]   (defaults: 650 72000)
# With PARTY_POSTGRES_URL (a superuser URL) it uses that server instead of starting its own, and
# with PARTY_KEEP=1 keeps the party database there for the next run (which adds what is missing).
set -euo pipefail
# The benchmark signs in with passwords as the demo organiser: it measures the server, not
# two-factor sign-in (which a real campaign keeps on).
export GROUNDGAME_TWO_FACTOR_REQUIRED=false
cd "$(dirname "$0")/../.."
log() { printf '\n==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ -n "${PARTY_POSTGRES_URL:-}" ]; then
    export GROUNDGAME_TEST_POSTGRES_URL="$PARTY_POSTGRES_URL"
else
    . .ci/postgres.sh
fi

log "Building groundgame (release)"
cargo build --release --locked -q -p groundgame
export GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame"
python3 bench/party/party.py "${1:-650}" "${2:-72000}"
