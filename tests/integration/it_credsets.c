/*
 * it_credsets.c: credential sets through the module: CT_CreateSet of the
 * vendor interface "credtoken credsets", then ordinary PKCS#11 calls. The
 * secrets are used in place (HMAC inside the token) and compared with
 * OpenSSL computing from the raw key; they are never read back. Sets are
 * updated (CT_UpdateSet) while another process reads them, and deleted
 * (CT_DeleteSet).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credtoken/credsets.h"
#include "harness.h"

static const CT_CREDSETS_FUNCTION_LIST *cs;

static void
cs_setup(void)
{
    h_setup();
    h_init();
    CK_INTERFACE *i = NULL;
    ck_assert_uint_eq(p11->C_GetInterface((CK_UTF8CHAR_PTR)CT_CREDSETS_INTERFACE, NULL, &i, 0),
                      CKR_OK);
    cs = i->pFunctionList;
    ck_assert_uint_eq(cs->version.major, 1);
}

static CK_RV
create(const char *id, const char *body, CK_FLAGS flags, CK_SLOT_ID *slot, char err[256])
{
    err[0] = '\0';
    return cs->CT_CreateSet(id, (const CK_BYTE *)body, strlen(body), flags,
                            (const CK_UTF8CHAR *)SO_PIN, strlen(SO_PIN),
                            (const CK_UTF8CHAR *)USER_PIN, strlen(USER_PIN), slot, err, 256);
}

static CK_SLOT_ID
create_ok(const char *id, const char *body, CK_FLAGS flags)
{
    char err[256];
    CK_SLOT_ID slot = (CK_SLOT_ID)-1;
    CK_RV rv = create(id, body, flags, &slot, err);
    ck_assert_msg(rv == CKR_OK, "CT_CreateSet %s: 0x%lx: %s", id, rv, err);
    return slot;
}

static CK_OBJECT_HANDLE
find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)}};
    CK_OBJECT_HANDLE h[2];
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, t, 2), CKR_OK);
    ck_assert_uint_eq(p11->C_FindObjects(s, h, 2, &n), CKR_OK);
    ck_assert_uint_eq(p11->C_FindObjectsFinal(s), CKR_OK);
    ck_assert_msg(n == 1, "%lu objects labelled %s", n, label);
    return h[0];
}

/* HMAC-SHA256 in the token, against OpenSSL with the raw key. */
static void
expect_hmac(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, const void *raw, size_t rawlen)
{
    static const char msg[] = "myhub.azure-devices.net/devices/dev1\n1700000000";
    CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE mac[32], want[32];
    CK_ULONG n = sizeof mac;
    unsigned int wn = sizeof want;
    ck_assert_uint_eq(p11->C_SignInit(s, &m, key), CKR_OK);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, sizeof msg - 1, mac, &n), CKR_OK);
    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), raw, (int)rawlen, (const unsigned char *)msg,
                               sizeof msg - 1, want, &wn));
    ck_assert_uint_eq(n, 32);
    ck_assert_int_eq(memcmp(mac, want, 32), 0);
}

static void
expect_secret_hidden(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
    CK_BYTE buf[256];
    CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof buf};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, key, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
    ck_assert_uint_eq(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

START_TEST(psk_and_azure_iot_used_in_place)
{
    CK_SLOT_ID a =
        create_ok("psk-1", "{\"type\":\"psk\",\"credentials\":{\"key\":\"my-secret-key\"}}", 0);
    CK_SLOT_ID b = create_ok("hub-dev1",
                             "{\"type\":\"azureIoT-credentials\",\"description\":\"IoT Hub\","
                             "\"credentials\":{\"sharedAccessKeyName\":\"device\","
                             "\"sharedAccessKey\":\"c2VjcmV0LWtleQ==\"}}",
                             0);
    ck_assert_uint_ne(a, b);
    /* Each set is a token labelled with its ID, with the PINs given. */
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(b, &ti), CKR_OK);
    ck_assert_int_eq(memcmp(ti.label, "hub-dev1                        ", 32), 0);
    ck_assert(ti.flags & CKF_USER_PIN_INITIALIZED);
    CK_SESSION_HANDLE s = h_session(a, false, true);
    CK_OBJECT_HANDLE k = find_one(s, CKO_SECRET_KEY, "psk");
    expect_hmac(s, k, "my-secret-key", 13);
    expect_secret_hidden(s, k);
    /* The vendor attributes. */
    char type[32] = {0}, id[33] = {0};
    CK_ATTRIBUTE v[] = {{CKA_CREDTOKEN_SET_TYPE, type, sizeof type - 1},
                        {CKA_CREDTOKEN_SET_ID, id, sizeof id - 1}};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, k, v, 2), CKR_OK);
    ck_assert_str_eq(type, "psk");
    ck_assert_str_eq(id, "psk-1");
    /* The key cannot be made to leak: not extractable, not
     * modifiable, and only HMAC/derivation mechanisms are allowed. */
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE sens = {CKA_SENSITIVE, &no, 1};
    ck_assert_uint_ne(p11->C_SetAttributeValue(s, k, &sens, 1), CKR_OK);
    CK_MECHANISM aes = {CKM_AES_ECB, NULL, 0};
    ck_assert_uint_ne(p11->C_EncryptInit(s, &aes, k), CKR_OK);

    CK_SESSION_HANDLE s2 = h_session(b, false, true);
    CK_OBJECT_HANDLE k2 = find_one(s2, CKO_SECRET_KEY, "sharedAccessKey");
    expect_hmac(s2, k2, "secret-key", 10); /* keyed with the decoded key */
    CK_OBJECT_HANDLE d = find_one(s2, CKO_DATA, "sharedAccessKeyName");
    char val[16] = {0};
    CK_ATTRIBUTE dv = {CKA_VALUE, val, sizeof val - 1};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s2, d, &dv, 1), CKR_OK);
    ck_assert_str_eq(val, "device");
}
END_TEST

START_TEST(exportable_psk_can_be_read)
{
    CK_SLOT_ID a = create_ok("psk-tls", "{\"type\":\"psk\",\"credentials\":{\"key\":\"tls-psk\"}}",
                             CT_SET_EXPORTABLE);
    CK_SESSION_HANDLE s = h_session(a, false, true);
    CK_OBJECT_HANDLE k = find_one(s, CKO_SECRET_KEY, "psk");
    char buf[16] = {0};
    CK_ATTRIBUTE v = {CKA_VALUE, buf, sizeof buf - 1};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, k, &v, 1), CKR_OK);
    ck_assert_str_eq(buf, "tls-psk");
}
END_TEST

START_TEST(bad_input_leaves_nothing)
{
    char err[256];
    CK_SLOT_ID slot;
    CK_ULONG before = 0, after = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &before), CKR_OK);
    ck_assert_uint_eq(create("x", "{\"type\":\"psk\"", 0, &slot, err), CKR_DATA_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "malformed JSON"));
    ck_assert_uint_eq(create("x", "{\"type\":\"nope\",\"credentials\":{}}", 0, &slot, err),
                      CKR_DATA_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "unknown type"));
    ck_assert_uint_eq(create("0123456789abcdef0123456789abcdef-", "{}", 0, &slot, err),
                      CKR_ARGUMENTS_BAD);
    ck_assert_ptr_nonnull(strstr(err, "at most 32"));
    const char *ok = "{\"type\":\"psk\",\"credentials\":{\"key\":\"k1\"}}";
    (void)create_ok("dup", ok, 0);
    ck_assert_uint_eq(create("dup", ok, 0, &slot, err), CKR_DATA_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "exists"));
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &after), CKR_OK);
    ck_assert_uint_eq(after, before + 1); /* only "dup" */
}
END_TEST

/* A pubnub set whose every field carries version v. */
static void
pubnub_body(char *buf, size_t len, int v)
{
    snprintf(buf, len,
             "{\"type\":\"pubnub-credentials\",\"description\":\"v%d\",\"credentials\":"
             "{\"publishKey\":\"pub-c-%d\",\"subscribeKey\":\"sub-c-%d\"}}",
             v, v, v);
}

static CK_RV
update(CK_SESSION_HANDLE s, const char *body, char err[256])
{
    err[0] = '\0';
    return cs->CT_UpdateSet(s, (const CK_BYTE *)body, strlen(body), 0, err, 256);
}

static CK_RV
delete_set(CK_SLOT_ID slot, const char *so_pin, char err[256])
{
    err[0] = '\0';
    return cs->CT_DeleteSet(slot, (const CK_UTF8CHAR *)so_pin, strlen(so_pin), err, 256);
}

/* The data object labelled label, as a string ("" when absent). */
static void
data_value(CK_SESSION_HANDLE s, const char *label, char *out, size_t len)
{
    CK_OBJECT_HANDLE h = find_one(s, CKO_DATA, label);
    CK_ATTRIBUTE v = {CKA_VALUE, out, len - 1};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, h, &v, 1), CKR_OK);
    out[v.ulValueLen] = '\0';
}

START_TEST(update_replaces_the_material)
{
    char body[512], err[256], val[64], created[32], created2[32];
    pubnub_body(body, sizeof body, 1);
    CK_SLOT_ID slot = create_ok("rot", body, 0);
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE old = find_one(s, CKO_DATA, "publishKey");
    CK_ATTRIBUTE c = {CKA_CREDTOKEN_CREATED, created, sizeof created - 1};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, old, &c, 1), CKR_OK);
    created[c.ulValueLen] = '\0';
    pubnub_body(body, sizeof body, 2);
    ck_assert_msg(update(s, body, err) == CKR_OK, "update: %s", err);
    /* The old objects are gone, the new ones there, the creation time kept. */
    CK_ATTRIBUTE v = {CKA_VALUE, val, sizeof val};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, old, &v, 1), CKR_OBJECT_HANDLE_INVALID);
    data_value(s, "publishKey", val, sizeof val);
    ck_assert_str_eq(val, "pub-c-2");
    data_value(s, "subscribeKey", val, sizeof val);
    ck_assert_str_eq(val, "sub-c-2");
    CK_ATTRIBUTE c2 = {CKA_CREDTOKEN_CREATED, created2, sizeof created2 - 1};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, find_one(s, CKO_DATA, "publishKey"), &c2, 1),
                      CKR_OK);
    created2[c2.ulValueLen] = '\0';
    ck_assert_str_eq(created, created2);
    /* Another type, a bad body: refused, the set unchanged. */
    ck_assert_uint_eq(update(s, "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\"}}", err),
                      CKR_DATA_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "keeps the type"));
    ck_assert_uint_eq(update(s, "{\"type\":", err), CKR_DATA_INVALID);
    data_value(s, "publishKey", val, sizeof val);
    ck_assert_str_eq(val, "pub-c-2");
    /* Read-only session; no login. */
    CK_SESSION_HANDLE ro = h_session(slot, false, false);
    ck_assert_uint_eq(update(ro, body, err), CKR_SESSION_READ_ONLY);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(update(s, body, err), CKR_USER_NOT_LOGGED_IN);
    /* A token that is not a set. */
    CK_SESSION_HANDLE plain = h_session(h_token("plain"), true, true);
    ck_assert_uint_eq(update(plain, body, err), CKR_TOKEN_NOT_RECOGNIZED);
    ck_assert_uint_eq(update(CK_INVALID_HANDLE, body, err), CKR_SESSION_HANDLE_INVALID);
}
END_TEST

START_TEST(delete_removes_the_set)
{
    char body[512], err[256];
    pubnub_body(body, sizeof body, 1);
    CK_SLOT_ID gone = create_ok("gone", body, 0), kept = create_ok("kept", body, 0);
    CK_SESSION_HANDLE s = h_session(gone, false, false);
    ck_assert_uint_eq(delete_set(gone, SO_PIN, err), CKR_SESSION_EXISTS);
    ck_assert_uint_eq(p11->C_CloseSession(s), CKR_OK);
    ck_assert_uint_eq(delete_set(gone, "87654321", err), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(delete_set(h_token("plain"), SO_PIN, err), CKR_TOKEN_NOT_RECOGNIZED);
    ck_assert_uint_eq(delete_set(9999, SO_PIN, err), CKR_SLOT_ID_INVALID);
    ck_assert_msg(delete_set(gone, SO_PIN, err) == CKR_OK, "delete: %s", err);
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(gone, &ti), CKR_SLOT_ID_INVALID);
    ck_assert_uint_eq(p11->C_GetTokenInfo(kept, &ti), CKR_OK);
    ck_assert_int_eq(memcmp(ti.label, "kept ", 5), 0);
    /* The ID is free again; the other set still works. */
    (void)create_ok("gone", body, 0);
    char val[64];
    data_value(h_session(kept, false, true), "publishKey", val, sizeof val);
    ck_assert_str_eq(val, "pub-c-1");
}
END_TEST

static CK_RV
create_pins(const char *id, CK_FLAGS flags, const char *so, const char *user, char err[256])
{
    const char *body = "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\"}}";
    CK_SLOT_ID slot;
    err[0] = '\0';
    return cs->CT_CreateSet(id, (const CK_BYTE *)body, strlen(body), flags, (const CK_UTF8CHAR *)so,
                            strlen(so), (const CK_UTF8CHAR *)user, strlen(user), &slot, err, 256);
}

START_TEST(sets_share_the_store_pins_unless_their_own)
{
    char err[256];
    CK_SLOT_ID first = create_ok("first", "{\"type\":\"psk\",\"credentials\":{\"key\":\"k\"}}", 0);
    /* Later sets must be given the store's PINs; a wrong one counts. */
    ck_assert_uint_eq(create_pins("b", 0, "87654321", USER_PIN, err), CKR_PIN_INCORRECT);
    ck_assert_ptr_nonnull(strstr(err, "SO PIN is not the store's"));
    CK_TOKEN_INFO ti;
    ck_assert_uint_eq(p11->C_GetTokenInfo(first, &ti), CKR_OK);
    ck_assert(ti.flags & CKF_SO_PIN_COUNT_LOW);
    ck_assert_uint_eq(create_pins("b", 0, SO_PIN, "4321", err), CKR_PIN_INCORRECT);
    ck_assert_ptr_nonnull(strstr(err, "user PIN is not the store's"));
    /* A set of its own PINs; then the store's PINs still rule the others. */
    ck_assert_msg(create_pins("own", CT_SET_OWN_PINS, "99999999", "9999", err) == CKR_OK, "%s",
                  err);
    ck_assert_msg(create_pins("b", 0, SO_PIN, USER_PIN, err) == CKR_OK, "%s", err);
    ck_assert_uint_eq(p11->C_GetTokenInfo(first, &ti), CKR_OK);
    ck_assert(!(ti.flags & (CKF_SO_PIN_COUNT_LOW | CKF_USER_PIN_COUNT_LOW)));
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    CK_SLOT_ID *v = calloc(n, sizeof *v);
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, v, &n), CKR_OK);
    int checked = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        ck_assert_uint_eq(p11->C_GetTokenInfo(v[i], &ti), CKR_OK);
        if (memcmp(ti.label, "own ", 4) != 0) continue;
        CK_SESSION_HANDLE s;
        ck_assert_uint_eq(p11->C_OpenSession(v[i], CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
        ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4),
                          CKR_PIN_INCORRECT);
        ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "9999", 4), CKR_OK);
        checked = 1;
    }
    free(v);
    ck_assert(checked);
}
END_TEST

/* In another process: read the set in slot until the file stop exists.
 * Every view must be one version whole: the descriptor and both keys agree.
 * Exit 0 with at least two versions seen; 20 on a mix; 21 if the updates
 * were never seen. */
static void
reader(CK_SLOT_ID slot, const char *stop)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t = {CKA_CLASS, &cls, sizeof cls};
    int versions = 0, last = -1;
    if (p11->C_Initialize(NULL) != CKR_OK) _exit(2);
    if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) _exit(3);
    if (p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4) != CKR_OK) _exit(4);
    while (access(stop, F_OK) != 0) {
        CK_OBJECT_HANDLE h[8];
        CK_ULONG n = 0;
        if (p11->C_FindObjectsInit(s, &t, 1) != CKR_OK) _exit(5);
        if (p11->C_FindObjects(s, h, 8, &n) != CKR_OK) _exit(6);
        p11->C_FindObjectsFinal(s);
        int seen[3] = {-1, -1, -1}, raced = 0;
        for (CK_ULONG i = 0; i < n && !raced; i++) {
            char label[32] = "", val[512] = "";
            CK_ATTRIBUTE a[] = {{CKA_LABEL, label, sizeof label - 1},
                                {CKA_VALUE, val, sizeof val - 1}};
            CK_RV rv = p11->C_GetAttributeValue(s, h[i], a, 2);
            if (rv == CKR_OBJECT_HANDLE_INVALID) { /* replaced since the find */
                raced = 1;
                break;
            }
            if (rv != CKR_OK) _exit(7);
            label[a[0].ulValueLen] = '\0';
            val[a[1].ulValueLen] = '\0';
            const char *p = strcmp(label, "credset") == 0 ? strstr(val, "\"v") : strstr(val, "-c-");
            int k = strcmp(label, "credset") == 0 ? 0 : strcmp(label, "publishKey") == 0 ? 1 : 2;
            if (p == NULL) _exit(8);
            seen[k] = atoi(p + (k == 0 ? 2 : 3));
        }
        if (raced) continue;
        if (n != 3 || seen[0] < 0 || seen[0] != seen[1] || seen[1] != seen[2]) {
            fprintf(stderr, "mixed view: %lu objects, versions %d %d %d\n", n, seen[0], seen[1],
                    seen[2]);
            _exit(20);
        }
        if (seen[0] != last) versions++;
        last = seen[0];
    }
    p11->C_Finalize(NULL);
    _exit(versions >= 2 ? 0 : 21);
}

START_TEST(a_reader_sees_the_old_set_or_the_new)
{
    char body[512], err[256], stop[600];
    pubnub_body(body, sizeof body, 0);
    CK_SLOT_ID slot = create_ok("race", body, 0);
    snprintf(stop, sizeof stop, "%s/../stop-reader", h_store);
    unlink(stop);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) reader(slot, stop);
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    usleep(100000); /* the reader is reading */
    for (int v = 1; v <= 40; v++) {
        pubnub_body(body, sizeof body, v);
        ck_assert_msg(update(s, body, err) == CKR_OK, "update %d: %s", v, err);
        usleep(2000);
    }
    FILE *f = fopen(stop, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    unlink(stop);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reader status 0x%x", st);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("credsets");
    TCase *tc = tcase_create("credsets");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, cs_setup, h_teardown);
    tcase_add_test(tc, psk_and_azure_iot_used_in_place);
    tcase_add_test(tc, exportable_psk_can_be_read);
    tcase_add_test(tc, bad_input_leaves_nothing);
    tcase_add_test(tc, update_replaces_the_material);
    tcase_add_test(tc, delete_removes_the_set);
    tcase_add_test(tc, a_reader_sees_the_old_set_or_the_new);
    tcase_add_test(tc, sets_share_the_store_pins_unless_their_own);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
