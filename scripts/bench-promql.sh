#!/usr/bin/env bash
# The PromQL figure of docs/measured.md (issue 19): max_over_time(rate(x[1m])[1h:15s])
# over 1,000 counters with 70 minutes of samples every 15 s, in Vigil's engine
# (cold, and a refresh 15 s later carrying the subquery's settled steps) and in
# Debian's Prometheus on the same data (backfilled with promtool), in one run.
# Prometheus' time is its own evalTotalTime from the API's stats=all.
# Usage: scripts/bench-promql.sh [SERIES] [REPEATS]   (release build; needs prometheus, promtool)
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-1000}
repeats=${2:-5}
swift build -c release --product vigil-bench >/dev/null
work=$(mktemp -d)
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free)
prom_pid=
trap '[[ -n $prom_pid ]] && kill $prom_pid 2>/dev/null; rm -rf "$work"' EXIT
vigil_json=$(.build/release/vigil-bench promql "$series" "$repeats" --write "$work/data.om")
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/tsdb" >/dev/null
printf 'global:\n  scrape_interval: 1h\n' >"$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/tsdb" --storage.tsdb.retention.time=100y \
  --web.listen-address=127.0.0.1:$port >"$work/prom.log" 2>&1 &
prom_pid=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.5; done
time=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['time'])" "$vigil_json")
python3 - "$port" "$time" "$repeats" "$vigil_json" <<'PY'
import json, sys, urllib.parse, urllib.request
port, t, repeats, vigil = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
q = urllib.parse.quote("max_over_time(rate(x_total[1m])[1h:15s])")
times = []
for _ in range(repeats + 1):  # the first warms Prometheus' caches and is dropped
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?query={q}&time={t - 15}&stats=all") as r:
        d = json.load(r)
    assert d["status"] == "success" and len(d["data"]["result"]) == vigil["results"], d.get("error")
    times.append(d["data"]["stats"]["timings"]["evalTotalTime"] * 1000)
prom = sorted(times[1:])[len(times[1:]) // 2]
print(f"series {vigil['series']}, {vigil['inner_steps']} inner steps, median of {repeats}")
print(f"  Vigil cold evaluation          {vigil['cold_ms']:8.1f} ms")
print(f"  Vigil refresh 15 s later       {vigil['refresh_ms']:8.1f} ms  (settled steps carried over)")
print(f"  Prometheus 2.42 evalTotalTime  {prom:8.1f} ms")
print(f"  cold ratio Vigil / Prometheus  {vigil['cold_ms'] / prom:8.2f}")
PY
