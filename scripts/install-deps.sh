#!/usr/bin/env bash
# Installs the Debian packages Vigil needs to build and test, if missing.
# Idempotent; needs root (or sudo) the first time. Debian 12.
set -euo pipefail

packages=(
  libcurl4-openssl-dev   # the fetcher (libcurl multi interface)
  libncurses-dev         # the terminal front end (ncursesw)
  libsqlite3-dev         # the history store
  pkg-config
  curl                   # tests fetch with an independent client
  tmux                   # end-to-end tests drive the real binary in tmux
  python3-prometheus-client  # tests compare parses with Python's parser
  prometheus prometheus-node-exporter  # real endpoints and the PromQL reference
  prometheus-alertmanager  # server mode: alerts and silences (amtool too)
  victoria-metrics       # server mode proven on a second server (vmalert too)
  debootstrap            # the package test installs the .deb into a Debian root with no Swift
  binutils               # readelf and strip for the package
  chromium               # renders the HTML report to a PNG, headless
  python3-aiosmtpd       # a local SMTP server receives the email notifications
  openssl                # makes the test certificate for STARTTLS
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's packages enable their services; Vigil's tests start their own
# instances on loopback ports, so the system ones are not needed.
