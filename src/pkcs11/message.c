/* message.c: message-based functions, PKCS#11 3.0 §5.19-§5.22 (no message mechanism yet). */
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"

CK_RV
ct_C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hKey)
{
    /* 3.0 §5.19-§5.22 */
    (void)pMechanism;
    (void)hKey;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                    CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                    CK_BYTE_PTR pPlaintext, CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                    CK_ULONG_PTR pulCiphertextLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    (void)pPlaintext;
    (void)ulPlaintextLen;
    (void)pCiphertext;
    (void)pulCiphertextLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                         CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                         CK_ULONG ulAssociatedDataLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                        CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen,
                        CK_BYTE_PTR pCiphertextPart, CK_ULONG_PTR pulCiphertextPartLen,
                        CK_FLAGS flags)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pPlaintextPart;
    (void)ulPlaintextPartLen;
    (void)pCiphertextPart;
    (void)pulCiphertextPartLen;
    (void)flags;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageEncryptFinal(CK_SESSION_HANDLE hSession)
{
    /* 3.0 §5.19-§5.22 */

    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hKey)
{
    /* 3.0 §5.19-§5.22 */
    (void)pMechanism;
    (void)hKey;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                    CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                    CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                    CK_ULONG_PTR pulPlaintextLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    (void)pCiphertext;
    (void)ulCiphertextLen;
    (void)pPlaintext;
    (void)pulPlaintextLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                         CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                         CK_ULONG ulAssociatedDataLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                        CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen,
                        CK_BYTE_PTR pPlaintextPart, CK_ULONG_PTR pulPlaintextPartLen,
                        CK_FLAGS flags)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pCiphertextPart;
    (void)ulCiphertextPartLen;
    (void)pPlaintextPart;
    (void)pulPlaintextPartLen;
    (void)flags;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageDecryptFinal(CK_SESSION_HANDLE hSession)
{
    /* 3.0 §5.19-§5.22 */

    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageSignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    /* 3.0 §5.19-§5.22 */
    (void)pMechanism;
    (void)hKey;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                 CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                 CK_ULONG_PTR pulSignatureLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)pulSignatureLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_SignMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                     CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                     CK_ULONG_PTR pulSignatureLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)pulSignatureLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageSignFinal(CK_SESSION_HANDLE hSession)
{
    /* 3.0 §5.19-§5.22 */

    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageVerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                       CK_OBJECT_HANDLE hKey)
{
    /* 3.0 §5.19-§5.22 */
    (void)pMechanism;
    (void)hKey;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                   CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                   CK_ULONG ulSignatureLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)ulSignatureLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_VerifyMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                       CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                       CK_ULONG ulSignatureLen)
{
    /* 3.0 §5.19-§5.22 */
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)ulSignatureLen;
    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV
ct_C_MessageVerifyFinal(CK_SESSION_HANDLE hSession)
{
    /* 3.0 §5.19-§5.22 */

    return gate_stub(__func__, hSession, CKR_FUNCTION_NOT_SUPPORTED);
}
