/*
 * credsets.c: the vendor interface "credtoken credsets" (credtoken/credsets.h).
 */
#include "credtoken/credsets.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/setimport.h"
#include "pkcs11/lists.h"
#include "pkcs11/gate.h"

static CK_RV
ct_CT_CreateSet(const char *id, const CK_BYTE *pBody, CK_ULONG ulBodyLen, CK_FLAGS flags,
                const CK_UTF8CHAR *pSoPin, CK_ULONG ulSoPinLen, const CK_UTF8CHAR *pPin,
                CK_ULONG ulPinLen, CK_SLOT_ID *pSlot, char *pErr, CK_ULONG errLen)
{
    char err[CREDSET_ERR_LEN] = "";
    if (id == NULL || pBody == NULL || pSoPin == NULL || pPin == NULL || pSlot == NULL ||
        (flags & ~CT_SET_FLAGS) != 0)
        return CKR_ARGUMENTS_BAD;
    struct credset_opts o = {.now = time(NULL),
                             .allow_expired = (flags & CT_SET_ALLOW_EXPIRED) != 0,
                             .exportable = (flags & CT_SET_EXPORTABLE) != 0,
                             .aws_labels = (flags & CT_SET_AWS_LABELS) != 0};
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK)
        rv = setimport_create(g.lib, id, pBody, ulBodyLen, &o, (flags & CT_SET_OWN_PINS) != 0,
                              (flags & CT_SET_TPM_KEYS) != 0, pSoPin, ulSoPinLen, pPin, ulPinLen,
                              pSlot, err);
    if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) snprintf(err, sizeof err, "not initialized");
    if (rv != CKR_OK && pErr != NULL && errLen > 0) snprintf(pErr, errLen, "%s", err);
    return gate_leave(&g, rv);
}

static CK_RV
ct_CT_UpdateSet(CK_SESSION_HANDLE hSession, const CK_BYTE *pBody, CK_ULONG ulBodyLen,
                CK_FLAGS flags, char *pErr, CK_ULONG errLen)
{
    char err[CREDSET_ERR_LEN] = "";
    struct credset_opts o = {.now = time(NULL),
                             .allow_expired = (flags & CT_SET_ALLOW_EXPIRED) != 0,
                             .exportable = (flags & CT_SET_EXPORTABLE) != 0,
                             .aws_labels = (flags & CT_SET_AWS_LABELS) != 0};
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK && pBody == NULL) rv = CKR_ARGUMENTS_BAD;
    if (rv == CKR_OK) rv = setimport_update(g.sess, pBody, ulBodyLen, &o, err);
    if (rv != CKR_OK && err[0] == '\0') snprintf(err, sizeof err, "refused (0x%lx)", rv);
    if (rv != CKR_OK && pErr != NULL && errLen > 0) snprintf(pErr, errLen, "%s", err);
    return gate_leave(&g, rv);
}

static CK_RV
ct_CT_DeleteSet(CK_SLOT_ID slotID, const CK_UTF8CHAR *pSoPin, CK_ULONG ulSoPinLen, char *pErr,
                CK_ULONG errLen)
{
    char err[CREDSET_ERR_LEN] = "";
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK && pSoPin == NULL) rv = CKR_ARGUMENTS_BAD;
    if (rv == CKR_OK) rv = setimport_delete(g.lib, slotID, pSoPin, ulSoPinLen, err);
    if (rv != CKR_OK && err[0] == '\0') snprintf(err, sizeof err, "refused (0x%lx)", rv);
    if (rv != CKR_OK && pErr != NULL && errLen > 0) snprintf(pErr, errLen, "%s", err);
    return gate_leave(&g, rv);
}

CT_CREDSETS_FUNCTION_LIST credsets_list = {
    .version = {1, 2},
    .CT_CreateSet = ct_CT_CreateSet,
    .CT_UpdateSet = ct_CT_UpdateSet,
    .CT_DeleteSet = ct_CT_DeleteSet,
};
