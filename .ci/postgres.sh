# Sourced by .ci/run and the benchmarks: installs PostgreSQL from Debian's packages if it is
# missing, starts a throwaway cluster owned by an unprivileged user on a free loopback port, stops
# and removes it on exit, and exports GROUNDGAME_TEST_POSTGRES_URL (a superuser URL).
# Needs log() and as_root() from the caller.

find_pg_bin() {
    local initdb
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

pg_bin=$(find_pg_bin || true)
if [ -z "$pg_bin" ]; then
    log "Installing PostgreSQL from Debian's packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(find_pg_bin)
fi
[ -n "$pg_bin" ] || { echo "PostgreSQL is not available and could not be installed" >&2; exit 1; }

# PostgreSQL refuses to run as root: run it as an unprivileged user of its own.
pg_user=$(id -un)
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    pg_user=groundgame-ci
    id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
    run_pg() { runuser -u "$pg_user" -- "$@"; }
fi

pg_dir=$(mktemp -d /tmp/groundgame-pg.XXXXXX)
chown "$pg_user" "$pg_dir"
chmod 700 "$pg_dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop_pg() {
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap stop_pg EXIT

log "Starting PostgreSQL ($("$pg_bin/postgres" --version)) on 127.0.0.1:$port"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
export GROUNDGAME_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
