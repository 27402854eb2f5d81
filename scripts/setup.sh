# Shared set-up for run.sh and test.sh: installs only what is missing.
# Sourced, not executed.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm target and the cargo components the build and checks use.
setup_rust() {
  if ! command -v cargo >/dev/null; then
    echo "cargo not found: install Rust with rustup (https://rustup.rs) first" >&2
    exit 1
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  for comp in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$comp"; then
      log "adding rustup component $comp"
      rustup component add "$comp"
    fi
  done
}

# npm packages pinned in package-lock.json files (wasm-opt; Playwright).
setup_npm() {
  local dir
  for dir in "$@"; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      log "npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

# Debian's Chromium for the browser tests (Playwright cannot download one here).
setup_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
}

# A free TCP port on the loopback interface.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A real S3-compatible server for the log-store tests: moto, pinned, in a
# virtualenv under target/ so nothing is installed system-wide.
MOTO_VERSION=5.2.5
SCIPY_VERSION=1.16.3
setup_moto() {
  local venv="$PWD/target/pyenv"
  local have=""
  [ -x "$venv/bin/pip" ] && have=$("$venv/bin/pip" show moto 2>/dev/null | sed -n 's/^Version: //p' || true)
  if [ ! -x "$venv/bin/moto_server" ] || [ "$have" != "$MOTO_VERSION" ]; then
    log "installing moto $MOTO_VERSION (S3-compatible test server)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  export LOGDECK_MOTO_SERVER="$venv/bin/moto_server"
}

# SciPy, the reference the population statistics are checked against
# (`popstats/tests/scipy.rs`), in the same virtualenv as moto.
setup_scipy() {
  local venv="$PWD/target/pyenv"
  local have=""
  [ -x "$venv/bin/pip" ] && have=$("$venv/bin/pip" show scipy 2>/dev/null | sed -n 's/^Version: //p' || true)
  if [ "$have" != "$SCIPY_VERSION" ]; then
    log "installing SciPy $SCIPY_VERSION (reference for the statistics tests)"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "scipy==$SCIPY_VERSION"
  fi
  export LOGDECK_PYTHON="$venv/bin/python"
}

# PostgreSQL for the catalog tests: start the local service if it is down.
setup_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL is not answering on 127.0.0.1:5432; start it or set LOGDECK_TEST_PG" >&2
    exit 1
  fi
}

# Redis for the live-store tests: start the local service if it is down.
setup_redis() {
  if [ -n "${LOGDECK_TEST_REDIS:-}" ]; then return; fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "Redis is not answering on 127.0.0.1:6379; start it or set LOGDECK_TEST_REDIS" >&2
    exit 1
  fi
}

# cargo-nextest, the test runner (each test in its own process, binaries
# interleaved). Without it the tests run under plain `cargo test`, slower.
setup_nextest() {
  if cargo nextest --version >/dev/null 2>&1; then
    HAVE_NEXTEST=1
  else
    HAVE_NEXTEST=""
    log "cargo-nextest not found: the Rust tests run under cargo test, about a minute slower (cargo install cargo-nextest --locked)"
  fi
}

# Steps run by `step NAME CMD…` are logged, timed and listed by
# `report_steps` with the total at the end.
STEP_NAMES=()
STEP_SECS=()
SCRIPT_START=$SECONDS
step() {
  local name=$1 start=$SECONDS
  shift
  log "$name"
  "$@"
  STEP_NAMES+=("$name")
  STEP_SECS+=($((SECONDS - start)))
}

report_steps() {
  local i total=$((SECONDS - SCRIPT_START))
  printf '\n%-52s %6s\n' "step" "time" >&2
  for i in "${!STEP_NAMES[@]}"; do
    printf '%-52s %3dm%02ds\n' "${STEP_NAMES[$i]}" $((STEP_SECS[i] / 60)) $((STEP_SECS[i] % 60)) >&2
  done
  printf '%-52s %3dm%02ds\n' "total (with set-up)" $((total / 60)) $((total % 60)) >&2
}

# The API fuzzer (schemathesis) and an OpenAPI validator, every package
# pinned (scripts/api-fuzz-requirements.txt), in their own virtualenv.
setup_api_fuzzer() {
  local venv="$PWD/target/fuzzenv"
  local wanted="$PWD/scripts/api-fuzz-requirements.txt"
  if [ ! -x "$venv/bin/st" ] || ! cmp -s "$wanted" "$venv/requirements.txt"; then
    log "installing schemathesis and openapi-spec-validator (pinned)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$wanted"
    cp "$wanted" "$venv/requirements.txt"
  fi
  export LOGDECK_FUZZENV="$venv"
}
