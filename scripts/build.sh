#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure and build credtoken into DIR.
set -euo pipefail
dir=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^(gmake|make)' || true
test -f "$dir/credtoken-pkcs11.so"
