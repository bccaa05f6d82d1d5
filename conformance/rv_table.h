/*
 * rv_table.h: the one table of the CKR values each PKCS#11 3.0 function may
 * return, with the spec section of each function.
 *
 * Each function's list is its "Return values" paragraph in the PKCS#11 Base
 * Specification v3.0, chapter 5, widened by the rules of §5.1 that apply to
 * every function of a kind:
 *   §5.1.1  any function: CKR_GENERAL_ERROR, CKR_HOST_MEMORY,
 *           CKR_FUNCTION_FAILED, CKR_OK;
 *   §5.1.2  functions that take a session handle: CKR_SESSION_HANDLE_INVALID,
 *           CKR_DEVICE_REMOVED, CKR_SESSION_CLOSED;
 *   §5.1.3  functions that use a token: CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR,
 *           CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED;
 *   §5.1.6  CKR_CRYPTOKI_NOT_INITIALIZED from any function but C_Initialize,
 *           C_GetFunctionList, C_GetInterfaceList and C_GetInterface, and
 *           CKR_FUNCTION_NOT_SUPPORTED from the stub of a function a library
 *           does not offer.
 * The table is data only: no module is consulted.
 */
#ifndef CT_CONF_RV_TABLE_H
#define CT_CONF_RV_TABLE_H

#include <stdbool.h>

#include <credtoken/pkcs11.h>

/* Codes p11-kit's 2.40 header lacks (values from the spec). */
#ifndef CKR_UNWRAPPING_KEY_HANDLE_INVALID
#define CKR_UNWRAPPING_KEY_HANDLE_INVALID 0x000000F0UL
#endif
#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE 0x00000001UL
#endif

/* Every function of the 3.0 function list, in list order. */
enum fn {
    FN_C_Initialize,
    FN_C_Finalize,
    FN_C_GetInfo,
    FN_C_GetFunctionList,
    FN_C_GetSlotList,
    FN_C_GetSlotInfo,
    FN_C_GetTokenInfo,
    FN_C_GetMechanismList,
    FN_C_GetMechanismInfo,
    FN_C_InitToken,
    FN_C_InitPIN,
    FN_C_SetPIN,
    FN_C_OpenSession,
    FN_C_CloseSession,
    FN_C_CloseAllSessions,
    FN_C_GetSessionInfo,
    FN_C_GetOperationState,
    FN_C_SetOperationState,
    FN_C_Login,
    FN_C_Logout,
    FN_C_CreateObject,
    FN_C_CopyObject,
    FN_C_DestroyObject,
    FN_C_GetObjectSize,
    FN_C_GetAttributeValue,
    FN_C_SetAttributeValue,
    FN_C_FindObjectsInit,
    FN_C_FindObjects,
    FN_C_FindObjectsFinal,
    FN_C_EncryptInit,
    FN_C_Encrypt,
    FN_C_EncryptUpdate,
    FN_C_EncryptFinal,
    FN_C_DecryptInit,
    FN_C_Decrypt,
    FN_C_DecryptUpdate,
    FN_C_DecryptFinal,
    FN_C_DigestInit,
    FN_C_Digest,
    FN_C_DigestUpdate,
    FN_C_DigestKey,
    FN_C_DigestFinal,
    FN_C_SignInit,
    FN_C_Sign,
    FN_C_SignUpdate,
    FN_C_SignFinal,
    FN_C_SignRecoverInit,
    FN_C_SignRecover,
    FN_C_VerifyInit,
    FN_C_Verify,
    FN_C_VerifyUpdate,
    FN_C_VerifyFinal,
    FN_C_VerifyRecoverInit,
    FN_C_VerifyRecover,
    FN_C_DigestEncryptUpdate,
    FN_C_DecryptDigestUpdate,
    FN_C_SignEncryptUpdate,
    FN_C_DecryptVerifyUpdate,
    FN_C_GenerateKey,
    FN_C_GenerateKeyPair,
    FN_C_WrapKey,
    FN_C_UnwrapKey,
    FN_C_DeriveKey,
    FN_C_SeedRandom,
    FN_C_GenerateRandom,
    FN_C_GetFunctionStatus,
    FN_C_CancelFunction,
    FN_C_WaitForSlotEvent,
    /* 3.0 additions */
    FN_C_GetInterfaceList,
    FN_C_GetInterface,
    FN_C_LoginUser,
    FN_C_SessionCancel,
    FN_C_MessageEncryptInit,
    FN_C_EncryptMessage,
    FN_C_EncryptMessageBegin,
    FN_C_EncryptMessageNext,
    FN_C_MessageEncryptFinal,
    FN_C_MessageDecryptInit,
    FN_C_DecryptMessage,
    FN_C_DecryptMessageBegin,
    FN_C_DecryptMessageNext,
    FN_C_MessageDecryptFinal,
    FN_C_MessageSignInit,
    FN_C_SignMessage,
    FN_C_SignMessageBegin,
    FN_C_SignMessageNext,
    FN_C_MessageSignFinal,
    FN_C_MessageVerifyInit,
    FN_C_VerifyMessage,
    FN_C_VerifyMessageBegin,
    FN_C_VerifyMessageNext,
    FN_C_MessageVerifyFinal,
    FN__COUNT
};

/* The function's name ("C_Sign") and its section of the 3.0 base spec. */
const char *fn_name(enum fn f);
const char *fn_section(enum fn f);
/* True for the functions §5.1.2 says take a session handle. */
bool fn_takes_session(enum fn f);
/* True for the functions added by PKCS#11 3.0 (not in a 2.40 list). */
bool fn_is_v3(enum fn f);

/* May f return rv, by its own list and the §5.1 rules above? */
bool rv_allowed(enum fn f, CK_RV rv);

/* "CKR_OK", or "0x000000ab" for a value the spec does not name. The
 * returned string is static or in a small rotating buffer (8 slots). */
const char *rv_name(CK_RV rv);

#endif
