# swtpm.sh: sourced by the scripts that need a real TPM (tests/e2e/lib.sh,
# conformance/run.sh, bench/tpm.sh).
#
# swtpm_start DIR: a swtpm on 127.0.0.1 with its state in DIR (made if
# missing), on two consecutive free ports (the TPM and its control
# channel). Sets SWTPM_PID (the caller stops it by PID) and SWTPM_TCTI, and
# returns once it listens; status 1 when it does not within 10 s.
swtpm_start() {
  local port
  port=$(python3 -c '
import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError: pass
    finally: a.close(); b.close()
')
  mkdir -p "$1"
  swtpm socket --tpm2 --server "type=tcp,port=$port,bindaddr=127.0.0.1" \
    --ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" \
    --flags not-need-init,startup-clear --tpmstate "dir=$1" &
  SWTPM_PID=$!
  SWTPM_TCTI=swtpm:host=127.0.0.1,port=$port
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "swtpm: nothing listens on 127.0.0.1:$port" >&2
  return 1
}
