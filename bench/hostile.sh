#!/usr/bin/env bash
# What hostile and careless clients can take from a running server: RSS
# with viewers that do not read, /healthz while clients search, /healthz
# with thousands of idle sockets (see bench/hostile.py for the goals).
#
#   bench/hostile.sh [--log-mib 64] [--viewers 1000] [--searchers 8] [--idle 12000]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p logdeck --quiet
python3 bench/hostile.py target/release/logdeck "$@"
