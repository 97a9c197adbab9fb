"""Times `groundgame seats project --simulations N` against NumPy doing the same work.

The scenario is the 2019 result projected from 2017 (Con 43.6, Lab 32.1, LD 11.6, Brexit 2.0),
with a 2-point national and 3-point seat uncertainty. groundgame reports the simulation's own time
(`seconds` in its JSON), and the whole command's wall time is shown beside it.
"""
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

N = int(sys.argv[1])
BIN = os.environ["GROUNDGAME_BIN"]
SHARES = ["--share", "Con=43.6", "--share", "Lab=32.1", "--share", "LD=11.6", "--share", "BRX=2"]
DB = os.path.join(tempfile.mkdtemp(), "bench.db")


def groundgame(method):
    inner, wall = [], []
    for _ in range(5):
        start = time.perf_counter()
        out = subprocess.run(
            [BIN, "--database", DB, "seats", "project", "--from", "2017", *SHARES, "--method", method, "--simulations", str(N), "--json"],
            check=True, capture_output=True, text=True,
        ).stdout
        wall.append(time.perf_counter() - start)
        inner.append(json.loads(out)["simulation"]["seconds"])
    return statistics.median(inner), statistics.median(wall)


def numpy_uns():
    """The same uniform national swing Monte Carlo, vectorised over simulations and seats."""
    parties = ["con", "lab", "ld", "ukip", "green", "snp", "pc", "other"]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "../../data/elections/ge2017.csv"), newline="") as f:
        rows = [r for r in csv.DictReader(f) if not r["ons_id"].startswith("N")]
    votes = np.array([[float(r.get(p, 0) or 0) for p in parties] for r in rows])
    valid = np.array([float(r["valid_votes"]) for r in rows])
    seats = votes / valid[:, None]
    national = votes.sum(0) / valid.sum()
    target = national.copy()
    for p, v in (("con", 0.436), ("lab", 0.321), ("ld", 0.116), ("ukip", 0.02)):
        target[parties.index(p)] = v
    rest = [i for i, p in enumerate(parties) if p not in ("con", "lab", "ld", "ukip")]
    target[rest] = national[rest] / national[rest].sum() * (1 - 0.436 - 0.321 - 0.116 - 0.02)
    rng = np.random.default_rng(1)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        wins = np.zeros((len(rows), len(parties)))
        for chunk in range(0, N, 500):
            n = min(500, N - chunk)
            t = np.clip(target + rng.normal(0, 0.02, (n, len(parties))), 0, None)
            t /= t.sum(1, keepdims=True)
            s = np.clip(seats[None] + (t - national)[:, None, :], 0, None)
            s = s / s.sum(2, keepdims=True)
            s = s + np.where(s > 0, rng.normal(0, 0.03, s.shape), 0)
            w = s.argmax(2)
            np.add.at(wins, (np.arange(len(rows))[None].repeat(n, 0), w), 1)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(rows)


print(f"simulations: {N}")
for method in ("uns", "realignment"):
    inner, wall = groundgame(method)
    print(f"groundgame {method:12} simulation {inner:.3f} s, whole command {wall:.3f} s")
t, seats = numpy_uns()
print(f"numpy      uns          simulation {t:.3f} s ({seats} seats)")
start = time.perf_counter()
subprocess.run([BIN, "--database", DB, "seats", "backtest", "--from", "2015", "--to", "2017", "--method", "all", "--json"], check=True, capture_output=True)
print(f"backtest of all methods, 2015 -> 2017: {time.perf_counter() - start:.3f} s")
