#!/usr/bin/env bash
# OpenSSL with the libp11 engine: a CSR, a signature, and its verification
# with the public key exported from the token.
. "$(dirname "$0")/lib.sh"
init_token ossl
$P11 --token-label ossl --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
  --label dev --id 02 >/dev/null
$P11 --token-label ossl --login --pin $PIN --keypairgen --key-type rsa:2048 \
  --label rdev --id 03 >/dev/null
for key in dev rdev; do
  uri="pkcs11:token=ossl;object=$key;type=private;pin-value=$PIN"
  step "$key: CSR through the engine"
  OPENSSL_CONF=$WORK/openssl.cnf openssl req -new -engine pkcs11 -keyform engine -key "$uri" -subj "/CN=$key" \
    -out "$key.csr" 2>err.txt || { cat err.txt; fail "CSR"; }
  openssl req -verify -in "$key.csr" -noout 2>&1 | grep -q "verify OK" || fail "CSR verify"
  step "$key: sign with the engine, verify with the exported public key"
  head -c 4096 /dev/urandom >data.bin
  OPENSSL_CONF=$WORK/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$uri" -out sig.bin data.bin \
    2>err.txt || { cat err.txt; fail "sign"; }
  $P11 --token-label ossl --read-object --type pubkey --label "$key" -o pub.der >/dev/null
  openssl pkey -pubin -inform DER -in pub.der -out pub.pem
  openssl dgst -sha256 -verify pub.pem -signature sig.bin data.bin \
    | grep -q "Verified OK" || fail "verification"
  { printf x; cat data.bin; } >other.bin
  if openssl dgst -sha256 -verify pub.pem -signature sig.bin other.bin \
       >/dev/null 2>&1; then
    fail "a signature verified over other data"
  fi
done
step "a failed key load exits cleanly (C_Finalize at process exit)"
set +e
OPENSSL_CONF=$WORK/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "pkcs11:token=ossl;object=missing;type=private;pin-value=$PIN" -out x.bin data.bin \
  >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "openssl exited with $rc (a crash is >= 128)"
echo "openssl engine: ok"
