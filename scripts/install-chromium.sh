#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/test_dashboard_browser.py).
# Playwright drives this binary; it never downloads a browser of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the browser tests need Chromium at /usr/bin/chromium (Debian's chromium package)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing Debian's chromium for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
install=($sudo apt-get install -y -q --no-install-recommends chromium)
# A fresh machine may have no package lists yet: update once, then try again.
if ! "${install[@]}" >/tmp/ipt-chromium-install.log 2>&1; then
  $sudo apt-get update -q >>/tmp/ipt-chromium-install.log 2>&1
  "${install[@]}" >>/tmp/ipt-chromium-install.log 2>&1 || {
    echo "error: could not install chromium; see /tmp/ipt-chromium-install.log" >&2
    exit 1
  }
fi
/usr/bin/chromium --version
