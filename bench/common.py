"""What the benchmarks written in Python share: a free port, one request to a groundgame server,
signing in, starting `groundgame serve`, the groundgame command itself, a percentile, and a fresh
PostgreSQL database. Imported by bench/phone-bank and bench/texting (the older benchmarks keep
copies of their own)."""

import http.client
import json
import os
import socket
import subprocess
import time

BIN = os.environ.get("GROUNDGAME_BIN", "groundgame")
PASSWORD = "doorstep-2017"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, cookie=None, csrf=None, conn=None):
    """One request with a JSON body (or none); on `conn` (kept open between a client's requests,
    as a phone's browser does) when given, else on a connection of its own. Returns the status,
    the Set-Cookie headers and the body."""
    own = conn is None
    if own:
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
    if own:
        conn.close()
    return r.status, cookies, raw


def sign_in(port, email):
    """(session cookie, CSRF token) of a password sign-in."""
    st, cookies, body = call(port, "POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert st == 200, body
    cookie = next(c.split(";")[0] for c in cookies if c.startswith("gg_session="))
    return cookie, json.loads(body)["csrf_token"]


def serve(database, port, env=None, prefix=(), stderr=None):
    """`groundgame serve` on 127.0.0.1:port (run under `prefix`, such as faketime), once it
    answers its health check."""
    server = subprocess.Popen([*prefix, BIN, "--database", database, "serve", "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, **(env or {})})
    started = time.time()
    while True:
        try:
            if call(port, "GET", "/api/v1/health")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the server on {port} stopped (exit {server.returncode})")
        if time.time() - started > 60:
            raise SystemExit(f"the server on {port} did not come up")
        time.sleep(0.1)


def gg(database, *args, stdin=None):
    """The groundgame command on `database`: what it printed."""
    return subprocess.run([BIN, "--database", database, *args], check=True, input=stdin, text=True, stdout=subprocess.PIPE).stdout


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def postgres_database(admin, name):
    """A fresh database `name` on the server of the superuser URL `admin`: its URL."""
    base = admin.rsplit("/", 1)[0]
    subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", "-c", f"CREATE DATABASE {name}"],
                   check=True, stdout=subprocess.DEVNULL)
    return f"{base}/{name}"


def server_p99(port, who, route, method="POST"):
    """The bucket of the server's own request-time histogram (/metrics, read as `who`, an
    organiser) within which 99% of `route`'s requests were answered: the time spent in groundgame,
    without the load generator's."""
    st, _, raw = call(port, "GET", "/metrics", None, *who)
    assert st == 200, raw
    buckets = []
    for line in raw.decode().splitlines():
        if line.startswith("groundgame_http_request_duration_seconds_bucket{") and f'route="{route}"' in line and f'method="{method}"' in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(le), float(line.rsplit(" ", 1)[1])))
    buckets.sort()
    total = buckets[-1][1]
    return next(le for le, n in buckets if n >= total * 0.99)
