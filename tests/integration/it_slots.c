/* it_slots.c: slots, tokens, C_InitToken/C_InitPIN/C_SetPIN. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
label32(CK_UTF8CHAR *out, const char *s)
{
    memset(out, ' ', 32);
    memcpy(out, s, strlen(s));
}

START_TEST(one_free_slot_on_empty_store)
{
    h_init();
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    CK_SLOT_ID slot;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
    CK_SLOT_INFO si;
    ck_assert_uint_eq(p11->C_GetSlotInfo(slot, &si), CKR_OK);
    ck_assert(si.flags & CKF_TOKEN_PRESENT);
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(slot, &ti), CKR_OK);
    ck_assert(!(ti.flags & CKF_TOKEN_INITIALIZED));
    CK_SESSION_HANDLE s;
    ck_assert_uint_eq(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s),
                      CKR_TOKEN_NOT_RECOGNIZED);
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(p11->C_GetSlotInfo(424242, &si), CKR_SLOT_ID_INVALID);
}
END_TEST

START_TEST(init_token_adds_a_free_slot_and_ids_are_stable)
{
    h_init();
    CK_SLOT_ID a = h_token("alpha");
    CK_SLOT_ID b = h_token("beta");
    ck_assert_uint_ne(a, b);
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 3);
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(a, &ti), CKR_OK);
    ck_assert(ti.flags & CKF_TOKEN_INITIALIZED);
    ck_assert(ti.flags & CKF_USER_PIN_INITIALIZED);
    ck_assert(ti.flags & CKF_LOGIN_REQUIRED);
    ck_assert_int_eq(memcmp(ti.label, "alpha ", 6), 0);
    char serial_a[16];
    memcpy(serial_a, ti.serialNumber, 16);
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    h_init();
    ck_assert_uint_eq(p11->C_GetTokenInfo(a, &ti), CKR_OK);
    ck_assert_int_eq(memcmp(ti.label, "alpha ", 6), 0);
    ck_assert_int_eq(memcmp(ti.serialNumber, serial_a, 16), 0);
    ck_assert_uint_eq(p11->C_GetTokenInfo(b, &ti), CKR_OK);
    ck_assert_int_eq(memcmp(ti.label, "beta ", 5), 0);
}
END_TEST

START_TEST(labels_are_unique)
{
    h_init();
    h_token("same");
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    CK_UTF8CHAR lab[32];
    label32(lab, "same");
    ck_assert_uint_eq(p11->C_InitToken(h_free_slot(), (CK_UTF8CHAR_PTR)SO_PIN, 8, lab),
                      CKR_ARGUMENTS_BAD);
    label32(lab, "");
    ck_assert_uint_eq(p11->C_InitToken(h_free_slot(), (CK_UTF8CHAR_PTR)SO_PIN, 8, lab),
                      CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(short_nul_terminated_label_is_padded)
{
    h_init();
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    CK_SLOT_ID slot = h_free_slot();
    /* 32 bytes whose label ends at a NUL, with junk after it. */
    CK_UTF8CHAR lab[32];
    memset(lab, '!', sizeof lab);
    memcpy(lab, "short\0", 6);
    ck_assert_uint_eq(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, 8, lab), CKR_OK);
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(slot, &ti), CKR_OK);
    CK_UTF8CHAR want[32];
    label32(want, "short");
    ck_assert_int_eq(memcmp(ti.label, want, 32), 0);
}
END_TEST

START_TEST(reinit_needs_so_pin_and_no_sessions)
{
    h_init();
    CK_SLOT_ID slot = h_token("re");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    CK_UTF8CHAR lab[32];
    label32(lab, "re2");
    ck_assert_uint_eq(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, 8, lab), CKR_SESSION_EXISTS);
    ck_assert_uint_eq(p11->C_CloseAllSessions(slot), CKR_OK);
    ck_assert_uint_eq(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR) "wrongpin", 8, lab),
                      CKR_PIN_INCORRECT);
    ck_assert_uint_eq(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, 8, lab), CKR_OK);
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(slot, &ti), CKR_OK);
    ck_assert(!(ti.flags & CKF_USER_PIN_INITIALIZED));
    ck_assert_int_eq(memcmp(ti.label, "re2 ", 4), 0);
    s = h_session(slot, true, false);
    ck_assert_uint_eq(h_count(s, NULL, 0), 0);
}
END_TEST

START_TEST(init_pin_and_set_pin)
{
    h_init();
    CK_SLOT_ID slot = h_token("pins");
    /* Before any user PIN exists, C_SetPIN has no old PIN to match. */
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    CK_SLOT_ID bare = h_free_slot();
    CK_UTF8CHAR lab[32];
    label32(lab, "bare");
    ck_assert_uint_eq(p11->C_InitToken(bare, (CK_UTF8CHAR_PTR)SO_PIN, 8, lab), CKR_OK);
    CK_SESSION_HANDLE b = h_session(bare, true, false);
    ck_assert_uint_eq(p11->C_SetPIN(b, (CK_UTF8CHAR_PTR) "1111", 4, (CK_UTF8CHAR_PTR) "2222", 4),
                      CKR_PIN_INCORRECT);
    CK_SESSION_HANDLE s = h_session(slot, true, false);
    ck_assert_uint_eq(p11->C_InitPIN(s, (CK_UTF8CHAR_PTR) "5555", 4), CKR_USER_NOT_LOGGED_IN);
    ck_assert_uint_eq(p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
    ck_assert_uint_eq(p11->C_InitPIN(s, (CK_UTF8CHAR_PTR) "55", 2), CKR_PIN_LEN_RANGE);
    ck_assert_uint_eq(p11->C_InitPIN(s, (CK_UTF8CHAR_PTR) "5555", 4), CKR_OK);
    /* SO changes its own PIN. */
    ck_assert_uint_eq(p11->C_SetPIN(s, (CK_UTF8CHAR_PTR)SO_PIN, 8, (CK_UTF8CHAR_PTR) "87654321", 8),
                      CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR) "87654321", 8), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    /* The user changes theirs, logged in or not (R/W public session). */
    ck_assert_uint_eq(p11->C_SetPIN(s, (CK_UTF8CHAR_PTR) "5555", 4, (CK_UTF8CHAR_PTR) "6666", 4),
                      CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "6666", 4), CKR_OK);
    ck_assert_uint_eq(p11->C_SetPIN(s, (CK_UTF8CHAR_PTR) "bad!", 4, (CK_UTF8CHAR_PTR) "7777", 4),
                      CKR_PIN_INCORRECT);
    CK_SESSION_HANDLE ro = h_session(slot, false, false);
    ck_assert_uint_eq(p11->C_SetPIN(ro, (CK_UTF8CHAR_PTR) "6666", 4, (CK_UTF8CHAR_PTR) "7777", 4),
                      CKR_SESSION_READ_ONLY);
}
END_TEST

START_TEST(token_created_by_another_process_appears)
{
    h_init();
    h_token("first");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The child re-initializes, as the spec requires after fork. */
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
        CK_ULONG n = 0;
        if (p11->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK) _exit(3);
        CK_SLOT_ID slots[8];
        if (p11->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) _exit(4);
        CK_UTF8CHAR lab[32];
        label32(lab, "second");
        if (p11->C_InitToken(slots[n - 1], (CK_UTF8CHAR_PTR)SO_PIN, 8, lab) != CKR_OK) _exit(5);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 3);
}
END_TEST

/* The free slot this process saw was initialized by another process in the
 * meantime: C_InitToken acts on that slot (here: a re-initialization the
 * other SO PIN refuses), never on a different one. */
START_TEST(init_token_on_a_slot_taken_meanwhile)
{
    h_init();
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    CK_SLOT_ID slot = h_free_slot();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        CK_UTF8CHAR lab[32];
        label32(lab, "other");
        if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
        if (p11->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK) _exit(3);
        if (p11->C_InitToken(slot, (CK_UTF8CHAR_PTR) "otherSOpin", 10, lab) != CKR_OK) _exit(4);
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    CK_UTF8CHAR lab[32];
    label32(lab, "mine");
    ck_assert_uint_eq(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, 8, lab), CKR_PIN_INCORRECT);
    CK_SLOT_ID slots[8];
    n = 8;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        ck_assert_uint_eq(p11->C_GetTokenInfo(slots[i], &ti), CKR_OK);
        ck_assert_int_ne(memcmp(ti.label, lab, 32), 0);
        if (slots[i] == slot) ck_assert_int_eq(memcmp(ti.label, "other ", 6), 0);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("slots");
    TCase *tc = tcase_create("slots");
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, one_free_slot_on_empty_store);
    tcase_add_test(tc, init_token_adds_a_free_slot_and_ids_are_stable);
    tcase_add_test(tc, labels_are_unique);
    tcase_add_test(tc, short_nul_terminated_label_is_padded);
    tcase_add_test(tc, reinit_needs_so_pin_and_no_sessions);
    tcase_add_test(tc, init_pin_and_set_pin);
    tcase_add_test(tc, token_created_by_another_process_appears);
    tcase_add_test(tc, init_token_on_a_slot_taken_meanwhile);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
