#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test.
# Ends with the test runner's own summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase says when it starts: the whole run is held to 20 minutes.
phase() { echo "== test.sh: $1 at $(date -u +%H:%M:%S)"; }
phase "install-deps"
scripts/install-deps.sh
phase "build"
# The package test's Debian root is fetched meanwhile: the build is CPU,
# debootstrap mostly waits on the mirror. Its log is shown if it fails.
debian_log=$(mktemp)
scripts/debian-root.sh >"$debian_log" 2>&1 &
debian_root=$!
swift build --build-tests
phase "package"
wait $debian_root || { cat "$debian_log"; echo "debootstrap failed (above); the package test tries again" >&2; }
rm -f "$debian_log"
# The Debian package, built and installed into a Debian root with no Swift
# (its own lines and count); its failure fails the run after the tests.
package_status=0
scripts/test-package.sh || package_status=$?
# Every fuzz target on 2,000 inputs from a fixed seed (scripts/fuzz.sh 600
# for a real run).
fuzz_status=0
phase "fuzz"
FUZZ_RUNS=2000 scripts/fuzz.sh || fuzz_status=$?
# The chaos soak, two minutes (scripts/soak.sh 30 for docs/measured.md's
# figures), on the release binary the package test just built and tested.
soak_status=0
phase "soak"
soak_bin=$PWD/.build-package/release
[[ -x $soak_bin/vigil ]] || soak_bin=$PWD/.build/debug
# One key in some thousands still waits over 100 ms for the loop thread
# (issue 11): CI holds the 99th percentile to 100 ms and the worst to 250.
VIGIL_BIN=$soak_bin SOAK_WORST_KEY_MS=250 scripts/soak.sh 2 || soak_status=$?
# Integration tests start real servers on loopback ports: one suite at a time.
phase "tests"
swift test --skip-build --no-parallel
((package_status == 0)) || exit $package_status
((soak_status == 0)) || exit $soak_status
exit $fuzz_status
