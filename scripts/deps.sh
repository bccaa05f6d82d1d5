#!/usr/bin/env bash
# Install the Debian 12 packages credtoken builds and tests with, skipping
# those already present. Run as root (demo.sh and test.sh call it).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libssl-dev openssl libp11-kit-dev p11-kit check libjson-c-dev
      opensc libengine-pkcs11-openssl mosquitto mosquitto-clients curl gnutls-bin
      softhsm2 valgrind python3 python3-pykcs11 util-linux
      swtpm swtpm-tools libtss2-dev tpm2-tools
      libtpm2-pkcs11-1 libtpm2-pkcs11-tools tpm2-abrmd libtss2-tcti-tabrmd0 dbus)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "deps: run as root to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packaged broker must not hold the ports our tests use.
systemctl stop mosquitto >/dev/null 2>&1 || true
