/* it_objects.c: object management, visibility and the attribute policy. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static CK_OBJECT_HANDLE
data_object(CK_SESSION_HANDLE s, const char *label, bool token, bool priv)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls},       {CKA_TOKEN, token ? &yes : &no, 1},
        {CKA_PRIVATE, priv ? &yes : &no, 1}, {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
        {CKA_VALUE, "payload", 7},
    };
    CK_OBJECT_HANDLE h;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 5, &h), CKR_OK);
    return h;
}

static CK_ULONG
count_label(CK_SESSION_HANDLE s, const char *label)
{
    CK_ATTRIBUTE t = {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)};
    return h_count(s, &t, 1);
}

START_TEST(private_objects_hidden_before_login)
{
    h_init();
    CK_SLOT_ID slot = h_token("vis");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    data_object(s, "pub", true, false);
    CK_OBJECT_HANDLE hp = data_object(s, "priv", true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "dev", &pub, &priv);
    ck_assert_uint_eq(count_label(s, "priv"), 1);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(count_label(s, "pub"), 1);
    ck_assert_uint_eq(count_label(s, "priv"), 0);
    ck_assert_uint_eq(count_label(s, "dev"), 1); /* the public key only */
    CK_ATTRIBUTE a = {CKA_LABEL, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, hp, &a, 1), CKR_OBJECT_HANDLE_INVALID);
    /* Creating a private object needs the user. */
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_PRIVATE, &yes, 1}};
    CK_OBJECT_HANDLE h;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 2, &h), CKR_USER_NOT_LOGGED_IN);
    /* Private objects survive a new process and need login there too. */
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    h_init();
    s = h_session(slot, false, false);
    ck_assert_uint_eq(count_label(s, "priv"), 0);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK);
    ck_assert_uint_eq(count_label(s, "priv"), 1);
    ck_assert_uint_eq(count_label(s, "dev"), 2);
}
END_TEST

START_TEST(session_objects_die_with_their_session)
{
    h_init();
    CK_SLOT_ID slot = h_token("sess");
    CK_SESSION_HANDLE s1 = h_session(slot, false, true);
    CK_SESSION_HANDLE s2 = h_session(slot, false, false);
    CK_OBJECT_HANDLE h = data_object(s1, "tmp", false, false);
    ck_assert_uint_eq(count_label(s2, "tmp"), 1); /* visible to the application */
    ck_assert_uint_eq(p11->C_CloseSession(s1), CKR_OK);
    ck_assert_uint_eq(count_label(s2, "tmp"), 0);
    CK_ULONG size;
    ck_assert_uint_eq(p11->C_GetObjectSize(s2, h, &size), CKR_OBJECT_HANDLE_INVALID);
    /* A token object cannot be created in a read-only session. */
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &yes, 1}};
    ck_assert_uint_eq(p11->C_CreateObject(s2, t, 2, &h), CKR_SESSION_READ_ONLY);
}
END_TEST

START_TEST(get_attribute_value_keeps_looping)
{
    h_init();
    CK_SLOT_ID slot = h_token("loop");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    CK_BYTE small[2], label[16], params[16];
    CK_ATTRIBUTE t[] = {
        {CKA_VALUE, NULL, 0},                   /* sensitive */
        {CKA_LABEL, label, sizeof label},       /* fine */
        {CKA_MODULUS, NULL, 0},                 /* not an EC attribute */
        {CKA_EC_POINT, small, sizeof small},    /* too small */
        {CKA_EC_PARAMS, params, sizeof params}, /* fine, after the errors */
    };
    CK_RV rv = p11->C_GetAttributeValue(s, priv, t, 5);
    ck_assert(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
              rv == CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    ck_assert_uint_eq(t[1].ulValueLen, 1);
    ck_assert_int_eq(label[0], 'k');
    ck_assert_uint_eq(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    ck_assert_uint_eq(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    ck_assert_uint_eq(t[4].ulValueLen, 10);
    ck_assert_int_eq(params[0], 0x06);
    /* Alone, the sensitive value gives exactly CKR_ATTRIBUTE_SENSITIVE. */
    CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, priv, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    ck_assert_uint_eq(v.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}
END_TEST

START_TEST(private_key_exposes_public_parts)
{
    h_init();
    CK_SLOT_ID slot = h_token("pubparts");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE pub, priv, rpub, rpriv;
    h_ec_pair(s, "P-256", "ec", &pub, &priv);
    CK_ULONG n1, n2;
    CK_BYTE *p1 = h_attr(s, priv, CKA_EC_POINT, &n1);
    CK_BYTE *p2 = h_attr(s, pub, CKA_EC_POINT, &n2);
    ck_assert_uint_eq(n1, 67); /* 04 41 04 X Y */
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(p1, p2, n1), 0);
    ck_assert_int_eq(p1[0], 0x04);
    ck_assert_int_eq(p1[1], 0x41);
    free(p1);
    free(p2);
    p1 = h_attr(s, priv, CKA_PUBLIC_KEY_INFO, &n1);
    ck_assert_uint_eq(n1, 91); /* SPKI of a P-256 key */
    free(p1);
    h_rsa_pair(s, 2048, "rsa", &rpub, &rpriv);
    p1 = h_attr(s, rpriv, CKA_MODULUS, &n1);
    ck_assert_uint_eq(n1, 256);
    free(p1);
    p1 = h_attr(s, rpriv, CKA_PUBLIC_EXPONENT, &n1);
    ck_assert_uint_ge(n1, 1);
    free(p1);
    CK_ULONG bits;
    CK_ATTRIBUTE b = {CKA_MODULUS_BITS, &bits, sizeof bits};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, rpub, &b, 1), CKR_OK);
    ck_assert_uint_eq(bits, 2048);
    CK_ATTRIBUTE d = {CKA_PRIVATE_EXPONENT, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, rpriv, &d, 1), CKR_ATTRIBUTE_SENSITIVE);
    /* Generated keys: local, always sensitive, never extractable. */
    CK_BBOOL local = 0, as = 0, ne = 0;
    CK_ATTRIBUTE f[] = {
        {CKA_LOCAL, &local, 1}, {CKA_ALWAYS_SENSITIVE, &as, 1}, {CKA_NEVER_EXTRACTABLE, &ne, 1}};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, priv, f, 3), CKR_OK);
    ck_assert(local && as && ne);
    CK_BYTE uid[64];
    CK_ATTRIBUTE u = {CKA_UNIQUE_ID, uid, sizeof uid};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, priv, &u, 1), CKR_OK);
    ck_assert_uint_gt(u.ulValueLen, 0);
}
END_TEST

START_TEST(attribute_policy)
{
    h_init();
    CK_SLOT_ID slot = h_token("policy");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    CK_ATTRIBUTE a = {CKA_SENSITIVE, &no, 1};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_READ_ONLY);
    a = (CK_ATTRIBUTE){CKA_EXTRACTABLE, &yes, 1};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_READ_ONLY);
    a = (CK_ATTRIBUTE){CKA_LOCAL, &no, 1};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_READ_ONLY);
    CK_OBJECT_CLASS c = CKO_DATA;
    a = (CK_ATTRIBUTE){CKA_CLASS, &c, sizeof c};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_READ_ONLY);
    a = (CK_ATTRIBUTE){CKA_LABEL, "renamed", 7};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, &a, 1), CKR_OK);
    ck_assert_uint_eq(count_label(s, "renamed"), 1);
    a = (CK_ATTRIBUTE){CKA_MODULUS, "x", 1};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    /* Not modifiable, not copyable, not destroyable. */
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_MODIFIABLE, &no, 1},
                        {CKA_COPYABLE, &no, 1},
                        {CKA_DESTROYABLE, &no, 1}};
    CK_OBJECT_HANDLE h, h2;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 4, &h), CKR_OK);
    a = (CK_ATTRIBUTE){CKA_LABEL, "x", 1};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, h, &a, 1), CKR_ACTION_PROHIBITED);
    ck_assert_uint_eq(p11->C_CopyObject(s, h, NULL, 0, &h2), CKR_ACTION_PROHIBITED);
    ck_assert_uint_eq(p11->C_DestroyObject(s, h), CKR_ACTION_PROHIBITED);
}
END_TEST

START_TEST(template_errors)
{
    h_init();
    CK_SLOT_ID slot = h_token("tmpl");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE h;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE incomplete[] = {{CKA_CLASS, &cls, sizeof cls}};
    ck_assert_uint_eq(p11->C_CreateObject(s, incomplete, 1, &h), CKR_TEMPLATE_INCOMPLETE);
    CK_OBJECT_CLASS d = CKO_DATA;
    CK_ATTRIBUTE twice[] = {{CKA_CLASS, &d, sizeof d}, {CKA_CLASS, &d, sizeof d}};
    ck_assert_uint_eq(p11->C_CreateObject(s, twice, 2, &h), CKR_TEMPLATE_INCONSISTENT);
    CK_ATTRIBUTE badtype[] = {{CKA_CLASS, &d, sizeof d}, {CKA_MODULUS_BITS, &d, sizeof d}};
    ck_assert_uint_eq(p11->C_CreateObject(s, badtype, 2, &h), CKR_ATTRIBUTE_TYPE_INVALID);
    CK_ATTRIBUTE badval[] = {{CKA_CLASS, &d, sizeof d}, {CKA_TOKEN, "xx", 2}};
    ck_assert_uint_eq(p11->C_CreateObject(s, badval, 2, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    CK_OBJECT_CLASS hw = CKO_HW_FEATURE;
    CK_ATTRIBUTE badcls[] = {{CKA_CLASS, &hw, sizeof hw}};
    ck_assert_uint_eq(p11->C_CreateObject(s, badcls, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    CK_ATTRIBUTE ro[] = {{CKA_CLASS, &d, sizeof d}, {CKA_UNIQUE_ID, "abc", 3}};
    ck_assert_uint_eq(p11->C_CreateObject(s, ro, 2, &h), CKR_ATTRIBUTE_READ_ONLY);
    ck_assert_uint_eq(p11->C_CreateObject(s, NULL, 1, &h), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(copy_and_destroy)
{
    h_init();
    CK_SLOT_ID slot = h_token("copy");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE h = data_object(s, "orig", true, false), c;
    CK_ATTRIBUTE t = {CKA_LABEL, "copy", 4};
    ck_assert_uint_eq(p11->C_CopyObject(s, h, &t, 1, &c), CKR_OK);
    ck_assert_uint_ne(c, h);
    ck_assert_uint_eq(count_label(s, "copy"), 1);
    CK_ULONG n1, n2;
    char *u1 = h_attr(s, h, CKA_UNIQUE_ID, &n1), *u2 = h_attr(s, c, CKA_UNIQUE_ID, &n2);
    ck_assert(n1 != n2 || memcmp(u1, u2, n1) != 0);
    free(u1);
    free(u2);
    ck_assert_uint_eq(p11->C_DestroyObject(s, h), CKR_OK);
    ck_assert_uint_eq(p11->C_DestroyObject(s, h), CKR_OBJECT_HANDLE_INVALID);
    ck_assert_uint_eq(count_label(s, "orig"), 0);
    /* Destroyed on disk too. */
    ck_assert_uint_eq(p11->C_Finalize(NULL), CKR_OK);
    h_init();
    s = h_session(slot, false, false);
    ck_assert_uint_eq(count_label(s, "orig"), 0);
    ck_assert_uint_eq(count_label(s, "copy"), 1);
}
END_TEST

START_TEST(find_operation_states)
{
    h_init();
    CK_SLOT_ID slot = h_token("find");
    CK_SESSION_HANDLE s = h_session(slot, true, false);
    CK_OBJECT_HANDLE h[4];
    CK_ULONG n;
    ck_assert_uint_eq(p11->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, NULL, 0), CKR_OK);
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, NULL, 0), CKR_OPERATION_ACTIVE);
    ck_assert_uint_eq(p11->C_FindObjects(s, NULL, 4, &n), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(p11->C_FindObjectsFinal(s), CKR_OK);
    /* A type named twice: equal values are one condition; different ones
     * match nothing (never CKR_TEMPLATE_INCONSISTENT, §5.7.7). */
    data_object(s, "twice", false, false);
    CK_ATTRIBUTE same[] = {{CKA_LABEL, "twice", 5}, {CKA_LABEL, "twice", 5}};
    ck_assert_uint_eq(h_count(s, same, 2), 1);
    CK_ATTRIBUTE clash[] = {{CKA_LABEL, "twice", 5}, {CKA_LABEL, "other", 5}};
    ck_assert_uint_eq(h_count(s, clash, 2), 0);
    /* C_SessionCancel ends the find operation. */
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, NULL, 0), CKR_OK);
    ck_assert_uint_eq(p11->C_SessionCancel(s, CKF_FIND_OBJECTS), CKR_OK);
    ck_assert_uint_eq(p11->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

START_TEST(import_private_keys)
{
    h_init();
    CK_SLOT_ID slot = h_token("imp");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    /* A fixed P-256 scalar; the public point is computed by the token. */
    static const CK_BYTE scalar[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                       23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_EC;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_TOKEN, &yes, 1},
        {CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid},
        {CKA_VALUE, (void *)(uintptr_t)scalar, sizeof scalar},
        {CKA_LABEL, "imported", 8},
    };
    CK_OBJECT_HANDLE h;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 6, &h), CKR_OK);
    CK_ULONG n;
    CK_BYTE *pt = h_attr(s, h, CKA_EC_POINT, &n);
    ck_assert_uint_eq(n, 67);
    free(pt);
    CK_BBOOL as = 1, local = 1;
    CK_ATTRIBUTE f[] = {{CKA_ALWAYS_SENSITIVE, &as, 1}, {CKA_LOCAL, &local, 1}};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, h, f, 2), CKR_OK);
    ck_assert(!as && !local); /* imported: it was once outside */
    CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, h, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    /* Scalars outside [1, n-1] are refused: zero, and all-ones (> n). */
    CK_BYTE bad[32];
    t[4].pValue = bad;
    memset(bad, 0, sizeof bad);
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 6, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    memset(bad, 0xff, sizeof bad);
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 6, &h), CKR_ATTRIBUTE_VALUE_INVALID);
    /* A scalar longer than the field is refused. */
    CK_BYTE longer[33] = {1};
    t[4].pValue = longer;
    t[4].ulValueLen = sizeof longer;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 6, &h), CKR_ATTRIBUTE_VALUE_INVALID);
}
END_TEST

/* C_CopyObject must not confirm a guess of a sensitive value. */
START_TEST(copy_is_no_oracle_for_sensitive_values)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("oracle"), true, true);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_BYTE key[16] = "0123456789abcdef", guess[16] = "0123456789abcdeX";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, key, sizeof key}};
    CK_OBJECT_HANDLE h, c;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 3, &h), CKR_OK);
    CK_ATTRIBUTE right = {CKA_VALUE, key, sizeof key}, wrong = {CKA_VALUE, guess, sizeof guess};
    ck_assert_uint_eq(p11->C_CopyObject(s, h, &right, 1, &c), CKR_ATTRIBUTE_READ_ONLY);
    ck_assert_uint_eq(p11->C_CopyObject(s, h, &wrong, 1, &c), CKR_ATTRIBUTE_READ_ONLY);
    /* Repeating a public, unchangeable value is fine. */
    CK_ATTRIBUTE same_class = {CKA_CLASS, &cls, sizeof cls};
    ck_assert_uint_eq(p11->C_CopyObject(s, h, &same_class, 1, &c), CKR_OK);
}
END_TEST

/* Public Certificates Token profile: certificates are readable without
 * login, and the key sharing a certificate's CKA_ID is found by it. */
START_TEST(public_certificates_token_rules)
{
    h_init();
    CK_SLOT_ID slot = h_token("pubcert");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE pub, priv, cert;
    h_ec_pair(s, "P-256", "dev", &pub, &priv); /* CKA_ID "dev" */
    CK_OBJECT_CLASS cc = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE x509 = CKC_X_509;
    CK_ATTRIBUTE ct[] = {{CKA_CLASS, &cc, sizeof cc},  {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
                         {CKA_TOKEN, &yes, 1},         {CKA_ID, "dev", 3},
                         {CKA_SUBJECT, "\x30\x00", 2}, {CKA_VALUE, "\x30\x03\x02\x01\x01", 5}};
    ck_assert_uint_eq(p11->C_CreateObject(s, ct, 6, &cert), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    CK_ATTRIBUTE by_id = {CKA_ID, "dev", 3};
    ck_assert_uint_eq(h_count(s, &by_id, 1), 2); /* certificate and public key */
    CK_BYTE val[8];
    CK_ATTRIBUTE v = {CKA_VALUE, val, sizeof val};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, cert, &v, 1), CKR_OK);
    ck_assert_uint_eq(v.ulValueLen, 5);
    /* The token says so: a CKO_PROFILE object with that profile ID. */
    CK_OBJECT_CLASS pc = CKO_PROFILE;
    CK_ULONG pid = CKP_PUBLIC_CERTIFICATES_TOKEN;
    CK_ATTRIBUTE prof[] = {{CKA_CLASS, &pc, sizeof pc}, {CKA_PROFILE_ID, &pid, sizeof pid}};
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, prof, 2), CKR_OK);
    CK_OBJECT_HANDLE h[4];
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_FindObjects(s, h, 4, &n), CKR_OK);
    ck_assert_uint_eq(p11->C_FindObjectsFinal(s), CKR_OK);
    ck_assert_uint_eq(n, 1);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("objects");
    TCase *tc = tcase_create("objects");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, private_objects_hidden_before_login);
    tcase_add_test(tc, session_objects_die_with_their_session);
    tcase_add_test(tc, get_attribute_value_keeps_looping);
    tcase_add_test(tc, private_key_exposes_public_parts);
    tcase_add_test(tc, attribute_policy);
    tcase_add_test(tc, template_errors);
    tcase_add_test(tc, copy_and_destroy);
    tcase_add_test(tc, find_operation_states);
    tcase_add_test(tc, import_private_keys);
    tcase_add_test(tc, copy_is_no_oracle_for_sensitive_values);
    tcase_add_test(tc, public_certificates_token_rules);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
