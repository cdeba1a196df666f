#!/usr/bin/env bash
# Installs what is missing, builds Vigil and shows the launch plan's host
# metrics live from a real exporter on a loopback port. (Becomes the
# dashboard, `vigil --demo`, when the TUI lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vigil
vigil=.build/release/vigil
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" >/dev/null 2>&1 &
exporter=$!
trap 'kill $exporter 2>/dev/null || true' EXIT
sleep 1
url="http://127.0.0.1:$port/metrics"
echo "Scraping $url for 10 s every second, then evaluating the plan's queries:"
for metric in cpu_usage memory_usage disk_usage; do
  query=$(awk -v m="  $metric:" '$0 == m {found=1} found && /query:/ {sub(/^ *query: */, ""); print; exit}' dashboards/normaldance.yaml)
  printf '\n%s = %s\n' "$metric" "$query"
  "$vigil" query "$query" --target "$url" --over 10s --interval 1s
done
