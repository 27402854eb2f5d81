#!/usr/bin/env bash
# Sets up whatever is missing, builds logdeck (release) and serves the
# dashboard on the embedded default with sample data. Extra arguments go to
# `logdeck serve` (see `target/release/logdeck serve --help`).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh

setup_rust
setup_npm .
log "building the browser bundle and the server (release)"
cargo xtask build --release
log "starting logdeck (Ctrl-C stops it)"
exec target/release/logdeck serve "$@"
