/*
 * it_credsets.c: credential sets through the module: CT_CreateSet of the
 * vendor interface "credtoken credsets", then ordinary PKCS#11 calls. The
 * secrets are used in place (HMAC inside the token) and compared with
 * OpenSSL computing from the raw key; they are never read back.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
