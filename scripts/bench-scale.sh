#!/usr/bin/env bash
# Issue 11's figure: a 500,000-series target (the parser benchmark's
# c_highcard_counters.prom, 58.6 MB, ten families of 50,000 series) served
# over loopback by `python3 -m http.server`, scraped every 5 s by Vigil's
# dashboard (one panel per family, every series kept) and by Debian's
# Prometheus in the same run. Reports, for each of two phases (no rules;
# 20 rules over the same families): Vigil's and Prometheus' CPU share (of
# one core) and peak RSS from /proc, and Vigil's key-to-screen latency
# under tmux (a dashboard switch timed until its screen shows).
# Usage: scripts/bench-scale.sh [SECONDS_PER_PHASE]   (default 120; release
# build; needs tmux, prometheus, python3). DATA_DIR=DIR uses (or writes)
# the data file there.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
here=$PWD
vigil=${VIGIL_BIN:-$here/.build/release}/vigil
[[ -n "${VIGIL_BIN:-}" ]] || swift build -c release --product vigil >/dev/null
data=${DATA_DIR:-${TMPDIR:-/tmp}/vigil-scale-data}
file=c_highcard_counters.prom
if [[ ! -s "$data/$file" ]]; then
  gen=$here/../shared/bench/gen/gen_expo.py
  [[ -f $gen ]] || { echo "bench-scale: no $gen to write the data with" >&2; exit 2; }
  mkdir -p "$data"
  python3 "$gen" "$data" --only c >&2
fi
work=$(mktemp -d)
sock=vigil-bench-scale-$$
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port=$(free)
prom_port=$(free)
prom_pid=""
trap 'tmux -L $sock kill-server 2>/dev/null || true; kill $http_pid $prom_pid 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -m http.server --bind 127.0.0.1 --directory "$data" "$http_port" >/dev/null 2>&1 &
http_pid=$!
cat > "$work/prom.yml" <<YAML
global: {scrape_interval: 5s, scrape_timeout: 5s}
scrape_configs:
  - job_name: highcard
    metrics_path: /$file
    static_configs: [{targets: ['127.0.0.1:$http_port']}]
YAML
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address=127.0.0.1:$prom_port >"$work/prom.log" 2>&1 &
prom_pid=$!

# The dashboards: one stat panel per family, five families a dashboard;
# with RULES, two rules per family (a sum and a max of its rates).
families=(tenant_http_requests_total tenant_bytes_received_total object_store_operations_total
  container_cpu_usage_seconds_total search_queries_total log_messages_total network_flows_total
  feature_flag_evaluations_total queue_messages_processed_total api_key_requests_total)
config() {
  echo "refresh: 2s"
  echo "targets:"
  echo "  - {name: highcard, url: 'http://127.0.0.1:$http_port/$file', interval: 5s, timeout: 5s}"
  echo "metrics:"
  for f in "${families[@]}"; do echo "  $f: {name: $f, query: 'sum(rate($f[1m]))'}"; done
  echo "dashboards:"
  for d in 0 1; do
    echo "  - name: Scale $d"
    echo "    panels:"
    for i in 0 1 2 3 4; do
      f=${families[$((d * 5 + i))]}
      echo "      - {title: 'Dash$d $f', type: stat, metrics: [$f]}"
    done
  done
  if [[ $1 == rules ]]; then
    echo "alerts:"
    echo "  severities: {high: {color: orange, escalation: false, timeout: 60m}}"
    echo "  rules:"
    for f in "${families[@]}"; do
      echo "    - {name: $f sum, expr: 'sum(rate($f[1m])) > 1e15', for: 1m, severity: high}"
      echo "    - {name: $f max, expr: 'max(rate($f[1m])) > 1e15', for: 1m, severity: high}"
    done
  fi
}

hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

phase() {
  local name=$1
  config "$name" > "$work/$name.yaml"
  tmux -L $sock -f /dev/null new-session -d -x 200 -y 50 -s t \
    "$vigil --config $work/$name.yaml --state-dir $work/state-$name --no-history"
  sleep 2
  local pid
  pid=$(pgrep -f "^$vigil --config $work/$name.yaml" | head -1)
  if [[ -z $pid ]]; then
    echo "bench-scale: vigil did not start:" >&2
    "$vigil" check config "$work/$name.yaml" >&2 || true
    exit 1
  fi
  # Warm up: the first scrapes, the first rates (1 m), the store filled.
  sleep 75
  local v0 p0
  v0=$(ticks "$pid"); p0=$(ticks "$prom_pid")
  python3 - "$sock" "$secs" > "$work/$name.keys" <<'PY'
import subprocess, sys, time
sock, secs = sys.argv[1], int(sys.argv[2])
def tmux(*a):
    return subprocess.run(["tmux", "-L", sock] + list(a), capture_output=True, text=True).stdout
lat = []
end = time.monotonic() + secs
i = 0
while time.monotonic() < end:
    key, want, gone = (("2", "Dash1", "Dash0"), ("1", "Dash0", "Dash1"))[i % 2]
    i += 1
    start = time.monotonic()
    tmux("send-keys", "-t", "t", key)
    text = tmux("capture-pane", "-p", "-t", "t")
    while not (want in text and gone not in text) and time.monotonic() - start < 20:
        text = tmux("capture-pane", "-p", "-t", "t")
    lat.append((time.monotonic() - start) * 1000)
    time.sleep(0.5)
lat.sort()
print("%d %.1f %.1f %.1f" % (len(lat), lat[len(lat) // 2], lat[int(len(lat) * 0.99)], lat[-1]))
PY
  local v1 p1
  v1=$(ticks "$pid"); p1=$(ticks "$prom_pid")
  local vh ph
  vh=$(hwm "$pid"); ph=$(hwm "$prom_pid")
  tmux -L $sock capture-pane -p -t t > "$work/$name.screen"
  tmux -L $sock kill-server 2>/dev/null || true
  read -r n med p99 max < "$work/$name.keys"
  python3 - "$name" "$v0" "$v1" "$p0" "$p1" "$hz" "$secs" "$vh" "$ph" "$n" "$med" "$p99" "$max" <<'PY'
import sys
name, v0, v1, p0, p1, hz, secs = sys.argv[1], *map(int, sys.argv[2:8])
vh, ph, n, med, p99, mx = sys.argv[8], sys.argv[9], sys.argv[10], sys.argv[11], sys.argv[12], sys.argv[13]
vc, pc = 100.0 * (v1 - v0) / hz / secs, 100.0 * (p1 - p0) / hz / secs
print("| %s | %.1f%% | %.1f%% | %.2f | %s MiB | %s MiB | %s keys: median %s ms, p99 %s ms, worst %s ms |" % (
    "no rules" if name == "plain" else "20 rules", vc, pc, vc / pc if pc else float("nan"), vh, ph, n, med, p99, mx))
PY
  # What the last frame showed (a failed scrape would be said here).
  grep -E "Dash|targets|down" "$work/$name.screen" | head -4 | sed 's/^/    /' >&2
}

sleep 10
echo "500,000 series ($file) every 5 s, $secs s per phase after a 75 s warm-up; Vigil at 200x50 in tmux"
echo
echo "| phase | Vigil CPU | Prometheus CPU | ratio | Vigil peak RSS | Prometheus peak RSS | key to screen |"
echo "|---|---|---|---|---|---|---|"
phase plain
phase rules
