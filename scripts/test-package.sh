#!/usr/bin/env bash
# Installs the .deb where there is no Swift (issue 17): a minimal Debian 12
# root made by debootstrap (kept in .build-package/ so later runs do not
# fetch it again), apt-get install ./vigil_*.deb inside it (apt fetches the
# dependencies), then inside the chroot: vigil --version, vigil check config,
# vigil --demo --once (the Main dashboard's four panels with values), man
# vigil, and vigil scrape of a loopback exporter. Then removal: nothing of
# Vigil's is left but the /etc conffile, and after purge not even that.
# Also measures the figures of the README's Install section.
# Usage: scripts/test-package.sh [DEB]   (root; builds the package when no DEB is given)
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-}
[[ -n $deb ]] || deb=$(scripts/package.sh | tail -1)
cache=$PWD/.build-package/debian-bookworm-minbase.tar
root=$(mktemp -d /tmp/vigil-chroot.XXXXXX)
passed=0
failed=0
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
check() { # check NAME COMMAND...: one line per check, and a count at the end
  local name=$1
  shift
  if "$@"; then
    echo "ok     $name"
    passed=$((passed + 1))
  else
    echo "FAILED $name"
    failed=$((failed + 1))
  fi
}
scripts/debian-root.sh
tar -C "$root" -xf "$cache"
# Readable by the unprivileged user the shared-state check runs as (the
# directory and the cached tar's "." are 0700).
chmod 0755 "$root"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=xterm-256color "$@"; }

check "no Swift in the root" bash -c "! ls $root/usr/lib/swift $root/opt/swift >/dev/null 2>&1"
in_root apt-get -o APT::Sandbox::User=root update -qq >/dev/null
check "apt-get install ./$name pulls its dependencies" in_root bash -c \
  "DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root install -y -qq ./tmp/$name >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; false; }"
version=$(in_root vigil --version)
check "vigil --version names the commit: $version" bash -c "[[ '$version' == *'(commit '* ]]"
config=$(in_root vigil check config 2>&1 || true)
check "vigil check config loads /etc/vigil/vigil.yaml" bash -c \
  "grep -q 'using /etc/vigil/vigil.yaml (system configuration)' <<<\"\$0\" && grep -q ': valid:' <<<\"\$0\"" "$config"
check "the team's state directory: /var/lib/vigil, group vigil, setgid" bash -c \
  "[[ \$(chroot $root stat -c '%G %a' /var/lib/vigil) == 'vigil 2770' ]]"
# A member with a umask of 077 writes the journal there; the group keeps it.
in_root useradd -M -G vigil oncall
in_root setpriv --reuid=oncall --regid=oncall --init-groups -- /bin/sh -c \
  'umask 077; exec vigil journal-debug append --state-dir /var/lib/vigil --count 1' >/dev/null
check "a member's journal there is the group's to write (umask 077)" bash -c \
  "[[ \$(chroot $root stat -c '%U %G %a' /var/lib/vigil/journal.jsonl) == 'oncall vigil 660' ]]"
in_root userdel oncall
rm -f "$root/var/lib/vigil/journal.jsonl"
start=$(date +%s%N)
frame=$(in_root vigil --demo --once --size 120x40 --color never --state-dir /tmp/state)
once_ms=$(( ($(date +%s%N) - start) / 1000000 ))
for title in "System Status" "Response Time" "Error Rate" "Active Users"; do
  check "--demo --once shows $title" grep -q "$title" <<<"$frame"
done
check "--demo --once has values, not NO DATA" bash -c "! grep -q 'NO DATA' <<<\"\$0\" && grep -Eq '[0-9]+(\\.[0-9]+)?( ms| s|%|k)' <<<\"\$0\"" "$frame"
if [[ -x $root/usr/bin/man ]]; then
  check "man vigil" bash -c "chroot $root /usr/bin/env -i PATH=/usr/bin:/bin MANPAGER=cat COLUMNS=80 man vigil 2>/dev/null | grep -q 'terminal console for launch day'"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
in_root vigil demo --listen 127.0.0.1:$port >/dev/null 2>&1 &
demo=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.2; done
check "vigil scrape of a loopback exporter" bash -c \
  "chroot $root /usr/bin/vigil scrape http://127.0.0.1:$port/metrics | grep -q '^http_requests_total counter'"
kill $demo 2>/dev/null || true
wait $demo 2>/dev/null || true
check "a missing library is named by the package manager" bash -c \
  "! chroot $root dpkg --remove libcurl4 >/tmp/rm.log 2>&1; grep -q 'vigil depends on libcurl4' /tmp/rm.log"
in_root apt-get remove -y -qq vigil >/dev/null 2>&1
left=$(cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./root -o -path ./var/lib/dpkg -o -path ./var/cache -o -path ./var/log \) -prune -o -name '*vigil*' -print | sort | tr '\n' ' ')
check "after remove the conffile and the state directory are left: $left" bash -c \
  "[[ '$left' == './etc/vigil ./etc/vigil/vigil.yaml ./var/lib/vigil ' ]]"
in_root apt-get purge -y -qq vigil >/dev/null 2>&1
check "after purge nothing is left" bash -c "[[ ! -e $root/etc/vigil && ! -e $root/var/lib/vigil ]]"

# Cold start of the packaged binary to its first frame under tmux, on the
# host (the same bytes), against a target that refuses at once: no
# network time in it. Median of five.
unpacked=$(mktemp -d)
dpkg-deb -x "$deb" "$unpacked"
printf 'refresh: 2s\ntargets:\n  - {name: api, url: "http://127.0.0.1:9/metrics"}\nmetrics:\n  up: {name: Up, query: up}\ndashboards:\n  - {name: Main, panels: [{title: Up, type: stat, metrics: [up]}]}\n' >"$unpacked/cold.yaml"
starts=()
for i in 1 2 3 4 5; do
  sock=vigil-cold-$$-$i
  t0=$(date +%s%N)
  tmux -L "$sock" new-session -d -x 120 -y 40 "$unpacked/usr/bin/vigil --config $unpacked/cold.yaml --state-dir $unpacked/state --themes-dir $unpacked/usr/share/vigil/themes"
  until tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q 'Vigil  1 Main'; do
    (( ($(date +%s%N) - t0) / 1000000 > 5000 )) && break
    sleep 0.002
  done
  starts+=($(( ($(date +%s%N) - t0) / 1000000 )))
  tmux -L "$sock" kill-server 2>/dev/null || true
done
cold_ms=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 3p)
rm -rf "$unpacked"
check "cold start to the first frame under tmux: ${starts[*]} ms, median $cold_ms ms (at most 200)" test "$cold_ms" -le 200

size_kb=$(( $(stat -c %s "$deb") / 1024 ))
installed_kb=$(dpkg-deb -f "$deb" Installed-Size)
echo "figures: .deb $size_kb KiB, installed $installed_kb KiB, --demo --once to the printed frame in the chroot ${once_ms} ms, cold start under tmux $cold_ms ms"
echo "package: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
