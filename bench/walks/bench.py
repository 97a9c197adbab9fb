"""Runs the walk planner benchmark and prints a Markdown table for docs/BENCHMARKS.md."""
import os
import re
import subprocess
import sys
import tempfile
import time

G = os.environ["GROUNDGAME_BIN"]
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.py")
INSTANCES = [("suburb", 300, 40), ("suburb", 1000, 60), ("suburb", 3000, 60), ("suburb", 10000, 80), ("suburb", 35000, 80),
             ("postcodes", 300, 40), ("postcodes", 1000, 60), ("postcodes", 3000, 60), ("postcodes", 10000, 80), ("postcodes", 30000, 80)]


def timed(cmd, timeout):
    with tempfile.NamedTemporaryFile("r") as t:
        start = time.perf_counter()
        try:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None, "did not finish in %d s" % timeout
        except subprocess.CalledProcessError as e:
            tail = e.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
            return None, None, "failed: " + tail[0][:80]
        wall = time.perf_counter() - start
        rss = int(t.read().strip().splitlines()[-1]) / 1024
    return wall, rss, None


def score(doors, walks, k):
    out = subprocess.run([G, "walks", "score", "--input", doors, "--walks", walks, "--doors-per-walk", str(k)], check=True, capture_output=True, text=True).stdout
    dist = float(re.search(r"distance_m ([0-9.]+)", out).group(1))
    bound = float(re.search(r"lower_bound_m ([0-9.]+)", out).group(1))
    return dist, bound


def main():
    peers_max = int(sys.argv[1])
    work = tempfile.mkdtemp(prefix="gg-walks-")
    print("| instance | doors (K) | solver | distance (m) | ratio to bound | wall (s) | peak memory (MB) |")
    print("|---|---|---|---:|---:|---:|---:|")
    for kind, n, k in INSTANCES:
        doors = os.path.join(work, f"{kind}-{n}.csv")
        subprocess.run([G, "demo-data", "doors", "--kind", kind, "--doors", str(n), "--seed", "1", "--output", doors], check=True, capture_output=True)
        runs = [("groundgame", [G, "walks", "plan", "--input", doors, "--doors-per-walk", str(k), "--output", "{out}"], 120)]
        if n <= peers_max:
            exploration = 5 if n <= 300 else 1
            runs.append((f"VROOM (exploration {exploration})", ["python3", PEER, "vroom", doors, str(k), "{out}", "300", str(exploration)], 330))
            seconds = 30 if n <= 1000 else 60
            runs.append((f"OR-Tools (GLS, {seconds} s)", ["python3", PEER, "ortools", doors, str(k), "{out}", str(seconds)], seconds + 120))
        for name, cmd, timeout in runs:
            out = os.path.join(work, f"{kind}-{n}-{name.split()[0]}.csv")
            wall, rss, why = timed([c.replace("{out}", out) for c in cmd], timeout)
            if why:
                print(f"| {kind} | {n:,} ({k}) | {name} | | | | {why} |", flush=True)
                continue
            dist, bound = score(doors, out, k)
            print(f"| {kind} | {n:,} ({k}) | {name} | {dist:,.0f} | {dist / bound:.3f} | {wall:.2f} | {rss:.0f} |", flush=True)
        if n > peers_max:
            print(f"| {kind} | {n:,} ({k}) | VROOM, OR-Tools | | | | not run: above this run's peer limit ({peers_max:,} doors) |", flush=True)
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
