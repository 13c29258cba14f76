#!/usr/bin/env bash
# The desktop window uses WebKitGTK through PyGObject, which pip builds against the system's
# GObject introspection and cairo headers; the window test runs under Xvfb. Install them with apt
# when running as root; otherwise say how (Hearth then serves headless and says so). The tests check
# the menu entry with desktop-file-validate.
set -euo pipefail
PACKAGES="xvfb gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config desktop-file-utils"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the desktop window's system packages:$missing"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
  exit 0
fi
echo "The desktop window needs:$missing. Install them with: sudo apt-get install$missing" >&2
exit 1
