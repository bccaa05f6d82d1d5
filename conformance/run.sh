#!/usr/bin/env bash
# run.sh [--informational] RUNNER [ARGS...]
#
# Runs the conformance runner with fresh private configurations in a
# temporary directory, removed afterwards:
#   CREDTOKEN_CONF  -> store = <tmp>/store, kdf_target_ms = 2 (cheap PIN KDF)
#   SOFTHSM2_CONF   -> directories.tokendir = <tmp>/softhsm, file backend
# Each module reads only its own variable, so one run may test both.
# With --informational the exit status is reported and then ignored: the
# softhsm2 run documents deviations and never fails the suite.
# With CONFORMANCE_TPM_CLI=<the credtoken CLI>, the credtoken token is one of
# the TPM backend on a swtpm of its own (127.0.0.1, stopped by PID), made
# before the run with the runner's default label and PINs.
set -u
informational=0
if [ "${1:-}" = --informational ]; then
  informational=1
  shift
fi
if [ $# -lt 1 ]; then
  echo "usage: run.sh [--informational] RUNNER [ARGS...]" >&2
  exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-conformance-XXXXXX") || exit 2
swtpm_pid=
trap '[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/softhsm"
printf 'store = %s/store\nkdf_target_ms = 2\n' "$tmp" >"$tmp/credtoken.conf"
printf 'directories.tokendir = %s/softhsm\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$tmp" >"$tmp/softhsm2.conf"
export CREDTOKEN_CONF="$tmp/credtoken.conf"
export SOFTHSM2_CONF="$tmp/softhsm2.conf"
unset CREDTOKEN_STORE CREDTOKEN_DEBUG
if [ -n "${CONFORMANCE_TPM_CLI:-}" ]; then
  . "$(cd "$(dirname "$0")/.." && pwd)/scripts/swtpm.sh"
  swtpm_start "$tmp/tpm"
  rc=$?
  swtpm_pid=$SWTPM_PID
  [ "$rc" = 0 ] || exit 1
  export CREDTOKEN_TCTI=$SWTPM_TCTI
  printf '12345678\n' >"$tmp/so.pin"
  printf '123456\n' >"$tmp/user.pin"
  chmod 600 "$tmp/so.pin" "$tmp/user.pin"
  "$CONFORMANCE_TPM_CLI" --module "${CONFORMANCE_MODULE:?}" init --label conformance \
    --so-pin-file "$tmp/so.pin" --pin-file "$tmp/user.pin" --backend tpm || exit 1
fi
"$@"
rc=$?
if [ "$informational" = 1 ]; then
  echo "(informational run: exit status $rc ignored)"
  exit 0
fi
exit "$rc"
