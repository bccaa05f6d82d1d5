/*
 * mechlist.c: the mechanisms a token offers (mechlist.h).
 */
#include "core/mechlist.h"

#include "core/token.h"
#include "core/tpmkey.h"

/* Whether t offers type, with its info there. */
static CK_RV
mechlist_offers(struct token *t, CK_MECHANISM_TYPE type, const struct mech_desc **d,
                CK_MECHANISM_INFO *info)
{
    *d = mech_find(type);
    if (*d == NULL) return CKR_OK;
    *info = (*d)->info;
    if (token_tpm(t) == NULL) return CKR_OK;
    const struct tpm_caps *caps;
    CK_RV rv = tpmkey_caps_inlock(t->lib, &caps);
    if (rv != CKR_OK) return rv;
    if (!tpmkey_mech(caps, type, info)) *d = NULL;
    return CKR_OK;
}

CK_RV
mechlist_find(struct token *t, CK_MECHANISM_TYPE type, const struct mech_desc **out)
{
    CK_MECHANISM_INFO info;
    return mechlist_offers(t, type, out, &info);
}

CK_RV
mechlist_get(struct token *t, CK_MECHANISM_TYPE *list, CK_ULONG *n)
{
    CK_ULONG cnt = 0, room = *n;
    CK_RV rv = CKR_OK;
    for (size_t i = 0; i < mech_count(); i++) {
        const struct mech_desc *d;
        CK_MECHANISM_INFO info;
        if ((rv = mechlist_offers(t, mech_at(i)->type, &d, &info)) != CKR_OK) return rv;
        if (d == NULL) continue;
        if (list != NULL && cnt < room) list[cnt] = d->type;
        cnt++;
    }
    *n = cnt;
    return list != NULL && cnt > room ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

CK_RV
mechlist_info(struct token *t, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
    const struct mech_desc *d;
    CK_RV rv = mechlist_offers(t, type, &d, info);
    if (rv == CKR_OK && d == NULL) rv = CKR_MECHANISM_INVALID;
    return rv;
}
