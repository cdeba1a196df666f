#!/usr/bin/env bash
# Measures the weekly report's figure of issue 12: `vigil report weekly`
# over a history of 30 metrics for the week and the week before (what it
# reads), one series each.
#  The report reads one-minute rollups only, so the store is filled with a
#  point a minute a series: the rollup rows (30 × 20,160) are the same as
#  at a 2 s refresh; the raw chunks, which the report does not read, are
#  smaller. Prints the fill time and the report's wall time (median of 5)
#  in Markdown and in HTML.
# Usage: scripts/bench-report.sh   (release build)
# VIGIL_BIN=DIR measures the vigil in DIR instead (e.g. .build/debug).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIGIL_BIN:-}" ]; then
  swift build -c release --product vigil >/dev/null
fi
vigil=${VIGIL_BIN:-$PWD/.build/release}/vigil
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

plan="system.status response_time error_rate throughput active_users revenue conversion_rate cpu_usage memory_usage disk_usage db.query_time security.failed_logins security.access_violations security.events security.vulnerabilities"
metrics=$plan
for i in $(seq 1 15); do metrics="$metrics extra_$i"; done
{
  echo "metrics:"
  for m in $metrics; do
    echo "  $m: {name: $m, unit: ms, query: up, aggregation: avg, threshold: {warning: 700, critical: 900}}"
  done
} >"$work/vigil.yaml"
list=$(echo $metrics | tr ' ' ',')

# From 2025-11-17 00:00 UTC (a Monday): the week before, then the week of
# 2025-11-24 (history-append counts from 1,764,000,000,000 ms).
start=$(( (1763337600000 - 1764000000000) / 60000 ))
t0=$(date +%s.%N)
"$vigil" history-append --file "$work/history.sqlite" --series 30 --metrics "$list" --step 60000 \
  --start="$start" --count 20160 >/dev/null
t1=$(date +%s.%N)
"$vigil" history --state-dir "$work" | sed 's/^/  /'
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "fill: %.1f s\n", b - a }'

for format in markdown html; do
  times=()
  for _ in 1 2 3 4 5; do
    a=$(date +%s%N)
    "$vigil" report weekly --week-of 2025-11-24 --format "$format" --config "$work/vigil.yaml" \
      --state-dir "$work" -o "$work/report.$format" 2>/dev/null || true
    b=$(date +%s%N)
    times+=($(( (b - a) / 1000000 )))
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  echo "weekly report ($format), 30 metrics, two weeks of rollups: median ${median} ms (runs: ${sorted% })"
done
