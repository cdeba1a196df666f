#!/usr/bin/env bash
# What recording the history costs at the demo's rate (issue 12's goal:
# at most 0.2% of a core on top of the demo's own figure).
#  - the writer thread's own CPU (utime+stime of the thread named
#    vigil-history, from /proc), over SECONDS of `vigil --demo` at its 2 s refresh;
#  - the whole process with history and with --no-history, alternated
#    twice, for the difference (this includes the loop's share: evaluating
#    hidden metrics and handing the points over).
# Usage: scripts/bench-history.sh [SECONDS]   (release build; needs tmux)
# VIGIL_BIN=DIR measures the vigil in DIR instead.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
if [ -z "${VIGIL_BIN:-}" ]; then
  swift build -c release --product vigil >/dev/null 2>&1 || swift build -c release >/dev/null
fi
vigil=${VIGIL_BIN:-$PWD/.build/release}/vigil
work=$(mktemp -d)
sock=vigil-bench-history-$$
trap 'tmux -L $sock kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

run() { # $1: extra flag; prints process CPU % and writer thread CPU %
  local state="$work/state-$RANDOM"
  tmux -L $sock -f /dev/null new-session -d -x 120 -y 40 -s t \
    "$vigil --config dashboards/normaldance.yaml --demo --state-dir $state $1"
  sleep 6
  local pid
  pid=$(pgrep -f "^$vigil --config dashboards/normaldance.yaml --demo --state-dir $state" | head -1)
  local writer=""
  for t in /proc/$pid/task/*; do
    if [ "$(cat "$t/comm")" = "vigil-history" ]; then writer=$t; fi
  done
  local p0 w0=0 p1 w1=0
  p0=$(awk '{print $14 + $15}' /proc/$pid/stat)
  # schedstat: nanoseconds on a CPU, finer than stat's ticks.
  [ -n "$writer" ] && w0=$(awk '{print $1}' "$writer/schedstat")
  sleep "$secs"
  p1=$(awk '{print $14 + $15}' /proc/$pid/stat)
  [ -n "$writer" ] && w1=$(awk '{print $1}' "$writer/schedstat")
  local bytes
  bytes=$( (du -cb "$state"/history.sqlite* 2>/dev/null || true) | tail -1 | cut -f1)
  tmux -L $sock kill-server
  python3 -c "print('%-14s process %.2f%% of a core, writer thread %.3f%%, history %s bytes' % ('$1' or 'history', 100.0 * ($p1 - $p0) / $hz / $secs, 100.0 * ($w1 - $w0) / 1e9 / $secs, '${bytes:-0}'))"
}

echo "vigil --demo at its 2 s refresh, 120x40, ${secs}s each:"
for round in 1 2; do
  run ""
  run "--no-history"
done
