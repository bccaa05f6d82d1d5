#!/usr/bin/env bash
# curl with mutual TLS against `openssl s_server -Verify`, the client key
# in the token.
. "$(dirname "$0")/lib.sh"
init_token web
make_ca ca
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
file_cert ca server san.ext
token_cert web client 05 ca
port=$(free_port)
step "openssl s_server -Verify on 127.0.0.1:$port"
openssl s_server -accept "127.0.0.1:$port" -cert server.crt -key server.key \
  -CAfile ca.crt -Verify 1 -verify_return_error -www >server.log 2>&1 &
PIDS+=($!)
wait_port "$port"
step "curl with the token key"
OPENSSL_CONF=$WORK/openssl.cnf curl -sS --fail --cacert ca.crt --cert client.crt --engine pkcs11 --key-type ENG \
  --key "pkcs11:token=web;object=client;type=private;pin-value=$PIN" \
  "https://127.0.0.1:$port/" >page.html 2>curl.err || { cat curl.err server.log; fail "curl"; }
expect_in "Client certificate" page.html
expect_in "Subject: CN=client" page.html
step "without the client key the server refuses"
if curl -sS --fail --cacert ca.crt "https://127.0.0.1:$port/" >/dev/null 2>&1; then
  fail "the server accepted a client without a certificate"
fi
echo "curl: ok"
