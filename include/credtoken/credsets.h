/*
 * credsets.h: credtoken's vendor interface for credential sets, reached
 * through PKCS#11 3.0's C_GetInterface:
 *
 *     CK_INTERFACE_PTR i;
 *     C_GetInterface((CK_UTF8CHAR_PTR)CT_CREDSETS_INTERFACE, NULL, &i, 0);
 *     const CT_CREDSETS_FUNCTION_LIST *f = i->pFunctionList;
 *
 * A set is a token whose label is the set's ID (README, "Credential
 * sets"); everything else about a set is read and used through the
 * ordinary PKCS#11 functions. C_Initialize must have been called.
 */
#ifndef CREDTOKEN_CREDSETS_H
#define CREDTOKEN_CREDSETS_H

#include "credtoken/pkcs11.h"

#define CT_CREDSETS_INTERFACE "credtoken credsets"

/* CT_CreateSet flags. */
#define CT_SET_ALLOW_EXPIRED 0x1UL /* accept a certificate outside its validity period */
#define CT_SET_EXPORTABLE 0x2UL    /* psk: the key's value can be read */
#define CT_SET_AWS_LABELS 0x4UL    /* x509: AWS corePKCS11's object labels */
#define CT_SET_OWN_PINS 0x8UL      /* the set's own PINs, not the store's (1.1) */
#define CT_SET_TPM_KEYS 0x10UL     /* its keys in the TPM, as --backend tpm (1.2) */
#define CT_SET_FLAGS 0x1FUL        /* every flag CT_CreateSet knows */

typedef struct CT_CREDSETS_FUNCTION_LIST {
    CK_VERSION version; /* 1.2 (1.0 had CT_CreateSet only; 1.1 CT_SET_OWN_PINS) */
    /* Create set id (NUL-terminated, at most 32 characters) from its JSON
     * body as a new token with the SO and user PINs given, atomically: it
     * exists complete or not at all. Sets share the store's PINs: the
     * first set's PINs become the store's, and later ones must be given
     * the same (checked as logins are, failures counted), unless
     * CT_SET_OWN_PINS gives the set PINs of its own. CT_SET_TPM_KEYS
     * makes the set a token of the TPM backend (as CT_TOKEN_TPM_KEYS): its
     * private key (x509, googleIoT, google-service-account-json) and HMAC
     * keys (azure, psk; an AWS secret as "AWS4" || secret, for
     * CKM_CREDTOKEN_AWS_SIGV4 only) are imported into the TPM and never
     * readable again, and its header is sealed to the TPM. *pSlot receives its slot. On failure
     * pErr (errLen bytes, may be NULL) receives one line saying why.
     * Returns CKR_OK; CKR_CRYPTOKI_NOT_INITIALIZED; CKR_ARGUMENTS_BAD (a
     * NULL argument, a bad ID, unknown flags, CT_SET_TPM_KEYS with
     * CT_SET_EXPORTABLE); CKR_DATA_INVALID (malformed body, unknown
     * type, missing or unexpected field, duplicate ID); CKR_DATA_LEN_RANGE;
     * CKR_ATTRIBUTE_VALUE_INVALID (keys or certificates that do not parse,
     * match, verify or are not valid now; a key the TPM cannot hold); CKR_PIN_LEN_RANGE;
     * CKR_PIN_INCORRECT, CKR_PIN_LOCKED (not the store's PINs);
     * CKR_DEVICE_MEMORY (the store's set limit, or no space);
     * CKR_TOKEN_WRITE_PROTECTED; CKR_DEVICE_ERROR; CKR_HOST_MEMORY. */
    CK_RV(*CT_CreateSet)
    (const char *id, const CK_BYTE *pBody, CK_ULONG ulBodyLen, CK_FLAGS flags,
     const CK_UTF8CHAR *pSoPin, CK_ULONG ulSoPinLen, const CK_UTF8CHAR *pPin, CK_ULONG ulPinLen,
     CK_SLOT_ID *pSlot, char *pErr, CK_ULONG errLen);

    /* Since 1.1. Replace the material of the set on hSession's token with
     * a new body of the same type, atomically: every reader, in any
     * process, sees the old set or the new one, never a mix. The set keeps
     * its ID, slot, PINs and createDateTime; updateDateTime becomes now.
     * The session must be read/write with the user logged in. Handles of
     * the old objects become invalid. flags as CT_CreateSet. Returns CKR_OK;
     * CKR_CRYPTOKI_NOT_INITIALIZED; CKR_SESSION_HANDLE_INVALID;
     * CKR_ARGUMENTS_BAD; CKR_SESSION_READ_ONLY; CKR_USER_NOT_LOGGED_IN;
     * CKR_TOKEN_NOT_RECOGNIZED (the token is not a set); CKR_DATA_INVALID
     * (as CT_CreateSet, and a body of another type);
     * CKR_ATTRIBUTE_VALUE_INVALID; CKR_DATA_LEN_RANGE;
     * CKR_FUNCTION_NOT_SUPPORTED (the store cannot replace atomically);
     * CKR_DEVICE_REMOVED; CKR_TOKEN_WRITE_PROTECTED; CKR_DEVICE_MEMORY;
     * CKR_DEVICE_ERROR; CKR_HOST_MEMORY. */
    CK_RV(*CT_UpdateSet)
    (CK_SESSION_HANDLE hSession, const CK_BYTE *pBody, CK_ULONG ulBodyLen, CK_FLAGS flags,
     char *pErr, CK_ULONG errLen);

    /* Since 1.1. Delete the set in slotID with all its objects, atomically,
     * given its SO PIN (a wrong one counts as a failed SO login). This
     * application must have no session on it (as C_InitToken); other
     * processes' sessions on it end. Returns CKR_OK;
     * CKR_CRYPTOKI_NOT_INITIALIZED; CKR_ARGUMENTS_BAD; CKR_SLOT_ID_INVALID;
     * CKR_SESSION_EXISTS; CKR_TOKEN_NOT_RECOGNIZED (not a set);
     * CKR_PIN_INCORRECT; CKR_PIN_LOCKED; CKR_DEVICE_REMOVED;
     * CKR_TOKEN_WRITE_PROTECTED; CKR_DEVICE_MEMORY; CKR_DEVICE_ERROR;
     * CKR_HOST_MEMORY. */
    CK_RV(*CT_DeleteSet)
    (CK_SLOT_ID slotID, const CK_UTF8CHAR *pSoPin, CK_ULONG ulSoPinLen, char *pErr,
     CK_ULONG errLen);
} CT_CREDSETS_FUNCTION_LIST;

#endif
