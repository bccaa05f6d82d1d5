/*
 * cases_login.c: PKCS#11 3.0 §5.6.8 C_Login / §5.6.10 C_Logout: the login
 * matrix (SO, user, context-specific; R/O and R/W sessions; already logged
 * in; another user logged in; CKR_SESSION_READ_ONLY_EXISTS;
 * CKR_SESSION_READ_WRITE_SO_EXISTS; logout when not logged in), and private
 * objects and operations without a login ([PKCS11-UG] session states, §5.7).
 */
#include "cases.h"
#include "fixtures.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
case_user_ro(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE ro = ct_open(cx, false);
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, ro, CKU_USER), CKR_OK);
    ct_check(cx, ct_state(cx, ro) == CKS_RO_USER_FUNCTIONS, "R/O session is not R/O User");
    /* "if an application already has a R/O user session open with a token,
     * and then opens a R/W session ..., the R/W session is automatically
     * logged in" */
    CK_SESSION_HANDLE rw = ct_open(cx, true);
    ct_check(cx, ct_state(cx, rw) == CKS_RW_USER_FUNCTIONS, "new R/W session is not R/W User");
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, rw, CKU_USER), CKR_USER_ALREADY_LOGGED_IN);
    /* Without the R/O session, only "another user is logged in" applies. */
    ct_ok(cx, FN_C_CloseSession, cx->p->C_CloseSession(ro));
    ct_check(cx, ct_state(cx, rw) == CKS_RW_USER_FUNCTIONS, "closing one session logged out");
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, rw, CKU_SO), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
}

static void
case_so_ro_exists(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE ro = ct_open(cx, false), rw = ct_open(cx, true);
    (void)ro;
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, rw, CKU_SO), CKR_SESSION_READ_ONLY_EXISTS);
    ct_check(cx, ct_state(cx, rw) == CKS_RW_PUBLIC_SESSION, "the refused login changed state");
}

static void
case_so_matrix(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE rw = ct_open(cx, true);
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, rw, CKU_SO), CKR_OK);
    ct_check(cx, ct_state(cx, rw) == CKS_RW_SO_FUNCTIONS, "not R/W SO Functions");
    CK_SESSION_HANDLE ro;
    ct_rv(cx, FN_C_OpenSession, cx->p->C_OpenSession(cx->slot, CKF_SERIAL_SESSION, NULL, NULL, &ro),
          CKR_SESSION_READ_WRITE_SO_EXISTS);
    CK_SESSION_HANDLE rw2 = ct_open(cx, true);
    ct_check(cx, ct_state(cx, rw2) == CKS_RW_SO_FUNCTIONS, "a new R/W session is not R/W SO");
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, rw2, CKU_SO), CKR_USER_ALREADY_LOGGED_IN);
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, rw2, CKU_USER), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    ct_rv(cx, FN_C_Logout, cx->p->C_Logout(rw), CKR_OK);
    ct_check(cx, ct_state(cx, rw2) == CKS_RW_PUBLIC_SESSION, "logout left the SO logged in");
}

static void
case_wrong_pin(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_UTF8CHAR wrong[] = "definitely-wrong";
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, CKU_USER, wrong, sizeof wrong - 1), CKR_PIN_INCORRECT);
    ct_check(cx, ct_state(cx, s) == CKS_RW_PUBLIC_SESSION, "a wrong PIN logged the user in");
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, s, CKU_USER), CKR_OK);
    ct_ok(cx, FN_C_Logout, cx->p->C_Logout(s));
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, CKU_SO, wrong, sizeof wrong - 1), CKR_PIN_INCORRECT);
    ct_rv(cx, FN_C_Login, ct_login_rv(cx, s, CKU_SO), CKR_OK);
}

static void
case_user_type(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_UTF8CHAR pin[256];
    CK_ULONG n = (CK_ULONG)strlen(cx->mod->pin);
    memcpy(pin, cx->mod->pin, n);
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, 7, pin, n), CKR_USER_TYPE_INVALID);
    ct_check(cx, ct_state(cx, s) == CKS_RW_PUBLIC_SESSION, "the session left R/W Public");
}

/* "If the user type is CKU_CONTEXT_SPECIFIC, the behavior of C_Login depends
 * on the context in which it is called. Improper use of this user type will
 * result in a return value CKR_OPERATION_NOT_INITIALIZED." (5.6.8) */
static void
case_context_specific(struct cx *cx, const void *arg)
{
    bool logged_in = arg != NULL;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_UTF8CHAR pin[256];
    CK_ULONG n = (CK_ULONG)strlen(cx->mod->pin);
    memcpy(pin, cx->mod->pin, n);
    if (logged_in) ct_login(cx, s, CKU_USER);
    ct_rv(cx, FN_C_Login, cx->p->C_Login(s, CKU_CONTEXT_SPECIFIC, pin, n),
          CKR_OPERATION_NOT_INITIALIZED);
    CK_STATE want = logged_in ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
    ct_check(cx, ct_state(cx, s) == want, "the session state changed");
}

static void
case_logout(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE ro = ct_open(cx, false), rw = ct_open(cx, true);
    ct_rv(cx, FN_C_Logout, cx->p->C_Logout(rw), CKR_USER_NOT_LOGGED_IN);
    ct_login(cx, ro, CKU_USER);
    ct_check(cx, ct_state(cx, rw) == CKS_RW_USER_FUNCTIONS, "login is not shared by sessions");
    ct_rv(cx, FN_C_Logout, cx->p->C_Logout(rw), CKR_OK);
    ct_check(cx, ct_state(cx, ro) == CKS_RO_PUBLIC_SESSION, "R/O session not public after logout");
    ct_check(cx, ct_state(cx, rw) == CKS_RW_PUBLIC_SESSION, "R/W session not public after logout");
    ct_rv(cx, FN_C_Logout, cx->p->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
}

/* ---- private objects and operations without a login ---- */

static void
case_private_invisible(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    char label[48];
    snprintf(label, sizeof label, "private-%d", (int)getpid());
    CK_ATTRIBUTE byl = {CKA_LABEL, label, (CK_ULONG)strlen(label)};
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_login(cx, s, CKU_USER);
    CK_OBJECT_HANDLE tok = fx_data(cx, s, true, true, label);
    CK_OBJECT_HANDLE ses = fx_data(cx, s, false, true, label);
    ct_check(cx, fx_count(cx, s, &byl, 1) == 2, "the user does not see both private objects");
    ct_ok(cx, FN_C_Logout, cx->p->C_Logout(s));
    /* "any of the application's handles to private objects become invalid
     * ... all private session objects ... are destroyed" (5.6.10) */
    ct_check(cx, fx_count(cx, s, &byl, 1) == 0, "private objects are visible without a login");
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, tok, &a, 1),
          CKR_OBJECT_HANDLE_INVALID);
    a.ulValueLen = sizeof cls;
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, ses, &a, 1),
          CKR_OBJECT_HANDLE_INVALID);
    ct_login(cx, s, CKU_USER);
    ct_check(cx, fx_count(cx, s, &byl, 1) == 1, "after a new login: %s",
             "the private token object is not found (once)");
    CK_OBJECT_HANDLE h[2];
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, &byl, 1));
    ct_ok(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, h, 2, &n));
    ct_ok(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s));
    for (CK_ULONG i = 0; i < n; i++)
        ct_ok(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, h[i]));
}

static void
case_private_create(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_TOKEN, &no, sizeof no},
                        {CKA_PRIVATE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE o;
    /* "Only public objects can be created unless the normal user is logged in." */
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, 3, &o), CKR_USER_NOT_LOGGED_IN);
    ct_login(cx, s, CKU_SO);
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, 3, &o), CKR_USER_NOT_LOGGED_IN);
    ct_ok(cx, FN_C_Logout, cx->p->C_Logout(s));
    ct_need_mech(cx, CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE);
    CK_MECHANISM m = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE kt[] = {{CKA_VALUE_LEN, &len, sizeof len},
                         {CKA_TOKEN, &no, sizeof no},
                         {CKA_PRIVATE, &yes, sizeof yes}};
    ct_rv(cx, FN_C_GenerateKey, cx->p->C_GenerateKey(s, &m, kt, 3, &o), CKR_USER_NOT_LOGGED_IN);
}

static void
case_private_ops(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    char label[48];
    snprintf(label, sizeof label, "private-key-%d", (int)getpid());
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_login(cx, s, CKU_USER);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, &(struct fx_key){.token = true, .label = label}, &pub, &priv);
    ct_ok(cx, FN_C_Logout, cx->p->C_Logout(s));
    /* The private key's handle is invalid now, and a search cannot find it. */
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_ecdsa, priv), CKR_KEY_HANDLE_INVALID);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, (CK_ULONG)strlen(label)}};
    ct_check(cx, fx_count(cx, s, t, 2) == 0, "the private key is visible without a login");
    /* The public key stays usable. */
    CK_BYTE data[32] = {0}, sig[64] = {0};
    ct_rv(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(s, &fx_ecdsa, pub), CKR_OK);
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(s, data, sizeof data, sig, sizeof sig),
          CKR_SIGNATURE_INVALID);
    ct_login(cx, s, CKU_USER);
    CK_OBJECT_HANDLE h[4];
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, t, 2));
    ct_ok(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, h, 4, &n));
    ct_ok(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s));
    ct_check(cx, n == 1, "%lu private keys found after a new login, not 1", n);
    ct_ok(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, pub));
    for (CK_ULONG i = 0; i < n; i++)
        ct_ok(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, h[i]));
}

void
cases_login_register(void)
{
    ct_register("5.6.8",
                "C_Login user on R/O; shared by a new R/W session; user twice gives "
                "CKR_USER_ALREADY_LOGGED_IN; SO then gives ANOTHER_ALREADY_LOGGED_IN",
                case_user_ro, NULL);
    ct_register("5.6.8", "C_Login SO with a R/O session open gives CKR_SESSION_READ_ONLY_EXISTS",
                case_so_ro_exists, NULL);
    ct_register("5.6.1",
                "SO logged in: R/O open gives CKR_SESSION_READ_WRITE_SO_EXISTS; SO twice, "
                "user after SO",
                case_so_matrix, NULL);
    ct_register("5.6.8", "C_Login with a wrong user or SO PIN gives CKR_PIN_INCORRECT",
                case_wrong_pin, NULL);
    ct_register("5.6.8", "C_Login with an invalid user type gives CKR_USER_TYPE_INVALID",
                case_user_type, NULL);
    ct_register("5.6.8",
                "C_Login CKU_CONTEXT_SPECIFIC without an operation, nobody logged in, "
                "gives CKR_OPERATION_NOT_INITIALIZED",
                case_context_specific, NULL);
    ct_register("5.6.8",
                "C_Login CKU_CONTEXT_SPECIFIC without an operation, user logged in, "
                "gives CKR_OPERATION_NOT_INITIALIZED",
                case_context_specific, "user");
    ct_register("5.6.10",
                "C_Logout when not logged in gives CKR_USER_NOT_LOGGED_IN; logout "
                "returns all sessions to public",
                case_logout, NULL);
    ct_register("5.6.10", "private objects are invisible and their handles invalid without login",
                case_private_invisible, NULL);
    ct_register("5.7.1", "private objects cannot be created without a user login (SO included)",
                case_private_create, NULL);
    ct_register("5.6.10", "private operations are refused after logout; public ones still work",
                case_private_ops, NULL);
}
