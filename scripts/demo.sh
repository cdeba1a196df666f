#!/usr/bin/env bash
# Installs what is missing, builds Vigil and opens the NormalDance
# dashboards against the built-in demo exporter (a time-compressed launch
# day on a loopback port). Keys: ? for help, q to quit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vigil
exec .build/release/vigil --demo "$@"
