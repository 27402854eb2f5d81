#!/usr/bin/env bash
# Sets up whatever is missing and runs every test: formatting, lints, all Rust
# tests, then the browser tests in Chromium against a fresh release build.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh

setup_rust
setup_npm . end2end
setup_chromium
setup_postgres
setup_redis
setup_moto
setup_scipy

log "cargo fmt --check"
cargo fmt --all --check

log "cargo clippy (native, all targets)"
cargo clippy --all-targets -- -D warnings
log "cargo clippy (frontend, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

log "cargo test"
cargo test

log "release build for the browser tests"
cargo xtask build --release

log "browser tests (Playwright in Chromium)"
port=$(free_port)
data=$(mktemp -d)
shots="$PWD/end2end/screenshots"
mkdir -p "$shots"
# The sample corpus, plus many older runs to scroll through and a log with
# hostile text, imported before the server starts.
target/release/logdeck sample --quiet --connections 300 --out "$data" >/dev/null
python3 scripts/e2e_fixtures.py "$data" 20000
target/release/logdeck import --quiet --data-dir "$data" "$data/inventory.json"
target/release/logdeck import --quiet --data-dir "$data" "$data/extra.jsonl"
LOGDECK_LOG=warn target/release/logdeck serve --listen "127.0.0.1:$port" --data-dir "$data" \
  --ingest-token e2e-token > "$data/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "logdeck exited early:" >&2; cat "$data/server.log" >&2; exit 1
  fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "logdeck not ready:" >&2; cat "$data/server.log" >&2; exit 1; }
# Wait for the indexing workers to finish the sample's logs.
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/api/jobs" | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j["queued"]+j["running"]==0 else 1)' && break
  sleep 0.5
done
(cd end2end && LOGDECK_E2E_URL="http://127.0.0.1:$port" LOGDECK_E2E_DATA="$data" LOGDECK_E2E_SHOTS="$shots" \
  LOGDECK_E2E_BIN="$PWD/../target/release/logdeck" LOGDECK_E2E_TOKEN=e2e-token npx playwright test)
log "all tests passed; screenshots in $shots"
