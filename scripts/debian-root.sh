#!/usr/bin/env bash
# Makes the minimal Debian 12 root the package test installs into, once:
# debootstrap into a scratch directory, kept as a tar in
# .build-package/debian-bookworm-minbase.tar. Mostly waiting on the mirror,
# so scripts/test.sh runs it beside the build instead of after it.
# Usage: scripts/debian-root.sh   (root)
set -euo pipefail
cd "$(dirname "$0")/.."
cache=$PWD/.build-package/debian-bookworm-minbase.tar
[[ -f $cache ]] && exit 0
root=$(mktemp -d /tmp/vigil-debootstrap.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "making a minimal Debian 12 root (once; cached in $cache)..." >&2
debootstrap --variant=minbase --include=man-db bookworm "$root" http://deb.debian.org/debian >&2
mkdir -p "$(dirname "$cache")"
tar -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
