/* digest.c: message digesting, PKCS#11 3.0 §5.10. */
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"
#include "pkcs11/run.h"

CK_RV
ct_C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    /* §5.10.1 */
    return run_init(__func__, hSession, OP_DIGEST, pMechanism, CK_INVALID_HANDLE);
}

CK_RV
ct_C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
            CK_ULONG_PTR pulDigestLen)
{
    /* §5.10.2 */
    struct run_args a = {.in = pData, .in_len = ulDataLen, .out = pDigest, .out_len = pulDigestLen};
    a.args_ok = pulDigestLen != NULL && (pData != NULL || ulDataLen == 0);
    return run_step(__func__, hSession, OP_DIGEST, STEP_ONESHOT, &a);
}

CK_RV
ct_C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    /* §5.10.3 */
    struct run_args a = {.in = pPart, .in_len = ulPartLen};
    a.args_ok = pPart != NULL || ulPartLen == 0;
    return run_step(__func__, hSession, OP_DIGEST, STEP_UPDATE, &a);
}

CK_RV
ct_C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
    /* §5.10.4: digesting a secret key's value is not offered; the
     * operation ends as every failed call does. */
    (void)hKey;
    struct run_args a = {.args_ok = false};
    CK_RV rv = run_step(__func__, hSession, OP_DIGEST, STEP_UPDATE, &a);
    return rv == CKR_ARGUMENTS_BAD ? CKR_KEY_INDIGESTIBLE : rv;
}

CK_RV
ct_C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    /* §5.10.5 */
    struct run_args a = {.out = pDigest, .out_len = pulDigestLen};
    a.args_ok = pulDigestLen != NULL;
    return run_step(__func__, hSession, OP_DIGEST, STEP_FINAL, &a);
}
