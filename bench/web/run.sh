#!/usr/bin/env bash
# The server benchmarks: sync throughput and latency under 300 concurrent canvassers (wrk against
# loopback, beside a bare axum endpoint on the same run, with SQLite committing durably and not),
# the size of a walk's payload, syncs while the seat is re-planned and a 1,000,000-elector
# register imported, the progress read by 50 dashboards with 1,000,000 contacts, and how fast
# the walk page is interactive in Chromium on a throttled mobile profile.
# Usage: bash bench/web/run.sh [SECONDS]   (default 20 s of load per run)
set -euo pipefail
# The benchmarks sign in with passwords as the demo organiser: they measure the server, not
# two-factor sign-in (which a real campaign keeps on).
export GROUNDGAME_TWO_FACTOR_REQUIRED=false
cd "$(dirname "$0")/../.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# wrk for the load, Debian's chromium and chromium-driver for the walk page.
if ! command -v wrk >/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk chromium chromium-driver >/dev/null
fi
cargo build --release --locked -q -p groundgame
cargo build --release --locked -q -p groundgame-web --example bare_axum
GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame" BARE_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/bare_axum" python3 bench/web/bench.py "${1:-20}"
echo
echo "==> Writers beside slow work: re-planning, a big import, the progress with 1,000,000 contacts"
GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame" BARE_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/bare_axum" python3 bench/web/writers.py "${1:-20}"
echo
echo "==> Walk page in Chromium, throttled (4x CPU, Fast 3G-like network)"
cargo test --release --locked -q -p groundgame-web --test browser -- --ignored --nocapture walk_page_on_a_throttled_phone 2>&1 | grep -E "^(walk page|payload)"
