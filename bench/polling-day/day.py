"""A simulated polling day replayed into groundgame, measured from outside as users see it.

The demo seat is set up by `groundgame demo --setup-only` (70,000 electors, a simulated canvass of
every door making about 20,000 promises, a polling station per district). Then, for SECONDS:
- tellers at every station send the numbers of voters (each a separate entry, as a phone sends
  it) at 25 a second: 20 times the real peak (about 4,500 voters in the busiest hour, every
  number taken);
- 300 volunteers each refresh the knock-up list of their walk once a minute (5 reads a second);
- 10 dashboards listen to the committee room's event stream; for each entry, the time from its
  sending to the first event on each dashboard that counts it.
Run on SQLite, on PostgreSQL (GROUNDGAME_TEST_POSTGRES_URL, a superuser URL), and with two
servers on one PostgreSQL (tellers and half the dashboards and volunteers on each). Prints a
markdown table. Run by bench/polling-day/run.sh."""

import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

BIN = os.environ["GROUNDGAME_BIN"]
SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 120
PASSWORD = "doorstep-2017"
ENTRIES_PER_SECOND = 25
VOLUNTEERS = 300
DASHBOARDS = 10


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, cookie=None, csrf=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
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


def serve(database, port):
    server = subprocess.Popen([BIN, "--database", database, "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
    started = time.time()
    while True:
        try:
            if call(port, "GET", "/api/v1/health")[0] == 200:
                return server
        except OSError:
            pass
        if time.time() - started > 60:
            raise SystemExit(f"the server on {port} did not come up")
        time.sleep(0.1)


def stop(server):
    server.terminate()
    server.wait()


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


class Dashboard(threading.Thread):
    """A committee room on the event stream: the total struck off in each `room` event."""

    def __init__(self, port, cookie, day):
        super().__init__(daemon=True)
        self.port, self.cookie, self.day = port, cookie, day
        self.events = 0

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("GET", "/api/v1/committee-room/events", headers={"Cookie": self.cookie, "Accept": "text/event-stream"})
        r = conn.getresponse()
        assert r.status == 200, r.status
        name, data = "", ""
        while not self.day.over.is_set():
            line = r.fp.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "":
                if name == "room" and data:
                    room = json.loads(data)
                    self.events += 1
                    self.day.seen(sum(d["voted"] for d in room["districts"]), time.time())
                name, data = "", ""


class Day:
    """What the tellers sent, and when each dashboard first counted it."""

    def __init__(self, dashboards):
        self.lock = threading.Lock()
        self.acked = []  # (total struck off once this entry is in, the time it was sent)
        self.delays = []
        self.over = threading.Event()
        self.dashboards = dashboards
        self.cursor = {}

    def ack(self, total, sent):
        with self.lock:
            self.acked.append((total, sent))

    def seen(self, total, at):
        """A dashboard's event counting `total` strike-offs: every acknowledged entry it is the
        first on this dashboard to count gets its delay (acknowledgements come in order of total)."""
        me = threading.get_ident()
        with self.lock:
            i = self.cursor.get(me, 0)
            while i < len(self.acked) and self.acked[i][0] <= total:
                self.delays.append(at - self.acked[i][1])
                i += 1
            self.cursor[me] = i


def run_day(label, servers, tellers_numbers, walks, seconds):
    """One polling day against `servers` (ports): returns a row of the table."""
    org = [sign_in(p, "organiser@demo.example") for p in servers]
    tel = [sign_in(p, "teller@demo.example") for p in servers]
    day = Day(DASHBOARDS)
    boards = [Dashboard(servers[i % len(servers)], org[i % len(servers)][0], day) for i in range(DASHBOARDS)]
    for b in boards:
        b.start()
    time.sleep(2)
    entry_lat, knock_lat, errors = [], [], []
    struck = [0]
    struck_lock = threading.Lock()
    queue = list(tellers_numbers)
    random.Random(7).shuffle(queue)
    started = time.time()
    ends = started + seconds

    def teller(k, step):
        # Entries go one at a time, paced, the next one's send time fixed in advance.
        n = k
        while True:
            due = started + n / ENTRIES_PER_SECOND
            if due >= ends or n >= len(queue):
                return
            time.sleep(max(0.0, due - time.time()))
            district, number = queue[n]
            port = servers[n % len(servers)]
            cookie, csrf = tel[n % len(servers)]
            entry = {"id": str(uuid.uuid4()), "polling_district": district, "number": number, "recorded_at": "2017-06-08T16:30:00+01:00"}
            sent = time.time()
            st, _, body = call(port, "POST", "/api/v1/tellings", {"entries": [entry]}, cookie=cookie, csrf=csrf)
            took = time.time() - sent
            if st != 200:
                errors.append(st)
            else:
                entry_lat.append(took)
                with struck_lock:
                    struck[0] += len(json.loads(body)["stored"])
                    # Acknowledged entries are committed: the total includes this one and all before.
                    day.ack(struck[0], sent)
            n += step

    def volunteer(k, step):
        n = k
        while True:
            due = started + n * 60.0 / VOLUNTEERS
            if due >= ends:
                return
            time.sleep(max(0.0, due - time.time()))
            walk = walks[n % len(walks)]
            port = servers[n % len(servers)]
            sent = time.time()
            st, _, body = call(port, "GET", f"/api/v1/knock-up?walk_id={walk}", cookie=org[n % len(servers)][0])
            if st != 200:
                errors.append(st)
            else:
                knock_lat.append(time.time() - sent)
            n += step

    threads = [threading.Thread(target=teller, args=(k, 4)) for k in range(4)]
    threads += [threading.Thread(target=volunteer, args=(k, 2)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(2)
    day.over.set()
    ms = lambda v: f"{v * 1000:.1f}"
    counted = len(day.delays)
    return (
        f"| {label} | {len(entry_lat)} ({len(entry_lat) / seconds:.1f}/s) | {ms(percentile(entry_lat, 50))} | {ms(percentile(entry_lat, 99))} "
        f"| {len(knock_lat)} | {ms(percentile(knock_lat, 50))} | {ms(percentile(knock_lat, 99))} "
        f"| {counted} | {ms(percentile(day.delays, 50))} | {ms(percentile(day.delays, 99))} | {ms(max(day.delays) if day.delays else float('nan'))} | {len(errors)} |"
    )


def set_up(database, work):
    print(f"Setting up the demo seat in {database} ...", flush=True)
    subprocess.run([BIN, "--database", database, "demo", "--setup-only", "--dir", os.path.join(work, "demo")], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = serve(database, port)
    try:
        org, _ = sign_in(port, "organiser@demo.example")
        tel, _ = sign_in(port, "teller@demo.example")
        st, _, body = call(port, "GET", "/api/v1/walks", cookie=org)
        walks = [w["walk"]["id"] for w in json.loads(body)]
        st, _, body = call(port, "GET", "/api/v1/polling-stations", cookie=tel)
        choices = json.loads(body)
        districts = [d for s in choices["stations"] for d in s["polling_districts"]] + choices["other_districts"]
        numbers = []
        for d in districts:
            st, _, body = call(port, "GET", f"/api/v1/teller/names?polling_district={d}", cookie=tel)
            numbers += [(d, e["number"]) for e in json.loads(body)["electors"]]
    finally:
        stop(server)
    print(f"{len(walks)} walks, {len(districts)} polling districts, {len(numbers)} electors", flush=True)
    return walks, numbers


def postgres_database(admin, name):
    import subprocess as sp
    base = admin.rsplit("/", 1)[0]
    sp.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", "-c", f"CREATE DATABASE {name}"], check=True, stdout=sp.DEVNULL)
    return f"{base}/{name}"


def main():
    work = tempfile.mkdtemp(prefix="gg-polling-day-bench-")
    rows = []
    try:
        sqlite = os.path.join(work, "day.db")
        walks, numbers = set_up(sqlite, work)
        port = free_port()
        server = serve(sqlite, port)
        try:
            print(f"Polling day on SQLite for {SECONDS} s ...", flush=True)
            rows.append(run_day("SQLite, one server", [port], numbers, walks, SECONDS))
        finally:
            stop(server)

        admin = os.environ.get("GROUNDGAME_TEST_POSTGRES_URL")
        if admin:
            for label, count, name in [("PostgreSQL, one server", 1, "gg_day_one"), ("PostgreSQL, two servers", 2, "gg_day_two")]:
                url = postgres_database(admin, name)
                walks, numbers = set_up(url, work)
                ports = [free_port() for _ in range(count)]
                servers = [serve(url, p) for p in ports]
                try:
                    print(f"Polling day on {label} for {SECONDS} s ...", flush=True)
                    rows.append(run_day(label, ports, numbers, walks, SECONDS))
                finally:
                    for s in servers:
                        stop(s)
        else:
            print("GROUNDGAME_TEST_POSTGRES_URL is not set: PostgreSQL runs skipped", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"| {SECONDS} s of polling day | teller entries | p50 ms | p99 ms | knock-up reads (a walk) | p50 ms | p99 ms "
          f"| dashboard updates | p50 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
