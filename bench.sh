#!/usr/bin/env bash
# bench.sh [OPTIONS]: install dependencies, build into build/, and run the
# benchmark: credtoken against softhsm2 and raw OpenSSL 3 EVP, in one run.
# Writes bench/results/<YYYY-MM-DD>.md. Options go to the bench program:
#   --rounds N                 rounds per figure (default 5)
#   --objects 10,1000,10000    object counts of the cold-start tokens
#   --only sign,threads,cold,find,create,rss
#   --secs S                   seconds per target and round for rates (0.5)
#   --no-results | --results DIR
# The full run takes a few minutes; ./test.sh runs only the smoke test
# (ctest -L bench).
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
./scripts/deps.sh
./scripts/build.sh build
exec ./build/bench/bench --credtoken "$top/build/credtoken-pkcs11.so" "$@"
