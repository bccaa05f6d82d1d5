/* encrypt.c: encryption and decryption, PKCS#11 3.0 §5.8 and §5.9. */
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"
#include "pkcs11/run.h"

CK_RV
ct_C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    /* §5.8.1 */
    return run_init(__func__, hSession, OP_ENCRYPT, pMechanism, hKey);
}

CK_RV
ct_C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
             CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)
{
    /* §5.8.2 */
    struct run_args a = {
        .in = pData, .in_len = ulDataLen, .out = pEncryptedData, .out_len = pulEncryptedDataLen};
    a.args_ok = pulEncryptedDataLen != NULL && (pData != NULL || ulDataLen == 0);
    return run_step(__func__, hSession, OP_ENCRYPT, STEP_ONESHOT, &a);
}

CK_RV
ct_C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                   CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    /* §5.8.3 */
    struct run_args a = {
        .in = pPart, .in_len = ulPartLen, .out = pEncryptedPart, .out_len = pulEncryptedPartLen};
    a.args_ok = pulEncryptedPartLen != NULL && (pPart != NULL || ulPartLen == 0);
    return run_step(__func__, hSession, OP_ENCRYPT, STEP_UPDATE, &a);
}

CK_RV
ct_C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
                  CK_ULONG_PTR pulLastEncryptedPartLen)
{
    /* §5.8.4 */
    struct run_args a = {.out = pLastEncryptedPart, .out_len = pulLastEncryptedPartLen};
    a.args_ok = pulLastEncryptedPartLen != NULL;
    return run_step(__func__, hSession, OP_ENCRYPT, STEP_FINAL, &a);
}

CK_RV
ct_C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    /* §5.9.1 */
    return run_init(__func__, hSession, OP_DECRYPT, pMechanism, hKey);
}

CK_RV
ct_C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen,
             CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    /* §5.9.2 */
    struct run_args a = {
        .in = pEncryptedData, .in_len = ulEncryptedDataLen, .out = pData, .out_len = pulDataLen};
    a.args_ok = pulDataLen != NULL && (pEncryptedData != NULL || ulEncryptedDataLen == 0);
    return run_step(__func__, hSession, OP_DECRYPT, STEP_ONESHOT, &a);
}

CK_RV
ct_C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                   CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    /* §5.9.3 */
    struct run_args a = {
        .in = pEncryptedPart, .in_len = ulEncryptedPartLen, .out = pPart, .out_len = pulPartLen};
    a.args_ok = pulPartLen != NULL && (pEncryptedPart != NULL || ulEncryptedPartLen == 0);
    return run_step(__func__, hSession, OP_DECRYPT, STEP_UPDATE, &a);
}

CK_RV
ct_C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen)
{
    /* §5.9.4 */
    struct run_args a = {.out = pLastPart, .out_len = pulLastPartLen};
    a.args_ok = pulLastPartLen != NULL;
    return run_step(__func__, hSession, OP_DECRYPT, STEP_FINAL, &a);
}
