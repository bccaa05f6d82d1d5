/* dual.c: dual-function cryptographic operations, PKCS#11 3.0 §5.13 (not offered yet). */
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"

CK_RV
ct_C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                         CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    /* §5.13.1 */
    (void)pPart;
    (void)ulPartLen;
    (void)pEncryptedPart;
    (void)pulEncryptedPartLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                         CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    /* §5.13.2 */
    (void)pEncryptedPart;
    (void)ulEncryptedPartLen;
    (void)pPart;
    (void)pulPartLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                       CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    /* §5.13.3 */
    (void)pPart;
    (void)ulPartLen;
    (void)pEncryptedPart;
    (void)pulEncryptedPartLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                         CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    /* §5.13.4 */
    (void)pEncryptedPart;
    (void)ulEncryptedPartLen;
    (void)pPart;
    (void)pulPartLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}
