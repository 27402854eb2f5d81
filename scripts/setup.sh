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

# A virtualenv holding exactly what `pip install ARGS…` installs, made once
# per machine and shared by every checkout: it lives under
# ~/.cache/logdeck (XDG_CACHE_HOME), named by a hash of the arguments, the
# files they name and the Python version, and target/NAME links to it (the
# tests look there). A fresh clone then links it instead of spending a
# minute installing the same packages again; other arguments make another
# one. Prints the virtualenv's path.
shared_venv() {
  local name=$1 what=$2
  shift 2
  local key dir link="$PWD/target/$name"
  # The key is what is installed: the arguments, a requirements file's
  # contents in place of its path (so every clone shares the one venv).
  key=$({
    python3 --version
    local a
    for a in "$@"; do
      if [ -f "$a" ]; then cat "$a"; else printf '%s\n' "$a"; fi
    done
  } | sha256sum | cut -c1-16)
  dir="${XDG_CACHE_HOME:-$HOME/.cache}/logdeck/$name-$key"
  if [ ! -e "$dir/.complete" ]; then
    log "installing $what (once per machine, in $dir)"
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
    touch "$dir/.complete"
  fi
  mkdir -p "$PWD/target"
  if [ -d "$link" ] && [ ! -L "$link" ]; then rm -rf "$link"; fi
  ln -sfn "$dir" "$link"
  printf '%s\n' "$dir"
}

# The Python the tests start: moto, a real S3-compatible server for the
# log-store tests, and SciPy, the reference the population statistics are
# checked against (`popstats/tests/scipy.rs`), both pinned, in one
# virtualenv (target/pyenv) so nothing is installed system-wide.
MOTO_VERSION=5.2.5
SCIPY_VERSION=1.16.3
setup_pyenv() {
  local venv
  venv=$(shared_venv pyenv "moto $MOTO_VERSION (S3-compatible test server) and SciPy $SCIPY_VERSION (statistics reference)" \
    "moto[server]==$MOTO_VERSION" "scipy==$SCIPY_VERSION")
  export LOGDECK_MOTO_SERVER="$venv/bin/moto_server"
  export LOGDECK_PYTHON="$venv/bin/python"
  PYENV="$venv"
}
setup_moto() { setup_pyenv; }
setup_scipy() { setup_pyenv; }

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
# pinned (scripts/api-fuzz-requirements.txt), in their own virtualenv
# (target/fuzzenv).
setup_api_fuzzer() {
  LOGDECK_FUZZENV=$(shared_venv fuzzenv "schemathesis and openapi-spec-validator (pinned)" \
    -r "$PWD/scripts/api-fuzz-requirements.txt")
  export LOGDECK_FUZZENV
}
