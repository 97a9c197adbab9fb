"""Runs the register import benchmark and prints a Markdown table for docs/BENCHMARKS.md.

Each measurement is a whole command, timed from outside (wall clock and peak resident memory via
/usr/bin/time), repeated and reported as the median. Fresh databases for every run.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

G = os.environ["GROUNDGAME_BIN"]
PG = os.environ["GROUNDGAME_TEST_POSTGRES_URL"]
REPEAT = 5


def timed(cmd, **kw):
    """Wall seconds and peak RSS (MB) of one command."""
    with tempfile.NamedTemporaryFile("r") as t:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
        wall = time.perf_counter() - start
        rss = int(t.read().strip().splitlines()[-1]) / 1024
    return wall, rss


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def median_of(make_cmd, setup):
    walls, rsss = [], []
    for i in range(REPEAT):
        cmd = setup(i)
        w, r = timed(make_cmd(cmd))
        walls.append(w)
        rsss.append(r)
    return statistics.median(walls), max(rsss)


def main():
    electors = int(sys.argv[1])
    big = int(sys.argv[2])
    work = tempfile.mkdtemp(prefix="gg-bench-")
    export = os.path.join(work, "register.csv")
    run([G, "demo-data", "register", "--electors", str(electors), "--seed", "1", "--output", export])
    size_mb = os.path.getsize(export) / 1e6
    rows = []

    def fresh_sqlite(i):
        db = os.path.join(work, f"gg{i}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        run([G, "--database", db, "campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"])
        return db

    gg_wall, gg_rss = median_of(lambda db: [G, "--database", db, "register", "import", export], fresh_sqlite)

    def fresh_bare(i):
        db = os.path.join(work, f"bare{i}.db")
        if os.path.exists(db):
            os.remove(db)
        return db

    sq_wall, sq_rss = median_of(lambda db: ["sqlite3", db, ".mode csv", f".import {export} electors"], fresh_bare)
    rows.append(("groundgame register import (SQLite)", electors, gg_wall, gg_rss))
    rows.append(("sqlite3 .import into a bare table (no validation)", electors, sq_wall, sq_rss))

    # Replacing a register with a new version (identity matching against the previous one).
    db = fresh_sqlite(99)
    run([G, "--database", db, "register", "import", export])
    re_wall, re_rss = median_of(lambda db: [G, "--database", db, "register", "import", export], lambda i: db)
    rows.append(("groundgame re-import over the previous version (SQLite)", electors, re_wall, re_rss))

    # PostgreSQL through COPY: a fresh database per run.
    import_pg = []
    for i in range(REPEAT):
        name = f"gg_bench_{os.getpid()}_{i}"
        run(["psql", PG, "-q", "-c", f"CREATE DATABASE {name}"])
        url = PG.rsplit("/", 1)[0] + "/" + name
        run([G, "--database", url, "campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"])
        import_pg.append(timed([G, "--database", url, "register", "import", export]))
        run(["psql", PG, "-q", "-c", f"DROP DATABASE {name}"])
    pg_wall = statistics.median(w for w, _ in import_pg)
    pg_rss = max(r for _, r in import_pg)
    rows.append(("groundgame register import (PostgreSQL, COPY)", electors, pg_wall, pg_rss))

    # The server's own limit: psql's \copy of the same elector and household rows into a fresh database.
    src = f"gg_bench_src_{os.getpid()}"
    run(["psql", PG, "-q", "-c", f"CREATE DATABASE {src}"])
    src_url = PG.rsplit("/", 1)[0] + "/" + src
    run([G, "--database", src_url, "campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"])
    run([G, "--database", src_url, "register", "import", export])
    dumps = {t: os.path.join(work, f"{t}.tsv") for t in ("campaigns", "electors", "households")}
    for t, f in dumps.items():
        run(["psql", src_url, "-q", "-c", f"\\copy {t} to {f}"])
    copies = []
    for i in range(REPEAT):
        name = f"gg_bench_copy_{os.getpid()}_{i}"
        run(["psql", PG, "-q", "-c", f"CREATE DATABASE {name}"])
        url = PG.rsplit("/", 1)[0] + "/" + name
        run([G, "--database", url, "campaign", "list"])  # migrate
        run(["psql", url, "-q", "-c", f"\\copy campaigns from {dumps['campaigns']}"])
        copies.append(timed(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\copy households from {dumps['households']}", "-c", f"\\copy electors from {dumps['electors']}"]))
        run(["psql", PG, "-q", "-c", f"DROP DATABASE {name}"])
    run(["psql", PG, "-q", "-c", f"DROP DATABASE {src}"])
    rows.append(("psql \\copy of the same electors and households (server's own limit, no validation)", electors, statistics.median(w for w, _ in copies), max(r for _, r in copies)))

    # A region-sized export: memory must not follow the file.
    big_export = os.path.join(work, "big.csv")
    run([G, "demo-data", "register", "--electors", str(big), "--seed", "2", "--output", big_export])
    big_mb = os.path.getsize(big_export) / 1e6
    db = fresh_sqlite(100)
    big_wall, big_rss = timed([G, "--database", db, "register", "import", big_export])
    rows.append(("groundgame register import (SQLite), region-sized", big, big_wall, big_rss))

    print(f"Export: {electors:,} electors, {size_mb:.1f} MB (Xpress 13 fields); region-sized: {big:,} electors, {big_mb:.0f} MB.")
    print(f"Median of {REPEAT} runs (one run for the region-sized file); peak memory is the largest seen.\n")
    print("| what | electors | wall (s) | electors/s | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|")
    for name, n, wall, rss in rows:
        print(f"| {name} | {n:,} | {wall:.2f} | {n / wall:,.0f} | {rss:.0f} |")
    print(f"\nRatio groundgame / sqlite3 .import (SQLite, {electors:,}): {gg_wall / sq_wall:.2f}")
    print(f"Ratio groundgame / psql \\copy (PostgreSQL, {electors:,}): {pg_wall / statistics.median(w for w, _ in copies):.2f}")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
