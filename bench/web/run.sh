#!/usr/bin/env bash
# The server benchmarks: sync throughput and latency under 300 concurrent canvassers (wrk against
# loopback, beside a bare axum endpoint on the same run), the size of a walk's payload, and how
# fast the walk page is interactive in Chromium on a throttled mobile profile.
# Usage: bash bench/web/run.sh [SECONDS]   (default 20 s of load per run)
set -euo pipefail
cd "$(dirname "$0")/../.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
command -v wrk >/dev/null || as_root apt-get install -y -qq wrk
cargo build --release --locked -q -p groundgame
cargo build --release --locked -q -p groundgame-web --example bare_axum
GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame" BARE_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/bare_axum" python3 bench/web/bench.py "${1:-20}"
echo
echo "==> Walk page in Chromium, throttled (4x CPU, Fast 3G-like network)"
cargo test --release --locked -q -p groundgame-web --test browser -- --ignored --nocapture walk_page_on_a_throttled_phone 2>&1 | grep -E "^(walk page|payload)"
