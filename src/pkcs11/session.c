/* session.c: session management and login, PKCS#11 3.0 §5.6. */
#include "core/find.h"
#include "core/opstate.h"
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"

CK_RV
ct_C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                 CK_SESSION_HANDLE_PTR phSession)
{
    /* §5.6.1. Notify callbacks are never made (nothing is asynchronous). */
    (void)pApplication;
    (void)Notify;
    if (phSession == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    struct token *t = library_token(g.lib, slotID);
    struct store_tok_info info;
    if (t == NULL)
        rv = CKR_SLOT_ID_INVALID;
    else if (!(flags & CKF_SERIAL_SESSION))
        rv = CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    else if (t->st == NULL)
        rv = CKR_TOKEN_NOT_RECOGNIZED;
    else if (!(flags & CKF_RW_SESSION) && t->user == CKU_SO)
        rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
    else if ((rv = store_tok_info(t->st, &info)) == CKR_OK && (flags & CKF_RW_SESSION) &&
             info.write_protected)
        rv = CKR_TOKEN_WRITE_PROTECTED;
    if (rv == CKR_OK)
        rv = library_session_open_inlock(g.lib, t, flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION),
                                         phSession);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_CloseSession(CK_SESSION_HANDLE hSession)
{
    /* §5.6.2 */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) library_session_close_inlock(g.lib, g.sess);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_CloseAllSessions(CK_SLOT_ID slotID)
{
    /* §5.6.3 */
    struct gate g;
    CK_RV rv = GATE_ENTER(&g);
    if (rv == CKR_OK) {
        struct token *t = library_token(g.lib, slotID);
        if (t == NULL)
            rv = CKR_SLOT_ID_INVALID;
        else
            library_session_close_all_inlock(g.lib, t);
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    /* §5.6.5 */
    if (pInfo == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) {
        pInfo->slotID = g.sess->tok->slot_id;
        pInfo->state = session_state(g.sess);
        pInfo->flags = g.sess->flags;
        pInfo->ulDeviceError = 0;
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                       CK_ULONG_PTR pulOperationStateLen)
{
    /* §5.6.6 */
    if (pulOperationStateLen == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = opstate_save(g.lib, g.sess, pOperationState, pulOperationStateLen);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                       CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
                       CK_OBJECT_HANDLE hAuthenticationKey)
{
    /* §5.6.7 */
    if (pOperationState == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK)
        rv = opstate_restore(g.lib, g.sess, pOperationState, ulOperationStateLen, hEncryptionKey,
                             hAuthenticationKey);
    return gate_leave(&g, rv);
}

/* The operation waiting for a context-specific login, if any. */
static struct op *
op_waiting_auth(struct session *s)
{
    for (int k = 0; k < OP_KINDS; k++)
        if (s->ops[k] != NULL && s->ops[k]->needs_auth) return s->ops[k];
    return NULL;
}

/* A PIN check whose derivation runs without the lock; then, under it
 * again, store_tok_login_end() or the core's end. */
static CK_RV
login_unlocked(struct gate *g, CK_SESSION_HANDLE h, CK_USER_TYPE who, const CK_UTF8CHAR *pin,
               CK_ULONG len)
{
    struct token *t = g->sess->tok;
    struct store_login *l = NULL;
    bool context = who == CKU_CONTEXT_SPECIFIC;
    CK_RV rv =
        context ? store_tok_login_begin(t->st, CKU_USER, &l) : token_login_begin_inlock(t, who, &l);
    if (rv != CKR_OK) return rv;
    /* The PIN derivation (~100 ms by design) runs without the lock. */
    gate_unlock(g);
    CK_RV run = store_login_run(l, pin, len);
    rv = gate_relock(g, h);
    if (rv != CKR_OK) {
        store_login_free(l);
        return rv;
    }
    t = g->sess->tok;
    if (!context) return token_login_end_inlock(t, who, l, run);
    rv = store_tok_login_end(t->st, l, run);
    struct op *op = op_waiting_auth(g->sess);
    if (rv == CKR_OK && op == NULL) rv = CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK) op->needs_auth = false; /* for this one operation */
    return rv;
}

static CK_RV
login(const char *fn, CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
      CK_ULONG ulPinLen)
{
    if (pPin == NULL && ulPinLen != 0) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = gate_enter_session(&g, fn, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    /* A NULL PIN only through the protected authentication path: a sealed
     * token with no user PIN (§5.6.8). */
    if (pPin == NULL && (userType == CKU_SO || !store_tok_no_pin(g.sess->tok->st)))
        return gate_leave(&g, CKR_ARGUMENTS_BAD);
    if (userType == CKU_CONTEXT_SPECIFIC) {
        /* §5.6.8: re-authentication for one operation on a key with
         * CKA_ALWAYS_AUTHENTICATE, after its Init. */
        /* "Improper use of this user type will result in a return value
         * CKR_OPERATION_NOT_INITIALIZED" (also when nobody is logged in:
         * C_Login may not return CKR_USER_NOT_LOGGED_IN). */
        if (g.sess->tok->user != CKU_USER || op_waiting_auth(g.sess) == NULL)
            return gate_leave(&g, CKR_OPERATION_NOT_INITIALIZED);
    }
    return gate_leave(&g, login_unlocked(&g, hSession, userType, pPin, ulPinLen));
}

CK_RV
ct_C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
           CK_ULONG ulPinLen)
{
    /* §5.6.8 */
    return login(__func__, hSession, userType, pPin, ulPinLen);
}

CK_RV
ct_C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
               CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
    /* §5.6.9: a token with one user per role ignores the user name. */
    (void)pUsername;
    (void)ulUsernameLen;
    return login(__func__, hSession, userType, pPin, ulPinLen);
}

CK_RV
ct_C_Logout(CK_SESSION_HANDLE hSession)
{
    /* §5.6.10 */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = token_logout_inlock(g.sess->tok);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
    /* 3.0 §5.6.4: end the operations the flags name. An operation running
     * in another thread at this moment is detached from the session and
     * ends with that call. */
    static const struct {
        CK_FLAGS flag;
        enum op_kind kind;
    } map[] = {{CKF_SIGN, OP_SIGN},
               {CKF_VERIFY, OP_VERIFY},
               {CKF_ENCRYPT, OP_ENCRYPT},
               {CKF_DECRYPT, OP_DECRYPT},
               {CKF_DIGEST, OP_DIGEST},
               {CKF_SIGN_RECOVER, OP_SIGN_RECOVER},
               {CKF_VERIFY_RECOVER, OP_VERIFY_RECOVER}};
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv != CKR_OK) return gate_leave(&g, rv);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!(flags & map[i].flag)) continue;
        op_free(g.sess->ops[map[i].kind]);
        g.sess->ops[map[i].kind] = NULL;
    }
    if (flags & CKF_FIND_OBJECTS) {
        find_free(g.sess->find);
        g.sess->find = NULL;
    }
    return gate_leave(&g, CKR_OK);
}
