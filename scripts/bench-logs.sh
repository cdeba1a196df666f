#!/usr/bin/env bash
# The log figure of docs/measured.md: a log source producing 5,000 lines per
# second (a file behind a web server, followed with Range requests). Vigil
# shows it zoomed in tmux at 160x45 for SECONDS; the script reports whether
# every line arrived, CPU and peak memory, and key-to-screen latency.
# Usage: scripts/bench-logs.sh [SECONDS] [LINES_PER_SECOND]   (release build; needs tmux, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
rate=${2:-5000}
swift build -c release --product vigil >/dev/null
vigil=$PWD/.build/release/vigil
work=$(mktemp -d)
sock=vigil-bench-logs-$$
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'tmux -L $sock kill-server 2>/dev/null || true; kill $gen_pid 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

# A log file that grows by $rate numbered lines a second, served with Range.
cat > "$work/gen.py" <<'PY'
import sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, rate = int(sys.argv[1]), int(sys.argv[2])
buf = bytearray(); lock = threading.Lock(); count = [0]; first = threading.Event()
def grow():
    first.wait()  # from Vigil's first request on, so every line can be counted
    start = time.time()
    while True:
        due = int((time.time() - start) * rate)
        with lock:
            while count[0] < due:
                n = count[0]
                lvl = "ERROR" if n % 50 == 0 else "WARN " if n % 10 == 0 else "INFO "
                buf.extend(b"2026-11-25T03:00:00.000Z %s api request %09d route=/v1/tracks status=200 took=12ms\n" % (lvl.encode(), n))
                count[0] += 1
        time.sleep(0.01)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path != "/count": first.set()
        if self.path == "/count":
            with lock: body = str(count[0]).encode()
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body); return
        with lock:
            data = bytes(buf)
        r = self.headers.get("Range", "")
        start = 0
        if r.startswith("bytes="):
            a, b = r[6:].split("-", 1)
            start = max(0, len(data) - int(b)) if a == "" else int(a)
            if start > len(data):
                self.send_response(416); self.send_header("Content-Length", "0"); self.end_headers(); return
            body = data[start:]
            self.send_response(206); self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
threading.Thread(target=grow, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
python3 "$work/gen.py" "$port" "$rate" &
gen_pid=$!
sleep 1
cat > "$work/logs.yaml" <<YAML
refresh: 1s
logs:
  - {name: firehose, kind: text, url: "http://127.0.0.1:$port/app.log", interval: 1s, body_limit: 64MiB}
dashboards:
  - name: Logs
    panels:
      - {title: Firehose, type: log, source: firehose}
YAML
tmux -L $sock -f /dev/null new-session -d -x 160 -y 45 -s t "$vigil --config $work/logs.yaml --state-dir $work/state"
sleep 3
tmux -L $sock send-keys -t t Enter   # zoom: the footer counts every line received
sleep 2
pid=$(pgrep -f "^$vigil --config $work/logs.yaml" | head -1)
t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
sleep "$secs"
t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
python3 - "$sock" "$port" "$secs" "$rate" "$t0" "$t1" "$hz" "$hwm" <<'PY'
import re, subprocess, sys, time, urllib.request
sock, port, secs, rate, t0, t1, hz, hwm = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
def screen():
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True).stdout
produced = int(urllib.request.urlopen("http://127.0.0.1:%s/count" % port).read())
time.sleep(2.5)  # one more poll and refresh
s = screen()
m = re.search(r"newest (\d+) of (\d+) kept", s)
received = int(m.group(2)) if m else -1
last = re.findall(r"request (\d{9})", s)
newest = int(last[-1]) if last else -1
# Lines are numbered from 0 and the file was empty at Vigil's first request:
# with nothing lost or doubled, the count received is the newest number + 1.
print("log source at %d lines/s for %d s: %d lines produced; Vigil received %d, newest on screen %d: %s" % (rate, secs, produced, received, newest, "none lost or doubled" if received == newest + 1 and received >= produced else "MISMATCH"))
print("CPU %.1f%% of one core; peak RSS %.1f MiB (ring of 10,000 lines)" % (100.0 * (t1 - t0) / hz / secs, hwm / 1024))
lat = []
for i in range(20):
    want = "│ wrap" if i % 2 == 0 else "truncate (w wraps)"
    start = time.monotonic()
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "t", "w"])
    while want not in screen():
        if time.monotonic() - start > 2: break
    lat.append((time.monotonic() - start) * 1000)
    time.sleep(0.2)
lat.sort()
print("key to screen while it streams (20 presses of w, tmux round trips included): median %.1f ms, max %.1f ms" % (lat[10], lat[-1]))
PY
