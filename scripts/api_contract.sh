#!/usr/bin/env bash
# Checks the API against its own OpenAPI document, as a client generated
# from the document or a gateway that validates against it would see it:
#
# 1. the document served at /api/openapi.json validates as OpenAPI 3.1;
# 2. schemathesis, with every check it has, sends what the document allows
#    (which must be accepted) and what it forbids (which must be refused
#    with a 4xx), follows the document's links in stateful sequences, and
#    checks every answer's status, headers and body against the document;
#    against a server where nobody signs in, producers holding a token;
# 3. the same against a server that asks people to sign in (through a
#    proxy it does not trust here), sending no credentials: every operation
#    that needs a role must refuse (401), and the document says so.
#
# Usage: scripts/api_contract.sh [path/to/logdeck]  (default: the debug build)
# LOGDECK_FUZZ_EXAMPLES (default 25 per operation) and LOGDECK_FUZZ_SEED
# (default 1) vary the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_api_fuzzer
if [ $# -eq 0 ] && [ ! -x target/debug/logdeck ]; then
  cargo build --quiet -p logdeck --bin logdeck
fi
bin=$(realpath "${1:-target/debug/logdeck}")
[ -x "$bin" ] || { echo "no logdeck at $bin" >&2; exit 1; }
examples=${LOGDECK_FUZZ_EXAMPLES:-25}
seed=${LOGDECK_FUZZ_SEED:-1}
work=$(mktemp -d)
# The servers' pids, in a file: `serve` runs in a command substitution's
# subshell, whose variables the script never sees.
cleanup() {
  local p
  if [ -f "$work/pids" ]; then
    while read -r p; do kill "$p" 2>/dev/null || true; done < "$work/pids"
    while read -r p; do
      while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    done < "$work/pids"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
token="fuzz_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

# Starts a server on sample data in $work/$1 with the rest of the
# arguments; prints its base URL once its logs are indexed.
serve() {
  local name=$1; shift
  local data="$work/$name" port
  port=$(free_port)
  "$bin" sample --quiet --connections 40 --out "$data" >/dev/null
  "$bin" import --quiet --data-dir "$data" "$data/inventory.json" >/dev/null
  LOGDECK_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" \
    --ingest-token "$token" "$@" > "$work/$name.log" 2>&1 &
  echo $! >> "$work/pids"
  local base="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.25
  done
  curl -fsS "$base/healthz" >/dev/null || { echo "logdeck ($name) did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
  echo "$base"
}

st() {
  "$LOGDECK_FUZZENV/bin/st" run "$1/api/openapi.json" --checks all \
    --phases examples,coverage,fuzzing,stateful --max-examples "$examples" --seed "$seed" \
    --workers 1 --no-color "${@:2}"
}

open_base=$(serve open)
signin_base=$(serve signin --auth proxy --trusted-proxy 192.0.2.1)
# The open server's logs indexed, so that runs have series and lines.
for _ in $(seq 1 120); do
  curl -fsS "$open_base/api/jobs" | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j["queued"]+j["running"]==0 else 1)' && break
  sleep 0.25
done

for base in "$open_base" "$signin_base"; do
  curl -fsS "$base/api/openapi.json" > "$work/openapi.json"
  "$LOGDECK_FUZZENV/bin/openapi-spec-validator" --schema 3.1 "$work/openapi.json"
done

# The two runs go side by side, one process each: threads within one
# process (`--workers 2`) can crash the generator itself (CPython's
# `ast.parse` is not safe across threads).
log "schemathesis: the API where nobody signs in, and the API behind sign-in without credentials (seed $seed, $examples cases per operation)"
st "$open_base" -H "Authorization: Bearer $token" > "$work/open.out" 2>&1 &
open_run=$!
st "$signin_base" > "$work/signin.out" 2>&1 &
signin_run=$!
status=0
wait "$open_run" || status=1
open_status=$status
wait "$signin_run" || status=1
log "schemathesis: the API where nobody signs in"
cat "$work/open.out"
log "schemathesis: the API behind sign-in, without credentials"
cat "$work/signin.out"
[ "$open_status" = 0 ] || echo "api_contract: the run against the open server failed" >&2
exit "$status"
