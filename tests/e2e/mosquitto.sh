#!/usr/bin/env bash
# Mutual-TLS MQTT with the client key in the token, against a broker on
# 127.0.0.1 that requires client certificates.
. "$(dirname "$0")/lib.sh"
init_token mqtt
make_ca ca
make_ca foreign
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
file_cert ca broker san.ext
file_cert ca listener
file_cert foreign intruder
token_cert mqtt device 04 ca
port=$(free_port)
cat >broker.conf <<CONF
per_listener_settings false
user root
allow_anonymous true
listener $port 127.0.0.1
cafile $WORK/ca.crt
certfile $WORK/broker.crt
keyfile $WORK/broker.key
require_certificate true
CONF
step "broker on 127.0.0.1:$port"
mosquitto -c broker.conf >broker.log 2>&1 &
PIDS+=($!)
wait_port "$port"
mosquitto_sub -h 127.0.0.1 -p "$port" --cafile ca.crt --cert listener.crt --key listener.key \
  -t credtoken/test -C 1 -W 20 >received.txt 2>sub.err &
sub=$!
PIDS+=($sub)
sleep 1
uri="pkcs11:token=mqtt;object=device;type=private;pin-value=$PIN"
# mosquitto 2.0.11 also opens the key argument as a file: give it one.
touch "$uri"
step "publish with the token key"
PKCS11_MODULE_PATH=$MOD OPENSSL_CONF=$WORK/openssl.cnf mosquitto_pub -h 127.0.0.1 -p "$port" --cafile ca.crt --cert device.crt --tls-engine pkcs11 \
  --keyform engine --key "$uri" -t credtoken/test -m "hello from the token" 2>pub.err \
  || { cat pub.err broker.log; fail "publish"; }
wait "$sub" || { cat sub.err; fail "subscriber"; }
expect_in "hello from the token" received.txt
step "a client from a foreign CA is refused"
if mosquitto_pub -h 127.0.0.1 -p "$port" --cafile ca.crt --cert intruder.crt \
     --key intruder.key -t credtoken/test -m intruder 2>intruder.err; then
  fail "the broker accepted a foreign certificate"
fi
echo "mosquitto: ok"
