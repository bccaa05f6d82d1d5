/* sign.c: signing and verification, PKCS#11 3.0 §5.11 and §5.12. */
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"
#include "pkcs11/run.h"

CK_RV
ct_C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    /* §5.11.1 */
    return run_init(__func__, hSession, OP_SIGN, pMechanism, hKey);
}

CK_RV
ct_C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
          CK_ULONG_PTR pulSignatureLen)
{
    /* §5.11.2 */
    struct run_args a = {
        .in = pData, .in_len = ulDataLen, .out = pSignature, .out_len = pulSignatureLen};
    a.args_ok = pulSignatureLen != NULL && (pData != NULL || ulDataLen == 0);
    return run_step(__func__, hSession, OP_SIGN, STEP_ONESHOT, &a);
}

CK_RV
ct_C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    /* §5.11.3 */
    struct run_args a = {.in = pPart, .in_len = ulPartLen};
    a.args_ok = pPart != NULL || ulPartLen == 0;
    return run_step(__func__, hSession, OP_SIGN, STEP_UPDATE, &a);
}

CK_RV
ct_C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    /* §5.11.4 */
    struct run_args a = {.out = pSignature, .out_len = pulSignatureLen};
    a.args_ok = pulSignatureLen != NULL;
    return run_step(__func__, hSession, OP_SIGN, STEP_FINAL, &a);
}

CK_RV
ct_C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    /* §5.12.1 */
    return run_init(__func__, hSession, OP_VERIFY, pMechanism, hKey);
}

CK_RV
ct_C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
            CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    /* §5.12.2 */
    struct run_args a = {
        .in = pData, .in_len = ulDataLen, .sig = pSignature, .sig_len = ulSignatureLen};
    a.args_ok = (pData != NULL || ulDataLen == 0) && (pSignature != NULL || ulSignatureLen == 0);
    return run_step(__func__, hSession, OP_VERIFY, STEP_VERIFY, &a);
}

CK_RV
ct_C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    /* §5.12.3 */
    struct run_args a = {.in = pPart, .in_len = ulPartLen};
    a.args_ok = pPart != NULL || ulPartLen == 0;
    return run_step(__func__, hSession, OP_VERIFY, STEP_UPDATE, &a);
}

CK_RV
ct_C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    /* §5.12.4 */
    struct run_args a = {.sig = pSignature, .sig_len = ulSignatureLen};
    a.args_ok = pSignature != NULL || ulSignatureLen == 0;
    return run_step(__func__, hSession, OP_VERIFY, STEP_VERIFY_FINAL, &a);
}

CK_RV
ct_C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    /* §5.11.5 */
    return run_init(__func__, hSession, OP_SIGN_RECOVER, pMechanism, hKey);
}

CK_RV
ct_C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                 CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    /* §5.11.6 */
    struct run_args a = {
        .in = pData, .in_len = ulDataLen, .out = pSignature, .out_len = pulSignatureLen};
    a.args_ok = pulSignatureLen != NULL && (pData != NULL || ulDataLen == 0);
    return run_step(__func__, hSession, OP_SIGN_RECOVER, STEP_ONESHOT, &a);
}

CK_RV
ct_C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                       CK_OBJECT_HANDLE hKey)
{
    /* §5.12.5 */
    return run_init(__func__, hSession, OP_VERIFY_RECOVER, pMechanism, hKey);
}

CK_RV
ct_C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen,
                   CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    /* §5.12.6: the signature goes in, the recovered data comes out. */
    struct run_args a = {
        .in = pSignature, .in_len = ulSignatureLen, .out = pData, .out_len = pulDataLen};
    a.args_ok = pulDataLen != NULL && (pSignature != NULL || ulSignatureLen == 0);
    return run_step(__func__, hSession, OP_VERIFY_RECOVER, STEP_ONESHOT, &a);
}
