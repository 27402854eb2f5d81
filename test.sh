#!/usr/bin/env bash
# Sets up whatever is missing and runs every test: formatting, lints, all Rust
# tests (PostgreSQL, Redis, the S3 server and SciPy started or installed
# first, and required), then the browser tests in Chromium against the
# release browser bundle served by the server the tests just built. Ends
# with each step's time and the slowest tests.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh

setup_rust
setup_nextest
setup_npm . end2end
setup_chromium
setup_postgres
setup_redis
setup_pyenv
setup_api_fuzzer
STEP_NAMES+=("set-up")
STEP_SECS+=($((SECONDS - SCRIPT_START)))

# A test that finds a service missing fails here instead of skipping.
export LOGDECK_REQUIRE_SERVICES=1

# Clippy lints the workspace's crates while the tests and the browser bundle
# compile them: clippy-driver is rustc with the lints added, so cargo runs it
# for the workspace's own crates (RUSTC_WORKSPACE_WRAPPER, as `cargo clippy`
# does) and every dependency is compiled once, not a second time in
# `cargo clippy`'s check mode (three to four minutes here). Any warning,
# rustc's or clippy's, fails the build. The tests' build covers every
# target but benches (built below), the bundle's the browser's wasm32 code.
lint_while_compiling() {
  local driver
  driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)
  if [ -z "$driver" ]; then
    echo "clippy-driver not found: rustup component add clippy" >&2
    exit 1
  fi
  export RUSTC_WORKSPACE_WRAPPER="$driver"
  # `cargo clippy -- -D warnings` passes its arguments to the driver so.
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
}

# The tests and the browser bundle compile at once, the bundle in its own
# target directory (target/bundle) so that neither waits for the other's
# lock: one build alone leaves a core idle for long stretches (the last
# large crates, links, LTO), two fill them. Only compiling overlaps: the
# tests run after both builds end, on a quiet machine. The bundle's output
# is kept in target/bundle.log and its summary shown when it ends.
build_all() {
  local log="$PWD/target/bundle.log" bundle failed=0
  mkdir -p target
  CARGO_TARGET_DIR="$PWD/target/bundle" cargo xtask build --release --site-only >"$log" 2>&1 &
  bundle=$!
  # shellcheck disable=SC2064 # the pid is fixed now
  trap "kill $bundle 2>/dev/null || true" EXIT
  if [ -n "$HAVE_NEXTEST" ]; then
    cargo nextest run --no-run || failed=1
  else
    cargo test --no-run || failed=1
  fi
  # Benches are not test targets: compiled (and so linted), not run.
  cargo test --benches --no-run --quiet || failed=1
  if wait "$bundle"; then
    grep '^xtask:' "$log" >&2 || true
  else
    cat "$log" >&2
    echo "the browser bundle did not build (above)" >&2
    failed=1
  fi
  trap - EXIT
  return "$failed"
}

rust_tests() {
  if [ -n "$HAVE_NEXTEST" ]; then
    cargo nextest run --no-fail-fast
    # nextest does not run documentation examples.
    cargo test --doc --quiet
  else
    cargo test
  fi
}

# The browser tests run against the debug `logdeck` the Rust tests built
# (their command-line tests run it) and the release browser bundle, the one
# a deployment serves: no second, optimised build of the server. Two
# Playwright workers, each with a server of its own on its own copy of the
# same data (see end2end/playwright.config.ts).
E2E_SERVERS=2
browser_tests() {
  local token shots bin="$PWD/target/debug/logdeck" first i port data
  local urls=() datas=() pids=()
  # A producer token the server accepts (it refuses guessable ones).
  token="e2e_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  shots="$PWD/end2end/screenshots"
  mkdir -p "$shots"
  [ -x "$bin" ] || cargo build --quiet -p logdeck --bin logdeck
  # The sample corpus, plus many older runs to scroll through and a log with
  # hostile text, imported before the servers start, then copied.
  first=$(mktemp -d)
  "$bin" sample --quiet --connections 300 --out "$first" >/dev/null
  python3 scripts/e2e_fixtures.py "$first" 20000
  "$bin" import --quiet --data-dir "$first" "$first/inventory.json"
  "$bin" import --quiet --data-dir "$first" "$first/extra.jsonl"
  # Every copy is made before any server starts: a server indexes its
  # data as it starts, and a copy taken meanwhile would hold its leases.
  datas+=("$first")
  for i in $(seq 2 "$E2E_SERVERS"); do
    data=$(mktemp -d)
    cp -a "$first/." "$data/"
    datas+=("$data")
  done
  for data in "${datas[@]}"; do
    port=$(free_port)
    LOGDECK_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" \
      --ingest-token "$token" > "$data/server.log" 2>&1 &
    pids+=("$!")
    urls+=("http://127.0.0.1:$port")
  done
  # shellcheck disable=SC2064 # the values are fixed now
  trap "kill ${pids[*]} 2>/dev/null || true; wait ${pids[*]} 2>/dev/null || true; rm -rf ${datas[*]}" EXIT
  for i in "${!urls[@]}"; do
    e2e_server_ready "${urls[$i]}" "${pids[$i]}" "${datas[$i]}/server.log"
  done
  (cd end2end && LOGDECK_E2E_URLS="${urls[*]}" LOGDECK_E2E_DATAS="${datas[*]}" LOGDECK_E2E_SHOTS="$shots" \
    LOGDECK_E2E_BIN="$bin" LOGDECK_E2E_TOKEN="$token" npx playwright test)
}

# Waits until the server at URL (process PID, log LOG) answers and its
# indexing workers have finished the sample's logs.
e2e_server_ready() {
  local url=$1 pid=$2 log=$3
  for _ in $(seq 1 120); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "logdeck exited early:" >&2; cat "$log" >&2; exit 1
    fi
    sleep 0.5
  done
  curl -fsS "$url/readyz" >/dev/null || { echo "logdeck not ready:" >&2; cat "$log" >&2; exit 1; }
  for _ in $(seq 1 240); do
    curl -fsS "$url/api/jobs" | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if j["queued"]+j["running"]==0 else 1)' && return 0
    sleep 0.5
  done
  echo "logdeck at $url still indexing its sample after 120 s:" >&2
  curl -sS "$url/api/jobs" >&2 || true
  cat "$log" >&2
  exit 1
}

step "cargo fmt --check" cargo fmt --all --check
lint_while_compiling
step "build: tests and browser bundle at once, linted" build_all
step "Rust tests${HAVE_NEXTEST:+ (cargo nextest)}" rust_tests
step "API against its OpenAPI document (schemathesis)" scripts/api_contract.sh target/debug/logdeck
step "browser tests (Playwright in Chromium)" browser_tests

log "all tests passed; screenshots in end2end/screenshots"
python3 scripts/slowest.py target/nextest/default/junit.xml end2end/test-results/report.json >&2 || true
report_steps
