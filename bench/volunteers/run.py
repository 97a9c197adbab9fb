"""The volunteers benchmark, measured from outside as users see it. Run by bench/volunteers/run.sh.

1. A sign-up surge after a viral post: wrk posts public sign-ups (each a new email) to the demo
   session for SECONDS with 64 connections, on SQLite committing durably; then every 202 is
   checked against the database: one volunteer, one sign-up and one queued confirmation each,
   none lost, none twice.
2. Share-link redirects: wrk on one /s/CODE, beside a bare axum endpoint answering a 303.
3. Reminders for 10,000 volunteers: 10,000 places booked at a session tomorrow, the server
   started with an SMTP server on loopback (aiosmtpd); the time from its start until the SMTP
   server has received the 10,000 "still coming?" reminders.
Prints a markdown table."""

import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.environ["GROUNDGAME_BIN"]
BARE = os.environ["BARE_BIN"]
SMTP_PYTHON = os.environ["SMTP_PYTHON"]
SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
HERE = os.path.dirname(os.path.abspath(__file__))
REMINDED = 10_000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(port):
    started = time.time()
    while time.time() - started < 60:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listening on {port}")


def serve(db, port, extra=(), env=None):
    e = dict(os.environ, GROUNDGAME_SIGNUPS_PER_ADDRESS="100000000", **(env or {}))
    p = subprocess.Popen([BIN, "--database", db, "serve", "--bind", f"127.0.0.1:{port}", *extra], stdout=subprocess.DEVNULL, env=e)
    wait_for(port)
    return p


def stop(p):
    p.terminate()
    p.wait()


def wrk(port, path, script, env=None, connections=64, threads=2):
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{SECONDS}s", "--latency", "-s", os.path.join(HERE, script), f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, env=dict(os.environ, **(env or {})), check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    fields = dict(re.findall(r"^([A-Z0-9_]+) ([\d.]+)$", out, re.M))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {"rps": rps, "p50": float(fields["P50_MS"]), "p99": float(fields["P99_MS"]), "accepted": int(fields.get("ACCEPTED", 0)), "non2xx": non2xx}


def main():
    work = tempfile.mkdtemp()
    db = os.path.join(work, "demo.db")
    try:
        print("Setting up the demo seat ...", flush=True)
        subprocess.run([BIN, "demo", "--database", db, "--dir", os.path.join(work, "demo"), "--electors", "3000", "--setup-only"], check=True, stdout=subprocess.DEVNULL)
        c = sqlite3.connect(db)
        ballot, = c.execute("SELECT ballot_id FROM campaigns").fetchone()
        session, = c.execute("SELECT id FROM canvass_sessions ORDER BY id LIMIT 1").fetchone()
        code, = c.execute("SELECT code FROM share_links WHERE target = 'session' LIMIT 1").fetchone()
        before = c.execute("SELECT COUNT(*) FROM volunteers").fetchone()[0]
        c.close()

        port = free_port()
        server = serve(db, port)
        try:
            print(f"wrk: sign-ups for {SECONDS} s, 64 connections ...", flush=True)
            surge = wrk(port, "/api/v1/signups", "signup.lua", {"GG_CAMPAIGN": ballot, "GG_SESSION": str(session)})
            print(f"wrk: share-link redirects for {SECONDS} s ...", flush=True)
            redirect = wrk(port, f"/s/{code}", "latency.lua")
        finally:
            stop(server)
        c = sqlite3.connect(db)
        volunteers = c.execute("SELECT COUNT(*) FROM volunteers").fetchone()[0] - before
        distinct = c.execute("SELECT COUNT(DISTINCT email_key) FROM volunteers WHERE email_key LIKE 'surge.%'").fetchone()[0]
        signups = c.execute("SELECT COUNT(*) FROM signups s JOIN volunteers v ON v.campaign_id = s.campaign_id AND v.id = s.volunteer_id WHERE v.email_key LIKE 'surge.%'").fetchone()[0]
        queued = c.execute("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'confirm_signup' AND to_address LIKE 'surge.%'").fetchone()[0]
        clicks = c.execute("SELECT clicks FROM share_links WHERE code = ?", (code,)).fetchone()[0]
        c.close()
        # wrk stops with requests in flight: those are stored, their answers not counted.
        kept = volunteers == distinct == signups == queued and 0 <= volunteers - surge["accepted"] <= 64

        bare_port = free_port()
        bare = subprocess.Popen([BARE, f"127.0.0.1:{bare_port}"], stdout=subprocess.DEVNULL)
        try:
            wait_for(bare_port)
            print("wrk: the same redirects against a bare axum endpoint ...", flush=True)
            base = wrk(bare_port, "/s/x", "latency.lua")
        finally:
            bare.terminate()
            bare.wait()

        # 10,000 places booked at a session starting in 20 hours, booked two days ago: each is
        # due its "still coming?" reminder. Mail queued before (the confirmations) is set aside.
        print(f"Booking {REMINDED:,} places at a session tomorrow ...", flush=True)
        c = sqlite3.connect(db)
        cid, = c.execute("SELECT id FROM campaigns").fetchone()
        starts = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 20 * 3600))
        ends = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 23 * 3600))
        c.execute("UPDATE session_slots SET starts_at = ?, ends_at = ?, capacity = 1000000 WHERE campaign_id = ?", (starts, ends, cid))
        c.execute("UPDATE canvass_sessions SET starts_at = ? WHERE campaign_id = ?", (starts, cid))
        ids = [r[0] for r in c.execute("SELECT id FROM signups WHERE campaign_id = ? ORDER BY id LIMIT ?", (cid, REMINDED))]
        two_days_ago = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 2 * 86400))
        c.execute(f"UPDATE signups SET status = 'booked', booked_at = ? WHERE campaign_id = ? AND id IN ({','.join(map(str, ids))})", (two_days_ago, cid))
        c.execute("UPDATE volunteers SET unsubscribed_at = NULL")
        c.execute("DELETE FROM reminders_sent")
        c.execute("UPDATE mail_outbox SET sent_at = created_at WHERE sent_at IS NULL")
        c.commit()
        c.close()
        maildir = os.path.join(work, "mail")
        smtp_port = free_port()
        smtp = subprocess.Popen([SMTP_PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Mailbox", maildir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(smtp_port)
        port = free_port()
        started = time.time()
        server = serve(db, port, ["--smtp-url", f"smtp://127.0.0.1:{smtp_port}"])
        try:
            received = 0
            while time.time() - started < 600:
                received = len(os.listdir(os.path.join(maildir, "new"))) if os.path.isdir(os.path.join(maildir, "new")) else 0
                if received >= len(ids):
                    break
                time.sleep(0.2)
            delivered_in = time.time() - started
        finally:
            stop(server)
            smtp.terminate()
            smtp.wait()

        print()
        print(f"| measure (SQLite, synchronous=FULL, this machine) | target | result |")
        print("|---|---|---|")
        print(f"| sign-ups: `POST /api/v1/signups`, 64 connections, {SECONDS} s | at least 1,000 a second, p99 under 100 ms | {surge['rps']:,.0f} a second, p50 {surge['p50']:.1f} ms, p99 {surge['p99']:.1f} ms |")
        print(f"| sign-ups accepted (202) / kept (volunteers, sign-ups, confirmations queued) | none lost or duplicated | {surge['accepted']:,} / {volunteers:,}, {signups:,}, {queued:,} ({'each once; the rest were in flight when wrk stopped' if kept else 'MISMATCH'}) |")
        print(f"| share-link redirects `GET /s/CODE`, 64 connections | at least 10,000 a second | {redirect['rps']:,.0f} a second, p99 {redirect['p99']:.2f} ms (clicks counted: {clicks:,}) |")
        print(f"| bare axum 303 on the same machine (the ceiling) | | {base['rps']:,.0f} a second, p99 {base['p99']:.2f} ms |")
        print(f"| reminders for {len(ids):,} volunteers delivered to aiosmtpd on loopback | under a minute | {received:,} in {delivered_in:.1f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
