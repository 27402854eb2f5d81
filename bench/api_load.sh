#!/usr/bin/env bash
# 200 concurrent clients paging the JSON API, from a second process (wrk).
#
#   bench/api_load.sh [DATABASE_URL]
#
# Uses the catalog `logdeck bench` filled (default: the SQLite catalog in
# target/bench-data; run `target/release/logdeck bench --data-dir target/bench-data`
# first), starts a release server on a free port, and runs wrk for 20 s
# against a first page and against pages deep in the list (each request a
# different cursor). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
data=target/bench-data
args=(--data-dir "$data" --no-sample --workers 0)
if [ $# -gt 0 ]; then args+=(--database-url "$1"); fi
port=$(free_port)
LOGDECK_LOG=warn target/release/logdeck serve --listen "127.0.0.1:$port" "${args[@]}" >/tmp/logdeck-load.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
# Cursors spread over the whole list, one per request.
curl -fsS "http://127.0.0.1:$port/api/runs?limit=1" >/dev/null
python3 - "$port" > /tmp/logdeck-cursors.txt <<'PY'
import json, random, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/api/runs?limit=1&sort="
newest = json.load(urllib.request.urlopen(base + "newest"))["rows"][0]["updated_at"]
oldest = json.load(urllib.request.urlopen(base + "oldest"))["rows"][0]["updated_at"]
random.seed(1)
for _ in range(5000):
    # A position anywhere in the list: just after (time, largest id).
    print(f"newest~{random.randint(oldest, newest)}~9223372036854775807")
PY
cat > /tmp/logdeck-deep.lua <<'LUA'
local cursors = {}
for line in io.lines("/tmp/logdeck-cursors.txt") do cursors[#cursors + 1] = line end
local i = 0
request = function()
  i = i % #cursors + 1
  return wrk.format("GET", "/api/runs?limit=100&after=" .. cursors[i])
end
LUA
echo "== first page, 200 connections, 20 s"
wrk -t2 -c200 -d20s --latency "http://127.0.0.1:$port/api/runs?limit=100" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
echo "== pages at random depths, 200 connections, 20 s"
wrk -t2 -c200 -d20s --latency -s /tmp/logdeck-deep.lua "http://127.0.0.1:$port" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
