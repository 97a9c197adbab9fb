#!/usr/bin/env bash
# The walk planner benchmark: groundgame beside VROOM (pyvroom) and OR-Tools routing on the same
# instances (synthetic suburbs and doors around Derby North's real postcode centroids), each plan
# scored by `groundgame walks score` against the minimum-spanning-forest lower bound.
# Usage: bash bench/walks/run.sh [PEERS_MAX_DOORS]   (default 3000: peers are run up to that size)
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import vroom, ortools' 2>/dev/null || pip install --quiet pyvroom ortools
cargo build --release --locked -q
GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame" python3 bench/walks/bench.py "${1:-3000}"
