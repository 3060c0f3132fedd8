#!/usr/bin/env bash
# Installs Debian packages the tests and `make prod-local` need, once:
#   scripts/install-debian-packages.sh WHY PROGRAM=PACKAGE...
# e.g. "the browser tests" /usr/bin/chromium=chromium. Nothing else is downloaded.
set -euo pipefail
why="$1"
shift
missing=()
for pair in "$@"; do
  program="${pair%%=*}"
  package="${pair#*=}"
  # A program is a path, or a glob for versioned paths (PostgreSQL's).
  found=$(compgen -G "$program" || true)
  if [ -z "$found" ]; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: $why need Debian's ${missing[*]} (no apt-get on this machine)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
log="/tmp/ipt-debian-install.log"
echo "Installing Debian's ${missing[*]} for $why…"
export DEBIAN_FRONTEND=noninteractive
install=($sudo apt-get install -y -q --no-install-recommends "${missing[@]}")
# A fresh machine may have no package lists yet: update once, then try again.
if ! "${install[@]}" >>"$log" 2>&1; then
  $sudo apt-get update -q >>"$log" 2>&1
  "${install[@]}" >>"$log" 2>&1 || {
    echo "error: could not install ${missing[*]}; see $log" >&2
    exit 1
  }
fi
