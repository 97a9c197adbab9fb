#!/usr/bin/env bash
# The Monte Carlo benchmark: every seat of Great Britain x 10,000 simulations, groundgame beside a
# vectorised NumPy implementation of the same uniform-swing simulation. Also times the backtest.
# Usage: bash bench/targeting/run.sh [SIMULATIONS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy
cargo build --release --locked -q
export GROUNDGAME_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/groundgame"
python3 bench/targeting/bench.py "${1:-10000}"
