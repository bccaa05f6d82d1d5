#!/usr/bin/env bash
# Install, build and run every suite: unit, integration and real-client
# end-to-end tests on a normal build, the same unit and integration suites
# under ASan+UBSan, and valgrind over the unit tests.
set -uo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
./scripts/deps.sh || exit 1

pass=0 fail=0
stage() { # stage NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then pass=$((pass + 1)); echo "--- $name: ok"
  else fail=$((fail + 1)); echo "--- $name: FAILED"; fi
}

stage "build" ./scripts/build.sh build
stage "tests (unit, integration, e2e)" ctest --test-dir build --output-on-failure -j2
stage "build (ASan+UBSan)" ./scripts/build.sh build-asan -DCREDTOKEN_SANITIZE=ON
stage "tests under ASan+UBSan" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -L 'unit|integration' -j2
stage "valgrind (unit tests)" ./scripts/valgrind.sh build

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
