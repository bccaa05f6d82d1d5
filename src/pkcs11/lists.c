/*
 * lists.c: the function lists and interfaces (PKCS#11 3.0 §5.4), and the
 * module's only three exported symbols.
 *
 * C_GetFunctionList answers a true 2.40 list whose C_GetInfo reports
 * cryptokiVersion 2.40: aws-c-io and aziot-keyd reject 3.x there.
 * C_GetInterface serves "PKCS 11" 3.0 (the default) and 2.40.
 */
#include "pkcs11/entry.h"
#include "pkcs11/lists.h"

#include <string.h>

#define CT_EXPORT __attribute__((visibility("default")))

static CK_RV ct_C_GetInfo_240(CK_INFO_PTR pInfo);

static CK_FUNCTION_LIST list_240 = {
    .version = {2, 40},
    .C_Initialize = ct_C_Initialize,
    .C_Finalize = ct_C_Finalize,
    .C_GetInfo = ct_C_GetInfo_240,
    .C_GetFunctionList = ct_C_GetFunctionList,
    .C_GetSlotList = ct_C_GetSlotList,
    .C_GetSlotInfo = ct_C_GetSlotInfo,
    .C_GetTokenInfo = ct_C_GetTokenInfo,
    .C_GetMechanismList = ct_C_GetMechanismList,
    .C_GetMechanismInfo = ct_C_GetMechanismInfo,
    .C_InitToken = ct_C_InitToken,
    .C_InitPIN = ct_C_InitPIN,
    .C_SetPIN = ct_C_SetPIN,
    .C_OpenSession = ct_C_OpenSession,
    .C_CloseSession = ct_C_CloseSession,
    .C_CloseAllSessions = ct_C_CloseAllSessions,
    .C_GetSessionInfo = ct_C_GetSessionInfo,
    .C_GetOperationState = ct_C_GetOperationState,
    .C_SetOperationState = ct_C_SetOperationState,
    .C_Login = ct_C_Login,
    .C_Logout = ct_C_Logout,
    .C_CreateObject = ct_C_CreateObject,
    .C_CopyObject = ct_C_CopyObject,
    .C_DestroyObject = ct_C_DestroyObject,
    .C_GetObjectSize = ct_C_GetObjectSize,
    .C_GetAttributeValue = ct_C_GetAttributeValue,
    .C_SetAttributeValue = ct_C_SetAttributeValue,
    .C_FindObjectsInit = ct_C_FindObjectsInit,
    .C_FindObjects = ct_C_FindObjects,
    .C_FindObjectsFinal = ct_C_FindObjectsFinal,
    .C_EncryptInit = ct_C_EncryptInit,
    .C_Encrypt = ct_C_Encrypt,
    .C_EncryptUpdate = ct_C_EncryptUpdate,
    .C_EncryptFinal = ct_C_EncryptFinal,
    .C_DecryptInit = ct_C_DecryptInit,
    .C_Decrypt = ct_C_Decrypt,
    .C_DecryptUpdate = ct_C_DecryptUpdate,
    .C_DecryptFinal = ct_C_DecryptFinal,
    .C_DigestInit = ct_C_DigestInit,
    .C_Digest = ct_C_Digest,
    .C_DigestUpdate = ct_C_DigestUpdate,
    .C_DigestKey = ct_C_DigestKey,
    .C_DigestFinal = ct_C_DigestFinal,
    .C_SignInit = ct_C_SignInit,
    .C_Sign = ct_C_Sign,
    .C_SignUpdate = ct_C_SignUpdate,
    .C_SignFinal = ct_C_SignFinal,
    .C_SignRecoverInit = ct_C_SignRecoverInit,
    .C_SignRecover = ct_C_SignRecover,
    .C_VerifyInit = ct_C_VerifyInit,
    .C_Verify = ct_C_Verify,
    .C_VerifyUpdate = ct_C_VerifyUpdate,
    .C_VerifyFinal = ct_C_VerifyFinal,
    .C_VerifyRecoverInit = ct_C_VerifyRecoverInit,
    .C_VerifyRecover = ct_C_VerifyRecover,
    .C_DigestEncryptUpdate = ct_C_DigestEncryptUpdate,
    .C_DecryptDigestUpdate = ct_C_DecryptDigestUpdate,
    .C_SignEncryptUpdate = ct_C_SignEncryptUpdate,
    .C_DecryptVerifyUpdate = ct_C_DecryptVerifyUpdate,
    .C_GenerateKey = ct_C_GenerateKey,
    .C_GenerateKeyPair = ct_C_GenerateKeyPair,
    .C_WrapKey = ct_C_WrapKey,
    .C_UnwrapKey = ct_C_UnwrapKey,
    .C_DeriveKey = ct_C_DeriveKey,
    .C_SeedRandom = ct_C_SeedRandom,
    .C_GenerateRandom = ct_C_GenerateRandom,
    .C_GetFunctionStatus = ct_C_GetFunctionStatus,
    .C_CancelFunction = ct_C_CancelFunction,
    .C_WaitForSlotEvent = ct_C_WaitForSlotEvent,
};

static CK_FUNCTION_LIST_3_0 list_30 = {
    .version = {3, 0},
    .C_Initialize = ct_C_Initialize,
    .C_Finalize = ct_C_Finalize,
    .C_GetInfo = ct_C_GetInfo,
    .C_GetFunctionList = ct_C_GetFunctionList,
    .C_GetSlotList = ct_C_GetSlotList,
    .C_GetSlotInfo = ct_C_GetSlotInfo,
    .C_GetTokenInfo = ct_C_GetTokenInfo,
    .C_GetMechanismList = ct_C_GetMechanismList,
    .C_GetMechanismInfo = ct_C_GetMechanismInfo,
    .C_InitToken = ct_C_InitToken,
    .C_InitPIN = ct_C_InitPIN,
    .C_SetPIN = ct_C_SetPIN,
    .C_OpenSession = ct_C_OpenSession,
    .C_CloseSession = ct_C_CloseSession,
    .C_CloseAllSessions = ct_C_CloseAllSessions,
    .C_GetSessionInfo = ct_C_GetSessionInfo,
    .C_GetOperationState = ct_C_GetOperationState,
    .C_SetOperationState = ct_C_SetOperationState,
    .C_Login = ct_C_Login,
    .C_Logout = ct_C_Logout,
    .C_CreateObject = ct_C_CreateObject,
    .C_CopyObject = ct_C_CopyObject,
    .C_DestroyObject = ct_C_DestroyObject,
    .C_GetObjectSize = ct_C_GetObjectSize,
    .C_GetAttributeValue = ct_C_GetAttributeValue,
    .C_SetAttributeValue = ct_C_SetAttributeValue,
    .C_FindObjectsInit = ct_C_FindObjectsInit,
    .C_FindObjects = ct_C_FindObjects,
    .C_FindObjectsFinal = ct_C_FindObjectsFinal,
    .C_EncryptInit = ct_C_EncryptInit,
    .C_Encrypt = ct_C_Encrypt,
    .C_EncryptUpdate = ct_C_EncryptUpdate,
    .C_EncryptFinal = ct_C_EncryptFinal,
    .C_DecryptInit = ct_C_DecryptInit,
    .C_Decrypt = ct_C_Decrypt,
    .C_DecryptUpdate = ct_C_DecryptUpdate,
    .C_DecryptFinal = ct_C_DecryptFinal,
    .C_DigestInit = ct_C_DigestInit,
    .C_Digest = ct_C_Digest,
    .C_DigestUpdate = ct_C_DigestUpdate,
    .C_DigestKey = ct_C_DigestKey,
    .C_DigestFinal = ct_C_DigestFinal,
    .C_SignInit = ct_C_SignInit,
    .C_Sign = ct_C_Sign,
    .C_SignUpdate = ct_C_SignUpdate,
    .C_SignFinal = ct_C_SignFinal,
    .C_SignRecoverInit = ct_C_SignRecoverInit,
    .C_SignRecover = ct_C_SignRecover,
    .C_VerifyInit = ct_C_VerifyInit,
    .C_Verify = ct_C_Verify,
    .C_VerifyUpdate = ct_C_VerifyUpdate,
    .C_VerifyFinal = ct_C_VerifyFinal,
    .C_VerifyRecoverInit = ct_C_VerifyRecoverInit,
    .C_VerifyRecover = ct_C_VerifyRecover,
    .C_DigestEncryptUpdate = ct_C_DigestEncryptUpdate,
    .C_DecryptDigestUpdate = ct_C_DecryptDigestUpdate,
    .C_SignEncryptUpdate = ct_C_SignEncryptUpdate,
    .C_DecryptVerifyUpdate = ct_C_DecryptVerifyUpdate,
    .C_GenerateKey = ct_C_GenerateKey,
    .C_GenerateKeyPair = ct_C_GenerateKeyPair,
    .C_WrapKey = ct_C_WrapKey,
    .C_UnwrapKey = ct_C_UnwrapKey,
    .C_DeriveKey = ct_C_DeriveKey,
    .C_SeedRandom = ct_C_SeedRandom,
    .C_GenerateRandom = ct_C_GenerateRandom,
    .C_GetFunctionStatus = ct_C_GetFunctionStatus,
    .C_CancelFunction = ct_C_CancelFunction,
    .C_WaitForSlotEvent = ct_C_WaitForSlotEvent,
    .C_GetInterfaceList = ct_C_GetInterfaceList,
    .C_GetInterface = ct_C_GetInterface,
    .C_LoginUser = ct_C_LoginUser,
    .C_SessionCancel = ct_C_SessionCancel,
    .C_MessageEncryptInit = ct_C_MessageEncryptInit,
    .C_EncryptMessage = ct_C_EncryptMessage,
    .C_EncryptMessageBegin = ct_C_EncryptMessageBegin,
    .C_EncryptMessageNext = ct_C_EncryptMessageNext,
    .C_MessageEncryptFinal = ct_C_MessageEncryptFinal,
    .C_MessageDecryptInit = ct_C_MessageDecryptInit,
    .C_DecryptMessage = ct_C_DecryptMessage,
    .C_DecryptMessageBegin = ct_C_DecryptMessageBegin,
    .C_DecryptMessageNext = ct_C_DecryptMessageNext,
    .C_MessageDecryptFinal = ct_C_MessageDecryptFinal,
    .C_MessageSignInit = ct_C_MessageSignInit,
    .C_SignMessage = ct_C_SignMessage,
    .C_SignMessageBegin = ct_C_SignMessageBegin,
    .C_SignMessageNext = ct_C_SignMessageNext,
    .C_MessageSignFinal = ct_C_MessageSignFinal,
    .C_MessageVerifyInit = ct_C_MessageVerifyInit,
    .C_VerifyMessage = ct_C_VerifyMessage,
    .C_VerifyMessageBegin = ct_C_VerifyMessageBegin,
    .C_VerifyMessageNext = ct_C_VerifyMessageNext,
    .C_MessageVerifyFinal = ct_C_MessageVerifyFinal,
};

static CK_CHAR iface_name[] = "PKCS 11";
static CK_CHAR vendor_name[] = CT_CREDSETS_INTERFACE;
static CK_CHAR tokens_name[] = CT_TOKENS_INTERFACE;

/* The standard lists first: C_GetInterface(NULL...) answers the first. */
static CK_INTERFACE ifaces[] = {
    {iface_name, &list_30, 0},
    {iface_name, &list_240, 0},
    {vendor_name, &credsets_list, 0},
    {tokens_name, &tokens_list, 0},
};
#define IFACE_COUNT (sizeof ifaces / sizeof ifaces[0])

static CK_RV
ct_C_GetInfo_240(CK_INFO_PTR pInfo)
{
    CK_RV rv = ct_C_GetInfo(pInfo);
    if (rv == CKR_OK) pInfo->cryptokiVersion = (CK_VERSION){2, 40};
    return rv;
}

CK_RV
ct_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    /* §5.4.3 */
    if (ppFunctionList == NULL) return CKR_ARGUMENTS_BAD;
    *ppFunctionList = &list_240;
    return CKR_OK;
}

CK_RV
ct_C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    /* §5.4.4 */
    if (pulCount == NULL) return CKR_ARGUMENTS_BAD;
    if (pInterfacesList == NULL) {
        *pulCount = IFACE_COUNT;
        return CKR_OK;
    }
    if (*pulCount < IFACE_COUNT) {
        *pulCount = IFACE_COUNT;
        return CKR_BUFFER_TOO_SMALL;
    }
    memcpy(pInterfacesList, ifaces, sizeof ifaces);
    *pulCount = IFACE_COUNT;
    return CKR_OK;
}

CK_RV
ct_C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                  CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
    /* §5.4.5: the first interface matching name, version and flags. */
    if (ppInterface == NULL) return CKR_ARGUMENTS_BAD;
    for (size_t i = 0; i < IFACE_COUNT; i++) {
        const CK_VERSION *v = ifaces[i].pFunctionList;
        /* Without a name: the standard interfaces only. */
        const char *want = pInterfaceName != NULL ? (const char *)pInterfaceName : "PKCS 11";
        if (strcmp(want, (const char *)ifaces[i].pInterfaceName) != 0) continue;
        if (pVersion != NULL && (pVersion->major != v->major || pVersion->minor != v->minor))
            continue;
        if ((ifaces[i].flags & flags) != flags) continue;
        *ppInterface = &ifaces[i];
        return CKR_OK;
    }
    return CKR_ARGUMENTS_BAD;
}

const CK_FUNCTION_LIST_3_0 *
lists_30(void)
{
    return &list_30;
}

/* ---- the exported ABI ---- */

CT_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList);
CT_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
CT_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                               CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);

CT_EXPORT CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    return ct_C_GetFunctionList(ppFunctionList);
}

CT_EXPORT CK_RV
C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    return ct_C_GetInterfaceList(pInterfacesList, pulCount);
}

CT_EXPORT CK_RV
C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
               CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
    return ct_C_GetInterface(pInterfaceName, pVersion, ppInterface, flags);
}
