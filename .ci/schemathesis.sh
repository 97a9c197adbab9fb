#!/usr/bin/env bash
# Schemathesis against the demo seat, signed in as its organiser: every answer the API gives must
# be one its OpenAPI document declares, with the body it declares; no 500s; invalid input refused,
# valid input accepted. Uses the debug binary the tests built (or $GROUNDGAME_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${GROUNDGAME_BIN:-$PWD/target/debug/groundgame}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin" demo --database "$work/demo.db" --dir "$work/demo" --electors 3000 --setup-only >/dev/null
# Signed in with the demo password alone: two-factor sign-in has its own tests.
GROUNDGAME_TWO_FACTOR_REQUIRED=false GROUNDGAME_SIGNUPS_PER_ADDRESS=1000000 "$bin" --database "$work/demo.db" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -fs "$base/api/v1/health" >/dev/null && break; sleep 0.2; done

signed_in="$(curl -fs -c "$work/cookies" -H 'Content-Type: application/json' \
    -d '{"email": "organiser@demo.example", "password": "doorstep-2017"}' "$base/api/v1/login")"
GG_CSRF="$(printf '%s' "$signed_in" | python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])')"
GG_SESSION="$(awk '$6 == "gg_session" { print $7 }' "$work/cookies")"
export GG_CSRF GG_SESSION
api() { curl -fs -b "gg_session=$GG_SESSION" -H "X-CSRF-Token: $GG_CSRF" "$@"; }
json() { python3 -c "import json, sys; print(eval(sys.argv[1], {}, {'d': json.load(sys.stdin)}))" "$1"; }
# Things that exist, for the operations on one of them: a walk; the demo canvasser (whose role
# may change, and who may be removed: never the organiser the run is signed in as); an invite.
GG_WALK="$(api "$base/api/v1/walks" | json 'd[0]["walk"]["id"]')"
api -H 'Content-Type: application/json' -d '{"email": "new.helper@demo.example", "name": "New Helper", "role": "canvasser"}' \
    "$base/api/v1/invites" >/dev/null
volunteers="$(api "$base/api/v1/volunteers")"
GG_VOLUNTEER="$(printf '%s' "$volunteers" | json '[m["user"]["id"] for m in d["members"] if m["role"] == "canvasser"][0]')"
GG_INVITE="$(printf '%s' "$volunteers" | json 'd["invites"][0]["id"]')"
cat .ci/schemathesis.toml - >"$work/schemathesis.toml" <<TOML

[[operations]]
include-path-regex = "^/api/v1/walks/\\\\{id\\\\}"
parameters = { "path.id" = $GG_WALK }

[[operations]]
include-path-regex = "^/api/v1/volunteers/\\\\{id\\\\}"
parameters = { "path.id" = $GG_VOLUNTEER }

[[operations]]
include-path = "/api/v1/invites/{id}"
parameters = { "path.id" = "$GG_INVITE" }
TOML

curl -fs "$base/api/v1/openapi.json" -o "$work/openapi.json"
openapi-spec-validator "$work/openapi.json"
status=0
# One worker: with two threads, CPython 3.11 can fail inside Hypothesis's own source inspection
# ("SystemError: AST constructor recursion depth mismatch"), a crash of the tool, not of the API.
schemathesis --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" --workers 1 "$@" || status=$?
if grep -q ' ERROR ' "$work/serve.log"; then
    echo "The server logged errors during the run:" >&2
    grep ' ERROR ' "$work/serve.log" >&2
    status=1
fi
exit "$status"
