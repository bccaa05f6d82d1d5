"""p11checks.py: what the PyKCS11 checks of the TPM tests share (tpm_checks.py,
tpm_import.py): the token by its label, a call's CKR, and counted
expectations of CKR values."""
import PyKCS11
from PyKCS11 import PyKCS11Error

CKA_CREDTOKEN_TPM_KEY = PyKCS11.CKA_VENDOR_DEFINED | 0x43540000 | 0x06


def token(module, label):
    """The loaded module and the slot of the token labelled label."""
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = [s for s in lib.getSlotList(tokenPresent=True)
            if lib.getTokenInfo(s).label.strip() == label][0]
    return lib, slot


def call_rv(f, *a):
    """f(*a)'s CKR: CKR_OK, or the one its PyKCS11Error carries."""
    try:
        f(*a)
        return PyKCS11.CKR_OK
    except PyKCS11Error as e:
        return e.value


class Checks:
    """A count of the checks that held; expect() fails the script on the
    first CKR that is not the one wanted."""

    def __init__(self):
        self.n = 0

    def expect(self, what, rv, want):
        print(f"{what} -> {PyKCS11.CKR.get(rv, hex(rv))}")
        assert rv == want, f"{what}: {PyKCS11.CKR.get(rv, hex(rv))}, want {PyKCS11.CKR[want]}"
        self.n += 1
