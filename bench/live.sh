#!/usr/bin/env bash
# Live streaming figures: `logdeck bench-live` on the embedded store and on
# Redis, then the baseline (redis-py talking to Redis directly) on the same
# workload.
#
#   bench/live.sh [LINES] [SECONDS] [VIEWERS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_redis
baseline=$(shared_venv benchenv "redis-py 5.2.1 (the baseline)" 'redis==5.2.1')
lines=${1:-1000000}; seconds=${2:-10}; viewers=${3:-1000}
cargo build --release -p logdeck --quiet
export LOGDECK_LOG=warn
echo "== logdeck, embedded store"
target/release/logdeck bench-live --lines "$lines" --seconds "$seconds" --viewers "$viewers"
echo "== logdeck, Redis Streams"
target/release/logdeck bench-live --redis-url redis://127.0.0.1:6379 --lines "$lines" --seconds "$seconds" --viewers "$viewers"
# redis-py with a thousand viewers did not finish in ten minutes here; the
# baseline's many-viewer figure uses at most 100 (BASELINE_VIEWERS overrides).
base_viewers=${BASELINE_VIEWERS:-$(( viewers > 100 ? 100 : viewers ))}
echo "== baseline: redis-py straight to Redis ($base_viewers viewers)"
"$baseline/bin/python" bench/live_baseline.py redis://127.0.0.1:6379 "$lines" "$seconds" "$base_viewers"
