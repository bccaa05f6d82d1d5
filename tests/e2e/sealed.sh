#!/usr/bin/env bash
# A file-store token sealed to a TPM (credtoken init --seal tpm), against
# real swtpm instances: pkcs11-tool and openssl's engine use it without a
# PIN; a copy of the store opens on no other TPM; a changed bound PCR
# refuses it with a clear error while the original boot state opens it;
# a sealed token with a PIN; the CLI's bad inputs.
. "$(dirname "$0")/lib.sh"
use_cli
start_swtpm tpm1
start_swtpm tpm2
export CREDTOKEN_TCTI=$TCTI_tpm1
echo hello >msg

step "init --seal tpm --pcrs sha256:0,7 --no-pin"
ct init --label dev --so-pin-file so.pin --seal tpm --pcrs sha256:0,7 --no-pin >init.txt
expect_in 'initialized token "dev" in slot 0, sealed to the TPM, no user PIN' init.txt
$P11 -T >info.txt
expect_in "file, TPM-sealed" info.txt
expect_in "PIN pad present" info.txt # CKF_PROTECTED_AUTHENTICATION_PATH

step "pkcs11-tool makes and uses a key with no PIN"
$P11 --token-label dev --login --keypairgen --key-type EC:prime256v1 --label k1 --id 01 >/dev/null
$P11 --token-label dev --read-object --type pubkey --label k1 -o k1.der >/dev/null
openssl pkey -pubin -inform DER -in k1.der -out k1.pem
$P11 --token-label dev --login --sign -m ECDSA-SHA256 --signature-format openssl --label k1 \
  -i msg -o sig1 >/dev/null
openssl dgst -sha256 -verify k1.pem -signature sig1 msg >v.txt
expect_in "Verified OK" v.txt

step "openssl through the libp11 engine signs with no PIN in the URI"
OPENSSL_CONF=$WORK/openssl.cnf openssl pkeyutl -engine pkcs11 -keyform engine -sign \
  -inkey "pkcs11:token=dev;object=k1;type=private" -in <(openssl dgst -sha256 -binary msg) \
  -out sig2 2>engine.err || { cat engine.err; fail "engine sign"; }
openssl pkeyutl -verify -pubin -inkey k1.pem -in <(openssl dgst -sha256 -binary msg) \
  -sigfile sig2 >v2.txt
expect_in "Signature Verified Successfully" v2.txt

step "a copy of the store on another TPM opens nothing"
cp -a store store-copy
printf 'store = %s/store-copy\nkdf_target_ms = 2\n' "$WORK" >copy.conf
if CREDTOKEN_CONF=$WORK/copy.conf CREDTOKEN_TCTI=$TCTI_tpm2 $P11 --token-label dev --login \
  --sign -m ECDSA-SHA256 --label k1 -i msg -o sig3 >copy.out 2>&1; then
  fail "the copy signed on another TPM"
fi
cat copy.out
expect_in "CKR_DEVICE_ERROR" copy.out
expect_in "made by another TPM" copy.out
expect_in "cannot be opened: its key, sealed to a TPM and PCRs, did not unseal" copy.out
step "the same copy back on its own TPM opens"
CREDTOKEN_CONF=$WORK/copy.conf $P11 --token-label dev --login --sign -m ECDSA-SHA256 \
  --label k1 -i msg -o sig3 >/dev/null

step "a changed bound PCR refuses to unseal, clearly; another PCR does not matter"
TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_pcrextend 9:sha256=$(printf '%064d' 1)
$P11 --token-label dev --login --sign -m ECDSA-SHA256 --label k1 -i msg -o sig4 >/dev/null
TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_pcrextend 7:sha256=$(printf '%064d' 1)
if $P11 --token-label dev --login --sign -m ECDSA-SHA256 --label k1 -i msg -o sig5 \
  >pcr.out 2>&1; then
  fail "signed after PCR 7 changed"
fi
cat pcr.out
expect_in "a PCR it is bound to has changed" pcr.out
if grep -q "ERROR:esys\|WARNING:esys" pcr.out; then fail "tpm2-tss wrote its own lines"; fi
step "the token was not locked by those refusals"
$P11 -T >info2.txt
if grep -q "locked\|count low" info2.txt; then cat info2.txt; fail "refusals were counted"; fi

step "a sealed token with a PIN: the PIN and the TPM, both"
ct init --label pinned --so-pin-file so.pin --pin-file user.pin --seal tpm >init2.txt
expect_in 'initialized token "pinned" in slot 1, sealed to the TPM' init2.txt
$P11 --token-label pinned --login --pin $PIN --keypairgen --key-type EC:prime256v1 --label k2 \
  --id 02 >/dev/null
if $P11 --token-label pinned --login --pin 9999 --sign -m ECDSA-SHA256 --label k2 -i msg \
  -o s6 >bad.out 2>&1; then fail "a wrong PIN signed"; fi
expect_in "CKR_PIN_INCORRECT" bad.out
if $P11 --token-label pinned --login --sign -m ECDSA-SHA256 --label k2 -i msg -o s6 \
  >nopin.out 2>&1 </dev/null; then fail "signed without the PIN"; fi
cp -a store store-copy2
printf 'store = %s/store-copy2\nkdf_target_ms = 2\n' "$WORK" >copy2.conf
if CREDTOKEN_CONF=$WORK/copy2.conf CREDTOKEN_TCTI=$TCTI_tpm2 $P11 --token-label pinned --login \
  --pin $PIN --sign -m ECDSA-SHA256 --label k2 -i msg -o s7 >copy2.out 2>&1; then
  fail "the right PIN opened a copy on another TPM"
fi
$P11 --token-label pinned --login --pin $PIN --sign -m ECDSA-SHA256 --label k2 -i msg \
  -o s8 >/dev/null

step "bad inputs: one line each, nothing created"
bad() { # bad WHAT ARGS...: must fail with a message containing WHAT
  local what=$1; shift
  if ct init --so-pin-file so.pin "$@" >bad.txt 2>&1; then fail "accepted: $*"; fi
  expect_in "$what" bad.txt
}
bad "only the SHA-256 bank" --label x --seal tpm --pcrs sha1:0
bad "PCRs are numbers 0 to 23" --label x --seal tpm --pcrs sha256:24
bad "PCRs are numbers 0 to 23" --label x --seal tpm --pcrs sha256:0,
bad "need --seal tpm" --label x --no-pin
bad "need --seal tpm" --label x --pcrs sha256:7
bad "--seal takes" --label x --seal tpm2
bad "exclude each other" --label x --seal tpm --no-pin --pin-file user.pin
dead=$(free_port)
if CREDTOKEN_TCTI="swtpm:host=127.0.0.1,port=$dead" ct init --label x --so-pin-file so.pin \
  --seal tpm >dead.txt 2>&1; then fail "sealed without a TPM"; fi
cat dead.txt
expect_in "cannot seal the token to the TPM" dead.txt
$P11 -L >slots.txt
if grep -q "token label *: x *$" slots.txt; then fail "a token was left behind"; fi
expect_in "uninitialized" slots.txt
echo "sealed: ok"
