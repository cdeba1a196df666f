#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test.
# Ends with the test runner's own summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
# Integration tests start real servers on loopback ports: one suite at a time.
swift test --skip-build --no-parallel
