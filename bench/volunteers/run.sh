#!/usr/bin/env bash
# The volunteers benchmark: a sign-up surge after a viral post (wrk posting public sign-ups to
# the demo session, each a new email), share-link redirects (wrk on one /s/CODE, beside a bare
# axum endpoint on the same machine), and the reminders of 10,000 volunteers delivered to an SMTP
# server on loopback (aiosmtpd, from PyPI). On SQLite, committing durably.
# Usage: bash bench/volunteers/run.sh [SECONDS]   (default 20 s of load per run)
set -euo pipefail
# The benchmarks sign in with passwords as the demo organiser: they measure the server, not
# two-factor sign-in (which a real campaign keeps on).
export GROUNDGAME_TWO_FACTOR_REQUIRED=false
cd "$(dirname "$0")/../.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
venv="${XDG_CACHE_HOME:-$HOME/.cache}/groundgame-ci/venv"
if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q aiosmtpd==1.4.6
fi
cargo build --release --locked -q -p groundgame
cargo build --release --locked -q -p groundgame-web --example bare_axum
GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame" BARE_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/bare_axum" \
    SMTP_PYTHON="$venv/bin/python" python3 bench/volunteers/run.py "${1:-20}"
