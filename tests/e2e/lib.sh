# lib.sh: shared setup of the real-client tests. Sourced, not run.
# Gives each test a fresh work directory, store and config (cheap KDF), an
# OpenSSL config that loads the libp11 engine on our module, helpers to
# start servers on 127.0.0.1 and stop them by PID, and check/fail helpers.
set -euo pipefail
MOD=${CREDTOKEN_TEST_MODULE:?CREDTOKEN_TEST_MODULE not set}
CLI=${CREDTOKEN_TEST_CLI:-}
WORK=$(mktemp -d /tmp/ct-e2e-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
export CREDTOKEN_CONF=$WORK/credtoken.conf
printf 'store = %s/store\nkdf_target_ms = %s\n' "$WORK" "${CT_KDF_MS:-2}" >"$CREDTOKEN_CONF"
unset CREDTOKEN_STORE
SO_PIN=12345678
PIN=1234
P11="pkcs11-tool --module $MOD"
ENGINES=$(openssl version -e | sed -E 's/^ENGINESDIR: "(.*)"/\1/')
cat >openssl.cnf <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINES/pkcs11.so
MODULE_PATH = $MOD
init = 0
CNF

step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() { # expect_in NEEDLE FILE
  grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not found in $2"; }
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s at most).
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "nothing listens on 127.0.0.1:$1"
}

# use_cli: the credtoken CLI as ct, and the PINs in so.pin and user.pin.
use_cli() {
  CLI=${CREDTOKEN_TEST_CLI:?CREDTOKEN_TEST_CLI not set}
  ct() { "$CLI" --module "$MOD" "$@"; }
  printf '%s\n' $SO_PIN >so.pin
  printf '%s\n' $PIN >user.pin
  chmod 600 so.pin user.pin
}

# json_str FILE: the file's text as a JSON string (a set's PEM fields).
json_str() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }

# sa_body KEYFILE: a google-service-account-json set body around the RSA
# key in KEYFILE (private_key_id k1, dev@proj.iam.gserviceaccount.com).
sa_body() {
  python3 - "$1" <<'PY'
import json, sys
doc = {"type": "service_account", "project_id": "proj", "private_key_id": "k1",
       "private_key": open(sys.argv[1]).read(), "client_email": "dev@proj.iam.gserviceaccount.com",
       "token_uri": "https://oauth2.googleapis.com/token"}
print(json.dumps({"type": "google-service-account-json", "credentials": {"credentials": doc}}))
PY
}

# engine_signs TOKEN CERT SIG: the libp11 engine signs msg.txt's SHA-256
# with TOKEN's private key "device" into SIG; openssl verifies it with the
# public key of CERT.
engine_signs() {
  OPENSSL_CONF=$WORK/openssl.cnf openssl pkeyutl -engine pkcs11 -keyform engine \
    -inkey "pkcs11:token=$1;object=device;type=private;pin-value=$PIN" -sign \
    -in <(openssl dgst -sha256 -binary msg.txt) -out "$3" 2>engine.err ||
    { cat engine.err >&2; fail "the engine did not sign with $1's key"; }
  openssl pkeyutl -verify -pubin -inkey <(openssl x509 -in "$2" -pubkey -noout) \
    -in <(openssl dgst -sha256 -binary msg.txt) -sigfile "$3" >verify.txt
  expect_in "Signature Verified Successfully" verify.txt
}

# sigv4_vanilla ID: set ID is created (with the caller's create) from AWS's
# SigV4 test-suite credentials, and credtoken aws-sigv4 signs the suite's
# get-vanilla request with the signature AWS publishes (output in s4.txt).
sigv4_vanilla() {
  cat >suite.json <<'JSON'
{"type":"aws-credentials","credentials":{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}}
JSON
  create "$1" suite.json >/dev/null
  ct aws-sigv4 --set "$1" --url https://example.amazonaws.com/ --region us-east-1 \
    --service service --date 20150830T123600Z --pin-file user.pin >s4.txt
  expect_in "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" s4.txt
}

# jwt_verify JWTFILE PUBKEY: openssl verifies the RS256 signature of the
# JWT in JWTFILE with the public key in PUBKEY (PEM).
jwt_verify() {
  python3 - "$1" <<'PY'
import base64, sys
h, c, s = open(sys.argv[1]).read().strip().split(".")
open("jwt-input.txt", "w").write(h + "." + c)
open("jwt-sig.bin", "wb").write(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
PY
  openssl dgst -sha256 -verify "$2" -signature jwt-sig.bin jwt-input.txt >jwtv.txt
  expect_in "Verified OK" jwtv.txt
}

# sas_expect KEYHEX URI EXPIRY NAME: the Azure SAS token openssl computes
# from the raw key, to compare with credtoken azure-sas's.
sas_expect() {
  local enc sig
  enc=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$2")
  sig=$(printf '%s\n%s' "$enc" "$3" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary |
    openssl base64 -A)
  sig=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$sig")
  echo "SharedAccessSignature sr=$enc&sig=$sig&se=$3&skn=$4"
}

# init_token LABEL: a token with SO and user PINs, through pkcs11-tool;
# with CT_BACKEND=tpm a token of the TPM backend instead, made by the CLI
# on a swtpm of its own (the same tests then run with keys in the TPM).
init_token() {
  if [ "${CT_BACKEND:-file}" = tpm ]; then
    [ -n "${CREDTOKEN_TCTI:-}" ] || { start_swtpm tpm0; export CREDTOKEN_TCTI=$TCTI_tpm0; }
    use_cli
    ct init --label "$1" --so-pin-file so.pin --pin-file user.pin --backend tpm >/dev/null
    $P11 -T | grep -q "TPM 2.0" || fail "token $1 is not of the TPM backend"
    return
  fi
  $P11 --init-token --label "$1" --so-pin $SO_PIN >/dev/null
  $P11 --token-label "$1" --login --login-type so --so-pin $SO_PIN --init-pin --pin $PIN >/dev/null
}

# A throwaway CA: make_ca NAME -> NAME.key NAME.crt
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -out "$1.crt" -subj "/CN=$1" -days 2 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# issue CA CSR OUT [extfile]: sign a CSR with CA for one day.
issue() {
  openssl x509 -req -in "$2" -CA "$1.crt" -CAkey "$1.key" -CAcreateserial -out "$3" -days 1 \
    ${4:+-extfile "$4"} 2>/dev/null
}

# A file-based key and certificate: file_cert CA NAME [extfile]
file_cert() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$2.key" \
    -out "$2.csr" -subj "/CN=$2" 2>/dev/null
  issue "$1" "$2.csr" "$2.crt" "${3:-}"
}

# token_cert TOKEN LABEL ID CA: device key pair in the token, CSR through
# the engine, certificate from CA, stored back in the token.
token_cert() {
  $P11 --token-label "$1" --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
    --label "$2" --id "$3" >/dev/null
  OPENSSL_CONF=$WORK/openssl.cnf openssl req -new -engine pkcs11 -keyform engine \
    -key "pkcs11:token=$1;object=$2;type=private;pin-value=$PIN" -subj "/CN=$2" \
    -out "$2.csr" 2>/dev/null
  openssl req -verify -in "$2.csr" -noout 2>/dev/null || fail "CSR signature does not verify"
  issue "$4" "$2.csr" "$2.crt"
  openssl x509 -in "$2.crt" -outform DER -out "$2.der"
  $P11 --token-label "$1" --login --pin $PIN --write-object "$2.der" --type cert \
    --label "$2" --id "$3" >/dev/null
}

# start_swtpm NAME: a real swtpm on 127.0.0.1 (scripts/swtpm.sh), state in
# $WORK/NAME, stopped by PID at exit. Sets TCTI_<NAME> to its TCTI string.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/swtpm.sh"
start_swtpm() {
  swtpm_start "$WORK/$1" || { PIDS+=("$SWTPM_PID"); fail "swtpm $1 did not start"; }
  PIDS+=("$SWTPM_PID")
  printf -v "TCTI_$1" '%s' "$SWTPM_TCTI"
}
