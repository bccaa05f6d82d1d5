#!/usr/bin/env bash
# Credential sets of the TPM backend (credtoken set create --backend tpm) on
# a real swtpm: an x509 set's EC key and a Google service account's RSA key
# are imported into the TPM (TPM2_Import) and sign there (the libp11
# engine, credtoken jwt; openssl verifies against the certificate and the
# key file), an IoT Hub key becomes a TPM HMAC key whose SAS is openssl's
# from the raw key, an AWS secret signs AWS's SigV4 example with its first
# HMAC in the TPM, no private value can be read back, an update puts the
# new key into the TPM too, and what the TPM cannot serve is refused with
# one line.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
use_cli
start_swtpm tpm1
export CREDTOKEN_TCTI=$TCTI_tpm1
create() { # create ID FILE [flags...]
  local id=$1 file=$2; shift 2
  ct set create "$id" --from "$file" --so-pin-file so.pin --pin-file user.pin --backend tpm "$@"
}
loaded() { TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_getcap handles-transient | grep -c 0x || true; }
echo "signed in the TPM for a credential set" >msg.txt

step "material: a CA, a device key (P-256) and certificate, a service account's RSA key"
make_ca ca
file_cert ca dev
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl pkey -in rsa.key -pubout -out rsa.pub
cat >x509.json <<JSON
{"type":"x509","credentials":{"key":$(json_str dev.key),"cert":$(json_str dev.crt),"ca":$(json_str ca.crt)}}
JSON
sa_body rsa.key >sa.json
cat >gcpiot.json <<JSON
{"type":"googleIoT-credentials","credentials":{"projectId":"p","region":"europe-west1","registryId":"r",
 "deviceId":"d","algorithm":"ES256","privateKey":$(json_str dev.key)}}
JSON
cat >hub.json <<'JSON'
{"type":"azureIoT-credentials","credentials":{"sharedAccessKeyName":"iothubowner","sharedAccessKey":"c2VjcmV0LWtleQ=="}}
JSON

step "x509, google-service-account-json, azureIoT and googleIoT sets created with their keys in the TPM"
create tpm-x509 x509.json >c1.txt
expect_in 'created set "tpm-x509" in slot 0, TPM backend (keys inside the TPM)' c1.txt
create tpm-sa sa.json >/dev/null
create tpm-hub hub.json >/dev/null
create tpm-gcpiot gcpiot.json >/dev/null
$P11 -L >slots.txt
[ "$(grep -c "TPM 2.0" slots.txt)" = 4 ] || { cat slots.txt; fail "the sets are not TPM tokens"; }
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"

step "the x509 set's key signs in the TPM (libp11 engine); openssl verifies with the certificate"
engine_signs tpm-x509 dev.crt sig.bin

step "jwt: RS256 signed in the TPM with the service account's key; openssl verifies"
ct jwt --set tpm-sa --aud https://oauth2.googleapis.com/token \
  --scope https://www.googleapis.com/auth/cloud-platform --pin-file user.pin >jwt.txt
jwt_verify jwt.txt rsa.pub

step "azure-sas: HMAC in the TPM, identical to openssl's from the raw key"
URI=myhub.azure-devices.net/devices/dev1
ct azure-sas --set tpm-hub --resource "$URI" --expiry 1700000000 --pin-file user.pin >sas.txt
sas_expect "$(printf 'secret-key' | od -An -tx1 | tr -d ' \n')" "$URI" 1700000000 iothubowner >want.txt
diff sas.txt want.txt || fail "the SAS from the TPM differs from openssl's"

step "aws-sigv4: the TPM computes kDate from \"AWS4\" || secret; AWS's published example (get-vanilla)"
sigv4_vanilla tpm-aws
# The key serves SigV4 only: a plain HMAC with it is refused.
PYTHONPATH=$HERE /usr/bin/python3 - "$MOD" <<'PY'
import sys
import PyKCS11
from p11checks import token
lib, slot = token(sys.argv[1], "tpm-aws")
s = lib.openSession(slot)
s.login("1234")
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY)])[0]
try:
    s.sign(k, b"x", PyKCS11.Mechanism(PyKCS11.CKM_SHA256_HMAC))
    raise SystemExit("a SigV4 key served a plain HMAC")
except PyKCS11.PyKCS11Error as e:
    assert e.value == PyKCS11.CKR_MECHANISM_INVALID, e
print("CKM_SHA256_HMAC with the SigV4 key -> CKR_MECHANISM_INVALID")
PY

step "no private value of a TPM set can be read back"
/usr/bin/python3 - "$MOD" <<'PY'
import sys
import PyKCS11
from PyKCS11.LowLevel import ckattrlist
TPM_KEY = PyKCS11.CKA_VENDOR_DEFINED | 0x43540000 | 0x06
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
n = 0
for slot in lib.getSlotList(tokenPresent=True):
    if not lib.getTokenInfo(slot).label.startswith("tpm-"):
        continue  # the free slot
    s = lib.openSession(slot)
    s.login("1234")
    for cls in (PyKCS11.CKO_PRIVATE_KEY, PyKCS11.CKO_SECRET_KEY):
        for k in s.findObjects([(PyKCS11.CKA_CLASS, cls)]):
            for attr in (PyKCS11.CKA_VALUE, PyKCS11.CKA_PRIVATE_EXPONENT, PyKCS11.CKA_PRIME_1,
                         TPM_KEY):
                t = ckattrlist(1)
                t[0].SetType(attr)
                rv = lib.lib.C_GetAttributeValue(s.session, k, t)
                assert rv in (PyKCS11.CKR_ATTRIBUTE_SENSITIVE,
                              PyKCS11.CKR_ATTRIBUTE_TYPE_INVALID), (slot, cls, hex(attr), rv)
                n += rv == PyKCS11.CKR_ATTRIBUTE_SENSITIVE
            assert s.getAttributeValue(k, [PyKCS11.CKA_LOCAL, PyKCS11.CKA_ALWAYS_SENSITIVE]) == \
                [False, False]
    s.logout()
assert n >= 11, n  # EC (twice): VALUE, blob; RSA: d, p, blob; HMAC (twice): VALUE, blob
print(f"{n} private attributes answer CKR_ATTRIBUTE_SENSITIVE")
PY
if $P11 --token-label tpm-x509 --login --pin $PIN --read-object --type privkey --label device \
  -o p.der >/dev/null 2>&1 && [ -s p.der ]; then fail "a set's private key was read out"; fi

step "set update: the rotated key goes into the TPM too"
file_cert ca dev2
cat >x509b.json <<JSON
{"type":"x509","credentials":{"key":$(json_str dev2.key),"cert":$(json_str dev2.crt),"ca":$(json_str ca.crt)}}
JSON
ct set update tpm-x509 --from x509b.json --pin-file user.pin >/dev/null
engine_signs tpm-x509 dev2.crt sig2.bin
PYTHONPATH=$HERE /usr/bin/python3 - "$MOD" <<'PY'
import sys
import PyKCS11
from p11checks import CKA_CREDTOKEN_TPM_KEY, token
lib, slot = token(sys.argv[1], "tpm-x509")
s = lib.openSession(slot)
s.login("1234")
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)])[0]
# The updated key is held by the TPM: it has a blob (hidden) and no value.
assert s.getAttributeValue(k, [CKA_CREDTOKEN_TPM_KEY, PyKCS11.CKA_VALUE],
                           allAsBinary=True) == [None, None]
PY

step "what the TPM cannot serve is refused with one line, and no set is left"
openssl genpkey -algorithm ED25519 -out ed.key 2>/dev/null
openssl req -new -key ed.key -subj /CN=ed -out ed.csr 2>/dev/null
issue ca ed.csr ed.crt
cat >ed.json <<JSON
{"type":"x509","credentials":{"key":$(json_str ed.key),"cert":$(json_str ed.crt),"ca":$(json_str ca.crt)}}
JSON
cat >psk.json <<'JSON'
{"type":"psk","credentials":{"key":"c2hhcmVkLWtleS0xMjM0NTY="}}
JSON
refused() { # refused ID FILE NEEDLE [flags...]
  local id=$1 file=$2 needle=$3; shift 3
  if create "$id" "$file" "$@" >out.txt 2>&1; then cat out.txt; fail "$id was created"; fi
  expect_in "$needle" out.txt
  [ "$(wc -l <out.txt)" = 1 ] || { cat out.txt; fail "$id: more than one line"; }
  if ct set list | grep -q "$id"; then fail "$id was left behind"; fi
}
refused bad-ed ed.json 'the TPM cannot hold the set'"'"'s object 1, "device": the TPM keeps EC and RSA private keys only'
refused bad-psk psk.json "cannot be exportable" --exportable
if ct set create bad-backend --from psk.json --so-pin-file so.pin --pin-file user.pin \
  --backend disk >out.txt 2>&1; then fail "--backend disk accepted"; fi
expect_in '--backend takes "file" or "tpm"' out.txt
[ "$(loaded)" = 0 ] || fail "objects left loaded in the TPM"
echo "tpm_sets: ok"
