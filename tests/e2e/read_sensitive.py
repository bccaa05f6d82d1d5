#!/usr/bin/python3
"""read_sensitive.py MODULE LABEL PIN: with PyKCS11 (a real, independent
PKCS#11 client), ask for CKA_VALUE of every private key on the token and
require CKR_ATTRIBUTE_SENSITIVE with ulValueLen = CK_UNAVAILABLE_INFORMATION."""
import sys

import PyKCS11
from PyKCS11.LowLevel import ckattrlist

module, label, pin = sys.argv[1:4]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slots = [s for s in lib.getSlotList(tokenPresent=True)
         if lib.getTokenInfo(s).label.strip() == label]
session = lib.openSession(slots[0])
session.login(pin)
keys = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)])
assert keys, "no private key on the token"
for key in keys:
    tmpl = ckattrlist(1)
    tmpl[0].SetType(PyKCS11.CKA_VALUE)
    rv = lib.lib.C_GetAttributeValue(session.session, key, tmpl)
    print("C_GetAttributeValue(CKA_VALUE) ->", PyKCS11.CKR[rv])
    assert rv == PyKCS11.CKR_ATTRIBUTE_SENSITIVE, PyKCS11.CKR[rv]
    assert session.getAttributeValue(key, [PyKCS11.CKA_VALUE], allAsBinary=True) == [None]
print("private key values are sensitive")
