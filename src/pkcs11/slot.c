/* slot.c: slot and token management, PKCS#11 3.0 §5.5. */
#include <string.h>

#include "core/mechlist.h"
#include "mech/mech.h"
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"
#include "pkcs11/slot.h"
#include "util/log.h"
#include "util/text.h"

#define PIN_MIN 4
#define PIN_MAX 255

static bool
pin_len_ok(CK_ULONG len)
{
    return len >= PIN_MIN && len <= PIN_MAX;
}

CK_RV
ct_C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
    /* §5.5.1. Every slot holds a token (the free one an uninitialized
     * token), so tokenPresent changes nothing. */
    (void)tokenPresent;
    if (pulCount == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    /* The list may change only on a length query (§5.5.1): pick up tokens
     * other processes created. */
    if (pSlotList == NULL) {
        rv = library_refresh_inlock(g.lib);
        if (rv == CKR_HOST_MEMORY) return gate_leave(&g, rv);
        if (rv != CKR_OK) rv = CKR_FUNCTION_FAILED;
        if (rv == CKR_OK) *pulCount = g.lib->ntok;
        return gate_leave(&g, rv);
    }
    if (*pulCount < g.lib->ntok) {
        *pulCount = g.lib->ntok;
        return gate_leave(&g, CKR_BUFFER_TOO_SMALL);
    }
    for (size_t i = 0; i < g.lib->ntok; i++)
        pSlotList[i] = g.lib->toks[i]->slot_id;
    *pulCount = g.lib->ntok;
    return gate_leave(&g, CKR_OK);
}

CK_RV
ct_C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    /* §5.5.2 */
    if (pInfo == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK) {
        struct token *t = library_token(g.lib, slotID);
        if (t == NULL)
            rv = CKR_SLOT_ID_INVALID;
        else
            token_slot_info(t, pInfo);
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    /* §5.5.3 */
    if (pInfo == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK) {
        struct token *t = library_token(g.lib, slotID);
        if (t == NULL)
            rv = CKR_SLOT_ID_INVALID;
        else
            rv = token_info(t, pInfo);
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    /* §5.5.4: slots never change state on their own here. */
    if (pSlot == NULL || pReserved != NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK) rv = (flags & CKF_DONT_BLOCK) ? CKR_NO_EVENT : CKR_FUNCTION_NOT_SUPPORTED;
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                      CK_ULONG_PTR pulCount)
{
    /* §5.5.5 */
    if (pulCount == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    struct token *t = library_token(g.lib, slotID);
    if (t == NULL) return gate_leave(&g, CKR_SLOT_ID_INVALID);
    CK_ULONG n = pMechanismList != NULL ? *pulCount : 0;
    rv = mechlist_get(t, pMechanismList, &n);
    if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) *pulCount = n;
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
    /* §5.5.6 */
    if (pInfo == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    struct token *t = rv == CKR_OK ? library_token(g.lib, slotID) : NULL;
    if (rv == CKR_OK && t == NULL) rv = CKR_SLOT_ID_INVALID;
    if (rv == CKR_OK) rv = mechlist_info(t, type, pInfo);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
    /* §5.5.7 */
    return slot_init_token(slotID, pPin, ulPinLen, pLabel, NULL);
}

CK_RV
slot_init_token(CK_SLOT_ID slotID, const CK_UTF8CHAR *pPin, CK_ULONG ulPinLen,
                const CK_UTF8CHAR *pLabel, const struct store_seal *seal)
{
    if (pPin == NULL || pLabel == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    struct token *t = library_token(g.lib, slotID);
    if (t == NULL) return gate_leave(&g, CKR_SLOT_ID_INVALID);
    if (t->st == NULL && !pin_len_ok(ulPinLen)) {
        log_err("C_InitToken: the SO PIN must be %d to %d bytes long", PIN_MIN, PIN_MAX);
        return gate_leave(&g, CKR_ARGUMENTS_BAD);
    }
    if (pLabel[0] == '\0' || text_trimmed_len(pLabel, 32) == 0) {
        log_err("C_InitToken: the token label must not be blank");
        return gate_leave(&g, CKR_ARGUMENTS_BAD);
    }
    /* The label is 32 blank-padded bytes (§5.5.7). Some callers pass a
     * shorter NUL-terminated string: a NUL ends the label there. */
    CK_UTF8CHAR label[32];
    memset(label, ' ', sizeof label);
    for (size_t i = 0; i < sizeof label && pLabel[i] != '\0'; i++)
        label[i] = pLabel[i];
    rv = library_init_token_sealed_inlock(g.lib, t, pPin, ulPinLen, label, seal);
    return gate_leave(&g, rv);
}

/* Whether a new PIN for who may be pin: PIN_MIN..PIN_MAX bytes, or empty
 * for the user of a token sealed to the TPM (which then needs no PIN). */
static bool
new_pin_ok(const struct session *s, CK_USER_TYPE who, const CK_UTF8CHAR *pin, CK_ULONG len)
{
    if (len == 0) return who == CKU_USER && store_tok_sealed(s->tok->st);
    return pin != NULL && pin_len_ok(len);
}

/* Run a PIN job's derivations without the lock (store.h). */
static CK_RV
pin_job(struct gate *g, CK_SESSION_HANDLE h, CK_USER_TYPE who, bool init,
        const CK_UTF8CHAR *old_pin, CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    struct store_pin_job *j = NULL;
    CK_RV rv = store_tok_pin_begin(g->sess->tok->st, who, init, &j);
    if (rv != CKR_OK) return rv;
    gate_unlock(g);
    CK_RV run = store_pin_job_run(j, old_pin, old_len, new_pin, new_len);
    rv = gate_relock(g, h);
    if (rv != CKR_OK) {
        store_pin_job_free(j);
        return rv;
    }
    return store_tok_pin_end(g->sess->tok->st, j, run);
}

CK_RV
ct_C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    /* §5.5.8: only in the R/W SO Functions state. */
    if (pPin == NULL && ulPinLen > 0) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    if (session_state(g.sess) != CKS_RW_SO_FUNCTIONS)
        rv = CKR_USER_NOT_LOGGED_IN;
    else if (!new_pin_ok(g.sess, CKU_USER, pPin, ulPinLen))
        rv = CKR_PIN_LEN_RANGE;
    else
        rv = pin_job(&g, hSession, CKU_USER, true, NULL, 0, pPin, ulPinLen);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
            CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    /* §5.5.9: the SO's PIN in the R/W SO state, else the user's. NULL
     * PINs only on a sealed token without a user PIN (below). */
    if ((pOldPin == NULL && ulOldLen) || (pNewPin == NULL && ulNewLen)) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    struct session *s = g.sess;
    CK_USER_TYPE who = s->tok->user == CKU_SO ? CKU_SO : CKU_USER;
    if (pOldPin == NULL && (who == CKU_SO || !store_tok_no_pin(s->tok->st)))
        rv = CKR_ARGUMENTS_BAD;
    else if (pNewPin == NULL && !(who == CKU_USER && store_tok_sealed(s->tok->st)))
        rv = CKR_ARGUMENTS_BAD;
    else if (!session_is_rw(s))
        rv = CKR_SESSION_READ_ONLY;
    else if (!new_pin_ok(s, who, pNewPin, ulNewLen))
        rv = CKR_PIN_LEN_RANGE;
    else
        rv = pin_job(&g, hSession, who, false, pOldPin, ulOldLen, pNewPin, ulNewLen);
    /* No user PIN yet: no old PIN can match (C_SetPIN may not return
     * CKR_USER_PIN_NOT_INITIALIZED). Nothing was counted. */
    if (rv == CKR_USER_PIN_NOT_INITIALIZED) rv = CKR_PIN_INCORRECT;
    return gate_leave(&g, rv);
}
