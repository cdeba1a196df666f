#!/usr/bin/env bash
# Builds dist/vigil_<version>_<arch>.deb: the release binary with the Swift
# runtime linked in (--static-swift-stdlib) and stripped, the shipped
# dashboards and themes, an example /etc/vigil/vigil.yaml (a conffile), the
# vigil(1) man page generated from the command definitions, bash/zsh/fish
# completions, the README and the manual in docs/ and a copyright file. The binary's shared
# libraries are checked: only libc6, libstdc++6, libgcc-s1, libcurl4,
# libncursesw6 and libtinfo6 may provide them. Two runs on one commit give
# the same bytes (times come from the commit, owners are root, gzip -n).
# Usage: scripts/package.sh            (prints the path of the .deb last)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.build-package
arch=$(dpkg --print-architecture)
version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/VigilCore/Version.swift)
commit=$(git rev-parse --short=12 HEAD)
git diff --quiet HEAD -- Sources Package.swift || commit="$commit+changes"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
day=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)

# The commit goes into the binary for --version; the file is put back after.
info=Sources/VigilCore/BuildInfo.swift
saved=$(mktemp)
cp "$info" "$saved"
stage=$(mktemp -d)
trap 'cp "$saved" "$info"; rm -f "$saved"; rm -rf "$stage"' EXIT
cat >"$info" <<SWIFT
// Written by scripts/package.sh for the build it packages.
enum BuildInfo {
    static let commit: String? = "$commit"
}
SWIFT
echo "building vigil $version ($commit) for $arch..." >&2
# Paths of this checkout stay out of the binary (assertion messages carry
# source paths), so a clone elsewhere builds the same bytes.
swift build -c release --product vigil --static-swift-stdlib --scratch-path "$scratch" \
  -Xswiftc -file-prefix-map -Xswiftc "$root=." -Xcc "-ffile-prefix-map=$root=." >&2
swift build --product generate-manual --scratch-path "$scratch" >&2
cp "$saved" "$info"
bin=$scratch/release/vigil

# Only these packages may provide the binary's shared libraries.
allowed="libc6 libstdc++6 libgcc-s1 libcurl4 libncursesw6 libtinfo6 libsqlite3-0"
deps=()
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  # "libx.so => /path (addr)", or the loader's own "/lib64/ld-linux... (addr)".
  path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3; exit } { n = split($1, a, "/"); if (a[n] == l) { print $1; exit } }')
  [[ -n $path ]] || { echo "package.sh: $lib is not found by ldd" >&2; exit 1; }
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) || true
  [[ -n $pkg ]] || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || true
  if [[ " $allowed " != *" $pkg "* ]]; then
    echo "package.sh: $lib comes from '${pkg:-no package}', which a bastion may not have" >&2
    exit 1
  fi
  [[ " ${deps[*]:-} " == *" $pkg "* ]] || deps+=("$pkg")
done

install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/vigil/dashboards" "$stage/usr/share/vigil/themes" \
  "$stage/etc/vigil" "$stage/usr/share/man/man1" "$stage/usr/share/doc/vigil" \
  "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/usr/share/fish/vendor_completions.d"
install -m 0755 "$bin" "$stage/usr/bin/vigil"
strip --strip-all "$stage/usr/bin/vigil"
install -m 0644 dashboards/*.yaml "$stage/usr/share/vigil/dashboards/"
install -m 0644 themes/*.yaml "$stage/usr/share/vigil/themes/"
install -m 0644 dashboards/normaldance.yaml "$stage/etc/vigil/vigil.yaml"
install -m 0644 README.md docs/*.md "$stage/usr/share/doc/vigil/"
gzip -9n "$stage"/usr/share/doc/vigil/*.md
cat >"$stage/usr/share/doc/vigil/copyright" <<TEXT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vigil
Comment: A terminal console for launch day.

Files: *
Copyright: $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y) The Vigil team
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

Files: usr/bin/vigil
Comment: The binary also contains the Swift runtime and Foundation
 (Apache-2.0 with the Runtime Library Exception), swift-argument-parser,
 Yams (MIT), swift-prometheus and FlyingFox (Apache-2.0 / MIT).
TEXT
"$stage/usr/bin/vigil" --generate-completion-script bash >"$stage/usr/share/bash-completion/completions/vigil"
"$stage/usr/bin/vigil" --generate-completion-script zsh >"$stage/usr/share/zsh/vendor-completions/_vigil"
"$stage/usr/bin/vigil" --generate-completion-script fish >"$stage/usr/share/fish/vendor_completions.d/vigil.fish"
man=$(mktemp -d)
"$scratch/debug/generate-manual" "$stage/usr/bin/vigil" --date "$day" --authors "The Vigil team" \
  --output-directory "$man" >&2
gzip -9n <"$man/vigil.1" >"$stage/usr/share/man/man1/vigil.1.gz"
rm -rf "$man"
chmod 0644 "$stage"/usr/share/bash-completion/completions/vigil "$stage"/usr/share/zsh/vendor-completions/_vigil \
  "$stage"/usr/share/fish/vendor_completions.d/vigil.fish "$stage"/usr/share/man/man1/vigil.1.gz

echo /etc/vigil/vigil.yaml >"$stage/DEBIAN/conffiles"
# The on-call team's shared state (state_dir: /var/lib/vigil): a group
# `vigil` and a setgid directory its members write; Vigil makes its files
# there group-writable whatever their umask. An existing directory is the
# administrator's and is left as it is. Purge removes it only when empty:
# a journal of incidents is not the package's to throw away.
cat >"$stage/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group vigil >/dev/null || groupadd --system vigil
  [ -d /var/lib/vigil ] || install -d -m 2770 -g vigil /var/lib/vigil
fi
SH
cat >"$stage/DEBIAN/postrm" <<'SH'
#!/bin/sh
set -e
if [ "$1" = purge ] && [ -d /var/lib/vigil ]; then
  rmdir --ignore-fail-on-non-empty /var/lib/vigil
fi
SH
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"
installed=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
depends=$(printf '%s, ' "${deps[@]}")ca-certificates
cat >"$stage/DEBIAN/control" <<TEXT
Package: vigil
Version: $version
Architecture: $arch
Maintainer: The Vigil team <vigil@localhost>
Installed-Size: $installed
Depends: $depends
Section: admin
Priority: optional
Description: terminal console for launch day
 Vigil scrapes Prometheus /metrics endpoints (or asks a Prometheus-compatible
 server), tails log endpoints, and draws a launch plan's dashboards in the
 terminal, green, yellow or red against their thresholds. It evaluates alert
 rules with holds, lets an operator acknowledge from the keyboard, and keeps
 incidents and post-mortems in a journal. Built for SSH on a bastion, in tmux.
 .
 Built from commit $commit.
TEXT
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p dist
out=dist/vigil_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >&2
echo "$root/$out"
