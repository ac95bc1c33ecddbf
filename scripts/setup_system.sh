#!/usr/bin/env bash
# Debian packages for the browser tests, speech and the public entry (nginx), installed when
# missing and when we can.
# Required: Chromium (browser tests) and espeak-ng (speech synthesis). Optional: the MBROLA French
# voices (more intelligible, from Debian's contrib/non-free) and PortAudio (microphone mode).
set -euo pipefail
required=(chromium espeak-ng)
# nginx-light: the public entry of `make run` (triage/proxy.py); its tests skip without it.
optional=(mbrola mbrola-fr1 mbrola-fr4 libportaudio2 nginx-light)

missing_of() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}
mapfile -t missing < <(missing_of "${required[@]}" "${optional[@]}")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system: missing Debian packages: ${missing[*]} (install them; the tests that need them skip)" >&2
  exit 0
fi
echo "system: installing ${missing[*]}"
apt-get update -qq
mapfile -t missing_required < <(missing_of "${required[@]}")
if [ ${#missing_required[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_required[@]}" >/dev/null
fi
for package in $(missing_of "${optional[@]}"); do
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null \
    || echo "system: optional package $package not available, going on without it" >&2
done
# Debian starts its own nginx on port 80 (a demo page) when the package is installed: the
# assistant runs its own instance (triage/proxy.py), so that one is stopped and disabled.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && command -v systemctl >/dev/null; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi
