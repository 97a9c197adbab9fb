"""Writers never queue behind slow work: 300 canvassers syncing (each about once a second) while
the whole demo seat is re-planned from the walks page, and while a 1,000,000-elector register is
imported from the command line beside the server; and the live progress read by 50 dashboards with
1,000,000 contacts in the campaign. Each beside the same load without the slow work, in one run.
Prints markdown tables. Run by bench/web/run.sh after bench.py."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import bench
from bench import BIN, CANVASSERS, PASSWORD, Http, copy_db, free_port, serve, session_cookie, stop, wrk

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def paced(port, script, env, seconds, timeout="10s"):
    """The paced load: each of the 300 canvassers sends a batch of 50 about once a second."""
    saved = bench.SECONDS
    bench.SECONDS = seconds
    try:
        return wrk(port, script, dict(env, GG_DELAY_MS="1000", GG_WARMUP=str(CANVASSERS // 2)), timeout=timeout)
    finally:
        bench.SECONDS = saved


def organiser(h):
    st, hd, body = h.call("POST", "/api/v1/login", {"email": "organiser@demo.example", "password": PASSWORD})
    assert st == 200, body
    import json
    return session_cookie(hd), json.loads(body)["csrf_token"]


def replan_everything(port, done):
    """Plans every polling district again from the walks page, one after another."""
    import json
    h = Http(port)
    cookie, csrf = organiser(h)
    st, _, body = h.call("GET", "/api/v1/walks", cookie=cookie)
    districts = sorted({w["walk"]["polling_district"] for w in json.loads(body)})
    started = time.time()
    for d in districts:
        st, _, body = h.call("POST", "/walks/plan", {"district": d, "per_walk": "60", "csrf": csrf}, cookie=cookie, form=True)
        assert st == 303, (st, body[:300])
    done["seconds"] = time.time() - started
    done["districts"] = len(districts)


def row(name, r):
    return f"| {name} | {r['rps']:,.0f} | {r['lat'].get('50')} | {r['lat'].get('99')} | {r['non2xx']} | {r['socket_errors']} |"


def main():
    work = tempfile.mkdtemp(prefix="gg-writers-bench-")
    db, _, lua = bench.setup(work)
    env = dict(os.environ, GG_CANVASSERS=lua)
    here = os.path.dirname(__file__)
    script = os.path.join(here, "sync.lua")
    rows = []

    # 1. Re-planning the whole seat from the walks page while the phones sync.
    replan_db = copy_db(db, os.path.join(work, "replan.db"))
    port = free_port()
    server = serve(replan_db, port, "full")
    try:
        print("Syncing without re-planning ...", flush=True)
        rows.append(row("syncs, nothing else running", paced(port, script, env, SECONDS)))
        done = {}
        planner = threading.Thread(target=replan_everything, args=(port, done))
        planner.start()
        print("Syncing while every district is re-planned ...", flush=True)
        during = paced(port, script, env, SECONDS)
        planner.join()
        rows.append(row(f"syncs while the whole seat is re-planned ({done['districts']} districts in {done['seconds']:.1f} s)", during))
    finally:
        stop(server)

    # 2. A 1,000,000-elector register imported beside the server.
    big = os.path.join(work, "big.csv")
    print("Writing a 1,000,000-elector register ...", flush=True)
    subprocess.run([BIN, "demo-data", "register", "--electors", "1000000", "--seed", "2", "--output", big], check=True, stdout=subprocess.DEVNULL)
    import_db = copy_db(db, os.path.join(work, "import.db"))
    port = free_port()
    server = serve(import_db, port, "full")
    try:
        took = {}

        def importing():
            started = time.time()
            out = subprocess.run([BIN, "--database", import_db, "register", "import", big], capture_output=True, text=True)
            took["seconds"] = time.time() - started
            took["ok"] = out.returncode == 0
            took["err"] = out.stderr[-500:]

        t = threading.Thread(target=importing)
        t.start()
        print("Syncing while the big register is imported ...", flush=True)
        # The import holds the write lock while it writes: syncs wait their turn, so give wrk room.
        during = paced(port, script, env, max(SECONDS, 40), timeout="120s")
        t.join()
        assert took["ok"], took["err"]
        rows.append(row(f"syncs while 1,000,000 electors are imported beside the server ({took['seconds']:.1f} s)", during))
    finally:
        stop(server)

    print()
    print(f"| {CANVASSERS} canvassers, each syncing 50 contacts about once a second | requests/s | p50 | p99 | non-2xx | socket errors |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(r)

    # 3. The live progress with 1,000,000 contacts, read by 50 dashboards.
    progress_db = copy_db(db, os.path.join(work, "progress.db"))
    port = free_port()
    server = serve(progress_db, port, "full")
    try:
        import sqlite3
        print("Storing 1,000,000 contacts ...", flush=True)
        while sqlite3.connect(progress_db).execute("SELECT COUNT(*) FROM contacts").fetchone()[0] < 1_000_000:
            saved = bench.SECONDS
            bench.SECONDS = 20
            try:
                wrk(port, script, env)
            finally:
                bench.SECONDS = saved
        stored = sqlite3.connect(progress_db).execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
        h = Http(port)
        dashboards = os.path.join(work, "dashboards.lua")
        with open(dashboards, "w") as f:
            f.write("return {\n")
            for _ in range(50):
                cookie, _ = organiser(h)
                f.write(f'"{cookie}",\n')
                # Each dashboard is open already: its first view of the quarter hour, the one
                # that writes the audit line, is before the measured reads.
                st, _, _ = h.call("GET", "/api/v1/progress", cookie=cookie)
                assert st == 200, st
            f.write("}\n")
        print("50 dashboards reading the progress, each about once a second, then back to back ...", flush=True)
        saved = bench.SECONDS
        bench.SECONDS = SECONDS
        try:
            lua = os.path.join(here, "progress.lua")
            r = wrk(port, lua, dict(os.environ, GG_DASHBOARDS=dashboards, GG_DELAY_MS="1000"), connections=50)
            flat_out = wrk(port, lua, dict(os.environ, GG_DASHBOARDS=dashboards), connections=50)
        finally:
            bench.SECONDS = saved
    finally:
        stop(server)
    print()
    print("| live progress, 50 dashboards | contacts in the campaign | requests/s | p50 | p99 | non-2xx |")
    print("|---|---|---|---|---|---|")
    print(f"| GET /api/v1/progress, each dashboard about once a second (the page: every 10 s) | {stored:,} | {r['rps']:,.0f} | {r['lat'].get('50')} | {r['lat'].get('99')} | {r['non2xx']} |")
    print(f"| GET /api/v1/progress, back to back (capacity) | {stored:,} | {flat_out['rps']:,.0f} | {flat_out['lat'].get('50')} | {flat_out['lat'].get('99')} | {flat_out['non2xx']} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
