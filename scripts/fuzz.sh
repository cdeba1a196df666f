#!/usr/bin/env bash
# Runs every libFuzzer target (Sources/vigil-fuzz) for SECONDS each (default
# 60), starting from the committed seeds in Fuzz/seeds/<target> and the past
# findings in Fuzz/regressions/<target>. New inputs go to a scratch corpus;
# a crash, hang (over 10 s), leak or out-of-memory (over 2 GiB) is written to
# Fuzz/crashes/<target>/ and fails the run: turn it into a regression file.
# Prints executions per target and ends with "N passed, N failed".
# FUZZ_RUNS=N instead runs N inputs per target from a fixed seed: the same
# inputs every time (CI uses it, so a run never fails by chance).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(exposition openmetrics promql config theme logs api sanitizer rules grafana)
swift build --product vigil-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address \
  -Xswiftc -parse-as-library -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address >/dev/null || exit 1
bin=$PWD/.build-fuzz/debug/vigil-fuzz
# AddressSanitizer's frames are several times larger than a plain build's:
# the deepest query Vigil accepts (1,000 levels) needs more than 8 MiB here.
ulimit -s 65536
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "Fuzz/crashes/$t"
  dirs=("$work/$t")
  for d in Fuzz/seeds/$t Fuzz/regressions/$t; do [[ -d $d ]] && dirs+=("$d"); done
  log=$work/$t.log
  if [[ -n ${FUZZ_RUNS:-} ]]; then limit=(-runs="$FUZZ_RUNS" -seed=1); else limit=(-max_total_time="$secs"); fi
  VIGIL_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan.supp "$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="Fuzz/crashes/$t/" "${dirs[@]}" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [[ $status -eq 0 ]]; then
    echo "ok     $t: ${runs:-?} executions"
    passed=$((passed + 1))
    rmdir "Fuzz/crashes/$t" 2>/dev/null || true
  else
    echo "FAILED $t (status $status): $(grep -m1 -E 'ERROR|panic|Fatal error|deadly signal' "$log")"
    ls "Fuzz/crashes/$t" | sed 's/^/       artifact: /'
    failed=$((failed + 1))
  fi
done
rmdir Fuzz/crashes 2>/dev/null || true
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
