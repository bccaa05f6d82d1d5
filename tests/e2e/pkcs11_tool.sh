#!/usr/bin/env bash
# Provisioning with pkcs11-tool, and its own self-test.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
step "init token and user PIN"
init_token e2e
$P11 --list-token-slots >slots.txt
expect_in "token label        : e2e" slots.txt
expect_in "PIN initialized" slots.txt

step "EC P-256 key pair in the token, certificate written next to it"
make_ca ca
token_cert e2e device 01 ca
$P11 --token-label e2e --list-objects >pub.txt
expect_in "Certificate Object" pub.txt
expect_in "Public Key Object; EC" pub.txt
if grep -q "Private Key Object" pub.txt; then fail "private key listed without login"; fi
$P11 --token-label e2e --login --pin $PIN --list-objects >all.txt
expect_in "Private Key Object; EC" all.txt
expect_in "label:      device" all.txt

step "the private key value cannot be read (PyKCS11: CKR_ATTRIBUTE_SENSITIVE)"
/usr/bin/python3 "$here/read_sensitive.py" "$MOD" e2e $PIN

step "pkcs11-tool --test --login (with an RSA key, which its signature and decryption tests need)"
$P11 --token-label e2e --login --pin $PIN --keypairgen --key-type rsa:2048 --label rsa --id 02 \
  >/dev/null
$P11 --token-label e2e --login --pin $PIN --test >test.txt 2>&1 || { cat test.txt; fail "self-test failed"; }
cat test.txt
expect_in "No errors" test.txt
echo "pkcs11-tool: ok"
