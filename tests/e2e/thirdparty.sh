#!/usr/bin/env bash
# Third-party checks: pkcs11-tool's thread and fork tests, and p11tool
# listing every object and exporting each certificate and public key (the
# exports must equal what was stored).
. "$(dirname "$0")/lib.sh"
init_token third
make_ca ca
token_cert third dev 0b ca
$P11 --token-label third --login --pin $PIN --keypairgen --key-type rsa:2048 --label rsa \
  --id 0c >/dev/null
printf 'opaque configuration\n' >data.bin
$P11 --token-label third --login --pin $PIN --write-object data.bin --type data --label cfg \
  >/dev/null

step "pkcs11-tool --test-threads (two threads: initialize with locking, info, slots, token)"
$P11 --test-threads ILGISLT0 --test-threads ILGISLT0 -L >threads.txt 2>&1
expect_in "all threads have ended with CKR_OK" threads.txt

step "pkcs11-tool --test-fork"
$P11 --token-label third --test-fork >fork.txt 2>&1 || { cat fork.txt; fail "--test-fork"; }

step "p11tool --list-all, without and with login"
p11tool --provider "$MOD" --list-all "pkcs11:token=third" >pub.txt 2>&1
expect_in "Type: X.509 Certificate" pub.txt
expect_in "Type: Public key (EC/ECDSA-SECP256R1)" pub.txt
expect_in "Type: Public key (RSA-2048)" pub.txt
if grep -q "Type: Private key" pub.txt; then fail "private keys listed without login"; fi
GNUTLS_PIN=$PIN p11tool --provider "$MOD" --login --list-all "pkcs11:token=third" >all.txt 2>&1
expect_in "Type: Private key (EC/ECDSA-SECP256R1)" all.txt
expect_in "Type: Private key (RSA-2048)" all.txt

step "p11tool --export of every certificate and public key"
n=0
grep -oE "pkcs11:[^ ]*type=(cert|public)" pub.txt | sort -u >urls.txt
while read -r url; do
  n=$((n + 1))
  p11tool --provider "$MOD" --export "$url" >"export.$n.pem" 2>err.txt || { cat err.txt; fail "export $url"; }
  case "$url" in
  *type=cert)
    openssl x509 -in "export.$n.pem" -outform DER | cmp - dev.der || fail "exported certificate differs" ;;
  *type=public)
    openssl pkey -pubin -in "export.$n.pem" -noout || fail "exported public key does not parse" ;;
  esac
done <urls.txt
[ "$n" -eq 3 ] || fail "expected 3 exportable objects, found $n"
echo "third-party: ok ($n objects exported)"
