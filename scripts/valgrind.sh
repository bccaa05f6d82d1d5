#!/usr/bin/env bash
# valgrind.sh BUILD: run each unit-test binary under valgrind; any leak or
# memory error fails.
set -uo pipefail
dir=$1 rc=0
for t in "$dir"/tests/test_*; do
  [ -x "$t" ] || continue
  if CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --error-exitcode=99 "$t" >/tmp/vg.$$ 2>&1; then
    echo "valgrind: $(basename "$t") clean"
  else
    echo "valgrind: $(basename "$t") FAILED"; tail -40 /tmp/vg.$$; rc=1
  fi
done
rm -f /tmp/vg.$$
exit $rc
