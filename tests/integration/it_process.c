/* it_process.c: fork, threads, and several processes on one token. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char msg[] = "threads sign in parallel";

START_TEST(forked_child_must_initialize_again)
{
    h_init();
    CK_SLOT_ID slot = h_token("fork");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK); /* in the middle of an operation */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        CK_SESSION_INFO si;
        CK_ULONG n = 0;
        CK_BYTE sig[128];
        if (p11->C_GetSessionInfo(s, &si) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(10);
        if (p11->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(11);
        n = sizeof sig;
        if (p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(12);
        if (p11->C_Finalize(NULL) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(13);
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(14);
        CK_SESSION_HANDLE cs;
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &cs) != CKR_OK) _exit(15);
        if (p11->C_Login(cs, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(16);
        CK_ATTRIBUTE t = {CKA_LABEL, "k", 1};
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE tt[] = {t, {CKA_CLASS, &cls, sizeof cls}};
        CK_OBJECT_HANDLE k;
        if (p11->C_FindObjectsInit(cs, tt, 2) != CKR_OK) _exit(17);
        if (p11->C_FindObjects(cs, &k, 1, &n) != CKR_OK || n != 1) _exit(18);
        p11->C_FindObjectsFinal(cs);
        if (p11->C_SignInit(cs, &m, k) != CKR_OK) _exit(19);
        n = sizeof sig;
        if (p11->C_Sign(cs, (CK_BYTE_PTR)msg, 3, sig, &n) != CKR_OK) _exit(20);
        if (p11->C_Finalize(NULL) != CKR_OK) _exit(21);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed at step %d",
                  WEXITSTATUS(st));
    /* The parent's operation is untouched. */
    CK_BYTE sig[128];
    CK_ULONG n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OK);
}
END_TEST

struct worker {
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE priv, pub;
    int failures;
};

static void *
sign_loop(void *arg)
{
    struct worker *w = arg;
    CK_SESSION_HANDLE s;
    if (p11->C_OpenSession(w->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
        w->failures = 1000;
        return NULL;
    }
    for (int i = 0; i < 100; i++) {
        CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
        CK_BYTE sig[128];
        CK_ULONG n = sizeof sig;
        if (p11->C_SignInit(s, &m, w->priv) != CKR_OK ||
            p11->C_Sign(s, (CK_BYTE_PTR)msg, strlen(msg), sig, &n) != CKR_OK) {
            w->failures++;
            continue;
        }
        if (p11->C_VerifyInit(s, &m, w->pub) != CKR_OK ||
            p11->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, n) != CKR_OK)
            w->failures++;
    }
    p11->C_CloseSession(s);
    return NULL;
}

START_TEST(four_threads_four_sessions)
{
    CK_C_INITIALIZE_ARGS a = {0};
    a.flags = CKF_OS_LOCKING_OK;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    CK_SLOT_ID slot = h_token("threads");
    CK_SESSION_HANDLE s = h_session(slot, true, true); /* keeps the login alive */
    struct worker w[4];
    pthread_t th[4];
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.slot = slot, .priv = priv, .pub = pub};
        ck_assert_int_eq(pthread_create(&th[i], NULL, sign_loop, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(w[i].failures, 0);
    }
}
END_TEST

static volatile int in_login, stop_signing;
static int signed_during_login;

static void *
sign_until_stopped(void *arg)
{
    struct worker *w = arg;
    CK_SESSION_HANDLE s;
    if (p11->C_OpenSession(w->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) return NULL;
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    while (!stop_signing) {
        CK_BYTE sig[128];
        CK_ULONG n = sizeof sig;
        if (p11->C_SignInit(s, &m, w->priv) != CKR_OK ||
            p11->C_Sign(s, (CK_BYTE_PTR)msg, 8, sig, &n) != CKR_OK) {
            w->failures++;
            continue;
        }
        if (in_login) signed_during_login++;
    }
    p11->C_CloseSession(s);
    return NULL;
}

/* The PIN derivation of one token's C_Login (made slow here: ~300 ms) does
 * not hold the library lock: other threads keep signing meanwhile. */
START_TEST(login_does_not_block_other_threads)
{
    h_teardown();
    h_setup_kdf(300);
    CK_C_INITIALIZE_ARGS a = {0};
    a.flags = CKF_OS_LOCKING_OK;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    CK_SLOT_ID s1 = h_token("busy"), s2 = h_token("login");
    CK_SESSION_HANDLE s = h_session(s1, true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    struct worker w = {.slot = s1, .priv = priv, .pub = pub};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, sign_until_stopped, &w), 0);
    CK_SESSION_HANDLE other = h_session(s2, true, false);
    in_login = 1;
    ck_assert_uint_eq(p11->C_Login(other, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK);
    in_login = 0;
    int during_login = signed_during_login;
    /* C_SetPIN derives twice (old and new PIN): also without the lock. */
    signed_during_login = 0;
    in_login = 1;
    ck_assert_uint_eq(
        p11->C_SetPIN(other, (CK_UTF8CHAR_PTR)USER_PIN, 4, (CK_UTF8CHAR_PTR) "5678", 4), CKR_OK);
    in_login = 0;
    stop_signing = 1;
    pthread_join(th, NULL);
    ck_assert_int_eq(w.failures, 0);
    ck_assert_int_ge(during_login, 10);
    ck_assert_int_ge(signed_during_login, 10);
    /* The new PIN is the PIN. */
    ck_assert_uint_eq(p11->C_Logout(other), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(other, CKU_USER, (CK_UTF8CHAR_PTR) "5678", 4), CKR_OK);
}
END_TEST

struct gen_job {
    CK_SESSION_HANDLE s;
    CK_RV rv;
};

static void *
gen_rsa4096(void *arg)
{
    struct gen_job *j = arg;
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG bits = 4096;
    CK_ATTRIBUTE pt[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}};
    CK_OBJECT_HANDLE pub, priv;
    j->rv = p11->C_GenerateKeyPair(j->s, &m, pt, 1, NULL, 0, &pub, &priv);
    return NULL;
}

/* C_Finalize and C_Initialize while another thread generates a key without
 * the lock: the generation ends with CKR_CRYPTOKI_NOT_INITIALIZED (not a
 * crash, not a key in the new library), and old handles stay invalid. */
START_TEST(finalize_during_unlocked_work)
{
    CK_C_INITIALIZE_ARGS a = {0};
    a.flags = CKF_OS_LOCKING_OK;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    CK_SLOT_ID slot = h_token("fin");
    struct gen_job j = {.s = h_session(slot, true, true)};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, gen_rsa4096, &j), 0);
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    pthread_join(th, NULL);
    ck_assert_uint_eq(j.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
    CK_SESSION_INFO si;
    ck_assert_uint_eq(p11->C_GetSessionInfo(j.s, &si), CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    ck_assert_uint_ne(s, j.s);
    ck_assert_uint_eq(h_count(s, NULL, 0), 0);
}
END_TEST

/* Mutex callbacks that keep count: each mutex created is destroyed once. */
static pthread_mutex_t mx_book = PTHREAD_MUTEX_INITIALIZER;
static int mx_live, mx_bad;

static CK_RV
mx_create(void **m)
{
    pthread_mutex_t *p = malloc(sizeof *p);
    if (p == NULL) return CKR_HOST_MEMORY;
    pthread_mutex_init(p, NULL);
    pthread_mutex_lock(&mx_book);
    mx_live++;
    pthread_mutex_unlock(&mx_book);
    *m = p;
    return CKR_OK;
}

static CK_RV
mx_destroy(void *m)
{
    pthread_mutex_lock(&mx_book);
    if (pthread_mutex_destroy(m) != 0) mx_bad++; /* locked, or gone */
    mx_live--;
    pthread_mutex_unlock(&mx_book);
    free(m);
    return CKR_OK;
}

static CK_RV
mx_lock(void *m)
{
    return pthread_mutex_lock(m) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV
mx_unlock(void *m)
{
    return pthread_mutex_unlock(m) == 0 ? CKR_OK : CKR_MUTEX_NOT_LOCKED;
}

struct init_job {
    CK_C_INITIALIZE_ARGS *a;
    CK_RV rv;
};

/* Keep calling C_Initialize until it is not "already initialized". */
static void *
initialize_when_free(void *arg)
{
    struct init_job *j = arg;
    struct timespec ts = {0, 1000000L};
    while ((j->rv = p11->C_Initialize(j->a)) == CKR_CRYPTOKI_ALREADY_INITIALIZED)
        nanosleep(&ts, NULL);
    return NULL;
}

/* C_Initialize from another thread while C_Finalize waits for unlocked
 * work: it waits for the finalization to end, then starts a library whose
 * mutex the old one's teardown does not touch. */
START_TEST(initialize_waits_for_a_finalize_in_progress)
{
    CK_C_INITIALIZE_ARGS a = {0};
    a.CreateMutex = mx_create;
    a.DestroyMutex = mx_destroy;
    a.LockMutex = mx_lock;
    a.UnlockMutex = mx_unlock;
    ck_assert_uint_eq(p11->C_Initialize(&a), CKR_OK);
    CK_SLOT_ID slot = h_token("fin2");
    struct gen_job g = {.s = h_session(slot, true, true)};
    struct init_job in = {.a = &a};
    pthread_t tg, ti;
    ck_assert_int_eq(pthread_create(&tg, NULL, gen_rsa4096, &g), 0);
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    ck_assert_int_eq(pthread_create(&ti, NULL, initialize_when_free, &in), 0);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    pthread_join(tg, NULL);
    pthread_join(ti, NULL);
    ck_assert_uint_eq(g.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
    ck_assert_uint_eq(in.rv, CKR_OK);
    /* The new library works with its own mutex. */
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    ck_assert_uint_ne(s, CK_INVALID_HANDLE);
    ck_assert_int_eq(mx_live, 1);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    ck_assert_int_eq(mx_live, 0);
    ck_assert_int_eq(mx_bad, 0);
}
END_TEST

static CK_ULONG
count_label(CK_SESSION_HANDLE s, const char *label)
{
    CK_ATTRIBUTE t = {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)};
    return h_count(s, &t, 1);
}

START_TEST(other_process_changes_seen_at_next_find)
{
    h_init();
    CK_SLOT_ID slot = h_token("share");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    ck_assert_uint_eq(count_label(s, "from-child"), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
        CK_SESSION_HANDLE cs;
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &cs) !=
            CKR_OK)
            _exit(3);
        if (p11->C_Login(cs, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(4);
        CK_OBJECT_CLASS cls = CKO_DATA;
        CK_BBOOL yes = CK_TRUE;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                            {CKA_TOKEN, &yes, 1},
                            {CKA_PRIVATE, &yes, 1},
                            {CKA_LABEL, "from-child", 10}};
        CK_OBJECT_HANDLE h;
        if (p11->C_CreateObject(cs, t, 4, &h) != CKR_OK) _exit(5);
        p11->C_Finalize(NULL);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    ck_assert_uint_eq(count_label(s, "from-child"), 1);
    /* And a destruction by another process disappears here. */
    pid = fork();
    if (pid == 0) {
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
        CK_SESSION_HANDLE cs;
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &cs) !=
            CKR_OK)
            _exit(3);
        if (p11->C_Login(cs, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(4);
        CK_ATTRIBUTE t = {CKA_LABEL, "from-child", 10};
        CK_OBJECT_HANDLE h;
        CK_ULONG n;
        if (p11->C_FindObjectsInit(cs, &t, 1) != CKR_OK) _exit(5);
        if (p11->C_FindObjects(cs, &h, 1, &n) != CKR_OK || n != 1) _exit(6);
        p11->C_FindObjectsFinal(cs);
        if (p11->C_DestroyObject(cs, h) != CKR_OK) _exit(7);
        p11->C_Finalize(NULL);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    ck_assert_uint_eq(count_label(s, "from-child"), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("process");
    TCase *tc = tcase_create("process");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, forked_child_must_initialize_again);
    tcase_add_test(tc, four_threads_four_sessions);
    tcase_add_test(tc, other_process_changes_seen_at_next_find);
    tcase_add_test(tc, login_does_not_block_other_threads);
    tcase_add_test(tc, finalize_during_unlocked_work);
    tcase_add_test(tc, initialize_waits_for_a_finalize_in_progress);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
