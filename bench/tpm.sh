#!/usr/bin/env bash
# bench/tpm.sh [--smoke] [--results FILE]: the benchmark's TPM section on a
# fresh swtpm (127.0.0.1, stopped by PID): credtoken's TPM backend against
# tpm2-pkcs11, tpm2_sign and raw ESYS, in one run (bench_tpm, tpm.h).
# Expects ./build (./bench.sh builds it); writes bench/results/<date>-tpm.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$top/build}
results=$top/bench/results/$(date +%F)-tpm.md
args=(--rounds 5 --sigs 200 --tool-sigs 40)
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) args=(--rounds 1 --sigs 5 --tool-sigs 2) ;;
    --results) results=$2; shift ;;
    *) echo "usage: bench/tpm.sh [--smoke] [--results FILE]" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/ct-bench-tpm-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
. "$top/scripts/swtpm.sh"
swtpm_start state || { pids+=("$SWTPM_PID"); exit 1; }
pids+=("$SWTPM_PID")
tcti=$SWTPM_TCTI
export TPM2TOOLS_TCTI=$tcti CREDTOKEN_TCTI=$tcti TSS2_LOG=all+NONE

# credtoken: a TPM-backend token "bench" with a P-256 key "tpmkey".
mod=$build/credtoken-pkcs11.so
export CREDTOKEN_CONF=$work/credtoken.conf
printf 'store = %s/store\n' "$work" >"$CREDTOKEN_CONF"
printf '87654321\n' >so.pin
printf '12345678\n' >user.pin
chmod 600 so.pin user.pin
"$build/tools/credtoken" --module "$mod" init --label bench --so-pin-file so.pin \
  --pin-file user.pin --backend tpm >/dev/null
pkcs11-tool --module "$mod" --token-label bench --login --pin 12345678 --keypairgen \
  --key-type EC:prime256v1 --label tpmkey --id 01 >/dev/null

# tpm2-pkcs11: tpm2_ptool leaves objects loaded on a direct TCTI, so its
# setup goes through tpm2-abrmd (on a private D-Bus); the benchmark then
# runs on the direct TCTI like the others.
mkdir p11store
cat >ptool.sh <<PTOOL
set -e
tpm2-abrmd --session --allow-root --tcti=$tcti --flush-all & ab=\$!
export TPM2TOOLS_TCTI=tabrmd:bus_type=session
for _ in \$(seq 50); do tpm2_getcap properties-fixed >/dev/null 2>&1 && break; sleep 0.1; done
tpm2_ptool init --path=$work/p11store
tpm2_ptool addtoken --pid=1 --sopin=87654321 --userpin=12345678 --label=bench --path=$work/p11store
tpm2_ptool addkey --algorithm=ecc256 --label=bench --userpin=12345678 --key-label=k --path=$work/p11store
kill \$ab; wait \$ab || true
PTOOL
dbus-run-session -- bash ptool.sh >ptool.log 2>&1 || { cat ptool.log; exit 1; }
export TPM2_PKCS11_STORE=$work/p11store TPM2_PKCS11_TCTI=$tcti

# tpm2_sign: a P-256 key's context file; tpm2-tools leave what they load
# in the TPM without a resource manager, so flush after each step.
tpm2_createprimary -C o -g sha256 -G ecc256:aes128cfb -c primary.ctx >/dev/null
tpm2_flushcontext -t
tpm2_create -C primary.ctx -G ecc256 -u key.pub -r key.priv >/dev/null
tpm2_flushcontext -t
tpm2_load -C primary.ctx -u key.pub -r key.priv -c key.ctx >/dev/null
tpm2_flushcontext -t
head -c 32 /dev/urandom >digest

mkdir -p "$(dirname "$results")"
"$build/bench/bench_tpm" --credtoken "$mod" \
  --tpm2-pkcs11 /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so --tcti "$tcti" \
  --tool-ctx "$work/key.ctx" --digest "$work/digest" --results "$results" "${args[@]}"
cat "$results"
