#!/usr/bin/env bash
# A token of the TPM backend (credtoken init --backend tpm) against real
# swtpm instances: pkcs11-tool makes P-256 and P-384 keys inside the TPM and
# signs with them; openssl verifies; pkcs11-tool and PyKCS11 import
# openssl's keys into the TPM (tpm_import.py); the PKCS#11 answers
# (tpm_checks.py);
# openssl's engine signs; 1,000 keys on a direct swtpm connection with
# nothing left loaded; processes sharing the TPM, directly and through
# tpm2-abrmd; a copy of the store on
# another TPM opens nothing; wrong PINs never touch the TPM's dictionary-
# attack counter, and a TPM in lockout still serves the token; the CLI's
# bad inputs.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
use_cli
start_swtpm tpm1
start_swtpm tpm2
export CREDTOKEN_TCTI=$TCTI_tpm1
loaded() { TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_getcap handles-transient | grep -c 0x || true; }
echo "signed inside the TPM" >msg
# spki ID: the public key's CKA_PUBLIC_KEY_INFO, DER (pkcs11-tool 0.23
# cannot read a P-384 public key out of any token).
spki() {
  /usr/bin/python3 -c '
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_ID, bytes.fromhex(sys.argv[2]))])
sys.stdout.buffer.write(bytes(s.getAttributeValue(k[0], [PyKCS11.CKA_PUBLIC_KEY_INFO], allAsBinary=True)[0]))
' "$MOD" "$1"
}

step "init --backend tpm"
ct init --label dev --so-pin-file so.pin --pin-file user.pin --backend tpm >init.txt
expect_in 'initialized token "dev" in slot 0, TPM backend (keys inside the TPM)' init.txt
$P11 -T >info.txt
expect_in "TPM 2.0" info.txt
$P11 --token-label dev -M >mechs.txt
expect_in "ECDSA-KEY-PAIR-GEN, keySize={256,384}, hw" mechs.txt
expect_in "RSA-PKCS-KEY-PAIR-GEN, keySize={2048,3072}, hw" mechs.txt
if grep -q "AES\|EDDSA\|ECDH" mechs.txt; then cat mechs.txt; fail "software mechanisms on a TPM token"; fi

step "pkcs11-tool makes P-256, P-384 and RSA-2048 keys in the TPM; openssl verifies their signatures and encrypts to it"
for k in "01 EC:prime256v1 sha256" "02 EC:secp384r1 sha384"; do
  set -- $k
  $P11 --token-label dev --login --pin $PIN --keypairgen --key-type "$2" --label "k$1" \
    --id "$1" >gen$1.txt
  expect_in "never extractable" gen$1.txt
  spki "$1" >k$1.der
  openssl pkey -pubin -inform DER -in k$1.der -out k$1.pem
  mech=ECDSA-$(echo "$3" | tr a-z A-Z)
  # pkcs11-tool 0.23 picks the key for --sign by --id only.
  for i in 1 2 3; do
    $P11 --token-label dev --login --pin $PIN --sign -m "$mech" --signature-format openssl \
      --id "$1" -i msg -o sig$1 2>/dev/null
    openssl dgst -"$3" -verify k$1.pem -signature sig$1 msg >v.txt
    expect_in "Verified OK" v.txt
  done
done
$P11 --token-label dev --login --pin $PIN --sign -m ECDSA-SHA1 --signature-format openssl \
  --id 01 -i msg -o sig1 2>/dev/null
openssl dgst -sha1 -verify k01.pem -signature sig1 msg >v.txt
expect_in "Verified OK" v.txt
$P11 --token-label dev --login --pin $PIN --keypairgen --key-type rsa:2048 --label r03 --id 03 \
  >gen03.txt
expect_in "never extractable" gen03.txt
spki 03 >r03.der
openssl pkey -pubin -inform DER -in r03.der -out r03.pem
$P11 --token-label dev --login --pin $PIN --sign -m SHA256-RSA-PKCS --id 03 -i msg -o rsig 2>/dev/null
openssl dgst -sha256 -verify r03.pem -signature rsig msg >v.txt
expect_in "Verified OK" v.txt
$P11 --token-label dev --login --pin $PIN --sign -m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 \
  --salt-len 32 --id 03 -i msg -o psig 2>/dev/null
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify r03.pem \
  -signature psig msg >v.txt
expect_in "Verified OK" v.txt
# (OAEP is in tpm_checks.py: pkcs11-tool 0.23 passes an OAEP source of 0,
# which the spec does not define and credtoken refuses.)
openssl pkeyutl -encrypt -pubin -inkey r03.pem -pkeyopt rsa_padding_mode:pkcs1 -in msg \
  -out msg.enc
$P11 --token-label dev --login --pin $PIN --decrypt -m RSA-PKCS --id 03 -i msg.enc -o msg.dec \
  2>/dev/null
cmp msg msg.dec || fail "PKCS#1 v1.5 decryption in the TPM"
if $P11 --token-label dev --login --pin $PIN --read-object --type privkey --id 01 -o p.der \
  >/dev/null 2>&1 && [ -s p.der ]; then fail "a private key was read out"; fi
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"

step "pkcs11-tool imports openssl's EC and RSA keys into the TPM (TPM2_Import); they sign; nothing reads them back"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out imp21.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out imp22.pem 2>/dev/null
for k in "21 ECDSA-SHA256" "22 SHA256-RSA-PKCS"; do
  set -- $k
  openssl pkey -in imp$1.pem -pubout -out imp$1.pub
  $P11 --token-label dev --login --pin $PIN --write-object imp$1.pem --type privkey --id "$1" \
    --label "imp$1" >w$1.txt 2>&1 || { cat w$1.txt; fail "pkcs11-tool --write-object imp$1"; }
  expect_in "Access:     sensitive" w$1.txt
  $P11 --token-label dev --login --pin $PIN --sign -m "$2" --signature-format openssl --id "$1" \
    -i msg -o isig$1 2>/dev/null
  openssl dgst -sha256 -verify imp$1.pub -signature isig$1 msg >v.txt
  expect_in "Verified OK" v.txt
  if $P11 --token-label dev --login --pin $PIN --read-object --type privkey --id "$1" -o p.der \
    >/dev/null 2>&1 && [ -s p.der ]; then fail "an imported private key was read out"; fi
done
# (That the blob loads on this TPM only is unit_tpm's test_ec_keys_imported.)
/usr/bin/python3 "$HERE/tpm_import.py" "$MOD" dev $PIN >import.txt 2>&1 ||
  { cat import.txt; fail "tpm_import.py"; }
tail -n 1 import.txt
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"

step "the PKCS#11 answers of a TPM token (PyKCS11)"
/usr/bin/python3 "$HERE/tpm_checks.py" "$MOD" dev $PIN >checks.txt 2>&1 ||
  { cat checks.txt; fail "tpm_checks.py"; }
cat checks.txt

step "openssl through the libp11 engine signs with the TPM keys (EC, RSA)"
OPENSSL_CONF=$WORK/openssl.cnf openssl pkeyutl -engine pkcs11 -keyform engine -sign \
  -inkey "pkcs11:token=dev;object=k01;type=private;pin-value=$PIN" \
  -in <(openssl dgst -sha256 -binary msg) -out sig3 2>engine.err || { cat engine.err; fail "engine"; }
openssl pkeyutl -verify -pubin -inkey k01.pem -in <(openssl dgst -sha256 -binary msg) \
  -sigfile sig3 >v3.txt
expect_in "Signature Verified Successfully" v3.txt
OPENSSL_CONF=$WORK/openssl.cnf openssl pkeyutl -engine pkcs11 -keyform engine -sign \
  -inkey "pkcs11:token=dev;object=r03;type=private;pin-value=$PIN" -pkeyopt digest:sha256 \
  -in <(openssl dgst -sha256 -binary msg) -out rsig3 2>engine.err || { cat engine.err; fail "engine RSA"; }
openssl pkeyutl -verify -pubin -inkey r03.pem -pkeyopt digest:sha256 \
  -in <(openssl dgst -sha256 -binary msg) -sigfile rsig3 >v4.txt
expect_in "Signature Verified Successfully" v4.txt

step "1,000 keys on a direct swtpm connection (3 object slots), nothing left loaded"
/usr/bin/python3 "$HERE/tpm_many.py" "$MOD" dev $PIN 1000 >many.txt 2>&1 ||
  { cat many.txt; fail "tpm_many.py"; }
cat many.txt
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"

step "four processes sign at once through one direct connection, serialized"
for p in 1 2 3 4; do
  (for i in 1 2 3 4 5; do
     $P11 --token-label dev --login --pin $PIN --sign -m ECDSA-SHA256 --id 01 -i msg \
       -o par$p.$i >/dev/null 2>&1 || exit 1
   done) &
  pids[$p]=$!
done
for p in 1 2 3 4; do wait "${pids[$p]}" || fail "process $p failed to sign"; done
for f in par*; do
  $P11 --token-label dev --verify -m ECDSA-SHA256 --id 01 -i msg --signature-file "$f" \
    >/dev/null 2>&1 || fail "$f does not verify"
done
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"

step "through tpm2-abrmd (a resource manager, on a private D-Bus): four processes sign at once"
rm -f par*
cat >abrmd.sh <<ABRMD
set -e
tpm2-abrmd --session --allow-root --tcti=$TCTI_tpm1 --flush-all & ab=\$!
trap 'kill \$ab 2>/dev/null; wait \$ab 2>/dev/null || true' EXIT
export TPM2TOOLS_TCTI=tabrmd:bus_type=session CREDTOKEN_TCTI=tabrmd:bus_type=session
for _ in \$(seq 50); do tpm2_getcap properties-fixed >/dev/null 2>&1 && break; sleep 0.1; done
for p in 1 2 3 4; do
  (for i in 1 2 3 4 5; do
     $P11 --token-label dev --login --pin $PIN --sign -m ECDSA-SHA256 --id 01 -i msg \
       --signature-format openssl -o par\$p.\$i >/dev/null 2>&1 || exit 1
   done) & pids[\$p]=\$!
done
for p in 1 2 3 4; do wait "\${pids[\$p]}"; done
echo "20 signatures through tpm2-abrmd"
ABRMD
dbus-run-session -- bash abrmd.sh >abrmd.out 2>&1 || { cat abrmd.out; fail "signing through tpm2-abrmd"; }
cat abrmd.out
[ "$(ls par* | wc -l)" = 20 ] || fail "not 20 signatures"
for f in par*; do
  openssl dgst -sha256 -verify k01.pem -signature "$f" msg >/dev/null || fail "$f does not verify"
done
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"

step "a copy of the store on another TPM opens nothing"
cp -a store store-copy
printf 'store = %s/store-copy\nkdf_target_ms = 2\n' "$WORK" >copy.conf
if CREDTOKEN_CONF=$WORK/copy.conf CREDTOKEN_TCTI=$TCTI_tpm2 $P11 --token-label dev --login \
  --pin $PIN --sign -m ECDSA-SHA256 --id 01 -i msg -o sig4 >copy.out 2>&1; then
  fail "the copy signed on another TPM"
fi
expect_in "made by another TPM" copy.out
CREDTOKEN_CONF=$WORK/copy.conf $P11 --token-label dev --login --pin $PIN --sign \
  -m ECDSA-SHA256 --id 01 -i msg -o sig4 >/dev/null

step "no TPM: a clear error, nothing hangs"
dead=$(free_port)
if CREDTOKEN_TCTI=swtpm:host=127.0.0.1,port=$dead timeout 20 $P11 --token-label dev --login \
  --pin $PIN --sign -m ECDSA-SHA256 --id 01 -i msg -o sig5 >dead.out 2>&1; then
  fail "signed without a TPM"
fi
expect_in "cannot be loaded or reached" dead.out

step "the TPM's dictionary-attack lockout: our wrong PINs never count; another program's lockout does not stop us"
da() { TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_getcap properties-variable | grep -E "$1" | grep -oE "[0-9a-fx]+$"; }
[ "$(da TPM2_PT_LOCKOUT_COUNTER)" = 0x0 ] || fail "the TPM's DA counter moved before the test"
for i in 1 2 3 4; do
  if $P11 --token-label dev --login --pin 9999 --sign -m ECDSA-SHA256 --id 01 -i msg -o x \
    >wrong.out 2>&1; then fail "a wrong PIN signed"; fi
  expect_in CKR_PIN_INCORRECT wrong.out
done
[ "$(da TPM2_PT_LOCKOUT_COUNTER)" = 0x0 ] || fail "a wrong PIN counted against the TPM"
# Another program's DA-protected key, and wrong passwords until the TPM locks out.
export TPM2TOOLS_TCTI=$TCTI_tpm1
tpm2_createprimary -C o -c other-p.ctx >/dev/null
tpm2_flushcontext -t
tpm2_create -C other-p.ctx -G ecc -p right -u other.pub -r other.priv >/dev/null
tpm2_flushcontext -t
tpm2_load -C other-p.ctx -u other.pub -r other.priv -c other.ctx >/dev/null
tpm2_flushcontext -t
for i in $(seq "$(($(da TPM2_PT_MAX_AUTH_FAIL) + 1))"); do
  tpm2_sign -c other.ctx -p wrong -g sha256 -o /dev/null msg >/dev/null 2>&1 || true
  tpm2_flushcontext -t
done
unset TPM2TOOLS_TCTI
[ "$(da inLockout)" = 1 ] || fail "the TPM did not lock out"
$P11 --token-label dev --login --pin $PIN --sign -m ECDSA-SHA256 --id 01 -i msg -o lk.sig \
  >/dev/null 2>&1 || fail "a TPM in lockout stopped a token whose keys are noDA"
$P11 --token-label dev --verify -m ECDSA-SHA256 --id 01 -i msg --signature-file lk.sig \
  >/dev/null 2>&1 || fail "the signature made in lockout does not verify"

step "CLI: bad inputs"
if ct init --label x --so-pin-file so.pin --backend tpm2 >bad.out 2>&1; then fail "tpm2"; fi
expect_in 'init: --backend takes "file" or "tpm", not "tpm2"' bad.out
echo "tpm_backend: ok"
