"""Sync benchmark: 300 simulated canvassers, each with their own session and assigned walk, send
batches of 50 contacts to POST /api/v1/sync on a SQLite database through wrk, beside a bare axum
endpoint on the same run; then the size of an 80-door walk's payload. Prints markdown tables."""

import gzip
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.environ["GROUNDGAME_BIN"]
BARE = os.environ["BARE_BIN"]
SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
CANVASSERS = 300
PASSWORD = "doorstep-2017"


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Headers(list):
    """A reply's headers, in order, several of a name kept (Set-Cookie); get() finds the first."""

    def get(self, name, default=None):
        return next((v for k, v in self if k.lower() == name.lower()), default)


class Http:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, cookie=None, csrf=None, form=False, gzip_ok=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {}
        if cookie:
            headers["Cookie"] = cookie
        if csrf:
            headers["X-CSRF-Token"] = csrf
        if gzip_ok:
            headers["Accept-Encoding"] = "gzip"
        data = None
        if body is not None:
            if form:
                from urllib.parse import urlencode
                data = urlencode(body)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body)
                headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        return r.status, Headers(r.getheaders()), raw


def session_cookie(headers):
    """The session cookie among the cookies a reply sets (it may also set a device cookie)."""
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("gg_session="):
            return value.split(";")[0]
    raise SystemExit(f"no session cookie in {headers}")


def wait_for(port):
    for _ in range(300):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listening on {port}")


def wrk(port, script, env, timeout="10s", connections=CANVASSERS):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", "--timeout", timeout, "-s", script, f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "lat": lat, "requests": total, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else "none", "raw": out}


def serve(db, port, durability):
    env = dict(os.environ, GROUNDGAME_SQLITE_DURABILITY=durability)
    server = subprocess.Popen([BIN, "--database", db, "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, env=env)
    wait_for(port)
    return server


def stop(server):
    server.terminate()
    server.wait()


def setup(work):
    """The demo seat, 300 canvassers invited through the API, each with a walk and a session,
    each walk handed to its canvasser's phone. Returns the database and the canvassers."""
    db = os.path.join(work, "bench.db")
    print(f"Setting up the demo seat in {db} ...", flush=True)
    subprocess.run([BIN, "--database", db, "demo", "--setup-only", "--dir", os.path.join(work, "demo")], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = serve(db, port, "full")
    try:
        h = Http(port)
        st, hd, body = h.call("POST", "/api/v1/login", {"email": "organiser@demo.example", "password": PASSWORD})
        assert st == 200, body
        org = session_cookie(hd)
        org_csrf = json.loads(body)["csrf_token"]
        st, _, body = h.call("GET", "/api/v1/walks", cookie=org)
        walks = [w["walk"]["id"] for w in json.loads(body)]
        print(f"Inviting {CANVASSERS} canvassers and giving each a walk ...", flush=True)
        canvassers = []
        for i in range(CANVASSERS):
            st, _, body = h.call("POST", "/api/v1/invites", {"email": f"canvasser{i}@bench.example", "name": f"Canvasser {i}", "role": "canvasser"}, cookie=org, csrf=org_csrf)
            assert st == 201, body
            link = json.loads(body)["link"]
            st, hd, body = h.call("POST", link, {"password": PASSWORD}, form=True)
            assert st == 303, (st, body)
            cookie = session_cookie(hd)
            st, _, body = h.call("GET", "/api/v1/me", cookie=cookie)
            me = json.loads(body)
            walk = walks[i % len(walks)]
            st, _, body = h.call("PUT", f"/api/v1/walks/{walk}/assignment", {"user_id": me["user"]["id"], "session_id": None}, cookie=org, csrf=org_csrf)
            assert st == 204, body
            canvassers.append({"cookie": cookie, "csrf": me["csrf_token"], "walk": walk})
        for c in canvassers:
            st, _, body = h.call("GET", f"/api/v1/walks/{c['walk']}/canvass", cookie=c["cookie"])
            assert st == 200, body
            p = json.loads(body)
            c["doors"] = [(d["household_id"], d["electors"][0]["id"]) for d in p["doors"] if d["electors"]]
    finally:
        stop(server)
    lua = os.path.join(work, "canvassers.lua")
    with open(lua, "w") as f:
        f.write("return {\n")
        for c in canvassers:
            doors = ",".join(f"{{{h},{e}}}" for h, e in c["doors"])
            f.write(f'{{cookie="{c["cookie"]}",csrf="{c["csrf"]}",walk={c["walk"]},doors={{{doors}}}}},\n')
        f.write("}\n")
    return db, org, lua


def copy_db(db, to):
    """A copy of the set-up database (each run starts from the same state)."""
    sqlite3.connect(db).backup(sqlite3.connect(to))
    return to


def sync_runs(db, durability, env, script):
    """The sync load against a server whose SQLite commits with this durability."""
    port = free_port()
    server = serve(db, port, durability)
    try:
        print(f"wrk ({durability}): {CANVASSERS} connections, {SECONDS} s, batches of 50, back to back ...", flush=True)
        back = wrk(port, script, env)
        print(f"wrk ({durability}): {CANVASSERS} connections each sending a batch about once a second ...", flush=True)
        paced = wrk(port, script, dict(env, GG_DELAY_MS="1000", GG_WARMUP=str(CANVASSERS // 2)))
    finally:
        stop(server)
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
    return back, paced, stored


def main():
    work = tempfile.mkdtemp(prefix="gg-web-bench-")
    db, org, lua = setup(work)
    env = dict(os.environ, GG_CANVASSERS=lua)
    script = os.path.join(os.path.dirname(__file__), "sync.lua")
    # Durability measured both ways in this one run: `normal` is how SQLite committed before
    # answers were acknowledged only once on disk; `full` is how it commits now.
    results = {}
    for durability in ["normal", "full"]:
        results[durability] = sync_runs(copy_db(db, os.path.join(work, f"{durability}.db")), durability, env, script)

    # An 80-door walk's payload, as the phone downloads it (gzip); planned while the server runs.
    full_db = os.path.join(work, "full.db")
    port = free_port()
    server = serve(full_db, port, "full")
    try:
        h = Http(port)
        subprocess.run([BIN, "--database", full_db, "walks", "generate", "--polling-district", "NF1", "--doors-per-walk", "80"], check=True, stdout=subprocess.DEVNULL)
        st, _, body = h.call("GET", "/api/v1/walks", cookie=org)
        nf1 = [w["walk"] for w in json.loads(body) if w["walk"]["polling_district"] == "NF1" and w["walk"]["doors"] == 80]
        st, hd, zipped = h.call("GET", f"/api/v1/walks/{nf1[0]['id']}/canvass", cookie=org, gzip_ok=True)
        assert hd.get("content-encoding") == "gzip"
        raw = gzip.decompress(zipped)
        payload = json.loads(raw)
    finally:
        stop(server)

    bare_port = free_port()
    bare = subprocess.Popen([BARE, f"127.0.0.1:{bare_port}"], stdout=subprocess.DEVNULL)
    try:
        wait_for(bare_port)
        print("wrk: the same load against a bare axum endpoint ...", flush=True)
        base = wrk(bare_port, script, env)
    finally:
        bare.terminate()
        bare.wait()

    print()
    print(f"| server ({CANVASSERS} connections, batches of 50, {SECONDS} s) | requests/s | contact events/s | p50 | p90 | p99 | non-2xx |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for durability, label in [("normal", "synchronous=NORMAL (before)"), ("full", "synchronous=FULL (now)")]:
        back, paced, _ = results[durability]
        rows.append((f"groundgame POST /api/v1/sync (SQLite, {label}), back to back", back))
        rows.append((f"groundgame (SQLite, {label}), each canvasser syncing about once a second", paced))
    rows.append(("bare axum, same body parsed, no work, back to back", base))
    for name, r in rows:
        print(f"| {name} | {r['rps']:,.0f} | {r['rps'] * 50:,.0f} | {r['lat'].get('50')} | {r['lat'].get('90')} | {r['lat'].get('99')} | {r['non2xx']} |")
    print()
    for durability in ["normal", "full"]:
        back, paced, stored = results[durability]
        syncs = back["requests"] + paced["requests"] - CANVASSERS  # less the paced run's opening health checks
        print(f"{durability}: contacts stored: {stored:,} for {syncs * 50:,} events in {syncs:,} completed sync requests (every event has a new id; requests still in flight when wrk stops are stored but not counted by wrk). Socket errors: {back['socket_errors']}, {paced['socket_errors']}.")
    print(f"Walk payload: {len(payload['doors'])} doors, {payload['walk']['electors']} electors: {len(raw):,} bytes of JSON, {len(zipped):,} bytes gzip-compressed.")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
