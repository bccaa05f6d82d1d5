#!/usr/bin/python3
"""tpm_import.py MODULE LABEL PIN: keys made by openssl, imported into the
TPM of a TPM-backend token with C_CreateObject (TPM2_Import): each signs
(and decrypts) in the TPM, openssl verifies, and no form of its private
part can be read back: not an attribute, not the TPM's blob, not by a
search on its value, a copy, a wrap or a change of its flags. Keys the TPM
cannot hold are refused with the CKR the spec names."""
import atexit
import ctypes
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import sys
import tempfile

import PyKCS11
from PyKCS11 import (CKA_CLASS, CKA_DECRYPT, CKA_EC_PARAMS, CKA_EXTRACTABLE, CKA_ID,
                     CKA_KEY_TYPE, CKA_LABEL, CKA_PRIVATE, CKA_SENSITIVE, CKA_SIGN, CKA_TOKEN,
                     CKA_VALUE, CKK_EC, CKK_RSA, CKO_PRIVATE_KEY, Mechanism)
from PyKCS11.LowLevel import ckattrlist

from p11checks import CKA_CREDTOKEN_TPM_KEY, Checks, call_rv, token

CURVES = {"P-256": bytes.fromhex("06082a8648ce3d030107"),
          "P-384": bytes.fromhex("06052b81040022"),
          "P-521": bytes.fromhex("06052b81040023")}
RSA_PARTS = ((PyKCS11.CKA_MODULUS, "modulus"), (PyKCS11.CKA_PRIVATE_EXPONENT, "privateExponent"),
             (PyKCS11.CKA_PRIME_1, "prime1"), (PyKCS11.CKA_PRIME_2, "prime2"),
             (PyKCS11.CKA_EXPONENT_1, "exponent1"), (PyKCS11.CKA_EXPONENT_2, "exponent2"),
             (PyKCS11.CKA_COEFFICIENT, "coefficient"))
module, label, pin = sys.argv[1:4]
work = tempfile.mkdtemp(prefix="ct-import-")
atexit.register(shutil.rmtree, work, True)
lib, slot = token(module, label)
ck = Checks()
expect = ck.expect


def path(name):
    return os.path.join(work, name)


def openssl_key(name, *genargs):
    """A key made by openssl: its PEM file and the fields of its text form."""
    subprocess.run(["openssl", "genpkey", *genargs, "-out", path(name + ".pem")], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", path(name + ".pem"), "-pubout", "-out",
                    path(name + ".pub")], check=True, capture_output=True)
    text = subprocess.run(["openssl", "pkey", "-in", path(name + ".pem"), "-text", "-noout"],
                          check=True, capture_output=True).stdout.decode()
    fields, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s*(.*)$", line)
        if m:
            cur = m.group(1)
            fields[cur] = m.group(2).strip()
        elif cur and re.fullmatch(r"\s+[0-9a-f:]+", line):
            fields[cur] += line.strip()
    return {k: bytes.fromhex(v.replace(":", "")).lstrip(b"\0") or b"\0"
            for k, v in fields.items() if re.fullmatch(r"[0-9a-f:]+", v)}


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return bytes([2, len(b)]) + b


def ecdsa_der(sig):
    half = len(sig) // 2
    body = der_int(sig[:half]) + der_int(sig[half:])
    return bytes([0x30, len(body)]) + body if len(body) < 128 else \
        bytes([0x30, 0x81, len(body)]) + body


def openssl_verifies(name, digest, sig, *opts):
    with open(path("msg"), "wb") as f:
        f.write(data)
    with open(path("sig"), "wb") as f:
        f.write(sig)
    r = subprocess.run(["openssl", "dgst", "-" + digest, *opts, "-verify", path(name + ".pub"),
                        "-signature", path("sig"), path("msg")], capture_output=True)
    return r.returncode == 0 and b"Verified OK" in r.stdout


def copy_object(k, bools):
    """C_CopyObject (PyKCS11 has none) on PyKCS11's session, through the
    same loaded module: its function list, entry 22 (PKCS#11 3.0 §5.2)."""
    so = ctypes.CDLL(module)
    fl = ctypes.c_void_p()
    assert so.C_GetFunctionList(ctypes.byref(fl)) == 0
    fns = ctypes.cast(fl, ctypes.POINTER(ctypes.c_void_p))
    proto = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_void_p,
                             ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong))
    c_copy = proto(fns[1 + 21])  # after CK_VERSION, padded to a pointer

    class Attr(ctypes.Structure):
        _fields_ = [("type", ctypes.c_ulong), ("value", ctypes.c_void_p), ("len", ctypes.c_ulong)]
    vals = [ctypes.c_ubyte(1 if v else 0) for _, v in bools]
    tmpl = (Attr * len(bools))(*[Attr(t, ctypes.cast(ctypes.byref(v), ctypes.c_void_p), 1)
                                 for (t, _), v in zip(bools, vals)])
    out = ctypes.c_ulong()
    rv = c_copy(s.session.value(), k.value(), tmpl, len(bools), ctypes.byref(out))
    return rv, out.value


def unreadable(k, attrs):
    """Every private part of k answers CKR_ATTRIBUTE_SENSITIVE, alone and
    in a template with public attributes."""
    for attr in attrs + [CKA_CREDTOKEN_TPM_KEY]:
        tmpl = ckattrlist(1)
        tmpl[0].SetType(attr)
        expect(f"C_GetAttributeValue({PyKCS11.CKA.get(attr, hex(attr))})",
               lib.lib.C_GetAttributeValue(s.session, k, tmpl), PyKCS11.CKR_ATTRIBUTE_SENSITIVE)
    got = s.getAttributeValue(k, [CKA_LABEL] + attrs, allAsBinary=True)
    assert got[1:] == [None] * len(attrs), got


data = b"signed by a key imported into the TPM"
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
s.login(pin)
base = [(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_TOKEN, True), (CKA_PRIVATE, True), (CKA_SIGN, True)]

# EC keys on both curves the TPM has.
for curve, digest, mech, flen in (("P-256", "sha256", PyKCS11.CKM_ECDSA_SHA256, 32),
                                  ("P-384", "sha384", PyKCS11.CKM_ECDSA_SHA384, 48)):
    f = openssl_key(curve, "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}")
    d = f["priv"].rjust(flen, b"\0")
    k = s.createObject(base + [(CKA_KEY_TYPE, CKK_EC), (CKA_EC_PARAMS, CURVES[curve]),
                               (CKA_VALUE, d), (CKA_LABEL, "imp-" + curve), (CKA_ID, b"\x60")])
    for _ in range(3):
        sig = bytes(s.sign(k, data, Mechanism(mech)))
        assert len(sig) == 2 * flen, len(sig)
        assert openssl_verifies(curve, digest, ecdsa_der(sig)), curve
        bad = bytes([sig[0] ^ 1]) + sig[1:]
        assert not openssl_verifies(curve, digest, ecdsa_der(bad)), curve
        ck.n += 2
    unreadable(k, [CKA_VALUE])
    # No search on the value finds it: it is not on the host any more.
    assert s.findObjects([(CKA_VALUE, d)]) == [], "found by its private value"
    a = s.getAttributeValue(k, [CKA_SENSITIVE, CKA_EXTRACTABLE, PyKCS11.CKA_ALWAYS_SENSITIVE,
                                PyKCS11.CKA_NEVER_EXTRACTABLE, PyKCS11.CKA_LOCAL])
    # It was outside once: never "always sensitive", never "local" (§4.9).
    assert a == [True, False, False, False, False], a
    ck.n += 2
    expect("C_SetAttributeValue(CKA_EXTRACTABLE true)",
           call_rv(s.setAttributeValue, k, [(CKA_EXTRACTABLE, True)]),
           PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
    expect("C_CopyObject(CKA_SENSITIVE false)", copy_object(k, [(CKA_SENSITIVE, False)])[0],
           PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
    expect("C_CopyObject(CKA_EXTRACTABLE true)", copy_object(k, [(CKA_EXTRACTABLE, True)])[0],
           PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
    rv, h = copy_object(k, [(CKA_TOKEN, False)])
    expect("C_CopyObject(session copy)", rv, PyKCS11.CKR_OK)
    copy = PyKCS11.CK_OBJECT_HANDLE(s)
    copy.assign(h)
    unreadable(copy, [CKA_VALUE])
    assert openssl_verifies(curve, digest, ecdsa_der(bytes(s.sign(copy, data, Mechanism(mech)))))
    ck.n += 1
    s.destroyObject(copy)
    s.destroyObject(k)

# RSA keys: PKCS#1 v1.5 and PSS signatures, OAEP decryption of openssl's
# ciphertext.
for bits in (2048, 3072):
    name = f"rsa{bits}"
    f = openssl_key(name, "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}")
    k = s.createObject(base + [(CKA_KEY_TYPE, CKK_RSA), (CKA_DECRYPT, True),
                               (PyKCS11.CKA_PUBLIC_EXPONENT, b"\x01\x00\x01"),
                               (CKA_LABEL, "imp-" + name)] +
                       [(attr, f[field]) for attr, field in RSA_PARTS])
    sig = bytes(s.sign(k, data, Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS)))
    assert openssl_verifies(name, "sha256", sig), name
    pss = PyKCS11.RSA_PSS_Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS_PSS, PyKCS11.CKM_SHA256,
                                    PyKCS11.CKG_MGF1_SHA256, 32)
    sig = bytes(s.sign(k, data, pss))
    assert openssl_verifies(name, "sha256", sig, "-sigopt", "rsa_padding_mode:pss",
                            "-sigopt", "rsa_pss_saltlen:32"), name
    ct = subprocess.run(["openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", path(name + ".pub"),
                         "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                         "-pkeyopt", "rsa_mgf1_md:sha256"], input=b"a cloud's secret",
                        check=True, capture_output=True).stdout
    oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256)
    assert bytes(s.decrypt(k, ct, oaep)) == b"a cloud's secret", name
    ck.n += 3
    unreadable(k, [attr for attr, _ in RSA_PARTS[1:]])
    assert bytes(s.getAttributeValue(k, [PyKCS11.CKA_MODULUS], allAsBinary=True)[0]) == \
        f["modulus"]
    assert s.findObjects([(PyKCS11.CKA_PRIME_1, f["prime1"])]) == []
    ck.n += 2
    s.destroyObject(k)

# C_UnwrapKey: a cloud's shared key sent encrypted to the device's RSA key
# (OAEP) is unwrapped in the TPM and goes into it as an HMAC key; it signs
# as Python's hmac does and cannot be read.
rpub, rpriv = s.generateKeyPair(
    [(CKA_TOKEN, False), (PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_ENCRYPT, True)],
    [(CKA_TOKEN, False), (CKA_PRIVATE, True), (PyKCS11.CKA_UNWRAP, True)],
    Mechanism(PyKCS11.CKM_RSA_PKCS_KEY_PAIR_GEN))
shared = bytes(range(100, 164))
oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256)
wrapped = bytes(s.encrypt(rpub, shared, oaep))
hk = s.unwrapKey(rpriv, wrapped, [(CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (CKA_TOKEN, False),
                                  (CKA_KEY_TYPE, PyKCS11.CKK_SHA256_HMAC), (CKA_SIGN, True)], oaep)
assert bytes(s.sign(hk, data, Mechanism(PyKCS11.CKM_SHA256_HMAC))) == \
    hmac.new(shared, data, hashlib.sha256).digest(), "unwrapped HMAC key"
ck.n += 1
unreadable(hk, [CKA_VALUE])
aes_tmpl = [(CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (CKA_TOKEN, False),
            (CKA_KEY_TYPE, PyKCS11.CKK_AES)]
expect("C_UnwrapKey(an AES key)",
       call_rv(s.unwrapKey, rpriv, bytes(s.encrypt(rpub, shared[:32], oaep)), aes_tmpl, oaep),
       PyKCS11.CKR_TEMPLATE_INCONSISTENT)
s.destroyObject(hk)

# What the TPM cannot hold is refused, with the reason logged.
f = openssl_key("rsa1024", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
rsa1024 = base + [(CKA_KEY_TYPE, CKK_RSA), (PyKCS11.CKA_PUBLIC_EXPONENT, b"\x01\x00\x01")] + \
    [(attr, f[field]) for attr, field in RSA_PARTS]
expect("C_CreateObject(RSA-1024)", call_rv(s.createObject, rsa1024),
       PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID)
f = openssl_key("rsa2048b", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
no_primes = base + [(CKA_KEY_TYPE, CKK_RSA), (PyKCS11.CKA_PUBLIC_EXPONENT, b"\x01\x00\x01")] + \
    [(attr, f[field]) for attr, field in RSA_PARTS[:2]]
expect("C_CreateObject(RSA without its primes)", call_rv(s.createObject, no_primes),
       PyKCS11.CKR_TEMPLATE_INCOMPLETE)
f = openssl_key("P-521", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521")
expect("C_CreateObject(P-521)",
       call_rv(s.createObject, base + [(CKA_KEY_TYPE, CKK_EC), (CKA_EC_PARAMS, CURVES["P-521"]),
                                       (CKA_VALUE, f["priv"].rjust(66, b"\0"))]),
       PyKCS11.CKR_CURVE_NOT_SUPPORTED)
f = openssl_key("P-256b", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
ec = base + [(CKA_KEY_TYPE, CKK_EC), (CKA_EC_PARAMS, CURVES["P-256"]),
             (CKA_VALUE, f["priv"].rjust(32, b"\0"))]
expect("C_CreateObject(EC, CKA_SENSITIVE false)",
       call_rv(s.createObject, ec + [(CKA_SENSITIVE, False)]), PyKCS11.CKR_TEMPLATE_INCONSISTENT)
expect("C_CreateObject(EC, CKA_EXTRACTABLE true)",
       call_rv(s.createObject, ec + [(CKA_EXTRACTABLE, True)]), PyKCS11.CKR_TEMPLATE_INCONSISTENT)
expect("C_CreateObject(EC, CKA_CREDTOKEN_TPM_KEY given)",
       call_rv(s.createObject, ec + [(CKA_CREDTOKEN_TPM_KEY, b"x" * 80)]),
       PyKCS11.CKR_ATTRIBUTE_READ_ONLY)
f = openssl_key("ed", "-algorithm", "ED25519")
expect("C_CreateObject(Ed25519)",
       call_rv(s.createObject, base + [(CKA_KEY_TYPE, PyKCS11.CKK_EC_EDWARDS),
                                       (CKA_EC_PARAMS, bytes.fromhex("06032b6570")),
                                       (CKA_VALUE, f["priv"].rjust(32, b"\0"))]),
       PyKCS11.CKR_TEMPLATE_INCONSISTENT)
s.logout()
print(f"TPM import checks: {ck.n} passed")
