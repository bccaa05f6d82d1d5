/*
 * mechlist.h: the mechanisms a token offers. Every mechanism of the
 * registry (mech.h), except on a token of the TPM backend: there only
 * those its TPM performs (tpmkey_mech). All functions require the library
 * lock; on a TPM token the first call asks the TPM (tpmkey_caps_inlock).
 */
#ifndef CT_CORE_MECHLIST_H
#define CT_CORE_MECHLIST_H

#include "core/token.h"
#include "mech/mech.h"

/* *out: the descriptor, or NULL when the token does not offer type.
 * CKR_OK, CKR_DEVICE_ERROR (the TPM cannot be asked: logged),
 * CKR_HOST_MEMORY. */
CK_RV mechlist_find(struct token *t, CK_MECHANISM_TYPE type, const struct mech_desc **out);
/* C_GetMechanismList's answer: list NULL asks the count (*n). CKR_OK,
 * CKR_BUFFER_TOO_SMALL (*n: the count), mechlist_find's errors. */
CK_RV mechlist_get(struct token *t, CK_MECHANISM_TYPE *list, CK_ULONG *n);
/* C_GetMechanismInfo's answer. CKR_OK, CKR_MECHANISM_INVALID,
 * mechlist_find's errors. */
CK_RV mechlist_info(struct token *t, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

#endif
