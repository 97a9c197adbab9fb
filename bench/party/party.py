"""A whole party on one PostgreSQL: per-campaign work with 650 campaigns beside the same work with one.

Two databases on one PostgreSQL server:
- "one": the demo seat alone (Derby North: about 70,000 electors, walks, a simulated canvass of
  every door, promises), set up by `groundgame demo --setup-only`;
- "party": the same demo seat, then one campaign for every other constituency of Great Britain
  and Northern Ireland (649 more), each with its own synthetic register of ELECTORS electors
  imported by `groundgame register import`, JOBS imports at once. 650 x 72,000 is 47 million.
In each, one `groundgame serve` answers, for the demo seat, from CLIENTS threads at once:
- the walk payload a canvasser's phone downloads (GET /api/v1/walks/{id}/canvass),
- a sync of 10 doorstep answers (POST /api/v1/sync),
- a walk's knock-up list (GET /api/v1/knock-up?walk_id=...),
- the organiser's progress (GET /api/v1/progress),
REQUESTS of each, after a warm-up, measured from outside as the phone sees it. Prints a markdown
table with the p50 and p99 of each and the party / one ratio of the p99s (the goal: at most 1.5).

With PARTY_KEEP=1 the party database is kept for the next run, which adds only the campaigns
still missing (an import stopped half way resumes); PARTY_IMPORT_ONLY=1 stops after the import.
Usage: python3 bench/party/party.py [CAMPAIGNS] [ELECTORS] (defaults 650 72000); run by
bench/party/run.sh."""

import csv
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

BIN = os.environ["GROUNDGAME_BIN"]
ADMIN = os.environ["GROUNDGAME_TEST_POSTGRES_URL"]
CAMPAIGNS = int(sys.argv[1]) if len(sys.argv) > 1 else 650
ELECTORS = int(sys.argv[2]) if len(sys.argv) > 2 else 72000
JOBS = int(os.environ.get("PARTY_JOBS", "2"))
CLIENTS = int(os.environ.get("PARTY_CLIENTS", "4"))
REQUESTS = int(os.environ.get("PARTY_REQUESTS", "2000"))
REGISTERS = 8  # distinct synthetic registers, used in turn
PASSWORD = "doorstep-2017"
DEMO_GSS = "E14000662"


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def psql(url, sql):
    out = subprocess.run(["psql", url, "-qAtX", "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def database(name, fresh):
    base = ADMIN.rsplit("/", 1)[0]
    exists = psql(ADMIN, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if fresh or not exists:
        psql(ADMIN, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(ADMIN, f"CREATE DATABASE {name}")
        return f"{base}/{name}", True
    return f"{base}/{name}", False


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, cookie=None, csrf=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Origin": f"http://127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return r.status, cookies, raw


def sign_in(port, email):
    st, cookies, body = call(port, "POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert st == 200, body
    cookie = next(c.split(";")[0] for c in cookies if c.startswith("gg_session="))
    return cookie, json.loads(body)["csrf_token"]


def serve(url):
    port = free_port()
    server = subprocess.Popen([BIN, "--database", url, "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
    started = time.time()
    while True:
        try:
            if call(port, "GET", "/api/v1/health")[0] == 200:
                return server, port
        except OSError:
            pass
        if time.time() - started > 120:
            raise SystemExit("the server did not come up")
        time.sleep(0.2)


def stop(server):
    server.terminate()
    server.wait(timeout=60)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def constituencies():
    with open("data/constituencies_pcon13.csv", newline="") as f:
        return [row["gss"] for row in csv.DictReader(f) if row["gss"] != DEMO_GSS]


def import_party(url, work):
    """Adds a campaign with its register for each constituency not yet in the database."""
    have = set(psql(url, "SELECT gss FROM campaigns").split())
    wanted = constituencies()[: CAMPAIGNS - 1]
    missing = [g for g in wanted if g not in have]
    if not missing:
        return 0, 0.0
    registers = []
    for seed in range(REGISTERS):
        path = os.path.join(work, f"register-{seed}.csv")
        run([BIN, "demo-data", "register", "--electors", str(ELECTORS), "--seed", str(100 + seed), "--output", path], stderr=subprocess.DEVNULL)
        registers.append(path)
    done = [0]
    lock = threading.Lock()
    started = time.time()

    def one(i, gss):
        out = subprocess.run([BIN, "--database", url, "campaign", "create", "--constituency", gss, "--election-date", "2017-06-08"],
                             check=True, capture_output=True, text=True)
        ballot = out.stdout.strip()
        env = dict(os.environ, GROUNDGAME_CAMPAIGN=ballot)
        run([BIN, "--database", url, "register", "import", registers[i % REGISTERS]], env=env, stderr=subprocess.DEVNULL)
        with lock:
            done[0] += 1
            n = done[0]
        if n % 25 == 0 or n == len(missing):
            rate = n * ELECTORS / (time.time() - started)
            print(f"  {n} of {len(missing)} campaigns imported ({rate:,.0f} electors/s)", flush=True)

    with ThreadPoolExecutor(JOBS) as pool:
        for f in [pool.submit(one, i, g) for i, g in enumerate(missing)]:
            f.result()
    took = time.time() - started
    psql(url, "ANALYZE")
    return len(missing), took


def measure(url):
    server, port = serve(url)
    try:
        org = sign_in(port, "organiser@demo.example")
        can = sign_in(port, "canvasser@demo.example")
        st, _, body = call(port, "GET", "/api/v1/me", cookie=can[0])
        me = json.loads(body)
        st, _, body = call(port, "GET", "/api/v1/walks", cookie=org[0])
        walks = [w["walk"]["id"] for w in json.loads(body)][:40]
        doors = {}
        for w in walks:
            st, _, body = call(port, "PUT", f"/api/v1/walks/{w}/assignment", {"user_id": me["user"]["id"], "session_id": None}, cookie=org[0], csrf=org[1])
            assert st == 204, body
            st, _, body = call(port, "GET", f"/api/v1/walks/{w}/canvass", cookie=can[0])
            assert st == 200, body
            doors[w] = [(d["household_id"], d["electors"][0]["id"]) for d in json.loads(body)["doors"] if d["electors"]]

        def payload(n):
            return call(port, "GET", f"/api/v1/walks/{walks[n % len(walks)]}/canvass", cookie=can[0])

        def sync(n):
            w = walks[n % len(walks)]
            d = doors[w]
            contacts = [{"id": str(uuid.uuid4()), "walk_id": w, "household_id": d[(n + i) % len(d)][0], "elector_id": d[(n + i) % len(d)][1],
                         "recorded_at": f"2017-05-27T10:{i:02d}:00Z", "answers": {"voting_intention": "Lab", "certainty": "4"}} for i in range(10)]
            return call(port, "POST", "/api/v1/sync", {"contacts": contacts}, cookie=can[0], csrf=can[1])

        def knock_up(n):
            return call(port, "GET", f"/api/v1/knock-up?walk_id={walks[n % len(walks)]}", cookie=org[0])

        def progress(n):
            return call(port, "GET", "/api/v1/progress", cookie=org[0])

        results = {}
        for name, work in [("walk payload", payload), ("sync of 10 answers", sync), ("knock-up list", knock_up), ("progress", progress)]:
            for n in range(200):  # warm-up
                work(n)
            lat = []
            errors = []
            lock = threading.Lock()

            def client(k):
                for n in range(k, REQUESTS, CLIENTS):
                    t = time.perf_counter()
                    st, _, body = work(n)
                    took = time.perf_counter() - t
                    with lock:
                        (lat if st == 200 else errors).append(took if st == 200 else (st, body[:200]))

            threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, (name, errors[:3])
            results[name] = (percentile(lat, 50), percentile(lat, 99))
        return results
    finally:
        stop(server)


def sizes(url):
    campaigns = int(psql(url, "SELECT count(*) FROM campaigns"))
    electors = int(psql(url, "SELECT count(*) FROM electors"))
    size = int(psql(url, "SELECT pg_database_size(current_database())"))
    return campaigns, electors, size


def main():
    work = tempfile.mkdtemp(prefix="groundgame-party-")
    keep = os.environ.get("PARTY_KEEP") == "1"
    try:
        one_url, _ = database("gg_party_one", fresh=True)
        print("Setting up the demo seat alone ...", flush=True)
        run([BIN, "--database", one_url, "demo", "--setup-only", "--dir", os.path.join(work, "one")])
        party_url, fresh = database("gg_party", fresh=not keep)
        if fresh:
            print("Setting up the demo seat in the party database ...", flush=True)
            run([BIN, "--database", party_url, "demo", "--setup-only", "--dir", os.path.join(work, "party")])
        print(f"Importing {CAMPAIGNS - 1} more campaigns of {ELECTORS:,} electors, {JOBS} at once ...", flush=True)
        imported, took = import_party(party_url, work)
        if os.environ.get("PARTY_IMPORT_ONLY") == "1":
            print(f"Imported {imported} campaigns in {took:.0f} s; the party database is kept for the measuring run.")
            return
        rows = []
        for label, url in [("one campaign", one_url), ("party", party_url)]:
            print(f"Measuring with {label} ...", flush=True)
            psql(url, "VACUUM ANALYZE")
            rows.append((label, sizes(url), measure(url)))
        ms = lambda s: f"{s * 1000:.1f}"
        print()
        if imported:
            print(f"Imported {imported} campaigns ({imported * ELECTORS:,} electors) in {took:.0f} s: {imported * ELECTORS / took:,.0f} electors/s, {JOBS} at once.")
            print()
        names = list(rows[0][2].keys())
        print("| database | campaigns | electors | size (GB) | " + " | ".join(f"{n} p50 / p99 (ms)" for n in names) + " |")
        print("|---|---:|---:|---:|" + "---:|" * len(names))
        for label, (c, e, size), res in rows:
            print(f"| {label} | {c:,} | {e:,} | {size / 1e9:.1f} | " + " | ".join(f"{ms(res[n][0])} / {ms(res[n][1])}" for n in names) + " |")
        one, party = rows[0][2], rows[1][2]
        print("| party / one (p99) | | | | " + " | ".join(f"**{party[n][1] / one[n][1]:.2f}**" for n in names) + " |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        psql(ADMIN, "DROP DATABASE IF EXISTS gg_party_one WITH (FORCE)")
        if not keep and os.environ.get("PARTY_IMPORT_ONLY") != "1":
            psql(ADMIN, "DROP DATABASE IF EXISTS gg_party WITH (FORCE)")


if __name__ == "__main__":
    main()
