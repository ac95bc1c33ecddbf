#!/usr/bin/env bash
# Debian packages for the browser tests and speech: installed when missing and when we can.
set -euo pipefail
packages=(chromium espeak-ng)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system: missing Debian packages: ${missing[*]} (install them; the tests that need them will skip)" >&2
  exit 0
fi
echo "system: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
