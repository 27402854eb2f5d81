#!/usr/bin/env bash
# Parse throughput of logparse (one core) against the pandas baseline on the
# same generated file. Usage: bench/parse_throughput.sh [MB]   (default 256)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-256}
file=$(mktemp --suffix=.log)
trap 'rm -f "$file"' EXIT
# `perf` profile: release with LTO and one codegen unit (see Cargo.toml).
cargo build --profile perf -q -p logparse --example throughput
bin=target/perf/examples/throughput
$bin --write "$file" --mb "$mb"
echo "file: $(du -h "$file" | cut -f1) generated log"
rust=$(taskset -c 0 $bin "$file" 2>/dev/null || $bin "$file")
echo "logparse: $rust"
python3 -c 'import pandas' 2>/dev/null || pip install -q pandas
py=$(taskset -c 0 python3 bench/pandas_baseline.py "$file" 2>/dev/null || python3 bench/pandas_baseline.py "$file")
echo "pandas:   $py"
python3 - "$rust" "$py" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"logparse {r['mb_per_s']:.0f} MB/s vs pandas {p['mb_per_s']:.0f} MB/s: {r['mb_per_s'] / p['mb_per_s']:.1f}x")
PY
