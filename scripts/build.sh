#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure and build credtoken into DIR.
# Progress lines are filtered; any compiler error fails the script.
set -euo pipefail
dir=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
set +e
cmake --build "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1
rc=$?
set -e
grep -vE '^\[ *[0-9]+%\]|^(gmake|make)|^Consolidate compiler' "$dir/build.log" || true
exit $rc
