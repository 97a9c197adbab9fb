"""A phone bank's evening replayed into groundgame, measured from outside as callers see it.

The demo seat is set up with a synthetic register of 100,000 electors (`groundgame demo
--setup-only --electors 100000`); a matched list gives every elector a number (from Ofcom's
drama range) and a TPS file screens one in twenty of them; an organiser makes one call list of
everyone. Then 200 callers, each signed in on their own, work it for SECONDS: take the next
person, dial (a pause of 0.5-1.5 s), record what came of it (no answer, busy, left a message,
refused, wrong number), and take the next. A caller's "next person" is timed from sending to the
answer with the number. Run on SQLite and, with GROUNDGAME_TEST_POSTGRES_URL (a superuser URL),
on PostgreSQL. Prints a markdown table. Run by bench/phone-bank/run.sh."""

import csv
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common import PASSWORD, call, free_port, gg, percentile, postgres_database, serve, server_p99, sign_in  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
CALLERS = 200
ELECTORS = 100_000
OUTCOMES = ["no_answer", "no_answer", "busy", "left_message", "refused", "wrong_number"]


def set_up(database, work):
    print(f"Setting up the demo seat with {ELECTORS} electors in {database} ...", flush=True)
    demo = os.path.join(work, "demo")
    started = time.time()
    said = gg(database, "demo", "--setup-only", "--electors", str(ELECTORS), "--dir", demo)
    print(f"  demo set up in {time.time() - started:.0f} s", flush=True)
    print("".join(f"  {line}\n" for line in said.splitlines() if line.startswith("Phone banking")), end="", flush=True)
    matched, tps = os.path.join(work, "matched.csv"), os.path.join(work, "tps.txt")
    with open(os.path.join(demo, "derby-north-register.csv"), newline="") as f, open(matched, "w") as out, open(tps, "w") as screen:
        out.write("elector_number,phone,sms,calls\n")
        for i, row in enumerate(csv.DictReader(f)):
            number = f"{row['Elector Number Prefix']}-{row['Elector Number']}"
            if row["Elector Number Suffix"] not in ("", "0"):
                number += f"/{row['Elector Number Suffix']}"
            # Numbers of the drama ranges: 07700 900000-900999 and the like, one each.
            phone = f"07700{i:06d}"
            out.write(f"{number},{phone},no,{'yes' if i % 40 == 0 else 'no'}\n")
            if i % 20 == 0:
                screen.write(phone[1:] + "\n")
    started = time.time()
    print("  " + gg(database, "register", "phones", matched, "--consent-date", "2017-05-01", "--consent-wording",
                   "Yes, the campaign may call me", "--consent-how", "survey").strip(), f"({time.time() - started:.1f} s)", flush=True)
    for i in range(CALLERS):
        gg(database, "user", "add", f"caller{i}@bench.example", "--role", "canvasser", "--name", f"Caller {i}", "--password-stdin",
           stdin=PASSWORD + "\n")
    return tps


def run(label, database, tps):
    port = free_port()
    server = serve(database, port)
    try:
        org = sign_in(port, "organiser@demo.example")
        officer = sign_in(port, "data@demo.example")
        with open(tps) as f:
            st, _, body = call(port, "POST", "/api/v1/register/screening", {"list": "tps", "numbers": f.read()}, *officer)
        assert st == 200, body
        sent = time.time()
        st, _, body = call(port, "POST", "/api/v1/call-lists", {"name": "Everyone", "cooldown_hours": 4}, *org)
        made_in = time.time() - sent
        assert st == 201, body
        made = json.loads(body)
        list_id, standing = made["id"], made["standing"]
        callers = [sign_in(port, f"caller{i}@bench.example") for i in range(CALLERS)]
        next_lat, record_lat, errors, empty = [], [], [], [0]
        lock = threading.Lock()
        ends = time.time() + SECONDS

        def caller(k):
            rng = random.Random(k)
            cookie, csrf = callers[k]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            time.sleep(rng.random())
            while time.time() < ends:
                sent = time.time()
                st, _, body = call(port, "POST", f"/api/v1/call-lists/{list_id}/next", None, cookie, csrf, conn)
                took = time.time() - sent
                if st != 200:
                    errors.append(st)
                    continue
                person = json.loads(body)["call"]
                with lock:
                    next_lat.append(took)
                if person is None:
                    empty[0] += 1
                    time.sleep(1)
                    continue
                assert person["tel"].startswith("tel:+44"), person
                time.sleep(0.5 + rng.random())
                sent = time.time()
                body = {"elector_id": person["elector_id"], "outcome": rng.choice(OUTCOMES)}
                st, _, raw = call(port, "POST", f"/api/v1/call-lists/{list_id}/calls", body, cookie, csrf, conn)
                with lock:
                    if st == 200:
                        record_lat.append(time.time() - sent)
                    else:
                        errors.append((st, raw[:200]))

        threads = [threading.Thread(target=caller, args=(k,)) for k in range(CALLERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ms = lambda v: f"{v * 1000:.1f}"
        inside_next = server_p99(port, org, "/api/v1/call-lists/{id}/next")
        inside_record = server_p99(port, org, "/api/v1/call-lists/{id}/calls")
        done = dict(standing["done"]) if isinstance(standing["done"], dict) else {w: n for w, n in standing["done"]}
        print(f"  {label}: the list made in {made_in:.1f} s: {standing['people']} people, {standing['ready']} ready, screened {done.get('screened', 0)}; "
              f"{empty[0]} empty answers; errors: {errors[:5]}", flush=True)
        return (
            f"| {label} | {standing['people']:,} | {made_in:.1f} s | {CALLERS} | {len(next_lat):,} ({len(next_lat) / SECONDS:.0f}/s) "
            f"| {ms(percentile(next_lat, 50))} ms | **{ms(percentile(next_lat, 99))} ms** | {ms(max(next_lat))} ms | ≤ {ms(inside_next)} ms "
            f"| {len(record_lat):,} | {ms(percentile(record_lat, 50))} ms | {ms(percentile(record_lat, 99))} ms | ≤ {ms(inside_record)} ms | {len(errors)} |"
        )
    finally:
        server.terminate()
        server.wait()


def main():
    rows = []
    with tempfile.TemporaryDirectory() as work:
        database = os.path.join(work, "phone-bank.db")
        tps = set_up(database, work)
        rows.append(run("SQLite", database, tps))
    admin = os.environ.get("GROUNDGAME_TEST_POSTGRES_URL")
    if admin:
        with tempfile.TemporaryDirectory() as work:
            database = postgres_database(admin, "groundgame_phone_bank")
            tps = set_up(database, work)
            rows.append(run("PostgreSQL", database, tps))
    print()
    print(f"| {SECONDS} s of calling | people on the list | list made in | callers | next person | p50 | p99 | max | p99 in the server | calls recorded | p50 | p99 | p99 in the server | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
