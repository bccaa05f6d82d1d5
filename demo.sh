#!/usr/bin/env bash
# demo.sh: the main job of credtoken, end to end, on this machine.
#
#   1. install missing Debian packages and build;
#   2. create a file-backed token in ./demo-run/store;
#   3. generate a P-256 device key inside the token;
#   4. make a CSR with openssl through the pkcs11 engine;
#   5. have a local demo CA issue the certificate, and store it in the token;
#   6. start a mosquitto broker on 127.0.0.1 that requires client certificates,
#      and publish over mutual TLS, signing with the token key;
#   7. stop everything it started.
set -uo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

ok() { printf '  [ok]   %s\n' "$*"; }
bad() { printf '  [FAIL] %s\n' "$*"; exit 1; }
run() { # run "description" command...
  local what=$1; shift
  if "$@" >>"$DEMO/demo.log" 2>&1; then ok "$what"; else bad "$what (see $DEMO/demo.log)"; fi
}

echo "== credtoken demo"
./scripts/deps.sh >/dev/null || bad "installing Debian packages"
ok "Debian packages present"
./scripts/build.sh build >/dev/null || bad "build"
ok "built build/credtoken-pkcs11.so and build/tools/credtoken"

DEMO=$top/demo-run
BROKER_PID=
SUB_PID=
stop_all() {
  [ -n "$SUB_PID" ] && kill "$SUB_PID" 2>/dev/null
  [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
  true
}
trap stop_all EXIT
rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"
: >demo.log
MOD=$top/build/credtoken-pkcs11.so
CLI=$top/build/tools/credtoken
export CREDTOKEN_STORE=$DEMO/store
printf '12345678\n' >so.pin
printf '1234\n' >user.pin
chmod 600 so.pin user.pin
PIN=1234

echo "== 1. a file-backed token"
run "credtoken init --label demo (store: $CREDTOKEN_STORE)" \
  "$CLI" --module "$MOD" init --label demo --so-pin-file so.pin --pin-file user.pin

echo "== 2. a P-256 device key generated inside the token"
run "pkcs11-tool --keypairgen --key-type EC:prime256v1 --label device" \
  pkcs11-tool --module "$MOD" --token-label demo --login --pin $PIN --keypairgen \
  --key-type EC:prime256v1 --label device --id 01

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
URI="pkcs11:token=demo;object=device;type=private;pin-value=$PIN"

echo "== 3. a CSR signed inside the token (openssl + pkcs11 engine)"
run "openssl req -new -engine pkcs11 -key '$URI'" \
  env OPENSSL_CONF="$DEMO/openssl.cnf" openssl req -new -engine pkcs11 -keyform engine \
  -key "$URI" -subj "/CN=demo-device-0001" -out device.csr
run "the CSR's self-signature verifies" openssl req -verify -in device.csr -noout

echo "== 4. a local demo CA issues the certificate; it goes into the token"
run "demo CA created" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.crt -subj "/CN=credtoken demo CA" -days 7 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
run "device certificate issued" openssl x509 -req -in device.csr -CA ca.crt -CAkey ca.key \
  -CAcreateserial -out device.crt -days 7
run "certificate stored in the token" sh -c \
  "openssl x509 -in device.crt -outform DER -out device.der && pkcs11-tool --module '$MOD' \
   --token-label demo --login --pin $PIN --write-object device.der --type cert --label device --id 01"
run "credtoken list shows key and certificate" sh -c \
  "'$CLI' --module '$MOD' list --pin-file user.pin | tee -a list.txt | grep -q certificate"
sed 's/^/         /' list.txt

echo "== 5. MQTT over mutual TLS to a broker on 127.0.0.1"
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
run "broker certificate issued" sh -c "openssl req -new -newkey ec -pkeyopt \
  ec_paramgen_curve:P-256 -nodes -keyout broker.key -out broker.csr -subj /CN=broker && \
  openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out broker.crt \
  -days 7 -extfile san.ext"
run "subscriber certificate issued" sh -c "openssl req -new -newkey ec -pkeyopt \
  ec_paramgen_curve:P-256 -nodes -keyout sub.key -out sub.csr -subj /CN=subscriber && \
  openssl x509 -req -in sub.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out sub.crt -days 7"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >broker.conf <<CONF
per_listener_settings false
user root
allow_anonymous true
listener $PORT 127.0.0.1
cafile $DEMO/ca.crt
certfile $DEMO/broker.crt
keyfile $DEMO/broker.key
require_certificate true
CONF
mosquitto -c broker.conf >broker.log 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
kill -0 "$BROKER_PID" 2>/dev/null || bad "mosquitto did not start (see $DEMO/broker.log)"
ok "mosquitto (pid $BROKER_PID) listens on 127.0.0.1:$PORT, client certificates required"
mosquitto_sub -h 127.0.0.1 -p "$PORT" --cafile ca.crt --cert sub.crt --key sub.key \
  -t demo/telemetry -C 1 -W 20 >received.txt 2>>demo.log &
SUB_PID=$!
sleep 1
touch "$URI" # mosquitto 2.0.11 also opens --key as a file
run "mosquitto_pub signs the TLS handshake with the token key" \
  env PKCS11_MODULE_PATH="$MOD" OPENSSL_CONF="$DEMO/openssl.cnf" mosquitto_pub -h 127.0.0.1 -p "$PORT" --cafile ca.crt \
  --cert device.crt --tls-engine pkcs11 --keyform engine --key "$URI" -t demo/telemetry \
  -m '{"device":"demo-device-0001","temp":21.5}'
wait "$SUB_PID" 2>/dev/null
SUB_PID=
grep -q demo-device-0001 received.txt || bad "the subscriber did not receive the message"
ok "subscriber received: $(cat received.txt)"

echo "== 6. stopping what the demo started"
stop_all
BROKER_PID=
ok "broker stopped"
echo "== demo finished: the device key never left the token"
