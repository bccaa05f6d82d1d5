/* digest.c: message digesting, PKCS#11 3.0 §5.10. */
#include "core/manage.h"
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
    /* §5.10.4: the value of a secret key joins the digest (a hash of a few
     * bytes: done under the lock). Any failure ends the operation. */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    rv = manage_digest_key(g.lib, g.sess, hKey);
    if (rv != CKR_OK && rv != CKR_OPERATION_NOT_INITIALIZED) {
        op_free(g.sess->ops[OP_DIGEST]);
        g.sess->ops[OP_DIGEST] = NULL;
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    /* §5.10.5 */
    struct run_args a = {.out = pDigest, .out_len = pulDigestLen};
    a.args_ok = pulDigestLen != NULL;
    return run_step(__func__, hSession, OP_DIGEST, STEP_FINAL, &a);
}
