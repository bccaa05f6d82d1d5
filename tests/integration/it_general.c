/* it_general.c: versions, interfaces and the C_Initialize argument matrix. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

START_TEST(function_list_is_240)
{
    ck_assert_uint_eq(p11_240->version.major, 2);
    ck_assert_uint_eq(p11_240->version.minor, 40);
    ck_assert_uint_eq(p11_240->C_Initialize(NULL), CKR_OK);
    CK_INFO info;
    ck_assert_uint_eq(p11_240->C_GetInfo(&info), CKR_OK);
    ck_assert_uint_eq(info.cryptokiVersion.major, 2);
    ck_assert_uint_eq(info.cryptokiVersion.minor, 40);
}
END_TEST

START_TEST(interface_is_30)
{
    ck_assert_uint_eq(p11->version.major, 3);
    ck_assert_uint_eq(p11->version.minor, 0);
    h_init();
    CK_INFO info;
    ck_assert_uint_eq(p11->C_GetInfo(&info), CKR_OK);
    ck_assert_uint_eq(info.cryptokiVersion.major, 3);
    ck_assert_uint_eq(info.cryptokiVersion.minor, 0);
    /* Every 3.0 slot is populated. */
    void *const *fp = (void *const *)&p11->C_Initialize;
    size_t nfn = (sizeof *p11 - sizeof p11->version) / sizeof(void *);
    for (size_t i = 0; i < nfn; i++)
        ck_assert_ptr_nonnull(fp[i]);
}
END_TEST

START_TEST(interface_list_and_lookup)
{
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetInterfaceList(NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 4);
    CK_INTERFACE list[4];
    CK_ULONG small = 1;
    CK_INTERFACE *v = NULL;
    ck_assert_uint_eq(p11->C_GetInterfaceList(list, &small), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(small, 4);
    ck_assert_uint_eq(p11->C_GetInterfaceList(list, &n), CKR_OK);
    ck_assert_str_eq((char *)list[0].pInterfaceName, "PKCS 11");
    /* The vendor interfaces come last, by name only. */
    ck_assert_str_eq((char *)list[2].pInterfaceName, "credtoken credsets");
    ck_assert_str_eq((char *)list[3].pInterfaceName, "credtoken tokens");
    ck_assert_uint_eq(p11->C_GetInterface((CK_UTF8CHAR_PTR) "credtoken credsets", NULL, &v, 0),
                      CKR_OK);
    ck_assert_uint_eq(((CK_VERSION *)v->pFunctionList)->major, 1);
    ck_assert_uint_eq(p11->C_GetInterface((CK_UTF8CHAR_PTR) "credtoken tokens", NULL, &v, 0),
                      CKR_OK);
    ck_assert_uint_eq(((CK_VERSION *)v->pFunctionList)->major, 1);
    CK_VERSION v240 = {2, 40};
    CK_INTERFACE *i = NULL;
    ck_assert_uint_eq(p11->C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &i, 0), CKR_OK);
    ck_assert_uint_eq(((CK_VERSION *)i->pFunctionList)->minor, 40);
    ck_assert_uint_eq(p11->C_GetInterface((CK_UTF8CHAR_PTR) "Vendor X", NULL, &i, 0),
                      CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(p11->C_GetInterface(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(p11->C_GetInterfaceList(NULL, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(calls_before_initialize)
{
    CK_INFO info;
    CK_ULONG n;
    ck_assert_uint_eq(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_CloseSession(1), CKR_CRYPTOKI_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_DigestEncryptUpdate(1, NULL, 0, NULL, NULL),
                      CKR_CRYPTOKI_NOT_INITIALIZED);
}
END_TEST

START_TEST(initialize_twice_and_finalize)
{
    h_init();
    ck_assert_uint_eq(p11->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    ck_assert_uint_eq(p11->C_Finalize((void *)1), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    h_init(); /* again after finalize */
}
END_TEST

static int mutex_calls;

static CK_RV
m_create(CK_VOID_PTR_PTR m)
{
    pthread_mutex_t *x = malloc(sizeof *x);
    pthread_mutex_init(x, NULL);
    *m = x;
    __atomic_add_fetch(&mutex_calls, 1, __ATOMIC_SEQ_CST);
    return CKR_OK;
}

static CK_RV
m_destroy(CK_VOID_PTR m)
{
    pthread_mutex_destroy(m);
    free(m);
    return CKR_OK;
}

static CK_RV
m_lock(CK_VOID_PTR m)
{
    __atomic_add_fetch(&mutex_calls, 1, __ATOMIC_SEQ_CST);
    return pthread_mutex_lock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV
m_unlock(CK_VOID_PTR m)
{
    return pthread_mutex_unlock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

START_TEST(initialize_argument_matrix)
{
    CK_C_INITIALIZE_ARGS a;
    memset(&a, 0, sizeof a);
    a.pReserved = (void *)1;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
    memset(&a, 0, sizeof a);
    a.CreateMutex = m_create; /* some but not all callbacks */
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
    /* The application's mutexes, without CKF_OS_LOCKING_OK: they are used. */
    a.DestroyMutex = m_destroy;
    a.LockMutex = m_lock;
    a.UnlockMutex = m_unlock;
    mutex_calls = 0;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    CK_ULONG n;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
    ck_assert_int_ge(mutex_calls, 2);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    /* Callbacks plus CKF_OS_LOCKING_OK, and the no-threads flag. */
    a.flags = CKF_OS_LOCKING_OK;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    memset(&a, 0, sizeof a);
    a.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    a.flags = CKF_OS_LOCKING_OK;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
}
END_TEST

START_TEST(mechanism_list_and_info)
{
    h_init();
    CK_SLOT_ID slot = h_free_slot();
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetMechanismList(slot, NULL, &n), CKR_OK);
    ck_assert_uint_gt(n, 10);
    CK_MECHANISM_TYPE *list = calloc(n, sizeof *list);
    CK_ULONG small = 1;
    ck_assert_uint_eq(p11->C_GetMechanismList(slot, list, &small), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(small, n);
    ck_assert_uint_eq(p11->C_GetMechanismList(slot, list, &n), CKR_OK);
    bool ecdsa = false;
    for (CK_ULONG i = 0; i < n; i++)
        ecdsa |= list[i] == CKM_ECDSA;
    ck_assert(ecdsa);
    free(list);
    CK_MECHANISM_INFO mi;
    ck_assert_uint_eq(p11->C_GetMechanismInfo(slot, CKM_ECDSA, &mi), CKR_OK);
    ck_assert(mi.flags & CKF_SIGN);
    ck_assert_uint_eq(mi.ulMinKeySize, 256);
    ck_assert_uint_eq(p11->C_GetMechanismInfo(slot, CKM_MD2, &mi), CKR_MECHANISM_INVALID);
    ck_assert_uint_eq(p11->C_GetMechanismInfo(9999, CKM_ECDSA, &mi), CKR_SLOT_ID_INVALID);
}
END_TEST

START_TEST(world_writable_store_refused)
{
    ck_assert_int_eq(mkdir(h_store, 0700), 0);
    ck_assert_int_eq(chmod(h_store, 0777), 0);
    ck_assert_uint_eq(p11->C_Initialize(NULL), CKR_GENERAL_ERROR);
    ck_assert_int_eq(chmod(h_store, 0700), 0);
    ck_assert_uint_eq(p11->C_Initialize(NULL), CKR_OK);
}
END_TEST

/* The application registered its own exit handler that finalizes, before
 * initializing us: at exit our handler runs first, then the application's
 * C_Finalize finds nothing to do. No crash, whatever the order. */
static void
finalize_at_exit(void)
{
    CK_RV rv = p11->C_Finalize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(7);
}

START_TEST(finalize_in_every_order_at_exit)
{
    for (int variant = 0; variant < 3; variant++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            if (variant == 0) atexit(finalize_at_exit);
            if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
            CK_SLOT_ID slot;
            CK_ULONG n = 1;
            if (p11->C_GetSlotList(CK_TRUE, &slot, &n) != CKR_OK) _exit(3);
            /* A failed key load: signing with a handle that does not exist. */
            CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
            if (p11->C_SignInit(1, &m, 42) != CKR_SESSION_HANDLE_INVALID) _exit(4);
            if (variant == 2 && p11->C_Finalize(NULL) != CKR_OK) _exit(5);
            exit(0); /* variant 1: never finalized by the application */
        }
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "variant %d: status 0x%x", variant,
                      st);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("general");
    TCase *tc = tcase_create("general");
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, function_list_is_240);
    tcase_add_test(tc, interface_is_30);
    tcase_add_test(tc, interface_list_and_lookup);
    tcase_add_test(tc, calls_before_initialize);
    tcase_add_test(tc, initialize_twice_and_finalize);
    tcase_add_test(tc, initialize_argument_matrix);
    tcase_add_test(tc, mechanism_list_and_info);
    tcase_add_test(tc, finalize_in_every_order_at_exit);
    tcase_add_test(tc, world_writable_store_refused);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
