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
