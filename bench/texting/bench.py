"""Peer-to-peer texting at the scale that broke Spoke: 100 texters sending 70,000 texts in five
minutes (233 a second) through groundgame's SMS provider interface, while replies arrive at 1,000
a second. Measured from outside, as texters and the provider see it.

- The demo seat is set up with a synthetic register of 100,000 electors, and a matched list gives
  every elector a number they agreed to texts on. An organiser writes one template.
- A provider on loopback implements the part of Twilio's HTTP API that groundgame uses:
  `POST /2010-04-01/Accounts/{sid}/Messages.json` (basic authentication, To, From, Body,
  StatusCallback), answering 201 with a message sid, then reporting `delivered` to the status
  callback, signed with X-Twilio-Signature as Twilio signs it.
- 100 texters, each signed in on their own with their own 700 people, tap Send at a steady pace
  (`POST /api/v1/texts`, one every 0.43 s): 70,000 in 300 s if the server keeps up. A send is timed
  from the tap to the 202.
- wrk posts replies to `POST /api/v1/sms/inbound` at 1,000 a second for the same five minutes,
  each signed in advance (from people not texted, so that no reply is a STOP to a later text).
- Texts go only from 09:00 to 21:00 UK time. Outside those hours the server runs with libfaketime
  (Debian's `faketime`) preloaded, its clock starting at noon today, UK time.

Run on SQLite and, with GROUNDGAME_TEST_POSTGRES_URL (a superuser URL), on PostgreSQL. Prints a
markdown table. Run by bench/texting/run.sh."""

import base64
import csv
import datetime
import glob
import hashlib
import hmac
import http.client
import json
import os
import queue
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common import PASSWORD, call, free_port, gg, percentile, postgres_database, serve, server_p99, sign_in  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
TEXTERS = 100
TEXTS = 70_000
ELECTORS = 100_000
REPLIES_PER_SECOND = 1000
ACCOUNT = "AC00000000000000000000000000000099"
TOKEN = "the benchmark's auth token"
FROM = "+447700900000"


def signature(url, fields):
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(token, url + each name and value, sorted))."""
    data = url + "".join(k + v for k, v in sorted(fields.items()))
    return base64.b64encode(hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


class Provider:
    """The provider's side: takes messages, then reports each delivered, from a few workers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.taken = []  # (time taken, to)
        self.reports = queue.Queue()
        self.reported = [0]
        self.report_errors = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
                if self.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json" or self.headers.get("Authorization") != expected:
                    self.answer(401, {"code": 20003, "message": "Authenticate"})
                    return
                if not form.get("To") or not form.get("Body") or form.get("From") != FROM:
                    self.answer(400, {"code": 21604, "message": "A 'To' phone number, a Body and our From are required."})
                    return
                with provider.lock:
                    n = len(provider.taken)
                    provider.taken.append((time.time(), form["To"]))
                sid = f"SM{n:032x}"
                self.answer(201, {"sid": sid, "status": "queued", "to": form["To"], "from": FROM, "body": form["Body"]})
                if form.get("StatusCallback"):
                    provider.reports.put((form["StatusCallback"], {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT,
                                                                   "To": form["To"], "From": FROM}))

            def answer(self, status, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        for _ in range(4):
            threading.Thread(target=self.report, daemon=True).start()

    def report(self):
        conns = {}
        while True:
            url, fields = self.reports.get()
            u = urllib.parse.urlsplit(url)
            try:
                conn = conns.get(u.netloc) or http.client.HTTPConnection(u.hostname, u.port, timeout=60)
                conns[u.netloc] = conn
                body = urllib.parse.urlencode(fields)
                conn.request("POST", u.path + (f"?{u.query}" if u.query else ""), body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature(url, fields)})
                r = conn.getresponse()
                r.read()
                if r.status >= 300:
                    self.report_errors.append(r.status)
                with self.lock:
                    self.reported[0] += 1
            except OSError as e:
                conns.pop(u.netloc, None)
                self.report_errors.append(str(e))

    def stop(self):
        self.server.shutdown()


def set_up(database, work):
    print(f"Setting up the demo seat with {ELECTORS} electors in {database} ...", flush=True)
    demo = os.path.join(work, "demo")
    started = time.time()
    gg(database, "demo", "--setup-only", "--electors", str(ELECTORS), "--dir", demo)
    print(f"  demo set up in {time.time() - started:.0f} s", flush=True)
    matched = os.path.join(work, "matched.csv")
    with open(os.path.join(demo, "derby-north-register.csv"), newline="") as f, open(matched, "w") as out:
        out.write("elector_number,phone,sms,calls\n")
        for i, row in enumerate(csv.DictReader(f)):
            number = f"{row['Elector Number Prefix']}-{row['Elector Number']}"
            if row["Elector Number Suffix"] not in ("", "0"):
                number += f"/{row['Elector Number Suffix']}"
            out.write(f"{number},07700{i:06d},yes,no\n")
    started = time.time()
    print("  " + gg(database, "register", "phones", matched, "--consent-date", "2017-05-01", "--consent-wording",
                   "Yes, the campaign may text me", "--consent-how", "online form").strip(), f"({time.time() - started:.1f} s)", flush=True)
    for i in range(TEXTERS):
        gg(database, "user", "add", f"texter{i}@bench.example", "--role", "canvasser", "--name", f"Texter {i}", "--password-stdin",
           stdin=PASSWORD + "\n")


def electors_with_numbers(database):
    """(elector id, number) of everyone with a number, in id order."""
    sql = "SELECT e.id, p.number FROM electors e JOIN elector_phones p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id ORDER BY e.id"
    if database.startswith("postgres"):
        out = subprocess.run(["psql", database, "-At", "-F", "\t", "-c", sql], check=True, text=True, stdout=subprocess.PIPE).stdout
        rows = [line.split("\t") for line in out.splitlines() if line]
        return [(int(a), b) for a, b in rows]
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


def clock_for_sending():
    """The environment that puts the server's clock inside sending hours: none when the UK time
    now leaves the whole run inside 09:00-21:00, else libfaketime (preloaded into the server
    itself, so that stopping the server stops it) with the clock starting at noon today."""
    london = zoneinfo.ZoneInfo("Europe/London")
    now = datetime.datetime.now(london)
    end = now + datetime.timedelta(seconds=SECONDS + 600)
    if 9 <= now.hour and (end.hour < 21 and end.date() == now.date()):
        return {}, "the real clock"
    # The thread-safe build: the server runs many threads.
    found = glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")
    if not found:
        raise SystemExit("outside sending hours (09:00-21:00 UK time) the benchmark needs libfaketime (apt-get install faketime)")
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(datetime.timezone.utc)
    env = {"LD_PRELOAD": found[0], "FAKETIME": "@" + noon.strftime("%Y-%m-%d %H:%M:%S"), "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"}
    return env, f"libfaketime from {noon:%H:%M} UTC (noon UK time)"


def run(label, database, work):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    provider = Provider()
    clock_env, clock = clock_for_sending()
    env = {"GROUNDGAME_SMS_BASE_URL": provider.url, "GROUNDGAME_SMS_ACCOUNT": ACCOUNT, "GROUNDGAME_SMS_TOKEN": TOKEN,
           "GROUNDGAME_SMS_FROM": FROM, "GROUNDGAME_PUBLIC_URL": public, **clock_env}
    server = serve(database, port, env=env)
    wrk = None
    try:
        org = sign_in(port, "organiser@demo.example")
        st, _, body = call(port, "POST", "/api/v1/text-templates",
                           {"name": "Polling day", "body": "Hi {first_name}, polling day is Thursday: can we count on your vote? {campaign}"}, *org)
        assert st == 201, body
        template = json.loads(body)["id"]
        people = electors_with_numbers(database)
        assert len(people) >= TEXTS + 10_000, len(people)
        to_text, repliers = people[:TEXTS], people[TEXTS:]
        texters = [sign_in(port, f"texter{i}@bench.example") for i in range(TEXTERS)]

        # Replies, signed in advance, from people who are not texted.
        replies = os.path.join(work, "replies.tsv")
        url = f"{public}/api/v1/sms/inbound"
        words = ["Yes, count me in", "Who is this?", "Already voted by post", "Maybe", "Can I get a lift?"]
        with open(replies, "w") as out:
            for i in range(60_000):
                _, number = repliers[i % len(repliers)]
                fields = {"From": number, "To": FROM, "Body": words[i % len(words)], "MessageSid": f"SMin{i:030x}", "AccountSid": ACCOUNT}
                out.write(signature(url, fields) + "\t" + urllib.parse.urlencode(fields) + "\n")
        # Each connection waits a little less than its share of a second between requests, for
        # the time its request takes.
        connections = 100
        wrk_env = {**os.environ, "GG_REPLIES": replies, "GG_DELAY_MS": str(connections * 1000 // REPLIES_PER_SECOND - 10)}
        print(f"  {label}: {clock}; {TEXTERS} texters and replies at {REPLIES_PER_SECOND}/s for up to {SECONDS} s ...", flush=True)
        wrk = subprocess.Popen(["wrk", "-t", "2", "-c", str(connections), "-d", f"{SECONDS}s", "--latency", "-s",
                                os.path.join(HERE, "inbound.lua"), url], env=wrk_env, stdout=subprocess.PIPE, text=True)

        latencies, refused = [], []
        lock = threading.Lock()
        started = time.time()
        pace = SECONDS / (TEXTS / TEXTERS)

        def texter(k):
            cookie, csrf = texters[k]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine = to_text[k::TEXTERS]
            for n, (elector, _) in enumerate(mine):
                due = started + (k / TEXTERS + n) * pace
                wait = due - time.time()
                if wait > 0:
                    time.sleep(wait)
                if time.time() - started > SECONDS:
                    return
                sent = time.time()
                st, _, raw = call(port, "POST", "/api/v1/texts", {"to_elector": elector, "template_id": template}, cookie, csrf, conn)
                took = time.time() - sent
                with lock:
                    if st == 202:
                        latencies.append(took)
                    else:
                        refused.append((st, raw[:200]))

        threads = [threading.Thread(target=texter, args=(k,)) for k in range(TEXTERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        queued_in = time.time() - started
        # The outbox drains: wait until the provider has every text (or a minute more).
        while len(provider.taken) < len(latencies) and time.time() - started < SECONDS + 60:
            time.sleep(0.5)
        taken = list(provider.taken)
        wrk_out = wrk.communicate()[0]
        wrk = None
        stats = {line.split()[0]: float(line.split()[1]) for line in wrk_out.splitlines() if line.split() and line.split()[0].isupper()}
        time.sleep(2)
        inside = server_p99(port, org, "/api/v1/texts")
        inside_inbound = server_p99(port, org, "/api/v1/sms/inbound")
        last = max(t for t, _ in taken) - started if taken else float("nan")
        in_five = sum(1 for t, _ in taken if t - started <= 300)
        ms = lambda v: f"{v * 1000:.1f}"
        print(f"  {label}: {len(latencies):,} texts queued in {queued_in:.0f} s, {len(taken):,} taken by the provider (the last at {last:.0f} s), "
              f"{provider.reported[0]:,} delivery reports; refused: {refused[:3]}; report errors: {provider.report_errors[:3]}", flush=True)
        return (
            f"| {label} | {TEXTERS} | {len(latencies):,} in {queued_in:.0f} s ({len(latencies) / queued_in:.0f}/s) | {ms(percentile(latencies, 50))} ms "
            f"| **{ms(percentile(latencies, 99))} ms** | ≤ {ms(inside)} ms | {len(taken):,} ({in_five:,} within 5 min; last at {last:.0f} s) "
            f"| {stats.get('REQUESTS', 0) / SECONDS:.0f}/s | {stats.get('P99_MS', float('nan')):.1f} ms | ≤ {ms(inside_inbound)} ms "
            f"| {len(refused)} / {int(stats.get('NON_2XX', 0)) + int(stats.get('SOCKET_ERRORS', 0))} |"
        )
    finally:
        if wrk is not None:
            wrk.kill()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        provider.stop()


def main():
    rows = []
    with tempfile.TemporaryDirectory() as work:
        database = os.path.join(work, "texting.db")
        set_up(database, work)
        rows.append(run("SQLite", database, work))
    admin = os.environ.get("GROUNDGAME_TEST_POSTGRES_URL")
    if admin:
        with tempfile.TemporaryDirectory() as work:
            database = postgres_database(admin, "groundgame_texting")
            set_up(database, work)
            rows.append(run("PostgreSQL", database, work))
    print()
    print(f"| up to {SECONDS} s | texters | texts queued (202) | p50 | p99 | p99 in the server | taken by the provider "
          f"| replies | reply p99 | reply p99 in the server | refused texts / failed replies |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
