#!/usr/bin/env bash
# The server-mode figure of docs/measured.md: a 30-panel dashboard at a 2 s
# refresh against a local Prometheus and a local VictoriaMetrics (each
# scraping the demo exporter every second), one after the other in one run.
# Vigil runs in tmux at 200x60 for SECONDS against each; the script reports
# the queries per second the server received from it, Vigil's CPU, and the
# time from a refresh to the screen showing every answer (VIGIL_TIMINGS),
# as one table.
# Usage: scripts/bench-server.sh [SECONDS]   (release build; needs tmux,
# prometheus, victoria-metrics)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
swift build -c release --product vigil >/dev/null
vigil=$PWD/.build/release/vigil
work=$(mktemp -d)
sock=vigil-bench-server-$$
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
demo_port=$(free)
server_pid=""
trap 'tmux -L $sock kill-server 2>/dev/null || true; kill $demo_pid $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
"$vigil" demo --listen 127.0.0.1:$demo_port >/dev/null 2>&1 &
demo_pid=$!
cat > "$work/prom.yml" <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: normaldance
    static_configs: [{targets: ['127.0.0.1:$demo_port']}]
YAML
# One server's row: start it, let it collect, run Vigil against it.
measure() {
name=$1
port=$(free)
case $name in
  prometheus)
    prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$port >/dev/null 2>&1 &
    ;;
  victoria-metrics)
    # Debian's defaults otherwise (samples visible after 30 s).
    victoria-metrics -storageDataPath="$work/vm" -httpListenAddr=127.0.0.1:$port -promscrape.config="$work/prom.yml" >/dev/null 2>&1 &
    ;;
esac
server_pid=$!
sleep 8
# 30 panels, each its own query (services, routes, codes, quantiles, node metrics).
python3 - "$port" > "$work/server.yaml" <<'PY'
import sys
port = sys.argv[1]
queries = []
for svc in ["api", "web", "auth"]:
    queries += [
        f'sum(rate(http_requests_total{{service="{svc}"}}[1m]))',
        f'100 * sum(rate(http_requests_total{{service="{svc}",code=~"5.."}}[1m])) / sum(rate(http_requests_total{{service="{svc}"}}[1m]))',
        f'1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{service="{svc}"}}[1m])))',
        f'1000 * histogram_quantile(0.50, sum by (le) (rate(http_request_duration_seconds_bucket{{service="{svc}"}}[1m])))',
        f'sum by (route) (rate(http_requests_total{{service="{svc}"}}[1m]))',
    ]
queries += [
    'sum(active_users)', '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[1m])))',
    '100 * (1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes))',
    'sum(db_connections{state="active"})', 'sum(increase(db_connection_errors_total[1m]))',
    '100 * sum(rate(cache_hits_total[1m])) / (sum(rate(cache_hits_total[1m])) + sum(rate(cache_misses_total[1m])))',
    'sum(rate(auth_failed_logins_total[1m]))', 'sum(rate(access_control_violations_total[1m]))',
    'sum by (event_type) (rate(security_events_total[1m]))', 'sum(rate(revenue_dollars_total[5m])) * 3600',
    'sum(rate(checkout_conversions_total[5m]))', 'sum by (code) (rate(http_requests_total[1m]))',
    '1000 * histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m])))',
    'count(up == 1)', 'sum(scrape_samples_scraped)',
]
print("refresh: 2s\nprometheus:\n  url: http://127.0.0.1:%s\nmetrics:" % port)
for i, q in enumerate(queries[:30]):
    print("  m%d: {name: Metric %d, query: '%s'}" % (i, i, q.replace("'", "''")))
print("dashboards:\n  - name: Thirty\n    panels:")
for i in range(30):
    print("      - {title: Panel %d, type: graph, metrics: [m%d]}" % (i, i))
PY
count() { curl -s "127.0.0.1:$port/metrics" | awk '/^(prometheus_http_requests_total\{.*handler|vm_http_requests_total\{path)="\/api\/v1\/query(_range)?"/ {s += $2} END {print s + 0}'; }
: > "$work/timings"
tmux -L $sock -f /dev/null new-session -d -x 200 -y 60 -s t "env VIGIL_TIMINGS=$work/timings $vigil --config $work/server.yaml --state-dir $work/state"
sleep 6
pid=$(pgrep -f "^$vigil --config $work/server.yaml" | head -1)
q0=$(count); t0=$(awk '{print $14 + $15}' /proc/$pid/stat); lines0=$(wc -l < "$work/timings")
sleep "$secs"
q1=$(count); t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
tmux -L $sock kill-server 2>/dev/null || true
python3 - "$name" "$work/timings" "$lines0" "$q0" "$q1" "$t0" "$t1" "$hz" "$secs" <<'PY'
import sys
name, path, skip, q0, q1, t0, t1, hz, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
ms = sorted(int(l.split()[1]) for l in open(path).read().splitlines()[skip:] if l.startswith("refresh_to_screen_ms"))
timing = "median %d ms, p90 %d ms, max %d ms (%d refreshes)" % (ms[len(ms) // 2], ms[int(len(ms) * 0.9)], ms[-1], len(ms)) if ms else "no refresh completed"
print("| %s | %.1f | %.1f%% | %s |" % (name, (q1 - q0) / secs, 100.0 * (t1 - t0) / hz / secs, timing))
PY
kill $server_pid 2>/dev/null || true
wait $server_pid 2>/dev/null || true
server_pid=""
}

echo "30 panels at a 2 s refresh, $secs s against each server (queries: instant + range)"
echo
echo "| server | queries/s | Vigil CPU (one core) | refresh to screen (every answer drawn) |"
echo "|---|---|---|---|"
measure prometheus
measure victoria-metrics
