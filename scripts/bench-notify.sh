#!/usr/bin/env bash
# A flood of alerts at once (issue 15's figure): 1,000 series cross a rule
# together, so 1,000 alerts fire and each severity channel (PagerDuty,
# Slack, a webhook; loopback receivers shaped after their APIs) is owed
# 1,000 notifications. Measures, in one run:
#  - what each receiver got in the first minute (at most its rate, the last
#    of them one summary) and how long the outbox took to drain;
#  - key-to-screen latency under tmux while it drains (two dashboards,
#    alternating keys; includes tmux's round trips).
# Usage: scripts/bench-notify.sh [ALERTS]   (release build; tmux, python3)
# VIGIL_BIN=DIR measures the vigil in DIR instead; NO_CHANNELS=1 measures
# the same flood of alerts with nothing to notify (the baseline); TIMINGS=FILE
# writes the run loop's turns that took over 20 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
if [ -z "${VIGIL_BIN:-}" ]; then
  swift build -c release --product vigil >/dev/null 2>&1 || swift build -c release >/dev/null
fi
vigil=${VIGIL_BIN:-$PWD/.build/release}/vigil
work=$(mktemp -d)
sock=vigil-bench-notify-$$
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
web=$(port); recv=$(port)
trap 'tmux -L $sock kill-server 2>/dev/null || true; kill $web_pid $recv_pid 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/web"
/usr/bin/python3 - "$n" > "$work/web/metrics" <<'PY'
import sys
print("# TYPE errors_percent gauge")
for i in range(int(sys.argv[1])):
    print('errors_percent{instance="i%04d"} 9' % i)
PY
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$work/web" "$web" >/dev/null 2>&1 &
web_pid=$!
/usr/bin/python3 Tests/VigilIntegrationTests/Fixtures/receivers.py --port "$recv" --log "$work/received.jsonl" >/dev/null 2>&1 &
recv_pid=$!
sleep 1
cat > "$work/vigil.yaml" <<YAML
refresh: 1s
targets:
  - {name: api, url: "http://127.0.0.1:$web/metrics", interval: 1s, timeout: 1s, format: prometheus}
metrics:
  errors: {name: Errors, unit: "%", query: 'max(errors_percent)', threshold: {warning: 1, critical: 5}}
  series: {name: Series, unit: count, query: 'count(errors_percent)'}
dashboards:
  - {name: First, panels: [{title: Errors, type: stat, metrics: [errors]}]}
  - {name: Second, panels: [{title: Series, type: stat, metrics: [series]}]}
alerts:
  severities:
    critical: {name: Critical, color: red, channels: [pagerduty, slack, sms]}
  rules:
    - {name: Flood, expr: 'errors_percent > 5', for: 0s, severity: critical, description: a flood}
  target_down: off
YAML
if [ -z "${NO_CHANNELS:-}" ]; then
  cat >> "$work/vigil.yaml" <<YAML
channels:
  - {name: pagerduty, kind: pagerduty, url: "http://127.0.0.1:$recv/v2/enqueue", routing_key: bench}
  - {name: slack, kind: slack, url: "http://127.0.0.1:$recv/hooks/bench"}
  - {name: sms, kind: webhook, url: "http://127.0.0.1:$recv/sms"}
YAML
fi
start=$(date +%s.%N)
# TIMINGS=FILE: the loop's turns over 20 ms go there (what delays a key).
timings=${TIMINGS:-/dev/null}
[ "$timings" = /dev/null ] || : > "$timings"
tmux -L $sock -f /dev/null new-session -d -x 120 -y 40 -s t "VIGIL_TIMINGS=$timings $vigil --config $work/vigil.yaml --state-dir $work/state --no-bell"
/usr/bin/python3 - "$sock" "$work" "$start" "$n" <<'PY'
import json, subprocess, sys, time
sock, work, start, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
def screen():
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True).stdout
def received():
    try:
        return [json.loads(l) for l in open(work + "/received.jsonl")]
    except FileNotFoundError:
        return []
def types():
    try:
        return [json.loads(l).get("type") for l in open(work + "/state/journal.jsonl")]
    except FileNotFoundError:
        return []
deadline = time.time() + 60
baseline = "\nchannels:" not in open(work + "/vigil.yaml").read()
while not baseline and not received() and time.time() < deadline:
    time.sleep(0.1)
if baseline:
    # The flood has fired when the journal holds its transitions.
    while types().count("transition") < 2 * n and time.time() < deadline:
        time.sleep(0.2)
    first = time.time()
else:
    first = min(r["t"] for r in received())
lat = []
for i in range(40):
    key, want = ("2", "Series") if i % 2 == 0 else ("1", "Errors")
    t0 = time.monotonic()
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "t", key])
    while want not in screen():
        if time.monotonic() - t0 > 3: break
    lat.append((time.monotonic() - t0) * 1000)
    time.sleep(0.25)
lat.sort()
if baseline:
    print("baseline, nothing to notify: key to screen with %d alerts firing (40 presses, includes tmux round trips): median %.1f ms, p90 %.1f ms, max %.1f ms" % (n, lat[20], lat[36], lat[-1]))
    sys.exit(0)
while time.time() < first + 60:
    time.sleep(0.5)
got = received()
minute = [r for r in got if r["t"] < first + 60]
for path, name in (("/v2/enqueue", "pagerduty"), ("/hooks/bench", "slack"), ("/sms", "sms")):
    mine = [r for r in minute if r["path"] == path]
    summaries = [r for r in mine if "alerts at once" in json.dumps(r["body"])]
    bodies = [json.dumps(r["body"], sort_keys=True) for r in got if r["path"] == path]
    print("%s: %d requests in the first minute (%d of them summaries), %d in all, %d sent twice; first %.1f s, last %.1f s after the first request"
          % (name, len(mine), len(summaries), len(bodies), len(bodies) - len(set(bodies)),
             min(r["t"] for r in got if r["path"] == path) - first, max(r["t"] for r in got if r["path"] == path) - first))
t = types()
print("journal: %d queued, %d sent, %d failed" % (t.count("notify_queued"), t.count("notify_sent"), t.count("notify_failed")))
print("outbox drained: %s" % ("yes" if t.count("notify_queued") == t.count("notify_sent") + t.count("notify_failed") == 3 * n else "no"))
print("key to screen while %d alerts are notified (40 presses, includes tmux round trips): median %.1f ms, p90 %.1f ms, max %.1f ms"
      % (n, lat[20], lat[36], lat[-1]))
PY
