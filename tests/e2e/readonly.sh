#!/usr/bin/env bash
# A store on read-only media still lists objects and signs. The media is a
# tmpfs remounted read-only inside a private mount namespace.
if [ -z "${CT_IN_NS:-}" ]; then
  exec unshare --mount --propagation private env CT_IN_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/media"
mount -t tmpfs -o size=16m,mode=0700 tmpfs "$WORK/media"
printf 'store = %s/media/store\nkdf_target_ms = 2\n' "$WORK" >"$CREDTOKEN_CONF"
init_token ro
$P11 --token-label ro --login --pin $PIN --keypairgen --key-type EC:prime256v1 --label dev \
  --id 09 >/dev/null
$P11 --token-label ro --read-object --type pubkey --label dev -o pub.der >/dev/null
openssl pkey -pubin -inform DER -in pub.der -out pub.pem
mount -o remount,ro "$WORK/media"
touch "$WORK/media/probe" 2>/dev/null && fail "the media is still writable"

step "objects are listed, with and without login"
$P11 --token-label ro --list-objects >pub.txt
expect_in "Public Key Object; EC" pub.txt
$P11 --token-label ro --login --pin $PIN --list-objects >all.txt
expect_in "Private Key Object; EC" all.txt
/usr/bin/python3 - "$MOD" <<'PY'
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
slot = [s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip() == "ro"][0]
assert lib.getTokenInfo(slot).flags & PyKCS11.CKF_WRITE_PROTECTED, "CKF_WRITE_PROTECTED not set"
try:
    lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    raise SystemExit("a read/write session opened on read-only media")
except PyKCS11.PyKCS11Error as e:
    assert e.value == PyKCS11.CKR_TOKEN_WRITE_PROTECTED, e
print("CKF_WRITE_PROTECTED set; R/W sessions refused with CKR_TOKEN_WRITE_PROTECTED")
PY

step "signing with the token key works"
printf 'read-only store\n' >data.bin
OPENSSL_CONF=$WORK/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "pkcs11:token=ro;object=dev;type=private;pin-value=$PIN" -out sig.bin data.bin \
  2>err.txt || { cat err.txt; fail "signing on read-only media"; }
openssl dgst -sha256 -verify pub.pem -signature sig.bin data.bin | grep -q "Verified OK" \
  || fail "signature does not verify"

step "nothing can be written"
if $P11 --token-label ro --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
     --label new >gen.txt 2>&1; then
  fail "a key was generated on read-only media"
fi
umount "$WORK/media"
echo "read-only media: ok"
