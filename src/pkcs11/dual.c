/* dual.c: dual-function cryptographic operations, PKCS#11 3.0 §5.13. */
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"
#include "pkcs11/run.h"

static CK_RV
dual(const char *fn, CK_SESSION_HANDLE h, enum op_kind crypt, enum op_kind other, bool other_first,
     CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
    struct run_args a = {.in = in, .in_len = in_len, .out = out, .out_len = out_len};
    a.args_ok = out_len != NULL && (in != NULL || in_len == 0);
    return run_dual(fn, h, crypt, other, other_first, &a);
}

CK_RV
ct_C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                         CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    /* §5.13.1 */
    return dual(__func__, hSession, OP_ENCRYPT, OP_DIGEST, true, pPart, ulPartLen, pEncryptedPart,
                pulEncryptedPartLen);
}

CK_RV
ct_C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                         CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    /* §5.13.2 */
    return dual(__func__, hSession, OP_DECRYPT, OP_DIGEST, false, pEncryptedPart,
                ulEncryptedPartLen, pPart, pulPartLen);
}

CK_RV
ct_C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                       CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    /* §5.13.3 */
    return dual(__func__, hSession, OP_ENCRYPT, OP_SIGN, true, pPart, ulPartLen, pEncryptedPart,
                pulEncryptedPartLen);
}

CK_RV
ct_C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                         CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    /* §5.13.4 */
    return dual(__func__, hSession, OP_DECRYPT, OP_VERIFY, false, pEncryptedPart,
                ulEncryptedPartLen, pPart, pulPartLen);
}
