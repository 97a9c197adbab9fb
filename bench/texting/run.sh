#!/usr/bin/env bash
# The texting benchmark: 100 texters sending 70,000 texts in five minutes through the SMS provider
# interface to a Twilio-style provider on loopback, with replies arriving at 1,000 a second (wrk).
# Outside 09:00-21:00 UK time the server's clock is put at noon with Debian's faketime. On SQLite
# and on PostgreSQL.
# Usage: bash bench/texting/run.sh [SECONDS]   (default 300 s of texting per run)
set -euo pipefail
# The benchmarks sign in with passwords: they measure the server, not two-factor sign-in.
export GROUNDGAME_TWO_FACTOR_REQUIRED=false
cd "$(dirname "$0")/../.."
log() { printf '\n==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v faketime >/dev/null || missing+=(faketime)
if [ ${#missing[@]} -gt 0 ]; then
    log "Installing ${missing[*]} from Debian's packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
. .ci/postgres.sh

log "Building groundgame (release)"
cargo build --release --locked -q -p groundgame
export GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame"
python3 bench/texting/bench.py "${1:-300}"
