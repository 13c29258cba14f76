#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it when running as root; otherwise say how.
set -euo pipefail
CHROMIUM="${HEARTH_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium at $CHROMIUM. Install it with: sudo apt-get install chromium" >&2
echo "(or point HEARTH_CHROMIUM at a Chromium binary)" >&2
exit 1
