#!/usr/bin/python3
"""tpm_checks.py MODULE LABEL PIN: with PyKCS11, the PKCS#11 answers of a
token of the TPM backend: its mechanism list is what the TPM does, its
keys are made in the TPM (or, for HMAC keys, imported into it) and sign
there, and a private or secret key cannot be read, wrapped or made
extractable in any form. Imported key pairs: tpm_import.py."""
import hashlib
import hmac
import sys

import PyKCS11
from PyKCS11 import (CKA_CLASS, CKA_EC_PARAMS, CKA_EXTRACTABLE, CKA_ID, CKA_KEY_TYPE,
                     CKA_LABEL, CKA_PRIVATE, CKA_SENSITIVE, CKA_SIGN, CKA_TOKEN, CKA_VALUE, CKA_VERIFY,
                     CKA_VALUE_LEN, CKK_AES, CKK_EC, CKM_AES_KEY_GEN, CKM_ECDSA,
                     CKM_ECDSA_SHA256, CKM_EC_KEY_PAIR_GEN, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
                     CKO_SECRET_KEY, Mechanism)
from PyKCS11.LowLevel import ckattrlist

from p11checks import CKA_CREDTOKEN_TPM_KEY, Checks, call_rv, token

P256 = bytes.fromhex("06082a8648ce3d030107")
module, label, pin = sys.argv[1:4]
lib, slot = token(module, label)
ck = Checks()
expect = ck.expect

# The mechanism list: what the TPM does, nothing in software.
mechs = set(lib.getMechanismList(slot))
for m in ("CKM_EC_KEY_PAIR_GEN", "CKM_ECDSA", "CKM_ECDSA_SHA256", "CKM_ECDSA_SHA384",
          "CKM_GENERIC_SECRET_KEY_GEN", "CKM_SHA256_HMAC", "CKM_SHA384_HMAC",
          "CKM_RSA_PKCS_KEY_PAIR_GEN", "CKM_SHA256_RSA_PKCS", "CKM_SHA256_RSA_PKCS_PSS",
          "CKM_RSA_PKCS_OAEP"):
    assert m in mechs, f"{m} missing from {sorted(mechs)}"
for m in ("CKM_AES_KEY_GEN", "CKM_AES_GCM", "CKM_ECDH1_DERIVE",
          "CKM_EC_EDWARDS_KEY_PAIR_GEN", "CKM_AES_KEY_WRAP", "CKM_SHA224_HMAC", "CKM_HKDF_DERIVE"):
    assert m not in mechs, f"{m} listed on a TPM token"
info = lib.getMechanismInfo(slot, "CKM_EC_KEY_PAIR_GEN")
assert (info.ulMinKeySize, info.ulMaxKeySize) == (256, 384), info
assert "CKF_HW" in info.flags2text(), info
expect("C_GetMechanismInfo(CKM_AES_GCM)",
       call_rv(lib.getMechanismInfo, slot, "CKM_AES_GCM"), PyKCS11.CKR_MECHANISM_INVALID)

s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
s.login(pin)
pubt = [(CKA_TOKEN, True), (CKA_EC_PARAMS, P256), (CKA_LABEL, "py"), (CKA_ID, b"\x77")]
privt = [(CKA_TOKEN, True), (CKA_PRIVATE, True), (CKA_SIGN, True), (CKA_LABEL, "py"),
         (CKA_ID, b"\x77")]
ecgen = Mechanism(CKM_EC_KEY_PAIR_GEN)

# Keys that could leave the TPM are refused, not silently made.
expect("C_GenerateKeyPair(CKA_EXTRACTABLE true)",
       call_rv(s.generateKeyPair, pubt, privt + [(CKA_EXTRACTABLE, True)], ecgen),
       PyKCS11.CKR_TEMPLATE_INCONSISTENT)
expect("C_GenerateKeyPair(CKA_SENSITIVE false)",
       call_rv(s.generateKeyPair, pubt, privt + [(CKA_SENSITIVE, False)], ecgen),
       PyKCS11.CKR_TEMPLATE_INCONSISTENT)
expect("C_GenerateKeyPair(CKA_CREDTOKEN_TPM_KEY given)",
       call_rv(s.generateKeyPair, pubt, privt + [(CKA_CREDTOKEN_TPM_KEY, b"x" * 80)], ecgen),
       PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
expect("C_GenerateKey(CKM_AES_KEY_GEN)",
       call_rv(s.generateKey, [(CKA_CLASS, CKO_SECRET_KEY), (CKA_KEY_TYPE, CKK_AES),
                               (CKA_VALUE_LEN, 16)], Mechanism(CKM_AES_KEY_GEN)),
       PyKCS11.CKR_MECHANISM_INVALID)

pub, priv = s.generateKeyPair(pubt, privt, ecgen)
# Nothing of the private key can be read: not the value (there is none on
# the host), not the TPM's blob.
for attr, name in ((CKA_VALUE, "CKA_VALUE"), (CKA_CREDTOKEN_TPM_KEY, "CKA_CREDTOKEN_TPM_KEY")):
    tmpl = ckattrlist(1)
    tmpl[0].SetType(attr)
    rv = lib.lib.C_GetAttributeValue(s.session, priv, tmpl)
    expect(f"C_GetAttributeValue({name})", rv, PyKCS11.CKR_ATTRIBUTE_SENSITIVE)
    # PyKCS11 answers None where ulValueLen is CK_UNAVAILABLE_INFORMATION.
    assert s.getAttributeValue(priv, [attr], allAsBinary=True) == [None], name
expect("C_SetAttributeValue(CKA_EXTRACTABLE true)",
       call_rv(s.setAttributeValue, priv, [(CKA_EXTRACTABLE, True)]),
       PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
expect("C_SetAttributeValue(CKA_SENSITIVE false)",
       call_rv(s.setAttributeValue, priv, [(CKA_SENSITIVE, False)]),
       PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
expect("C_WrapKey(CKM_AES_KEY_WRAP)",
       call_rv(s.wrapKey, pub, priv, Mechanism(PyKCS11.CKM_AES_KEY_WRAP)),
       PyKCS11.CKR_MECHANISM_INVALID)
a = s.getAttributeValue(priv, [CKA_SENSITIVE, CKA_EXTRACTABLE, PyKCS11.CKA_ALWAYS_SENSITIVE,
                               PyKCS11.CKA_NEVER_EXTRACTABLE, PyKCS11.CKA_LOCAL])
assert a == [True, False, True, True, True], a

# It signs, in the TPM, and the software verification of the public key
# agrees.
data = b"signed inside the TPM"
for mech, tbs in ((CKM_ECDSA_SHA256, data), (CKM_ECDSA, hashlib.sha256(data).digest()),
                  (CKM_ECDSA, b"\x05" * 20), (CKM_ECDSA, b"\x07" * 64)):
    sig = bytes(s.sign(priv, tbs, Mechanism(mech)))
    assert len(sig) == 64, len(sig)
    assert s.verify(pub, tbs, sig, Mechanism(mech)), "signature does not verify"
    bad = bytes([sig[0] ^ 1]) + sig[1:]
    assert not s.verify(pub, tbs, bad, Mechanism(mech)), "a bad signature verified"
    ck.n += 2
s.destroyObject(priv)
s.destroyObject(pub)

# HMAC keys: one made by the TPM, and one with a known value wrapped by it
# (an Azure SAS key, say), which then signs as Python's hmac does, past one
# TPM buffer (1,024 bytes) too.
sec = [(CKA_CLASS, CKO_SECRET_KEY), (CKA_SIGN, True), (CKA_VERIFY, True)]
expect("C_GenerateKey(CKM_GENERIC_SECRET_KEY_GEN, 16 bytes)",
       call_rv(s.generateKey, sec + [(CKA_KEY_TYPE, PyKCS11.CKK_GENERIC_SECRET),
                                     (CKA_VALUE_LEN, 16)],
               Mechanism(PyKCS11.CKM_GENERIC_SECRET_KEY_GEN)),
       PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID)
made = s.generateKey(sec + [(CKA_KEY_TYPE, PyKCS11.CKK_GENERIC_SECRET), (CKA_VALUE_LEN, 32)],
                     Mechanism(PyKCS11.CKM_GENERIC_SECRET_KEY_GEN))
mac = bytes(s.sign(made, data, Mechanism(PyKCS11.CKM_SHA256_HMAC)))
assert len(mac) == 32 and s.verify(made, data, mac, Mechanism(PyKCS11.CKM_SHA256_HMAC))
ck.n += 1
value = bytes(range(64))
expect("C_CreateObject(an HMAC key, CKA_EXTRACTABLE true)",
       call_rv(s.createObject, sec + [(CKA_KEY_TYPE, PyKCS11.CKK_SHA256_HMAC), (CKA_VALUE, value),
                                      (CKA_EXTRACTABLE, True)]),
       PyKCS11.CKR_TEMPLATE_INCONSISTENT)
expect("C_CreateObject(an AES key)",
       call_rv(s.createObject, sec + [(CKA_KEY_TYPE, PyKCS11.CKK_AES), (CKA_VALUE, value[:16])]),
       PyKCS11.CKR_TEMPLATE_INCONSISTENT)
for kt, mech, h in ((PyKCS11.CKK_SHA256_HMAC, PyKCS11.CKM_SHA256_HMAC, hashlib.sha256),
                    (PyKCS11.CKK_SHA384_HMAC, PyKCS11.CKM_SHA384_HMAC, hashlib.sha384)):
    k = s.createObject(sec + [(CKA_KEY_TYPE, kt), (CKA_VALUE, value)])
    for n in (1, 100, 1024, 1025, 5000):
        msg = bytes(i % 251 for i in range(n))
        got = bytes(s.sign(k, msg, Mechanism(mech)))
        assert got == hmac.new(value, msg, h).digest(), (kt, n)
        assert s.verify(k, msg, got, Mechanism(mech))
        ck.n += 2
    for attr, name in ((CKA_VALUE, "CKA_VALUE"), (CKA_CREDTOKEN_TPM_KEY, "CKA_CREDTOKEN_TPM_KEY")):
        tmpl = ckattrlist(1)
        tmpl[0].SetType(attr)
        expect(f"C_GetAttributeValue(HMAC key, {name})",
               lib.lib.C_GetAttributeValue(s.session, k, tmpl), PyKCS11.CKR_ATTRIBUTE_SENSITIVE)
    assert s.getAttributeValue(k, [CKA_VALUE_LEN])[0] == 64
    s.destroyObject(k)
# A TPM HMAC key has one hash: another HMAC mechanism is refused at init.
k = s.createObject(sec + [(CKA_KEY_TYPE, PyKCS11.CKK_SHA384_HMAC), (CKA_VALUE, value)])
expect("C_SignInit(CKM_SHA256_HMAC, a SHA-384 HMAC key)",
       call_rv(s.sign, k, data, Mechanism(PyKCS11.CKM_SHA256_HMAC)),
       PyKCS11.CKR_KEY_TYPE_INCONSISTENT)
s.destroyObject(k)
s.destroyObject(made)

# RSA keys made in the TPM: PKCS#1 v1.5 and PSS signatures, raw RSA, OAEP
# and PKCS#1 v1.5 decryption; what the TPM cannot do is refused at init.
rsa_pub, rsa_priv = s.generateKeyPair(
    [(CKA_TOKEN, False), (PyKCS11.CKA_MODULUS_BITS, 2048), (CKA_VERIFY, True),
     (PyKCS11.CKA_ENCRYPT, True)],
    [(CKA_TOKEN, False), (CKA_PRIVATE, True), (CKA_SIGN, True), (PyKCS11.CKA_DECRYPT, True)],
    Mechanism(PyKCS11.CKM_RSA_PKCS_KEY_PAIR_GEN))
expect("C_GenerateKeyPair(RSA, e = 3)",
       call_rv(s.generateKeyPair, [(PyKCS11.CKA_MODULUS_BITS, 2048),
                                   (PyKCS11.CKA_PUBLIC_EXPONENT, b"\x03")], [],
               Mechanism(PyKCS11.CKM_RSA_PKCS_KEY_PAIR_GEN)),
       PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID)
pss = PyKCS11.RSA_PSS_Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS_PSS, PyKCS11.CKM_SHA256,
                                PyKCS11.CKG_MGF1_SHA256, 32)
for mech in (Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS), Mechanism(PyKCS11.CKM_SHA384_RSA_PKCS),
             Mechanism(PyKCS11.CKM_SHA1_RSA_PKCS), pss):
    sig = bytes(s.sign(rsa_priv, data, mech))
    assert len(sig) == 256 and s.verify(rsa_pub, data, sig, mech), mech
    bad = bytes([sig[0] ^ 1]) + sig[1:]
    assert not s.verify(rsa_pub, data, bad, mech)
    ck.n += 2
raw = bytes(255) + b"\x2a"
sig = bytes(s.sign(rsa_priv, raw, Mechanism(PyKCS11.CKM_RSA_X_509)))
assert bytes(s.encrypt(rsa_pub, sig, Mechanism(PyKCS11.CKM_RSA_X_509))) == raw, "raw RSA"
ck.n += 1
expect("C_SignInit(PSS, salt of 20 bytes with SHA-256)",
       call_rv(s.sign, rsa_priv, data,
               PyKCS11.RSA_PSS_Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS_PSS, PyKCS11.CKM_SHA256,
                                         PyKCS11.CKG_MGF1_SHA256, 20)),
       PyKCS11.CKR_MECHANISM_PARAM_INVALID)
oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256)
for mech in (oaep, Mechanism(PyKCS11.CKM_RSA_PKCS)):
    ct = bytes(s.encrypt(rsa_pub, b"a secret for the TPM", mech))
    assert bytes(s.decrypt(rsa_priv, ct, mech)) == b"a secret for the TPM"
    ck.n += 1
ct = bytearray(s.encrypt(rsa_pub, b"x", oaep))
ct[7] ^= 0x10
expect("C_Decrypt(OAEP, a damaged ciphertext)", call_rv(s.decrypt, rsa_priv, bytes(ct), oaep),
       PyKCS11.CKR_ENCRYPTED_DATA_INVALID)
for attr in (PyKCS11.CKA_PRIVATE_EXPONENT, PyKCS11.CKA_PRIME_1, CKA_CREDTOKEN_TPM_KEY):
    tmpl = ckattrlist(1)
    tmpl[0].SetType(attr)
    expect(f"C_GetAttributeValue(RSA key, {PyKCS11.CKA.get(attr, hex(attr))})",
           lib.lib.C_GetAttributeValue(s.session, rsa_priv, tmpl), PyKCS11.CKR_ATTRIBUTE_SENSITIVE)
s.logout()
print(f"TPM token checks: {ck.n + 2} passed")
