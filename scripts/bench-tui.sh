#!/usr/bin/env bash
# Measures the TUI figures of docs/measured.md on this machine:
#  - CPU and peak memory of `vigil --demo` over 60 s at a 1 s refresh, 120x40, in tmux
#  - key-to-screen latency while one target hangs
#  - building and diffing one 12-panel frame at 200x60 (vigil-bench frame)
# Usage: scripts/bench-tui.sh [SECONDS]   (release build; needs tmux and python3)
# VIGIL_BIN=DIR measures the vigil and vigil-bench in DIR instead (another
# commit's release build, for a before/after ratio in one session).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
if [ -z "${VIGIL_BIN:-}" ]; then
  swift build -c release --product vigil --product vigil-bench >/dev/null 2>&1 || swift build -c release >/dev/null
fi
bin=${VIGIL_BIN:-$PWD/.build/release}
vigil=$bin/vigil
work=$(mktemp -d)
sock=vigil-bench-$$
trap 'tmux -L $sock kill-server 2>/dev/null || true; kill $hang_pid 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

# 1. CPU and memory: the demo at a 1 s refresh.
sed 's/^refresh: 2s/refresh: 1s/' dashboards/normaldance.yaml > "$work/demo.yaml"
tmux -L $sock -f /dev/null new-session -d -x 120 -y 40 -s t "$vigil --config $work/demo.yaml --demo"
sleep 5
pid=$(pgrep -f "^$vigil --config $work/demo.yaml --demo" | head -1)
t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
sleep "$secs"
t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
python3 -c "print('demo, %ds at 1 s refresh, 120x40: CPU %.2f%% of one core; peak RSS %.1f MiB, RSS now %.1f MiB' % ($secs, 100.0 * ($t1 - $t0) / $hz / $secs, $hwm / 1024, $rss / 1024))"
tmux -L $sock kill-server

# 2. Key to screen while a target hangs: a second target that never answers.
hang_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 Tests/VigilNetTests/Fixtures/misbehaving_server.py "$hang_port" >/dev/null 2>&1 &
hang_pid=$!
sleep 0.5
python3 - "$work/demo.yaml" "$hang_port" > "$work/hang.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
extra = "  - {name: hung, url: 'http://127.0.0.1:%s/hang', interval: 5s, timeout: 5s}\n" % sys.argv[2]
print(text.replace("targets:\n", "targets:\n" + extra, 1), end="")
PY
tmux -L $sock -f /dev/null new-session -d -x 120 -y 40 -s t "$vigil --config $work/hang.yaml --demo"
sleep 4
python3 - "$sock" <<'PY'
import subprocess, sys, time
sock = sys.argv[1]
def screen():
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True).stdout
lat = []
for i in range(20):
    key, want = ("2", "Response Time by Service") if i % 2 == 0 else ("1", "System Status")
    start = time.monotonic()
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "t", key])
    while want not in screen():
        if time.monotonic() - start > 2: break
    lat.append((time.monotonic() - start) * 1000)
    time.sleep(0.3)
lat.sort()
print("key to screen with a hung target (20 presses, includes tmux round trips): median %.1f ms, max %.1f ms" % (lat[10], lat[-1]))
PY
tmux -L $sock kill-server

# 3. One frame of 12 panels at 200x60, built and diffed.
$bin/vigil-bench frame 200 200x60
