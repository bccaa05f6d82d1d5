/*
 * cases_session.c: PKCS#11 3.0 §5.6 session management (the login matrix is
 * in cases_login.c) and §5.1.2: invalid, closed and stale session handles
 * for every function that takes one; §5.20 legacy parallel functions.
 */
#include "calls.h"
#include "cases.h"
#include "fixtures.h"

#include <string.h>

#define BOGUS_SLOT ((CK_SLOT_ID)0x7ffffff1UL)

static void
judge_bad_session(struct cx *cx, enum fn f, CK_RV rv)
{
    if (rv == CKR_FUNCTION_NOT_SUPPORTED) {
        ct_note(cx, "a stub (CKR_FUNCTION_NOT_SUPPORTED, 5.1.6)");
        return;
    }
    ct_rv(cx, f, rv, CKR_SESSION_HANDLE_INVALID);
}

static void
case_invalid_handle(struct cx *cx, const void *arg)
{
    const struct call *c = arg;
    if (fn_is_v3(c->fn)) ct_need_v3(cx);
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true); /* a real session exists meanwhile */
    (void)s;
    /* "Valid session handles ... always have nonzero values." */
    struct call_args a = {.s = CK_INVALID_HANDLE, .slot = cx->slot, .obj = 1};
    judge_bad_session(cx, c->fn, c->call(cx->p, &a));
}

static void
case_closed_handle(struct cx *cx, const void *arg)
{
    const struct call *c = arg;
    if (fn_is_v3(c->fn)) ct_need_v3(cx);
    ct_init(cx);
    CK_SESSION_HANDLE keep = ct_open(cx, true);
    (void)keep;
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_ok(cx, FN_C_CloseSession, cx->p->C_CloseSession(s));
    struct call_args a = {.s = s, .slot = cx->slot, .obj = 1};
    judge_bad_session(cx, c->fn, c->call(cx->p, &a));
}

static void
case_open_session_args(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s;
    ct_rv(cx, FN_C_OpenSession, cx->p->C_OpenSession(cx->slot, CKF_RW_SESSION, NULL, NULL, &s),
          CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    ct_rv(cx, FN_C_OpenSession,
          cx->p->C_OpenSession(BOGUS_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s),
          CKR_SLOT_ID_INVALID);
    ct_rv(cx, FN_C_OpenSession,
          cx->p->C_OpenSession(cx->slot, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD);
}

static void
case_session_info(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE ro = ct_open(cx, false), rw = ct_open(cx, true);
    CK_SESSION_INFO si;
    ct_rv(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(ro, NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(ro, &si));
    ct_check(cx, si.state == CKS_RO_PUBLIC_SESSION && si.slotID == cx->slot,
             "R/O session: state %lu slot %lu", si.state, si.slotID);
    ct_check(cx, (si.flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION)) == CKF_SERIAL_SESSION,
             "R/O session flags 0x%lx", si.flags);
    ct_ok(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(rw, &si));
    ct_check(cx, si.state == CKS_RW_PUBLIC_SESSION, "R/W session: state %lu", si.state);
    ct_check(cx,
             (si.flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION)) ==
                 (CKF_SERIAL_SESSION | CKF_RW_SESSION),
             "R/W session flags 0x%lx", si.flags);
}

static void
case_close_twice(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    ct_rv(cx, FN_C_CloseSession, cx->p->C_CloseSession(s), CKR_OK);
    ct_rv(cx, FN_C_CloseSession, cx->p->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
    ct_rv(cx, FN_C_CloseAllSessions, cx->p->C_CloseAllSessions(BOGUS_SLOT), CKR_SLOT_ID_INVALID);
}

static void
case_stale_close_all(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE a = ct_open(cx, false), b = ct_open(cx, true);
    ct_rv(cx, FN_C_CloseAllSessions, cx->p->C_CloseAllSessions(cx->slot), CKR_OK);
    CK_SESSION_INFO si;
    ct_rv(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(a, &si), CKR_SESSION_HANDLE_INVALID);
    ct_rv(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(b, &si), CKR_SESSION_HANDLE_INVALID);
}

static void
case_stale_reinit(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_ok(cx, FN_C_Finalize, cx->p->C_Finalize(NULL));
    ct_ok(cx, FN_C_Initialize, cx->p->C_Initialize(NULL));
    CK_SESSION_INFO si;
    ct_rv(cx, FN_C_GetSessionInfo, cx->p->C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID);
    ct_rv(cx, FN_C_CloseSession, cx->p->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
}

static void
case_session_objects_die(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s1 = ct_open(cx, true), s2 = ct_open(cx, false);
    CK_OBJECT_HANDLE o = fx_data(cx, s1, false, false, "session-object");
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s2, o, &a, 1), CKR_OK);
    ct_ok(cx, FN_C_CloseSession, cx->p->C_CloseSession(s1));
    a.ulValueLen = sizeof cls;
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s2, o, &a, 1),
          CKR_OBJECT_HANDLE_INVALID);
}

static void
case_close_last_logs_out(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_ok(cx, FN_C_CloseSession, cx->p->C_CloseSession(s));
    s = ct_open(cx, true);
    ct_check(cx, ct_state(cx, s) == CKS_RW_PUBLIC_SESSION,
             "after the last session closed, a new session is not R/W public");
    ct_login(cx, s, CKU_USER);
    ct_ok(cx, FN_C_CloseAllSessions, cx->p->C_CloseAllSessions(cx->slot));
    s = ct_open(cx, false);
    ct_check(cx, ct_state(cx, s) == CKS_RO_PUBLIC_SESSION,
             "after C_CloseAllSessions, a new session is not R/O public");
}

static void
case_session_cancel(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_need_v3(cx);
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_SHA256_HMAC, CKF_SIGN);
    CK_OBJECT_HANDLE k = fx_hmac_key(cx, s, NULL);
    CK_BYTE data[16] = {0};
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_hmac, k));
    /* "If no flags are set, the session state will not be modified" */
    ct_rv(cx, FN_C_SessionCancel, cx->p->C_SessionCancel(s, 0), CKR_OK);
    ct_rv(cx, FN_C_SignUpdate, cx->p->C_SignUpdate(s, data, sizeof data), CKR_OK);
    /* a flag for an operation that is not active is ignored */
    ct_rv(cx, FN_C_SessionCancel, cx->p->C_SessionCancel(s, CKF_DECRYPT), CKR_OK);
    ct_rv(cx, FN_C_SignUpdate, cx->p->C_SignUpdate(s, data, sizeof data), CKR_OK);
    ct_rv(cx, FN_C_SessionCancel, cx->p->C_SessionCancel(s, CKF_SIGN), CKR_OK);
    ct_rv(cx, FN_C_SignUpdate, cx->p->C_SignUpdate(s, data, sizeof data),
          CKR_OPERATION_NOT_INITIALIZED);
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_hmac, k), CKR_OK);
}

static void
case_operation_state(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    CK_BYTE buf[256];
    CK_ULONG n = sizeof buf;
    CK_RV rv = cx->p->C_GetOperationState(s, buf, &n);
    CT_ANY(cx, FN_C_GetOperationState, rv, CKR_OPERATION_NOT_INITIALIZED,
           CKR_FUNCTION_NOT_SUPPORTED);
    ct_note(cx, "%s", rv_name(rv));
}

static void
case_legacy_parallel(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    /* "a legacy function which should simply return CKR_FUNCTION_NOT_PARALLEL" */
    ct_rv(cx, FN_C_GetFunctionStatus, cx->p->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
    ct_rv(cx, FN_C_CancelFunction, cx->p->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL);
}

void
cases_session_register(void)
{
    for (size_t i = 0; i < ncalls; i++)
        if (fn_takes_session(calls[i].fn))
            ct_registerf("5.1.2", case_invalid_handle, &calls[i],
                         "%s with session handle 0 gives CKR_SESSION_HANDLE_INVALID",
                         fn_name(calls[i].fn));
    for (size_t i = 0; i < ncalls; i++)
        if (fn_takes_session(calls[i].fn))
            ct_registerf("5.1.2", case_closed_handle, &calls[i],
                         "%s with a closed session gives CKR_SESSION_HANDLE_INVALID",
                         fn_name(calls[i].fn));
    ct_register("5.6.1", "C_OpenSession: no CKF_SERIAL_SESSION, invalid slot, NULL phSession",
                case_open_session_args, NULL);
    ct_register("5.6.4", "C_GetSessionInfo: NULL pInfo, R/O and R/W public states and flags",
                case_session_info, NULL);
    ct_register("5.6.2", "C_CloseSession twice gives CKR_SESSION_HANDLE_INVALID", case_close_twice,
                NULL);
    ct_register("5.6.3", "handles are stale after C_CloseAllSessions", case_stale_close_all, NULL);
    ct_register("5.6.2", "handles are stale after C_Finalize and C_Initialize", case_stale_reinit,
                NULL);
    ct_register("5.6.2", "a session object dies with its session", case_session_objects_die, NULL);
    ct_register("5.6.2", "closing the last session, or all, returns to public sessions",
                case_close_last_logs_out, NULL);
    ct_register("5.6.5", "C_SessionCancel: no flags, an inactive flag, CKF_SIGN ends signing",
                case_session_cancel, NULL);
    ct_register("5.6.6", "C_GetOperationState without an operation", case_operation_state, NULL);
    ct_register("5.20", "C_GetFunctionStatus and C_CancelFunction give CKR_FUNCTION_NOT_PARALLEL",
                case_legacy_parallel, NULL);
}
