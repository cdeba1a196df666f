#!/usr/bin/env bash
# The chaos soak (issue 18): the dashboard under tmux against TARGETS
# loopback targets and log sources whose behaviour changes every 4 s
# (scripts/chaos_server.py: refused, hung, dripping a byte a second, HTML,
# HTTP 500, truncated gzip, 100 MB bodies, truncated bodies, ten times the
# series, invalid UTF-8 and escape sequences in labels and logs), with
# rules firing and resolving and a key pressed every half second.
#
# Passes when: Vigil never exits or crashes; its peak RSS stays under
# SOAK_RSS_MIB (default 400); every key reaches the screen within 100 ms;
# every target the System Status panel lists as down says why; the
# journal (compacted along the way) replays without a damaged record;
# alerts fired and resolved; no escape sequence from the input reached
# the terminal (the pane's title is never the one the input sets).
#
# Usage: scripts/soak.sh [MINUTES] [TARGETS]   (default 2 minutes, 50)
# SOAK_WORST_KEY_MS=N lets the worst key take up to N ms (the 99th
# percentile must still be under 100 ms): CI's two minutes use 250, since
# one key in some thousands still waits on the loop thread (issue 11).
# VIGIL_BIN=DIR runs the vigil in DIR (default the debug build, as CI
# builds it; .build/release for docs/measured.md's figures).
# Ends with "soak: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-2}
targets=${2:-50}
secs=$(python3 -c "print(max(20, int(float('$minutes') * 60)))")
bin=${VIGIL_BIN:-$PWD/.build/debug}
vigil=$bin/vigil
[ -x "$vigil" ] || { echo "soak: no $vigil (swift build first)" >&2; exit 2; }
work=$(mktemp -d)
sock=vigil-soak-$$
server_pid=
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
flap=$(free_port)
python3 scripts/chaos_server.py "$port" "$flap" "$targets" "$((secs + 60))" > "$work/faults.json" 2>"$work/server.err" &
server_pid=$!

# The configuration: every tenth target and one log source on the port
# that refuses every other slot.
python3 - "$port" "$flap" "$targets" > "$work/soak.yaml" <<'PY'
import sys
port, flap, n = (int(a) for a in sys.argv[1:4])
out = ["refresh: 1s", "journal_compact_after: 64KiB", "targets:"]
for i in range(n):
    p = flap if i % 10 == 9 else port
    out.append("  - {name: t%02d, url: 'http://127.0.0.1:%d/t/%d/metrics', interval: 2s, timeout: 1s}" % (i, p, i))
out.append("logs:")
for i, (kind, path, p) in enumerate([("text", "log", port), ("ndjson", "events", port), ("text", "log", flap),
                                     ("ndjson", "events", flap)]):
    extra = ", fields: {time: timestamp, level: severity, message: message}" if kind == "ndjson" else ""
    out.append("  - {name: log%d, kind: %s, url: 'http://127.0.0.1:%d/l/%d/%s', interval: 1s, timeout: 1s%s}"
               % (i, kind, p, i, path, extra))
out += [
    "metrics:",
    "  up_share: {name: Targets up, unit: '%', query: '100 * sum(up) / count(up)', threshold: {warning: 99.9, critical: 10}}",
    "  soak_max: {name: Soak value, unit: '%', query: 'max(soak_value{shard=\"0\"})', threshold: {warning: 70, critical: 95}}",
    "  soak_by_target: {name: Soak values, query: 'soak_value', chart: table}",
    "dashboards:",
    "  - name: Soak",
    "    panels:",
    "      - {title: System Status, type: status, metrics: [up_share], width: 2, height: 3}",
    "      - {title: Soak value, type: graph, metrics: [soak_max]}",
    "      - {title: Soak values, type: table, metrics: [soak_by_target]}",
    "  - name: Logs",
    "    panels:",
    "      - {title: Plain log, type: log, source: log0}",
    "      - {title: Event stream, type: log, source: log1}",
    "      - {title: Refusing log, type: log, source: log2}",
    "      - {title: Refusing events, type: log, source: log3}",
    "alerts:",
    "  severities:",
    "    high: {name: High, color: orange, channels: [slack], escalation: false, timeout: 60m}",
    "  rules:",
    "    - {name: Soak High, expr: 'max by (target) (soak_value{shard=\"0\"}) > 80', for: 2s, severity: high,",
    "       description: a soak value is high, action: none}",
]
print("\n".join(out))
PY
"$vigil" check config "$work/soak.yaml" > /dev/null

tmux -L "$sock" -f /dev/null new-session -d -x 200 -y 50 -s t \
  "$vigil --config $work/soak.yaml --state-dir $work/state; echo \"exit \$?\" > $work/exit; sleep 600"
sleep 3
pid=$(pgrep -f "^$vigil --config $work/soak.yaml" | head -1)
echo "soak: $targets targets, 4 log sources, $secs s, vigil $vigil (pid $pid)"

python3 - "$sock" "$pid" "$secs" "$work" <<'PY' || true
import json, os, re, subprocess, sys, time
sock, pid, secs, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def tmux(*args):
    return subprocess.run(["tmux", "-L", sock] + list(args), capture_output=True, text=True).stdout
def screen():
    return tmux("capture-pane", "-p", "-t", "t")
def rss_kib():
    try:
        with open("/proc/%d/status" % pid) as f:
            return {l.split(":")[0]: int(l.split()[1]) for l in f if l.startswith(("VmRSS", "VmHWM"))}
    except OSError:
        return None
# Each key and what its screen shows that the others do not.
keys = [("2", "Event stream", "Soak values"), ("1", "Soak values", "Event stream"),
        ("A", "a acknowledge", "Soak values"), ("1", "Soak values", "a acknowledge"),
        ("?", "show that dashboard", None), ("Escape", "Soak values", "show that dashboard")]
def shows(text, want, gone):
    return want in text and (gone is None or gone not in text)
lat, reasons, bad_reasons, titles, down_seen, alive = [], set(), [], set(), 0, True
peak = 0
per_minute = {}
end = time.monotonic() + secs
i = 0
while time.monotonic() < end:
    key, want, gone = keys[i % len(keys)]
    i += 1
    start = time.monotonic()
    tmux("send-keys", "-t", "t", key)
    text = screen()
    while not shows(text, want, gone) and time.monotonic() - start < 3:
        text = screen()
    lat.append((time.monotonic() - start) * 1000 if shows(text, want, gone) else 3000.0)
    m = rss_kib()
    if m is None:
        alive = False
        break
    peak = max(peak, m.get("VmHWM", 0))
    minute = int((time.monotonic() - (end - secs)) // 60)
    per_minute.setdefault(minute, {"lat": [], "rss": 0})
    per_minute[minute]["lat"].append(lat[-1])
    per_minute[minute]["rss"] = max(per_minute[minute]["rss"], m.get("VmRSS", 0))
    titles.add(tmux("display", "-p", "-t", "t", "#{pane_title}").strip())
    if want == "Soak values":
        for line in text.splitlines():
            for name, why in re.findall(r"(t\d\d) down: ([^│|]*)", line):
                down_seen += 1
                why = why.strip()
                if not why or why.startswith("not answering"):
                    bad_reasons.append(line.strip())
                reasons.add(re.sub(r"[0-9.]+", "N", why)[:40])
    time.sleep(0.5)
lat.sort()
result = {
    "presses": len(lat), "median_ms": round(lat[len(lat) // 2], 1) if lat else None,
    "p99_ms": round(lat[int(len(lat) * 0.99)], 1) if lat else None, "max_ms": round(lat[-1], 1) if lat else None,
    "peak_rss_mib": round(peak / 1024, 1), "alive": alive, "down_lines_seen": down_seen,
    "down_lines_without_reason": bad_reasons[:5], "reasons": sorted(reasons)[:20], "pane_titles": sorted(titles),
}
json.dump(result, open(os.path.join(work, "result.json"), "w"))
# Minute by minute: a growth shows here before it fails a bound.
for minute in sorted(per_minute):
    l = sorted(per_minute[minute]["lat"])
    print("soak: minute %d: keys median %.1f ms, max %.1f ms; RSS %.1f MiB" % (
        minute + 1, l[len(l) // 2], l[-1], per_minute[minute]["rss"] / 1024), flush=True)
PY
tmux -L "$sock" send-keys -t t q
for _ in $(seq 50); do [ -f "$work/exit" ] && break; sleep 0.2; done
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

passed=0
failed=0
check() {
  if [ "$1" = ok ]; then passed=$((passed + 1)); echo "  ok   $2"; else failed=$((failed + 1)); echo "  FAIL $2"; fi
}
r() { python3 -c "import json; print(json.load(open('$work/result.json')).get('$1'))" 2>/dev/null || echo None; }
limit=${SOAK_RSS_MIB:-400}
echo "soak: faults injected $(cat "$work/faults.json" 2>/dev/null || echo '{}')"
echo "soak: result $(cat "$work/result.json" 2>/dev/null || echo '{}')"
[ "$(r alive)" = True ] && [ "$(cat "$work/exit" 2>/dev/null)" = "exit 0" ] && s=ok || s=fail
check $s "vigil ran throughout and quit with status 0 ($(cat "$work/exit" 2>/dev/null || echo 'no exit'))"
worst=${SOAK_WORST_KEY_MS:-100}
python3 -c "import sys; sys.exit(0 if $(r p99_ms) < 100 and $(r max_ms) < $worst else 1)" 2>/dev/null && s=ok || s=fail
check $s "keys on screen within 100 ms, every one within $worst ms (median $(r median_ms) ms, p99 $(r p99_ms) ms, max $(r max_ms) ms, $(r presses) presses)"
python3 -c "import sys; sys.exit(0 if $(r peak_rss_mib) < $limit else 1)" 2>/dev/null && s=ok || s=fail
check $s "peak RSS $(r peak_rss_mib) MiB under $limit MiB"
[ "$(r down_lines_without_reason)" = "[]" ] && [ "$(r down_lines_seen)" != 0 ] && s=ok || s=fail
check $s "every target shown down says why ($(r down_lines_seen) lines seen)"
titles=$(r pane_titles)
case "$titles" in *PWNED*) s=fail ;; *) s=ok ;; esac
check $s "no escape sequence from the input reached the terminal (pane titles $titles)"
if out=$("$vigil" incidents list --state-dir "$work/state" 2>&1) && ! grep -q damaged <<<"$out" \
  && python3 - "$work/state" <<'PY'
import json, os, sys
d = sys.argv[1]
seen = {"firing": 0, "resolved": 0}
for name in ("journal.snapshot.jsonl", "journal.jsonl"):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        continue
    for line in open(p, encoding="utf-8"):
        r = json.loads(line)
        if r.get("type") == "transition" and r.get("to") in seen:
            seen[r["to"]] += 1
print("soak: journal: %d firing, %d resolved transitions; snapshot %s" % (
    seen["firing"], seen["resolved"], os.path.exists(os.path.join(d, "journal.snapshot.jsonl"))))
sys.exit(0 if seen["firing"] > 0 and seen["resolved"] > 0 else 1)
PY
then s=ok; else s=fail; fi
check $s "the journal replays, with alerts fired and resolved"
echo "soak: $passed passed, $failed failed"
((failed == 0))
