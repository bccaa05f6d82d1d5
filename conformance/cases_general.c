/*
 * cases_general.c: PKCS#11 3.0 §5.4 general-purpose functions, the §5.1.6
 * "not initialized" rule for every function, the version answers of the
 * function lists, and fork() ([PKCS11-UG] "Applications and processes").
 */
#include "calls.h"
#include "cases.h"
#include "fixtures.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- §5.1.6: every function before C_Initialize and after C_Finalize ---- */

static void
judge_uninit(struct cx *cx, enum fn f, CK_RV rv)
{
    if (rv == CKR_FUNCTION_NOT_SUPPORTED) {
        ct_note(cx, "a stub (CKR_FUNCTION_NOT_SUPPORTED, 5.1.6)");
        return;
    }
    if ((f == FN_C_GetFunctionStatus || f == FN_C_CancelFunction) &&
        rv == CKR_FUNCTION_NOT_PARALLEL) {
        ct_note(cx, "legacy function answered CKR_FUNCTION_NOT_PARALLEL (5.20)");
        return;
    }
    ct_rv(cx, f, rv, CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void
case_before_init(struct cx *cx, const void *arg)
{
    const struct call *c = arg;
    if (fn_is_v3(c->fn)) ct_need_v3(cx);
    struct call_args a = {.s = 1, .slot = cx->mod->slot, .obj = 1};
    judge_uninit(cx, c->fn, c->call(cx->p, &a));
}

static void
case_after_finalize(struct cx *cx, const void *arg)
{
    const struct call *c = arg;
    if (fn_is_v3(c->fn)) ct_need_v3(cx);
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    ct_ok(cx, FN_C_Finalize, cx->p->C_Finalize(NULL));
    cx->inited = false;
    struct call_args a = {.s = s, .slot = cx->slot, .obj = 1};
    judge_uninit(cx, c->fn, c->call(cx->p, &a));
}

static void
case_callable_before_init(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_FUNCTION_LIST *l = NULL;
    ct_rv(cx, FN_C_GetFunctionList, cx->get_function_list(&l), CKR_OK);
    ct_check(cx, l != NULL, "C_GetFunctionList gave no list");
    if (cx->get_interface_list == NULL) {
        ct_note(cx, "no C_GetInterfaceList/C_GetInterface (a 2.40 module)");
        return;
    }
    CK_ULONG n = 0;
    ct_rv(cx, FN_C_GetInterfaceList, cx->get_interface_list(NULL, &n), CKR_OK);
    CK_INTERFACE *ifc = NULL;
    ct_rv(cx, FN_C_GetInterface, cx->get_interface(NULL, NULL, &ifc, 0), CKR_OK);
}

/* ---- §5.4.1 C_Initialize: the argument matrix ---- */

static unsigned mutexes_made;

static CK_RV
mx_create(void **m)
{
    pthread_mutex_t *p = malloc(sizeof *p);
    if (p == NULL || pthread_mutex_init(p, NULL) != 0) {
        free(p);
        return CKR_HOST_MEMORY;
    }
    mutexes_made++;
    *m = p;
    return CKR_OK;
}

static CK_RV
mx_destroy(void *m)
{
    pthread_mutex_destroy(m);
    free(m);
    return CKR_OK;
}

static CK_RV
mx_lock(void *m)
{
    return pthread_mutex_lock(m) == 0 ? CKR_OK : CKR_MUTEX_BAD;
}

static CK_RV
mx_unlock(void *m)
{
    return pthread_mutex_unlock(m) == 0 ? CKR_OK : CKR_MUTEX_NOT_LOCKED;
}

enum { MX_CREATE = 1, MX_DESTROY = 2, MX_LOCK = 4, MX_UNLOCK = 8, MX_ALL = 15 };

struct init_case {
    const char *name;
    CK_FLAGS flags;
    unsigned fns; /* which mutex callbacks are supplied */
    bool reserved;
    CK_RV want[4]; /* acceptable answers, CT_END-terminated */
};

static const struct init_case init_cases[] = {
    {"zeroed CK_C_INITIALIZE_ARGS gives CKR_OK", 0, 0, false, {CKR_OK, CT_END}},
    {"CKF_OS_LOCKING_OK gives CKR_OK or CKR_CANT_LOCK",
     CKF_OS_LOCKING_OK,
     0,
     false,
     {CKR_OK, CKR_CANT_LOCK, CT_END}},
    {"all four mutex callbacks give CKR_OK or CKR_CANT_LOCK",
     0,
     MX_ALL,
     false,
     {CKR_OK, CKR_CANT_LOCK, CT_END}},
    {"callbacks and CKF_OS_LOCKING_OK give CKR_OK or CKR_CANT_LOCK",
     CKF_OS_LOCKING_OK,
     MX_ALL,
     false,
     {CKR_OK, CKR_CANT_LOCK, CT_END}},
    {"only CreateMutex gives CKR_ARGUMENTS_BAD", 0, MX_CREATE, false, {CKR_ARGUMENTS_BAD, CT_END}},
    {"three of four callbacks give CKR_ARGUMENTS_BAD",
     CKF_OS_LOCKING_OK,
     MX_CREATE | MX_DESTROY | MX_LOCK,
     false,
     {CKR_ARGUMENTS_BAD, CT_END}},
    {"non-NULL pReserved gives CKR_ARGUMENTS_BAD", 0, 0, true, {CKR_ARGUMENTS_BAD, CT_END}},
    {"CKF_LIBRARY_CANT_CREATE_OS_THREADS gives CKR_OK or CKR_NEED_TO_CREATE_THREADS",
     CKF_LIBRARY_CANT_CREATE_OS_THREADS,
     0,
     false,
     {CKR_OK, CKR_NEED_TO_CREATE_THREADS, CT_END}},
    {"CKF_LIBRARY_CANT_CREATE_OS_THREADS with CKF_OS_LOCKING_OK",
     CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK,
     0,
     false,
     {CKR_OK, CKR_NEED_TO_CREATE_THREADS, CKR_CANT_LOCK, CT_END}},
};

/* After C_Initialize said rv: is the library in the matching state? */
static void
check_after_init(struct cx *cx, CK_RV rv)
{
    CK_INFO info;
    CK_RV got = cx->p->C_GetInfo(&info);
    if (rv != CKR_OK) {
        /* §5.1: an unsuccessful call changes nothing. */
        ct_rv(cx, FN_C_GetInfo, got, CKR_CRYPTOKI_NOT_INITIALIZED);
        ct_rv(cx, FN_C_Initialize, cx->p->C_Initialize(NULL), CKR_OK);
        cx->inited = true;
        return;
    }
    cx->inited = true;
    ct_rv(cx, FN_C_GetInfo, got, CKR_OK);
    if (!ct_find_label(cx, cx->mod->label, &cx->slot)) ct_fail(cx, "our token is not listed");
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_login(cx, s, CKU_USER);
    ct_check(cx, ct_state(cx, s) == CKS_RW_USER_FUNCTIONS, "the session is not logged in");
    ct_rv(cx, FN_C_CloseSession, cx->p->C_CloseSession(s), CKR_OK);
    ct_rv(cx, FN_C_Finalize, cx->p->C_Finalize(NULL), CKR_OK);
    cx->inited = false;
}

static void
case_init_args(struct cx *cx, const void *arg)
{
    const struct init_case *ic = arg;
    static int reserved_target;
    CK_C_INITIALIZE_ARGS a;
    memset(&a, 0, sizeof a);
    a.flags = ic->flags;
    if (ic->fns & MX_CREATE) a.CreateMutex = mx_create;
    if (ic->fns & MX_DESTROY) a.DestroyMutex = mx_destroy;
    if (ic->fns & MX_LOCK) a.LockMutex = mx_lock;
    if (ic->fns & MX_UNLOCK) a.UnlockMutex = mx_unlock;
    if (ic->reserved) a.pReserved = &reserved_target;
    CK_RV rv = cx->p->C_Initialize(&a);
    if (!ct_rv_in(cx, FN_C_Initialize, rv, ic->want)) return;
    ct_note(cx, "%s", rv_name(rv));
    if (ic->fns == MX_ALL && rv == CKR_OK) ct_note(cx, "%u mutexes created", mutexes_made);
    check_after_init(cx, rv);
}

static void
case_init_null(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_rv(cx, FN_C_Initialize, cx->p->C_Initialize(NULL), CKR_OK);
    cx->inited = true;
    ct_rv(cx, FN_C_Initialize, cx->p->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
}

static void
case_finalize_reserved(struct cx *cx, const void *arg)
{
    (void)arg;
    static int target;
    ct_init(cx);
    ct_rv(cx, FN_C_Finalize, cx->p->C_Finalize(&target), CKR_ARGUMENTS_BAD);
    CK_INFO info;
    ct_rv(cx, FN_C_GetInfo, cx->p->C_GetInfo(&info), CKR_OK);
}

static void
case_finalize_twice(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    ct_rv(cx, FN_C_Finalize, cx->p->C_Finalize(NULL), CKR_OK);
    cx->inited = false;
    ct_rv(cx, FN_C_Finalize, cx->p->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    ct_rv(cx, FN_C_Initialize, cx->p->C_Initialize(NULL), CKR_OK);
    cx->inited = true;
    CK_SESSION_HANDLE s = ct_open(cx, false);
    ct_check(cx, ct_state(cx, s) == CKS_RO_PUBLIC_SESSION, "a fresh session is not R/O public");
}

/* ---- §5.4.3 C_GetInfo, §5.4.4 C_GetFunctionList: versions ---- */

static bool
blank_padded(const CK_UTF8CHAR *s, size_t n)
{
    return memchr(s, '\0', n) == NULL;
}

static void
case_getinfo(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_INFO info;
    ct_rv(cx, FN_C_GetInfo, cx->p->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetInfo, cx->p->C_GetInfo(&info));
    ct_note(cx, "cryptokiVersion %u.%u through the %u.%u list", info.cryptokiVersion.major,
            info.cryptokiVersion.minor, cx->p->version.major, cx->p->version.minor);
    ct_check(cx,
             info.cryptokiVersion.major == cx->p->version.major &&
                 info.cryptokiVersion.minor == cx->p->version.minor,
             "C_GetInfo's version differs from its function list's");
    ct_check(cx, info.flags == 0, "CK_INFO.flags is 0x%lx, MUST be zero (3.1)", info.flags);
    ct_check(cx, blank_padded(info.manufacturerID, 32) && blank_padded(info.libraryDescription, 32),
             "CK_INFO strings are not blank padded");
}

static void
case_functionlist(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_FUNCTION_LIST *l = NULL;
    ct_rv(cx, FN_C_GetFunctionList, cx->get_function_list(NULL), CKR_ARGUMENTS_BAD);
    ct_ok(cx, FN_C_GetFunctionList, cx->get_function_list(&l));
    ct_note(cx, "C_GetFunctionList gives a %u.%u list", l->version.major, l->version.minor);
    ct_check(cx, l->version.major == 2, "the CK_FUNCTION_LIST is not a 2.x list");
    /* "function pointers for all the Cryptoki API routines" (5.4.4); an
     * unsupported one is a stub (5.1.6), never NULL. */
    CK_C_Initialize const *fp = &l->C_Initialize;
    size_t n = (sizeof *l - offsetof(CK_FUNCTION_LIST, C_Initialize)) / sizeof *fp;
    for (size_t i = 0; i < n; i++)
        ct_check(cx, ((void *const *)fp)[i] != NULL, "function %zu of the list is NULL", i);
    ct_ok(cx, FN_C_Initialize, l->C_Initialize(NULL));
    cx->inited = true;
    CK_INFO info;
    ct_rv(cx, FN_C_GetInfo, l->C_GetInfo(&info), CKR_OK);
    ct_note(cx, "its C_GetInfo reports %u.%u", info.cryptokiVersion.major,
            info.cryptokiVersion.minor);
    ct_check(cx, info.cryptokiVersion.major == l->version.major,
             "C_GetInfo's major version differs from the list's");
}

void
cases_general_register(void)
{
    ct_register("5.4.4",
                "C_GetFunctionList, C_GetInterfaceList, C_GetInterface work before "
                "C_Initialize",
                case_callable_before_init, NULL);
    for (size_t i = 0; i < ncalls; i++)
        ct_registerf("5.1.6", case_before_init, &calls[i],
                     "%s before C_Initialize gives CKR_CRYPTOKI_NOT_INITIALIZED",
                     fn_name(calls[i].fn));
    for (size_t i = 0; i < ncalls; i++)
        ct_registerf("5.1.6", case_after_finalize, &calls[i],
                     "%s after C_Finalize gives CKR_CRYPTOKI_NOT_INITIALIZED",
                     fn_name(calls[i].fn));
    ct_register("5.4.1", "C_Initialize(NULL) twice gives CKR_CRYPTOKI_ALREADY_INITIALIZED",
                case_init_null, NULL);
    for (size_t i = 0; i < sizeof init_cases / sizeof init_cases[0]; i++)
        ct_registerf("5.4.1", case_init_args, &init_cases[i], "C_Initialize: %s",
                     init_cases[i].name);
    ct_register("5.4.2", "C_Finalize with non-NULL pReserved gives CKR_ARGUMENTS_BAD",
                case_finalize_reserved, NULL);
    ct_register("5.4.2", "C_Finalize twice gives CKR_CRYPTOKI_NOT_INITIALIZED; C_Initialize again",
                case_finalize_twice, NULL);
    ct_register("5.4.3", "C_GetInfo: NULL pInfo, version matches the 3.0/2.40 list, flags zero",
                case_getinfo, NULL);
    ct_register("5.4.4", "C_GetFunctionList: NULL argument, a full 2.x list and its C_GetInfo",
                case_functionlist, NULL);
}
