#!/usr/bin/env bash
# fuzz.sh [SECONDS]: build the fuzz targets with clang's libFuzzer (and
# ASan+UBSan) in build-fuzz/ and run each for SECONDS (default 60), starting
# from its corpus in tests/fuzz/corpus/. New inputs that find a bug are left
# in build-fuzz/; add them to the corpus so that ctest replays them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
out=$top/build-fuzz
mkdir -p "$out"
inc="-I$top/include -I$top/src $(pkg-config --cflags p11-kit-1 json-c)"
libs="$(pkg-config --libs libcrypto json-c) -lpthread"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE"
for t in credset; do
  srcs=$(ls "$top"/src/credset/*.c "$top"/src/util/*.c "$top"/src/mech/*.c)
  # shellcheck disable=SC2086
  clang $flags $inc -o "$out/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" $srcs $libs
  mkdir -p "$out/corpus_$t"
  "$out/fuzz_$t" -max_total_time="$secs" -max_len=65536 "$out/corpus_$t" \
    "$top/tests/fuzz/corpus/$t"
done
