#!/usr/bin/python3
"""tpm_many.py MODULE LABEL PIN N: N key pairs made in the TPM of a TPM-backend
token (one session, no resource manager in the way: swtpm's 3 object slots
must do), then, after a fresh login, signatures with the first, the last and
a spread of others, each verified."""
import random
import sys
import time

import PyKCS11
from PyKCS11 import (CKA_CLASS, CKA_EC_PARAMS, CKA_ID, CKA_LABEL, CKA_PRIVATE, CKA_SIGN,
                     CKA_TOKEN, CKM_ECDSA_SHA256, CKM_EC_KEY_PAIR_GEN, CKO_PRIVATE_KEY,
                     CKO_PUBLIC_KEY, Mechanism)

module, label, pin, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
P256 = bytes.fromhex("06082a8648ce3d030107")
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slot = [s for s in lib.getSlotList(tokenPresent=True)
        if lib.getTokenInfo(s).label.strip() == label][0]
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
s.login(pin)
t0 = time.monotonic()
for i in range(n):
    kid = i.to_bytes(2, "big")
    s.generateKeyPair([(CKA_TOKEN, True), (CKA_EC_PARAMS, P256), (CKA_ID, kid),
                       (CKA_LABEL, f"many{i}")],
                      [(CKA_TOKEN, True), (CKA_PRIVATE, True), (CKA_SIGN, True), (CKA_ID, kid),
                       (CKA_LABEL, f"many{i}")],
                      Mechanism(CKM_EC_KEY_PAIR_GEN))
print(f"{n} key pairs made in the TPM in {time.monotonic() - t0:.1f} s")
s.logout()
s.closeSession()

s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
s.login(pin)
privs = s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY)])
assert len(privs) >= n, f"{len(privs)} private keys, want {n}"
picks = sorted({0, n // 2, n - 1} | set(random.sample(range(n), min(n, 12))))
t0 = time.monotonic()
for i in picks:
    kid = i.to_bytes(2, "big")
    priv = s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_ID, kid)])
    pub = s.findObjects([(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, kid)])
    assert len(priv) == 1 and len(pub) == 1, (i, priv, pub)
    data = f"key {i}".encode()
    sig = bytes(s.sign(priv[0], data, Mechanism(CKM_ECDSA_SHA256)))
    assert s.verify(pub[0], data, sig, Mechanism(CKM_ECDSA_SHA256)), f"key {i}"
print(f"{len(picks)} of them signed and verified ({(time.monotonic() - t0) * 1000 / len(picks):.1f} ms each)")
