/* it_login.c: sessions, the login matrix and PIN lockout. */
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define PIN(p) (CK_UTF8CHAR_PTR)(p), (CK_ULONG)strlen(p)

static CK_STATE
state(CK_SESSION_HANDLE s)
{
    CK_SESSION_INFO si;
    ck_assert_uint_eq(p11->C_GetSessionInfo(s, &si), CKR_OK);
    return si.state;
}

START_TEST(session_states_follow_login)
{
    h_init();
    CK_SLOT_ID slot = h_token("st");
    CK_SESSION_HANDLE ro = h_session(slot, false, false);
    CK_SESSION_HANDLE rw = h_session(slot, true, false);
    ck_assert_uint_eq(state(ro), CKS_RO_PUBLIC_SESSION);
    ck_assert_uint_eq(state(rw), CKS_RW_PUBLIC_SESSION);
    /* Login on a read-only session works and applies to all sessions. */
    ck_assert_uint_eq(p11->C_Login(ro, CKU_USER, PIN(USER_PIN)), CKR_OK);
    ck_assert_uint_eq(state(ro), CKS_RO_USER_FUNCTIONS);
    ck_assert_uint_eq(state(rw), CKS_RW_USER_FUNCTIONS);
    ck_assert_uint_eq(p11->C_Login(rw, CKU_USER, PIN(USER_PIN)), CKR_USER_ALREADY_LOGGED_IN);
    ck_assert_uint_eq(p11->C_Login(rw, CKU_SO, PIN(SO_PIN)), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    ck_assert_uint_eq(p11->C_Logout(rw), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(rw), CKR_USER_NOT_LOGGED_IN);
    ck_assert_uint_eq(state(ro), CKS_RO_PUBLIC_SESSION);
    CK_SESSION_INFO si;
    ck_assert_uint_eq(p11->C_GetSessionInfo(ro, &si), CKR_OK);
    ck_assert_uint_eq(si.slotID, slot);
    ck_assert(si.flags & CKF_SERIAL_SESSION);
    ck_assert(!(si.flags & CKF_RW_SESSION));
}
END_TEST

START_TEST(so_login_rules)
{
    h_init();
    CK_SLOT_ID slot = h_token("so");
    CK_SESSION_HANDLE ro = h_session(slot, false, false);
    CK_SESSION_HANDLE rw = h_session(slot, true, false);
    ck_assert_uint_eq(p11->C_Login(rw, CKU_SO, PIN(SO_PIN)), CKR_SESSION_READ_ONLY_EXISTS);
    ck_assert_uint_eq(p11->C_CloseSession(ro), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(rw, CKU_SO, PIN(SO_PIN)), CKR_OK);
    ck_assert_uint_eq(state(rw), CKS_RW_SO_FUNCTIONS);
    CK_SESSION_HANDLE s;
    ck_assert_uint_eq(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s),
                      CKR_SESSION_READ_WRITE_SO_EXISTS);
    ck_assert_uint_eq(p11->C_Login(rw, 42, PIN(SO_PIN)), CKR_USER_TYPE_INVALID);
}
END_TEST

START_TEST(session_handles_invalid_and_closed)
{
    h_init();
    CK_SLOT_ID slot = h_token("h");
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    CK_SESSION_INFO si;
    ck_assert_uint_eq(p11->C_CloseSession(s), CKR_OK);
    ck_assert_uint_eq(p11->C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID);
    ck_assert_uint_eq(p11->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
    ck_assert_uint_eq(p11->C_GetSessionInfo(0, &si), CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_HANDLE s2 = h_session(slot, false, false);
    ck_assert_uint_ne(s2, s); /* handles are never reused */
    ck_assert_uint_eq(p11->C_OpenSession(slot, 0, NULL, NULL, &s2),
                      CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    ck_assert_uint_eq(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL),
                      CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(closing_last_session_logs_out)
{
    h_init();
    CK_SLOT_ID slot = h_token("last");
    CK_SESSION_HANDLE s = h_session(slot, false, true);
    ck_assert_uint_eq(p11->C_CloseSession(s), CKR_OK);
    s = h_session(slot, false, false);
    ck_assert_uint_eq(state(s), CKS_RO_PUBLIC_SESSION);
}
END_TEST

static CK_FLAGS
token_flags(CK_SLOT_ID slot)
{
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(slot, &ti), CKR_OK);
    return ti.flags;
}

START_TEST(lockout_after_max_failures_persists)
{
    h_init();
    CK_SLOT_ID slot = h_token("lock");
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
    ck_assert(token_flags(slot) & CKF_USER_PIN_COUNT_LOW);
    ck_assert(token_flags(slot) & CKF_USER_PIN_FINAL_TRY);
    /* A success resets the counter. */
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN(USER_PIN)), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert(!(token_flags(slot) & CKF_USER_PIN_COUNT_LOW));
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN("0000")), CKR_PIN_INCORRECT);
    ck_assert(token_flags(slot) & CKF_USER_PIN_LOCKED);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN(USER_PIN)), CKR_PIN_LOCKED);
    /* The count survives the process. */
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    h_init();
    ck_assert(token_flags(slot) & CKF_USER_PIN_LOCKED);
    s = h_session(slot, true, false);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN(USER_PIN)), CKR_PIN_LOCKED);
    /* The SO unlocks by setting a new user PIN. */
    ck_assert_uint_eq(p11->C_Login(s, CKU_SO, PIN(SO_PIN)), CKR_OK);
    ck_assert_uint_eq(p11->C_InitPIN(s, PIN("9999")), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert(!(token_flags(slot) & CKF_USER_PIN_LOCKED));
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN("9999")), CKR_OK);
}
END_TEST

/* Many processes logging in at once with the right PIN never lock it,
 * and killing them in the middle of the derivation does not either. */
START_TEST(login_storm_never_locks)
{
    h_init();
    CK_SLOT_ID slot = h_token("storm");
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    for (int round = 0; round < 2; round++) {
        pid_t pids[12];
        for (int i = 0; i < 12; i++) {
            pids[i] = fork();
            ck_assert_int_ge(pids[i], 0);
            if (pids[i] == 0) {
                CK_SESSION_HANDLE s;
                if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
                if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
                    _exit(3);
                CK_RV rv = p11->C_Login(s, CKU_USER, PIN(USER_PIN));
                _exit(rv == CKR_OK ? 0 : rv == CKR_PIN_LOCKED ? 9 : 4);
            }
        }
        if (round == 1) { /* kill them while they derive */
            struct timespec ts = {0, 30 * 1000000L};
            nanosleep(&ts, NULL);
            for (int i = 0; i < 12; i++)
                kill(pids[i], SIGKILL);
        }
        for (int i = 0; i < 12; i++) {
            int st;
            ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
            if (round == 0)
                ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d: status 0x%x", i,
                              st);
        }
    }
    h_init();
    ck_assert(!(token_flags(slot) & CKF_USER_PIN_LOCKED));
    CK_SESSION_HANDLE s = h_session(slot, false, false);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, PIN(USER_PIN)), CKR_OK);
}
END_TEST

static void
setup_storm(void)
{
    h_setup_conf(2, 60);
}

static void
setup_two_failures(void)
{
    h_setup_with(2);
}

int
main(void)
{
    Suite *s = suite_create("login");
    TCase *tc = tcase_create("login");
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, session_states_follow_login);
    tcase_add_test(tc, so_login_rules);
    tcase_add_test(tc, session_handles_invalid_and_closed);
    tcase_add_test(tc, closing_last_session_logs_out);
    suite_add_tcase(s, tc);
    TCase *lock = tcase_create("lockout");
    tcase_add_checked_fixture(lock, setup_two_failures, h_teardown);
    tcase_add_test(lock, lockout_after_max_failures_persists);
    suite_add_tcase(s, lock);
    TCase *storm = tcase_create("storm");
    tcase_set_timeout(storm, 60);
    tcase_add_checked_fixture(storm, setup_storm, h_teardown);
    tcase_add_test(storm, login_storm_never_locks);
    suite_add_tcase(s, storm);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
