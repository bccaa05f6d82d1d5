/*
 * test_core.c: the PKCS#11 model (src/core/) without the C_* entry points:
 * the per-class schema, the variable-length output convention of op.c, and
 * library/token/session/object management over the in-memory store.
 *
 * Each test gets its own memory-store root (purged in teardown) and a conf
 * with the cheapest PIN KDF. Calls that require the library lock are made
 * directly: the tests are single-threaded.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/find.h"
#include "core/library.h"
#include "core/manage.h"
#include "core/object.h"
#include "core/op.h"
#include "core/schema.h"
#include "core/session.h"
#include "core/token.h"
#include "mech/mech.h"
#include "mech/ossl.h"
#include "store/mem/mem.h"
#include "store/store.h"
#include "store/store_int.h"
#include "util/attr.h"
#include "util/conf.h"

#include "unit.h"

/* clang-format off */
#define A(type, var) {(type), (void *)&(var), sizeof(var)}
#define AN(type, ptr, len) {(type), (void *)(ptr), (len)}
/* clang-format on */

static const CK_UTF8CHAR so_pin[] = "so-secret";
static const CK_UTF8CHAR user_pin[] = "user-1234";
#define SO_PIN so_pin, (CK_ULONG)(sizeof so_pin - 1)
#define USER_PIN user_pin, (CK_ULONG)(sizeof user_pin - 1)
#define BAD_PIN (const CK_UTF8CHAR *)"wrong-pin", 9

static char root[96];
static struct conf cf;
static struct library *lib, *lib2;
static unsigned seq;

static void
setup(void)
{
    ck_assert_rv(ossl_init(), CKR_OK);
    ck_assert_rv(mech_init(), CKR_OK);
    conf_defaults(&cf);
    cf.kdf_target_ms = 1;
    cf.max_pin_failures = 3;
    snprintf(root, sizeof root, "test-core-%ld-%u", (long)getpid(), ++seq);
    snprintf(cf.store, sizeof cf.store, "%s", root);
    lib = lib2 = NULL;
}

static void
teardown(void)
{
    library_free(lib2);
    library_free(lib);
    lib = lib2 = NULL;
    store_mem_purge(root);
    mech_cleanup();
    ossl_cleanup();
}

/* Only for the schema and op tests, which need no store. */
static void
setup_mech(void)
{
    ck_assert_rv(ossl_init(), CKR_OK);
    ck_assert_rv(mech_init(), CKR_OK);
}

static void
teardown_mech(void)
{
    mech_cleanup();
    ossl_cleanup();
}

/* ---- values and vectors ---- */

static CK_OBJECT_CLASS o_data = CKO_DATA, o_cert = CKO_CERTIFICATE, o_pub = CKO_PUBLIC_KEY,
                       o_priv = CKO_PRIVATE_KEY, o_sec = CKO_SECRET_KEY, o_hw = CKO_HW_FEATURE;
static CK_KEY_TYPE k_rsa = CKK_RSA, k_ec = CKK_EC, k_gen = CKK_GENERIC_SECRET, k_aes = CKK_AES,
                   k_dsa = CKK_DSA;
static CK_CERTIFICATE_TYPE c_x509 = CKC_X_509, c_wtls = CKC_WTLS;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_ULONG len16 = 16, bits2048 = 2048, gen_mech = CKM_AES_KEY_GEN;
static uint32_t short_ulong = 16;
static CK_BYTE two_bytes[2] = {1, 1};
static CK_BYTE three_bytes[3] = {1, 2, 3};
static CK_BYTE five_bytes[5] = {1, 2, 3, 4, 5};
static CK_BYTE aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                              0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static CK_BYTE other_key[16] = {0xff};
static CK_BYTE modulus[8] = {0xc5, 1, 2, 3, 4, 5, 6, 7};
static CK_BYTE exponent[3] = {1, 0, 1};
static CK_BYTE der_cert[4] = {0x30, 0x02, 0x05, 0x00};
static CK_BYTE uid[] = "00112233445566778899aabbccddeeff";
static CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_DATE a_date = {{'2', '0', '3', '0'}, {'0', '1'}, {'0', '1'}};
static CK_MECHANISM_TYPE ecdsa_sha256_only[1] = {CKM_ECDSA_SHA256};

/* A fixed P-256 key (the same as test_mech.c's, made with openssl genpkey). */
static const char P256_D[] = "8d032afb3e97263d7d0a9140dfafe0c8fb4f09a3d38d9ee06fcf5e5740de4fbb";
static const char P256_POINT[] = "04ff89bb54db8ca786e24405440bc3e1ccda6063188905193af83c78f722ddce6"
                                 "aca99e3b814721be22da92d7a729eab"
                                 "5e3321f03fd44c94db03e046e3fb7c7ce4";

/* A fixed RSA-2048 key (test_mech.c's, made with openssl genpkey). */
static const char RSA_N[] = "ad559ea49f71c89abeb1bbfbea176e9de06d560286f674e990eb6d04f11cc5f20bff09"
                            "78dfe9dbced2d9f385f382da1af6d4f98ab8ce67d499a09af2f2135aecc9970fbf497b"
                            "2184ae5c954425c797c320e3029715565e155d24df1e1b288262bc3ef42c17aaa0b1aa"
                            "3074e95cb3d83c3315bc7b1e84187aa025bf26652844be1b45cbcab8ae284627aa0a17"
                            "c7ec8e1825933bedca43477c4bbd466018bd21fb7ebe3d19552c17912be1d12b6635ef"
                            "64d22b482eab1d0f0548f60cb55a02a8c6f2a1d855980dcccf81f5e0434cfc2f7e2199"
                            "7920b25e44b7331e43bad6ef7b4428f8f0d9ddc47d62ba78ffd3228c0046376497f82c"
                            "69ba086511afb9dd39aed9";
static const char RSA_E[] = "010001";
static const char RSA_D[] = "3dce9f00229ec7226ec71fba07520dae9c1d40a32c0eebc77156918c4691b4ffc7494c"
                            "ce5e419c90965d035a0b67e86fdefe38713fced1f55c46899a01b9e71d3210fc9b800f"
                            "38f77fd9219ca840109c92b87feef1bbd75694dd15f63d46e79f5f72af4c9dafc91731"
                            "11904eba30a2f56c5dded4a420043e8da6880f9fd889120e626411a1b6152ca7823bb5"
                            "aa72c03ec49a250180fa8bac10aeb8f1d78b2ec1c4ea08222d6c60e0b257da0c08abb8"
                            "a6caac0743d60c89605dcbead1c36a4e4961ce25490d9e7e4da94c9e88be79513f3fdc"
                            "2e37e6d418e029768f1f0ed0b28cd7140ef3e20d0a2d2267a1fbe4e308fb4a5889c2b7"
                            "20b9e08437ae5d69378ed5";

/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
static const CK_BYTE SHA256_ABC[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

struct blob {
    uint8_t b[512];
    CK_ULONG n;
};

static struct blob
hx(const char *hex)
{
    struct blob r = {.n = strlen(hex) / 2};
    ck_assert_uint_eq(strlen(hex) % 2, 0);
    ck_assert_uint_le(r.n, sizeof r.b);
    for (size_t i = 0; i < r.n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        r.b[i] = (uint8_t)v;
    }
    return r;
}

/* ---- attribute set helpers ---- */

/* Number of leading entries with a value pointer (tables leave the rest zero). */
static CK_ULONG
tmpl_len(const CK_ATTRIBUTE *t, CK_ULONG max)
{
    CK_ULONG n = 0;
    while (n < max && t[n].pValue != NULL)
        n++;
    return n;
}

static struct attr_set *
aset(const CK_ATTRIBUTE *t, CK_ULONG n)
{
    struct attr_set *s = NULL;
    ck_assert_rv(attr_set_from_template(t, n, &s), CKR_OK);
    ck_assert_ptr_nonnull(s);
    return s;
}

#define ASET(arr) aset((arr), NELEM(arr))

static void
put_hex(struct attr_set *a, CK_ATTRIBUTE_TYPE t, const char *hex)
{
    struct blob b = hx(hex);
    ck_assert_rv(attr_set_put(a, t, b.b, b.n), CKR_OK);
}

static bool
has_bool(const struct attr_set *s, CK_ATTRIBUTE_TYPE t, bool want)
{
    const struct attr *a = attr_set_find(s, t);
    return a != NULL && a->len == 1 && (a->val[0] != CK_FALSE) == want;
}

static CK_ULONG
get_ulong(const struct attr_set *s, CK_ATTRIBUTE_TYPE t)
{
    CK_ULONG v = 0;
    ck_assert_rv(attr_set_get_ulong(s, t, &v), CKR_OK);
    return v;
}

/* ================================================================
 * schema.c
 * ================================================================ */

struct scase {
    const char *what;
    enum schema_op op;
    bool so;
    CK_ATTRIBUTE t[7];
    CK_RV want;
};

#define C SCHEMA_CREATE
#define G SCHEMA_GENERATE
#define VENDOR_TYPE (CKA_VENDOR_DEFINED | 0x7777UL)

/* clang-format off */
static const struct scase schema_cases[] = {
    /* data and certificates */
    {"data: class only", C, false, {A(CKA_CLASS, o_data)}, CKR_OK},
    {"no class", C, false, {AN(CKA_LABEL, "x", 1)}, CKR_TEMPLATE_INCOMPLETE},
    {"class of 4 bytes", C, false, {A(CKA_CLASS, short_ulong)}, CKR_ATTRIBUTE_VALUE_INVALID},
    {"data: unique id", C, false,
     {A(CKA_CLASS, o_data), A(CKA_UNIQUE_ID, uid)}, CKR_ATTRIBUTE_READ_ONLY},
    {"data: a key attribute", C, false,
     {A(CKA_CLASS, o_data), A(CKA_MODULUS, modulus)}, CKR_ATTRIBUTE_TYPE_INVALID},
    {"data: an unknown vendor type", C, false,
     {A(CKA_CLASS, o_data), A(VENDOR_TYPE, yes)}, CKR_ATTRIBUTE_TYPE_INVALID},
    {"data: CKA_TOKEN of 4 bytes", C, false,
     {A(CKA_CLASS, o_data), A(CKA_TOKEN, short_ulong)}, CKR_ATTRIBUTE_VALUE_INVALID},
    {"data: with value and application", C, false,
     {A(CKA_CLASS, o_data), A(CKA_VALUE, five_bytes), AN(CKA_APPLICATION, "app", 3)}, CKR_OK},
    {"cert: no certificate type", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_VALUE, der_cert)}, CKR_TEMPLATE_INCOMPLETE},
    {"cert: X.509 without value", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509)}, CKR_TEMPLATE_INCOMPLETE},
    {"cert: X.509", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509), A(CKA_VALUE, der_cert)}, CKR_OK},
    {"cert: unsupported type", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_wtls), A(CKA_VALUE, der_cert)},
     CKR_ATTRIBUTE_VALUE_INVALID},
    {"cert: trusted by a user", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509), A(CKA_VALUE, der_cert),
      A(CKA_TRUSTED, yes)}, CKR_ATTRIBUTE_READ_ONLY},
    {"cert: trusted by the SO", C, true,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509), A(CKA_VALUE, der_cert),
      A(CKA_TRUSTED, yes)}, CKR_OK},
    {"cert: untrusted by a user", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509), A(CKA_VALUE, der_cert),
      A(CKA_TRUSTED, no)}, CKR_OK},
    {"cert: date of 3 bytes", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509), A(CKA_VALUE, der_cert),
      A(CKA_START_DATE, three_bytes)}, CKR_ATTRIBUTE_VALUE_INVALID},
    {"cert: a full date", C, false,
     {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509), A(CKA_VALUE, der_cert),
      A(CKA_END_DATE, a_date)}, CKR_OK},
    {"class: hardware feature", C, false, {A(CKA_CLASS, o_hw)}, CKR_ATTRIBUTE_VALUE_INVALID},
    /* keys: created */
    {"key without a key type", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_MODULUS, modulus)}, CKR_TEMPLATE_INCOMPLETE},
    {"public DSA key", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_dsa)}, CKR_ATTRIBUTE_VALUE_INVALID},
    {"RSA public", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent)}, CKR_OK},
    {"RSA public: no exponent", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus)},
     CKR_TEMPLATE_INCOMPLETE},
    {"RSA public: no modulus", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_PUBLIC_EXPONENT, exponent)},
     CKR_TEMPLATE_INCOMPLETE},
    {"RSA public: modulus bits", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_MODULUS_BITS, bits2048)}, CKR_TEMPLATE_INCONSISTENT},
    {"RSA private", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_PRIVATE_EXPONENT, modulus)}, CKR_OK},
    {"RSA private: no private exponent", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent)}, CKR_TEMPLATE_INCOMPLETE},
    {"RSA private: local", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_PRIVATE_EXPONENT, modulus), A(CKA_LOCAL, no)},
     CKR_ATTRIBUTE_READ_ONLY},
    {"RSA private: always sensitive", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_PRIVATE_EXPONENT, modulus),
      A(CKA_ALWAYS_SENSITIVE, yes)}, CKR_ATTRIBUTE_READ_ONLY},
    {"RSA private: never extractable", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_PRIVATE_EXPONENT, modulus),
      A(CKA_NEVER_EXTRACTABLE, yes)}, CKR_ATTRIBUTE_READ_ONLY},
    {"RSA private: key generation mechanism", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
      A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_PRIVATE_EXPONENT, modulus),
      A(CKA_KEY_GEN_MECHANISM, gen_mech)}, CKR_ATTRIBUTE_READ_ONLY},
    {"EC public", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256),
      A(CKA_EC_POINT, modulus)}, CKR_OK},
    {"EC public: no point", C, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256)},
     CKR_TEMPLATE_INCOMPLETE},
    {"EC private", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256),
      A(CKA_VALUE, aes_key)}, CKR_OK},
    {"EC private: no value", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256)},
     CKR_TEMPLATE_INCOMPLETE},
    {"EC private: no params", C, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec), A(CKA_VALUE, aes_key)}, CKR_TEMPLATE_INCOMPLETE},
    {"generic secret", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_gen), A(CKA_VALUE, aes_key)}, CKR_OK},
    {"AES", C, false, {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key)}, CKR_OK},
    {"AES: no value", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes)}, CKR_TEMPLATE_INCOMPLETE},
    {"AES: value length", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key), A(CKA_VALUE_LEN, len16)},
     CKR_TEMPLATE_INCONSISTENT},
    {"AES: modulus", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key), A(CKA_MODULUS, modulus)},
     CKR_ATTRIBUTE_TYPE_INVALID},
    {"AES: trusted by a user", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key), A(CKA_TRUSTED, yes)},
     CKR_ATTRIBUTE_READ_ONLY},
    {"AES: allowed mechanisms of 5 bytes", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key),
      A(CKA_ALLOWED_MECHANISMS, five_bytes)}, CKR_ATTRIBUTE_VALUE_INVALID},
    {"AES: sensitive of 2 bytes", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key),
      A(CKA_SENSITIVE, two_bytes)}, CKR_ATTRIBUTE_VALUE_INVALID},
    {"AES: unique id", C, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key), A(CKA_UNIQUE_ID, uid)},
     CKR_ATTRIBUTE_READ_ONLY},
    /* keys: generated */
    {"gen AES", G, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE_LEN, len16)}, CKR_OK},
    {"gen AES: value", G, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE_LEN, len16), A(CKA_VALUE, aes_key)},
     CKR_TEMPLATE_INCONSISTENT},
    {"gen AES: no value length", G, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes)}, CKR_TEMPLATE_INCOMPLETE},
    {"gen AES: value length of 4 bytes", G, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE_LEN, short_ulong)},
     CKR_ATTRIBUTE_VALUE_INVALID},
    {"gen AES: local", G, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE_LEN, len16), A(CKA_LOCAL, yes)},
     CKR_ATTRIBUTE_READ_ONLY},
    {"gen AES: key generation mechanism", G, false,
     {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE_LEN, len16),
      A(CKA_KEY_GEN_MECHANISM, gen_mech)}, CKR_ATTRIBUTE_READ_ONLY},
    {"gen EC public", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256)}, CKR_OK},
    {"gen EC public: no params", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec)}, CKR_TEMPLATE_INCOMPLETE},
    {"gen EC public: point", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256),
      A(CKA_EC_POINT, modulus)}, CKR_TEMPLATE_INCONSISTENT},
    {"gen EC private", G, false, {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec)}, CKR_OK},
    {"gen EC private: value", G, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec), A(CKA_VALUE, aes_key)},
     CKR_TEMPLATE_INCONSISTENT},
    {"gen RSA public", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS_BITS, bits2048)}, CKR_OK},
    {"gen RSA public: exponent", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS_BITS, bits2048),
      A(CKA_PUBLIC_EXPONENT, exponent)}, CKR_OK},
    {"gen RSA public: no modulus bits", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa)}, CKR_TEMPLATE_INCOMPLETE},
    {"gen RSA public: modulus", G, false,
     {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS_BITS, bits2048),
      A(CKA_MODULUS, modulus)}, CKR_TEMPLATE_INCONSISTENT},
    {"gen RSA private", G, false, {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa)}, CKR_OK},
    {"gen RSA private: private exponent", G, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_PRIVATE_EXPONENT, modulus)},
     CKR_TEMPLATE_INCONSISTENT},
    {"gen RSA private: prime", G, false,
     {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_PRIME_1, modulus)},
     CKR_TEMPLATE_INCONSISTENT},
};
/* clang-format on */

#undef C
#undef G

START_TEST(test_schema_table)
{
    const struct scase *c = &schema_cases[_i];
    struct attr_set *s = aset(c->t, tmpl_len(c->t, NELEM(c->t)));
    size_t before = attr_set_count(s);
    CK_RV rv =
        schema_check(c->op, s, NULL, c->so,
                     c->op == SCHEMA_GENERATE ? CKM_AES_KEY_GEN : CK_UNAVAILABLE_INFORMATION);
    ck_assert_msg(rv == c->want, "%s: 0x%lx, expected 0x%lx", c->what, rv, c->want);
    /* Defaults are filled exactly when the template is accepted. */
    if (rv == CKR_OK)
        ck_assert_msg(attr_set_count(s) > before, "%s: no defaults filled", c->what);
    else
        ck_assert_msg(attr_set_count(s) == before, "%s: a refused template was changed", c->what);
    attr_set_free(s);
}
END_TEST

/*
 * The defaults schema_check() fills are attributes of the object's own class
 * (3.0 §4.10 table 30: a secret key has no CKA_SUBJECT). An attribute the
 * class does not define would be answered by C_GetAttributeValue (§5.7.5
 * wants CKR_ATTRIBUTE_TYPE_INVALID) yet refused by C_SetAttributeValue.
 */
START_TEST(test_schema_defaults_are_of_the_class)
{
    char bad[1024] = "";
    size_t checked = 0;
    for (size_t k = 0; k < NELEM(schema_cases); k++) {
        const struct scase *c = &schema_cases[k];
        if (c->want != CKR_OK) continue;
        struct attr_set *s = aset(c->t, tmpl_len(c->t, NELEM(c->t)));
        ck_assert_rv(schema_check(c->op, s, NULL, c->so, CKM_AES_KEY_GEN), CKR_OK);
        for (size_t i = 0; i < attr_set_count(s); i++) {
            CK_ATTRIBUTE_TYPE type = attr_set_at(s, i)->type;
            if (schema_is_known(s, type)) continue;
            size_t used = strlen(bad);
            snprintf(bad + used, sizeof bad - used, " [%s: 0x%lx]", c->what, type);
        }
        attr_set_free(s);
        checked++;
    }
    ck_assert_uint_ge(checked, 15);
    ck_assert_msg(bad[0] == '\0', "defaults outside the class:%s", bad);
}
END_TEST

START_TEST(test_schema_defaults_created_private_key)
{
    CK_ATTRIBUTE t[] = {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, modulus),
                        A(CKA_PUBLIC_EXPONENT, exponent), A(CKA_PRIVATE_EXPONENT, modulus)};
    struct attr_set *s = ASET(t);
    ck_assert_rv(schema_check(SCHEMA_CREATE, s, NULL, false, CK_UNAVAILABLE_INFORMATION), CKR_OK);
    ck_assert(has_bool(s, CKA_TOKEN, false));
    ck_assert(has_bool(s, CKA_PRIVATE, true));
    ck_assert(has_bool(s, CKA_SENSITIVE, true));
    ck_assert(has_bool(s, CKA_EXTRACTABLE, false));
    /* Key material that came from outside was never always-sensitive. */
    ck_assert(has_bool(s, CKA_ALWAYS_SENSITIVE, false));
    ck_assert(has_bool(s, CKA_NEVER_EXTRACTABLE, false));
    ck_assert(has_bool(s, CKA_LOCAL, false));
    ck_assert_uint_eq(get_ulong(s, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION);
    ck_assert(has_bool(s, CKA_MODIFIABLE, true));
    ck_assert(has_bool(s, CKA_COPYABLE, true));
    ck_assert(has_bool(s, CKA_DESTROYABLE, true));
    ck_assert(has_bool(s, CKA_DERIVE, false));
    ck_assert(has_bool(s, CKA_WRAP_WITH_TRUSTED, false));
    ck_assert(has_bool(s, CKA_ALWAYS_AUTHENTICATE, false));
    ck_assert(attr_set_has(s, CKA_ID));
    ck_assert(attr_set_has(s, CKA_LABEL));
    ck_assert(attr_set_has(s, CKA_START_DATE));
    attr_set_free(s);
}
END_TEST

START_TEST(test_schema_defaults_generated_secret_key)
{
    CK_ATTRIBUTE t[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE_LEN, len16)};
    struct attr_set *s = ASET(t);
    ck_assert_rv(schema_check(SCHEMA_GENERATE, s, NULL, false, CKM_AES_KEY_GEN), CKR_OK);
    ck_assert(has_bool(s, CKA_PRIVATE, true));
    ck_assert(has_bool(s, CKA_SENSITIVE, true));
    ck_assert(has_bool(s, CKA_EXTRACTABLE, false));
    ck_assert(has_bool(s, CKA_ALWAYS_SENSITIVE, true));
    ck_assert(has_bool(s, CKA_NEVER_EXTRACTABLE, true));
    ck_assert(has_bool(s, CKA_LOCAL, true));
    ck_assert_uint_eq(get_ulong(s, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
    ck_assert(has_bool(s, CKA_ENCRYPT, true));
    ck_assert(has_bool(s, CKA_DECRYPT, true));
    attr_set_free(s);

    /* What the caller gives wins, and the history flags follow it. */
    CK_ATTRIBUTE t2[] = {A(CKA_CLASS, o_sec),  A(CKA_KEY_TYPE, k_aes),  A(CKA_VALUE_LEN, len16),
                         A(CKA_SENSITIVE, no), A(CKA_EXTRACTABLE, yes), A(CKA_PRIVATE, no)};
    s = ASET(t2);
    ck_assert_rv(schema_check(SCHEMA_GENERATE, s, NULL, false, CKM_AES_KEY_GEN), CKR_OK);
    ck_assert(has_bool(s, CKA_PRIVATE, false));
    ck_assert(has_bool(s, CKA_SENSITIVE, false));
    ck_assert(has_bool(s, CKA_EXTRACTABLE, true));
    ck_assert(has_bool(s, CKA_ALWAYS_SENSITIVE, false));
    ck_assert(has_bool(s, CKA_NEVER_EXTRACTABLE, false));
    attr_set_free(s);
}
END_TEST

START_TEST(test_schema_defaults_public_objects)
{
    CK_ATTRIBUTE td[] = {A(CKA_CLASS, o_data)};
    struct attr_set *s = ASET(td);
    ck_assert_rv(schema_check(SCHEMA_CREATE, s, NULL, false, CK_UNAVAILABLE_INFORMATION), CKR_OK);
    ck_assert(has_bool(s, CKA_PRIVATE, false));
    ck_assert(has_bool(s, CKA_TOKEN, false));
    ck_assert(has_bool(s, CKA_MODIFIABLE, true));
    ck_assert(!attr_set_has(s, CKA_LOCAL));
    ck_assert(!attr_set_has(s, CKA_SENSITIVE));
    ck_assert(!attr_set_has(s, CKA_KEY_GEN_MECHANISM));
    attr_set_free(s);

    CK_ATTRIBUTE tp[] = {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256)};
    s = ASET(tp);
    ck_assert_rv(schema_check(SCHEMA_GENERATE, s, NULL, false, CKM_EC_KEY_PAIR_GEN), CKR_OK);
    ck_assert(has_bool(s, CKA_PRIVATE, false));
    ck_assert(has_bool(s, CKA_LOCAL, true));
    ck_assert_uint_eq(get_ulong(s, CKA_KEY_GEN_MECHANISM), CKM_EC_KEY_PAIR_GEN);
    ck_assert(has_bool(s, CKA_VERIFY, true));
    ck_assert(has_bool(s, CKA_ENCRYPT, false)); /* EC keys cannot encrypt */
    ck_assert(!attr_set_has(s, CKA_SENSITIVE));
    ck_assert(!attr_set_has(s, CKA_ALWAYS_SENSITIVE));
    ck_assert(!attr_set_has(s, CKA_NEVER_EXTRACTABLE));
    attr_set_free(s);

    /* A generated private key is local too, and always sensitive. */
    CK_ATTRIBUTE tk[] = {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec)};
    s = ASET(tk);
    ck_assert_rv(schema_check(SCHEMA_GENERATE, s, NULL, false, CKM_EC_KEY_PAIR_GEN), CKR_OK);
    ck_assert(has_bool(s, CKA_LOCAL, true));
    ck_assert(has_bool(s, CKA_PRIVATE, true));
    ck_assert(has_bool(s, CKA_ALWAYS_SENSITIVE, true));
    ck_assert(has_bool(s, CKA_NEVER_EXTRACTABLE, true));
    attr_set_free(s);
}
END_TEST

/* An AES key as a token would hold it: checked, defaults filled, with an id. */
static struct attr_set *
stored_aes(void)
{
    CK_ATTRIBUTE t[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key),
                        AN(CKA_LABEL, "orig", 4)};
    struct attr_set *s = ASET(t);
    ck_assert_rv(schema_check(SCHEMA_CREATE, s, NULL, false, CK_UNAVAILABLE_INFORMATION), CKR_OK);
    ck_assert_rv(attr_set_put(s, CKA_UNIQUE_ID, uid, sizeof uid), CKR_OK);
    ck_assert_rv(attr_set_put_ulong(s, CKA_VALUE_LEN, 16), CKR_OK);
    return s;
}

struct chcase {
    const char *what;
    bool so;
    CK_ATTRIBUTE t[2];
    CK_RV want;
};

START_TEST(test_schema_copy)
{
    static const struct chcase cases[] = {
        {"label", false, {AN(CKA_LABEL, "copy", 4)}, CKR_OK},
        {"to the token", false, {A(CKA_TOKEN, yes)}, CKR_OK},
        {"sensitive stays", false, {A(CKA_SENSITIVE, yes)}, CKR_OK},
        {"sensitive off", false, {A(CKA_SENSITIVE, no)}, CKR_ATTRIBUTE_READ_ONLY},
        {"extractable on", false, {A(CKA_EXTRACTABLE, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"private off", false, {A(CKA_PRIVATE, no)}, CKR_ATTRIBUTE_READ_ONLY},
        {"key type, same", false, {A(CKA_KEY_TYPE, k_aes)}, CKR_OK},
        {"key type, other", false, {A(CKA_KEY_TYPE, k_gen)}, CKR_ATTRIBUTE_READ_ONLY},
        {"class", false, {A(CKA_CLASS, o_data)}, CKR_ATTRIBUTE_READ_ONLY},
        {"value", false, {A(CKA_VALUE, other_key)}, CKR_ATTRIBUTE_READ_ONLY},
        /* The right guess of a sensitive value must not be confirmed. */
        {"value, the right guess", false, {A(CKA_VALUE, aes_key)}, CKR_ATTRIBUTE_READ_ONLY},
        {"local", false, {A(CKA_LOCAL, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"local, unchanged", false, {A(CKA_LOCAL, no)}, CKR_ATTRIBUTE_READ_ONLY},
        {"modulus", false, {A(CKA_MODULUS, modulus)}, CKR_ATTRIBUTE_TYPE_INVALID},
        {"trusted by a user", false, {A(CKA_TRUSTED, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"trusted by the SO", true, {A(CKA_TRUSTED, yes)}, CKR_OK},
        {"copyable off", false, {A(CKA_COPYABLE, no)}, CKR_OK},
        {"bad date", false, {A(CKA_START_DATE, three_bytes)}, CKR_ATTRIBUTE_VALUE_INVALID},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct chcase *c = &cases[i];
        struct attr_set *orig = stored_aes(), *copy = NULL;
        struct attr_set *tm = aset(c->t, tmpl_len(c->t, NELEM(c->t)));
        ck_assert_rv(attr_set_dup(orig, &copy), CKR_OK);
        CK_RV rv = schema_check(SCHEMA_COPY, copy, tm, c->so, CK_UNAVAILABLE_INFORMATION);
        ck_assert_msg(rv == c->want, "copy, %s: 0x%lx, expected 0x%lx", c->what, rv, c->want);
        if (rv == CKR_OK) {
            /* The change is merged and the copy has no identity yet. */
            ck_assert_msg(attr_set_match(copy, tm), "copy, %s: change not merged", c->what);
            ck_assert_msg(!attr_set_has(copy, CKA_UNIQUE_ID), "copy, %s: unique id kept", c->what);
            ck_assert(attr_set_has(copy, CKA_VALUE));
        }
        attr_set_free(tm);
        attr_set_free(copy);
        attr_set_free(orig);
    }
    /* No template: an exact copy. */
    struct attr_set *orig = stored_aes(), *copy = NULL;
    ck_assert_rv(attr_set_dup(orig, &copy), CKR_OK);
    ck_assert_rv(schema_check(SCHEMA_COPY, copy, NULL, false, CK_UNAVAILABLE_INFORMATION), CKR_OK);
    ck_assert_uint_eq(attr_set_count(copy), attr_set_count(orig));
    attr_set_free(copy);
    attr_set_free(orig);
}
END_TEST

START_TEST(test_schema_check_set)
{
    static const struct chcase aes_cases[] = {
        {"label", false, {AN(CKA_LABEL, "new", 3)}, CKR_OK},
        {"sensitive on", false, {A(CKA_SENSITIVE, yes)}, CKR_OK},
        {"sensitive off", false, {A(CKA_SENSITIVE, no)}, CKR_ATTRIBUTE_READ_ONLY},
        {"extractable off", false, {A(CKA_EXTRACTABLE, no)}, CKR_OK},
        {"extractable on", false, {A(CKA_EXTRACTABLE, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"wrap with trusted on", false, {A(CKA_WRAP_WITH_TRUSTED, yes)}, CKR_OK},
        {"token", false, {A(CKA_TOKEN, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"private", false, {A(CKA_PRIVATE, no)}, CKR_ATTRIBUTE_READ_ONLY},
        {"class", false, {A(CKA_CLASS, o_data)}, CKR_ATTRIBUTE_READ_ONLY},
        {"value", false, {A(CKA_VALUE, other_key)}, CKR_ATTRIBUTE_READ_ONLY},
        {"value length", false, {A(CKA_VALUE_LEN, len16)}, CKR_ATTRIBUTE_READ_ONLY},
        {"unique id", false, {A(CKA_UNIQUE_ID, uid)}, CKR_ATTRIBUTE_READ_ONLY},
        {"local", false, {A(CKA_LOCAL, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"modulus", false, {A(CKA_MODULUS, modulus)}, CKR_ATTRIBUTE_TYPE_INVALID},
        {"vendor type", false, {A(VENDOR_TYPE, yes)}, CKR_ATTRIBUTE_TYPE_INVALID},
        {"sign of 2 bytes", false, {A(CKA_SIGN, two_bytes)}, CKR_ATTRIBUTE_VALUE_INVALID},
        {"start date", false, {A(CKA_START_DATE, a_date)}, CKR_OK},
        {"bad end date", false, {A(CKA_END_DATE, five_bytes)}, CKR_ATTRIBUTE_VALUE_INVALID},
        {"trusted by a user", false, {A(CKA_TRUSTED, yes)}, CKR_ATTRIBUTE_READ_ONLY},
        {"trusted by the SO", true, {A(CKA_TRUSTED, yes)}, CKR_OK},
        {"trusted off by a user", false, {A(CKA_TRUSTED, no)}, CKR_OK},
        {"two changes, second bad",
         false,
         {AN(CKA_LABEL, "x", 1), A(CKA_SENSITIVE, no)},
         CKR_ATTRIBUTE_READ_ONLY},
    };
    /* The AES key is sensitive and unextractable; make a variant that is
     * neither, to see the only-TRUE / only-FALSE rules from the other side. */
    for (size_t i = 0; i < NELEM(aes_cases); i++) {
        const struct chcase *c = &aes_cases[i];
        struct attr_set *obj = stored_aes();
        struct attr_set *tm = aset(c->t, tmpl_len(c->t, NELEM(c->t)));
        CK_RV rv = schema_check_set(obj, tm, c->so);
        ck_assert_msg(rv == c->want, "set, %s: 0x%lx, expected 0x%lx", c->what, rv, c->want);
        attr_set_free(tm);
        attr_set_free(obj);
    }
    struct attr_set *open = stored_aes();
    ck_assert_rv(attr_set_put_bool(open, CKA_SENSITIVE, false), CKR_OK);
    ck_assert_rv(attr_set_put_bool(open, CKA_EXTRACTABLE, true), CKR_OK);
    CK_ATTRIBUTE sens_on[] = {A(CKA_SENSITIVE, yes)}, extr_off[] = {A(CKA_EXTRACTABLE, no)},
                 sens_off[] = {A(CKA_SENSITIVE, no)}, extr_on[] = {A(CKA_EXTRACTABLE, yes)};
    struct attr_set *tm = ASET(sens_on);
    ck_assert_rv(schema_check_set(open, tm, false), CKR_OK);
    attr_set_free(tm);
    tm = ASET(extr_off);
    ck_assert_rv(schema_check_set(open, tm, false), CKR_OK);
    attr_set_free(tm);
    tm = ASET(sens_off); /* unchanged FALSE stays allowed */
    ck_assert_rv(schema_check_set(open, tm, false), CKR_OK);
    attr_set_free(tm);
    tm = ASET(extr_on);
    ck_assert_rv(schema_check_set(open, tm, false), CKR_OK);
    attr_set_free(tm);
    attr_set_free(open);

    /* CKA_MODIFIABLE false: nothing may change (3.0 §4.4). */
    CK_ATTRIBUTE frozen_t[] = {A(CKA_CLASS, o_data), A(CKA_MODIFIABLE, no)};
    struct attr_set *frozen = ASET(frozen_t);
    ck_assert_rv(schema_check(SCHEMA_CREATE, frozen, NULL, false, CK_UNAVAILABLE_INFORMATION),
                 CKR_OK);
    CK_ATTRIBUTE lab[] = {AN(CKA_LABEL, "x", 1)};
    tm = ASET(lab);
    ck_assert_rv(schema_check_set(frozen, tm, false), CKR_ACTION_PROHIBITED);
    ck_assert_rv(schema_check_set(frozen, tm, true), CKR_ACTION_PROHIBITED);
    attr_set_free(tm);
    attr_set_free(frozen);

    /* A data object's CKA_VALUE is modifiable, a certificate's is not. */
    CK_ATTRIBUTE data_t[] = {A(CKA_CLASS, o_data), A(CKA_VALUE, five_bytes)};
    CK_ATTRIBUTE cert_t[] = {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509),
                             A(CKA_VALUE, der_cert)};
    CK_ATTRIBUTE newval[] = {A(CKA_VALUE, three_bytes)}, trust[] = {A(CKA_TRUSTED, yes)};
    struct attr_set *data = ASET(data_t), *cert = ASET(cert_t);
    ck_assert_rv(schema_check(SCHEMA_CREATE, data, NULL, false, CK_UNAVAILABLE_INFORMATION),
                 CKR_OK);
    ck_assert_rv(schema_check(SCHEMA_CREATE, cert, NULL, false, CK_UNAVAILABLE_INFORMATION),
                 CKR_OK);
    tm = ASET(newval);
    ck_assert_rv(schema_check_set(data, tm, false), CKR_OK);
    ck_assert_rv(schema_check_set(cert, tm, false), CKR_ATTRIBUTE_READ_ONLY);
    attr_set_free(tm);
    tm = ASET(trust);
    ck_assert_rv(schema_check_set(cert, tm, false), CKR_ATTRIBUTE_READ_ONLY);
    ck_assert_rv(schema_check_set(cert, tm, true), CKR_OK);
    ck_assert_rv(schema_check_set(data, tm, true), CKR_ATTRIBUTE_TYPE_INVALID);
    attr_set_free(tm);
    attr_set_free(data);
    attr_set_free(cert);
}
END_TEST

START_TEST(test_schema_is_secret)
{
    struct attr_set *aes = stored_aes();
    ck_assert(schema_is_secret(aes, CKA_VALUE));
    ck_assert(!schema_is_secret(aes, CKA_LABEL));
    ck_assert(!schema_is_secret(aes, CKA_VALUE_LEN));
    ck_assert(!schema_is_secret(aes, CKA_KEY_TYPE));
    /* Sensitive alone or unextractable alone keeps the value secret. */
    ck_assert_rv(attr_set_put_bool(aes, CKA_SENSITIVE, false), CKR_OK);
    ck_assert(schema_is_secret(aes, CKA_VALUE));
    ck_assert_rv(attr_set_put_bool(aes, CKA_EXTRACTABLE, true), CKR_OK);
    ck_assert(!schema_is_secret(aes, CKA_VALUE));
    ck_assert_rv(attr_set_put_bool(aes, CKA_SENSITIVE, true), CKR_OK);
    ck_assert(schema_is_secret(aes, CKA_VALUE));
    attr_set_free(aes);

    CK_ATTRIBUTE rsa_t[] = {A(CKA_CLASS, o_priv),
                            A(CKA_KEY_TYPE, k_rsa),
                            A(CKA_MODULUS, modulus),
                            A(CKA_PUBLIC_EXPONENT, exponent),
                            A(CKA_PRIVATE_EXPONENT, modulus),
                            A(CKA_PRIME_1, modulus)};
    struct attr_set *rsa = ASET(rsa_t);
    ck_assert_rv(schema_check(SCHEMA_CREATE, rsa, NULL, false, CK_UNAVAILABLE_INFORMATION), CKR_OK);
    ck_assert(schema_is_secret(rsa, CKA_PRIVATE_EXPONENT));
    ck_assert(schema_is_secret(rsa, CKA_PRIME_1));
    ck_assert(schema_is_secret(rsa, CKA_PRIME_2));
    ck_assert(schema_is_secret(rsa, CKA_EXPONENT_1));
    ck_assert(schema_is_secret(rsa, CKA_EXPONENT_2));
    ck_assert(schema_is_secret(rsa, CKA_COEFFICIENT));
    ck_assert(!schema_is_secret(rsa, CKA_MODULUS));
    ck_assert(!schema_is_secret(rsa, CKA_PUBLIC_EXPONENT));
    attr_set_free(rsa);

    CK_ATTRIBUTE ec_t[] = {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256),
                           A(CKA_VALUE, aes_key)};
    struct attr_set *ec = ASET(ec_t);
    ck_assert_rv(schema_check(SCHEMA_CREATE, ec, NULL, false, CK_UNAVAILABLE_INFORMATION), CKR_OK);
    ck_assert(schema_is_secret(ec, CKA_VALUE));
    ck_assert(!schema_is_secret(ec, CKA_EC_PARAMS));
    ck_assert(!schema_is_secret(ec, CKA_EC_POINT));
    attr_set_free(ec);

    /* Values of data objects and certificates are never secret. */
    CK_ATTRIBUTE data_t[] = {A(CKA_CLASS, o_data), A(CKA_VALUE, five_bytes)};
    CK_ATTRIBUTE cert_t[] = {A(CKA_CLASS, o_cert), A(CKA_CERTIFICATE_TYPE, c_x509),
                             A(CKA_VALUE, der_cert)};
    struct attr_set *data = ASET(data_t), *cert = ASET(cert_t);
    ck_assert(!schema_is_secret(data, CKA_VALUE));
    ck_assert(!schema_is_secret(cert, CKA_VALUE));
    ck_assert(schema_is_known(cert, CKA_SUBJECT));
    ck_assert(!schema_is_known(data, CKA_SUBJECT));
    attr_set_free(data);
    attr_set_free(cert);
}
END_TEST

/* ================================================================
 * op.c
 * ================================================================ */

START_TEST(test_op_keeps)
{
    CK_BYTE buf[4];
    ck_assert(op_keeps(CKR_OK, NULL));              /* size query */
    ck_assert(!op_keeps(CKR_OK, buf));              /* delivered */
    ck_assert(op_keeps(CKR_BUFFER_TOO_SMALL, buf)); /* retry with a bigger buffer */
    ck_assert(!op_keeps(CKR_DATA_LEN_RANGE, NULL));
    ck_assert(!op_keeps(CKR_DATA_LEN_RANGE, buf));
    ck_assert(!op_keeps(CKR_ENCRYPTED_DATA_INVALID, NULL));
    ck_assert(!op_keeps(CKR_FUNCTION_FAILED, buf));
    ck_assert(!op_keeps(CKR_HOST_MEMORY, NULL));
}
END_TEST

static struct op *
op_start(enum op_kind kind, CK_MECHANISM_TYPE type, void *param, CK_ULONG plen,
         struct mech_key *key)
{
    CK_MECHANISM m = {type, param, plen};
    const struct mech_desc *d = mech_find(type);
    struct mech_op *mop = NULL;
    struct op *op = NULL;
    ck_assert_ptr_nonnull(d);
    ck_assert_rv(mech_op_new(d, op_kind_fn(kind), &m, key, &mop), CKR_OK);
    ck_assert_rv(op_new_take(kind, mop, &op), CKR_OK);
    return op;
}

START_TEST(test_op_digest_sizes)
{
    struct op *op = op_start(OP_DIGEST, CKM_SHA256, NULL, 0, NULL);
    CK_BYTE out[64];
    CK_ULONG len = 0;
    ck_assert_rv(op_oneshot(op, (const CK_BYTE *)"abc", 3, NULL, &len), CKR_OK);
    ck_assert_uint_eq(len, 32);
    ck_assert(!op->has_pending); /* an exact size needs no work */
    len = 31;
    ck_assert_rv(op_oneshot(op, (const CK_BYTE *)"abc", 3, out, &len), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, 32);
    len = sizeof out;
    ck_assert_rv(op_oneshot(op, (const CK_BYTE *)"abc", 3, out, &len), CKR_OK);
    ck_assert_uint_eq(len, 32);
    ck_assert_mem_eq(out, SHA256_ABC, 32);
    op_free(op);

    /* Multi-part: updates then a Final with the same convention. */
    op = op_start(OP_DIGEST, CKM_SHA256, NULL, 0, NULL);
    ck_assert_rv(op_update(op, (const CK_BYTE *)"a", 1, NULL, NULL), CKR_OK);
    ck_assert_rv(op_update(op, (const CK_BYTE *)"bc", 2, NULL, NULL), CKR_OK);
    ck_assert(op->multipart);
    ck_assert_rv(op_final(op, NULL, &len), CKR_OK);
    ck_assert_uint_eq(len, 32);
    len = 1;
    ck_assert_rv(op_final(op, out, &len), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, 32);
    len = 32;
    ck_assert_rv(op_final(op, out, &len), CKR_OK);
    ck_assert_mem_eq(out, SHA256_ABC, 32);
    op_free(op);
}
END_TEST

static struct mech_key *
rsa_key(CK_OBJECT_CLASS cls)
{
    CK_KEY_TYPE kt = CKK_RSA;
    struct attr_set *a = attr_set_new();
    struct mech_key *k = NULL;
    ck_assert_ptr_nonnull(a);
    ck_assert_rv(attr_set_put_ulong(a, CKA_CLASS, cls), CKR_OK);
    ck_assert_rv(attr_set_put_ulong(a, CKA_KEY_TYPE, kt), CKR_OK);
    put_hex(a, CKA_MODULUS, RSA_N);
    put_hex(a, CKA_PUBLIC_EXPONENT, RSA_E);
    if (cls == CKO_PRIVATE_KEY) put_hex(a, CKA_PRIVATE_EXPONENT, RSA_D);
    ck_assert_rv(mech_key_complete(cls, kt, a), CKR_OK);
    ck_assert_rv(mech_key_new(a, &k), CKR_OK);
    attr_set_free(a);
    return k;
}

START_TEST(test_op_rsa_decrypt_exact)
{
    struct mech_key *pub = rsa_key(CKO_PUBLIC_KEY), *priv = rsa_key(CKO_PRIVATE_KEY);
    CK_BYTE ct[256], pt[256];
    CK_ULONG ctlen = 0, len = 0;

    struct op *enc = op_start(OP_ENCRYPT, CKM_RSA_PKCS, NULL, 0, pub);
    ck_assert_rv(op_oneshot(enc, (const CK_BYTE *)"hello", 5, NULL, &ctlen), CKR_OK);
    ck_assert_uint_eq(ctlen, 256);
    ck_assert_rv(op_oneshot(enc, (const CK_BYTE *)"hello", 5, ct, &ctlen), CKR_OK);
    ck_assert_uint_eq(ctlen, 256);
    op_free(enc);

    /* The size query answers the real plaintext length, not the bound
     * (k - 11 = 245): the work is done once and held. */
    struct op *dec = op_start(OP_DECRYPT, CKM_RSA_PKCS, NULL, 0, priv);
    ck_assert_rv(op_oneshot(dec, ct, ctlen, NULL, &len), CKR_OK);
    ck_assert_uint_eq(len, 5);
    ck_assert(dec->has_pending);
    len = 4;
    ck_assert_rv(op_oneshot(dec, ct, ctlen, pt, &len), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, 5);
    ck_assert(dec->has_pending);
    len = sizeof pt;
    ck_assert_rv(op_oneshot(dec, ct, ctlen, pt, &len), CKR_OK);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(pt, "hello", 5);
    ck_assert(!dec->has_pending);
    ck_assert_ptr_null(dec->pending);
    op_free(dec);

    /* A caller that knows the length may pass a buffer of exactly that
     * size, below the bound. */
    dec = op_start(OP_DECRYPT, CKM_RSA_PKCS, NULL, 0, priv);
    len = 5;
    ck_assert_rv(op_oneshot(dec, ct, ctlen, pt, &len), CKR_OK);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(pt, "hello", 5);
    op_free(dec);

    /* A held result is wiped and freed with the op (valgrind checks). */
    dec = op_start(OP_DECRYPT, CKM_RSA_PKCS, NULL, 0, priv);
    ck_assert_rv(op_oneshot(dec, ct, ctlen, NULL, &len), CKR_OK);
    ck_assert(dec->has_pending);
    op_free(dec);

    /* The wrong ciphertext length ends the size query with an error. */
    dec = op_start(OP_DECRYPT, CKM_RSA_PKCS, NULL, 0, priv);
    ck_assert_rv(op_oneshot(dec, ct, ctlen - 1, NULL, &len), CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert(!dec->has_pending);
    op_free(dec);

    mech_key_unref(pub);
    mech_key_unref(priv);
}
END_TEST

static struct mech_key *
aes_mech_key(void)
{
    CK_ATTRIBUTE t[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key)};
    struct attr_set *a = ASET(t);
    struct mech_key *k = NULL;
    ck_assert_rv(mech_key_complete(CKO_SECRET_KEY, CKK_AES, a), CKR_OK);
    ck_assert_rv(mech_key_new(a, &k), CKR_OK);
    attr_set_free(a);
    return k;
}

START_TEST(test_op_gcm_sizes)
{
    struct mech_key *k = aes_mech_key();
    CK_BYTE iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CK_GCM_PARAMS p = {iv, sizeof iv, 96, NULL, 0, 128};
    CK_BYTE ct[64], pt[64];
    CK_ULONG ctlen = 0, len = 0;

    struct op *enc = op_start(OP_ENCRYPT, CKM_AES_GCM, &p, sizeof p, k);
    ck_assert_rv(op_oneshot(enc, (const CK_BYTE *)"hello world", 11, NULL, &ctlen), CKR_OK);
    ck_assert_uint_eq(ctlen, 27);
    ck_assert(!enc->has_pending);
    ctlen = 26;
    ck_assert_rv(op_oneshot(enc, (const CK_BYTE *)"hello world", 11, ct, &ctlen),
                 CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(ctlen, 27);
    ctlen = sizeof ct;
    ck_assert_rv(op_oneshot(enc, (const CK_BYTE *)"hello world", 11, ct, &ctlen), CKR_OK);
    ck_assert_uint_eq(ctlen, 27);
    op_free(enc);

    struct op *dec = op_start(OP_DECRYPT, CKM_AES_GCM, &p, sizeof p, k);
    ck_assert_rv(op_oneshot(dec, ct, ctlen, NULL, &len), CKR_OK);
    ck_assert_uint_eq(len, 11);
    len = 10;
    ck_assert_rv(op_oneshot(dec, ct, ctlen, pt, &len), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, 11);
    len = sizeof pt;
    ck_assert_rv(op_oneshot(dec, ct, ctlen, pt, &len), CKR_OK);
    ck_assert_uint_eq(len, 11);
    ck_assert_mem_eq(pt, "hello world", 11);
    op_free(dec);

    /* A bad tag fails the size query itself; nothing is held. */
    ct[ctlen - 1] ^= 1;
    dec = op_start(OP_DECRYPT, CKM_AES_GCM, &p, sizeof p, k);
    CK_RV rv = op_oneshot(dec, ct, ctlen, NULL, &len);
    ck_assert_rv(rv, CKR_ENCRYPTED_DATA_INVALID);
    ck_assert(!op_keeps(rv, NULL));
    ck_assert(!dec->has_pending);
    op_free(dec);

    /* Multi-part decryption: the updates release nothing (the tag is not
     * checked yet), the Final answers the exact length. */
    ct[ctlen - 1] ^= 1;
    dec = op_start(OP_DECRYPT, CKM_AES_GCM, &p, sizeof p, k);
    len = sizeof pt;
    ck_assert_rv(op_update(dec, ct, 10, pt, &len), CKR_OK);
    ck_assert_uint_eq(len, 0);
    len = sizeof pt;
    ck_assert_rv(op_update(dec, ct + 10, ctlen - 10, pt, &len), CKR_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_rv(op_final(dec, NULL, &len), CKR_OK);
    ck_assert_uint_eq(len, 11);
    len = sizeof pt;
    ck_assert_rv(op_final(dec, pt, &len), CKR_OK);
    ck_assert_uint_eq(len, 11);
    ck_assert_mem_eq(pt, "hello world", 11);
    op_free(dec);
    mech_key_unref(k);
}
END_TEST

/* ================================================================
 * library, token, session, find, manage over the memory store
 * ================================================================ */

static struct library *
lib_open(void)
{
    struct store *st = NULL;
    struct library *l = NULL;
    ck_assert_rv(store_mem_open(root, &cf, &st), CKR_OK);
    ck_assert_rv(library_new_take(&cf, st, &l), CKR_OK);
    ck_assert_ptr_nonnull(l);
    return l;
}

static struct token *
free_slot(const struct library *l)
{
    struct token *found = NULL;
    for (size_t i = 0; i < l->ntok; i++) {
        if (l->toks[i]->st != NULL) continue;
        ck_assert_msg(found == NULL, "more than one free slot");
        found = l->toks[i];
    }
    ck_assert_msg(found != NULL, "no free slot");
    return found;
}

static void
mklabel(CK_UTF8CHAR out[32], const char *s)
{
    memset(out, ' ', 32);
    memcpy(out, s, strlen(s) < 32 ? strlen(s) : 32);
}

/* Initialize the free slot's token; returns the new token (the free slot
 * moves on to a new ID). */
static struct token *
tok_init(struct library *l, const char *label)
{
    struct token *f = free_slot(l);
    CK_SLOT_ID id = f->slot_id;
    CK_UTF8CHAR lab[32];
    mklabel(lab, label);
    ck_assert_rv(library_init_token_inlock(l, f, SO_PIN, lab), CKR_OK);
    struct token *t = library_token(l, id);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(t->st);
    return t;
}

static CK_SESSION_HANDLE
sess_open(struct library *l, struct token *t, bool rw)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_FLAGS fl = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    ck_assert_rv(library_session_open_inlock(l, t, fl, &h), CKR_OK);
    ck_assert_uint_ne(h, CK_INVALID_HANDLE);
    ck_assert_ptr_nonnull(library_session_get(l, h));
    return h;
}

static struct session *
sess(const struct library *l, CK_SESSION_HANDLE h)
{
    struct session *s = library_session_get(l, h);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* A token with a user PIN; nobody logged in, no session open. */
static struct token *
tok_ready(struct library *l, const char *label)
{
    struct token *t = tok_init(l, label);
    CK_SESSION_HANDLE h = sess_open(l, t, true);
    ck_assert_rv(token_login_inlock(t, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_rv(store_tok_init_pin(t->st, USER_PIN), CKR_OK);
    library_session_close_inlock(l, sess(l, h));
    ck_assert_uint_eq(t->user, TOKEN_NOBODY);
    return t;
}

static CK_OBJECT_HANDLE
create(struct library *l, CK_SESSION_HANDLE h, const CK_ATTRIBUTE *t, CK_ULONG n)
{
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    ck_assert_rv(manage_create(l, sess(l, h), aset(t, n), &o), CKR_OK);
    ck_assert_uint_ne(o, CK_INVALID_HANDLE);
    ck_assert_ptr_nonnull(library_obj_get(l, o));
    return o;
}

#define CREATE(l, h, arr) create((l), (h), (arr), NELEM(arr))

static CK_RV
create_rv(struct library *l, CK_SESSION_HANDLE h, const CK_ATTRIBUTE *t, CK_ULONG n)
{
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    CK_RV rv = manage_create(l, sess(l, h), aset(t, n), &o);
    if (rv != CKR_OK) ck_assert_uint_eq(o, CK_INVALID_HANDLE);
    return rv;
}

#define CREATE_RV(l, h, arr) create_rv((l), (h), (arr), NELEM(arr))

/* Find every visible object matching t (n may be 0), leaving out the
 * profile objects every token carries (test_profiles checks those). */
static CK_ULONG
find(struct library *l, CK_SESSION_HANDLE h, const CK_ATTRIBUTE *t, CK_ULONG n,
     CK_OBJECT_HANDLE *out, CK_ULONG max)
{
    struct find *f = NULL;
    CK_ULONG got = 0, kept = 0;
    CK_OBJECT_HANDLE all[64];
    ck_assert_rv(find_init_take(l, sess(l, h), aset(t, n), &f), CKR_OK);
    find_next(l, sess(l, h), f, all, 64, &got);
    find_free(f);
    for (CK_ULONG i = 0; i < got; i++) {
        struct object *o = library_obj_get(l, all[i]);
        if (o->cls == CKO_PROFILE) continue;
        if (kept < max) out[kept] = all[i];
        kept++;
    }
    return kept < max ? kept : max;
}

/* The label of an object, as C_GetAttributeValue answers it. */
static void
expect_label(struct library *l, CK_OBJECT_HANDLE o, const char *want)
{
    char buf[64];
    CK_ATTRIBUTE t = {CKA_LABEL, buf, sizeof buf};
    struct object *obj = library_obj_get(l, o);
    ck_assert_ptr_nonnull(obj);
    ck_assert_rv(object_get_attrs(obj, &t, 1), CKR_OK);
    ck_assert_uint_eq(t.ulValueLen, strlen(want));
    ck_assert_mem_eq(buf, want, strlen(want));
}

START_TEST(test_library_one_free_slot)
{
    lib = lib_open();
    ck_assert_uint_eq(lib->ntok, 1);
    struct token *f = free_slot(lib);
    ck_assert_ptr_eq(library_token(lib, f->slot_id), f);
    ck_assert_ptr_null(library_token(lib, f->slot_id + 1));
    CK_TOKEN_INFO ti;
    ck_assert_rv(token_info(f, &ti), CKR_OK);
    ck_assert_uint_eq(ti.flags & CKF_TOKEN_INITIALIZED, 0);
    ck_assert_uint_eq(ti.ulSessionCount, 0);
    CK_SLOT_INFO si;
    token_slot_info(f, &si);
    ck_assert_uint_ne(si.flags & CKF_TOKEN_PRESENT, 0);
    /* A free slot's token has no user to log in. */
    ck_assert_rv(token_login_inlock(f, CKU_USER, USER_PIN), CKR_USER_PIN_NOT_INITIALIZED);
    ck_assert_rv(token_sync_inlock(f), CKR_OK);
}
END_TEST

START_TEST(test_library_init_token)
{
    lib = lib_open();
    CK_SLOT_ID first = free_slot(lib)->slot_id;
    struct token *t = tok_init(lib, "alpha");
    ck_assert_uint_eq(t->slot_id, first);
    ck_assert_uint_eq(lib->ntok, 2);
    struct token *f = free_slot(lib);
    ck_assert_uint_gt(f->slot_id, first);

    CK_TOKEN_INFO ti;
    CK_UTF8CHAR lab[32];
    mklabel(lab, "alpha");
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_ne(ti.flags & CKF_TOKEN_INITIALIZED, 0);
    ck_assert_uint_eq(ti.flags & CKF_USER_PIN_INITIALIZED, 0);
    ck_assert_uint_eq(ti.flags & CKF_WRITE_PROTECTED, 0);
    ck_assert_mem_eq(ti.label, lab, 32);

    /* Labels name tokens: a second "alpha" is refused, nothing changes. */
    ck_assert_rv(library_init_token_inlock(lib, f, SO_PIN, lab), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(lib->ntok, 2);
    ck_assert_ptr_eq(free_slot(lib), f);

    struct token *t2 = tok_init(lib, "beta");
    ck_assert_uint_eq(lib->ntok, 3);
    ck_assert_uint_gt(free_slot(lib)->slot_id, t2->slot_id);

    /* Re-initialization: not with a session open, not with a wrong SO PIN;
     * keeping its own label is fine. */
    CK_SESSION_HANDLE h = sess_open(lib, t, false);
    ck_assert_rv(library_init_token_inlock(lib, t, SO_PIN, lab), CKR_SESSION_EXISTS);
    library_session_close_inlock(lib, sess(lib, h));
    CK_ATTRIBUTE obj_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes)};
    h = sess_open(lib, t, true);
    CK_OBJECT_HANDLE o = CREATE(lib, h, obj_t);
    library_session_close_inlock(lib, sess(lib, h));
    ck_assert_rv(library_init_token_inlock(lib, t, BAD_PIN, lab), CKR_PIN_INCORRECT);
    ck_assert_ptr_nonnull(library_obj_get(lib, o));
    ck_assert_rv(library_init_token_inlock(lib, t, SO_PIN, lab), CKR_OK);
    ck_assert_uint_eq(lib->ntok, 3);
    /* Re-initialization destroys every object of the token. */
    ck_assert_ptr_null(library_obj_get(lib, o));
    h = sess_open(lib, t, false);
    CK_OBJECT_HANDLE got[4];
    ck_assert_uint_eq(find(lib, h, NULL, 0, got, 4), 0);
    library_session_close_inlock(lib, sess(lib, h));
    /* ... but taking another token's label is not. */
    CK_UTF8CHAR beta[32];
    mklabel(beta, "beta");
    ck_assert_rv(library_init_token_inlock(lib, t, SO_PIN, beta), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(test_library_sessions)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "sess");
    CK_SESSION_HANDLE a = sess_open(lib, t, true), b = sess_open(lib, t, false),
                      c = sess_open(lib, t, true);
    ck_assert_uint_lt(a, b);
    ck_assert_uint_lt(b, c);
    CK_ULONG ro, rw;
    library_session_count(lib, t, &ro, &rw);
    ck_assert_uint_eq(ro, 1);
    ck_assert_uint_eq(rw, 2);
    ck_assert(session_is_rw(sess(lib, a)));
    ck_assert(!session_is_rw(sess(lib, b)));
    ck_assert_uint_eq(session_state(sess(lib, b)), CKS_RO_PUBLIC_SESSION);
    ck_assert_uint_eq(session_state(sess(lib, a)), CKS_RW_PUBLIC_SESSION);

    library_session_close_inlock(lib, sess(lib, b));
    ck_assert_ptr_null(library_session_get(lib, b));
    ck_assert_ptr_nonnull(library_session_get(lib, a));
    ck_assert_ptr_nonnull(library_session_get(lib, c));
    /* Handles are never reused. */
    CK_SESSION_HANDLE d = sess_open(lib, t, false);
    ck_assert_uint_gt(d, c);
    ck_assert_uint_ne(d, b);
    ck_assert_ptr_null(library_session_get(lib, b));
    ck_assert_ptr_null(library_session_get(lib, CK_INVALID_HANDLE));
    ck_assert_ptr_null(library_session_get(lib, d + 1));

    /* Session states follow the token's login. */
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(session_state(sess(lib, a)), CKS_RW_USER_FUNCTIONS);
    ck_assert_uint_eq(session_state(sess(lib, d)), CKS_RO_USER_FUNCTIONS);

    library_session_close_all_inlock(lib, t);
    library_session_count(lib, t, &ro, &rw);
    ck_assert_uint_eq(ro + rw, 0);
    ck_assert_ptr_null(library_session_get(lib, a));
    ck_assert_uint_eq(t->user, TOKEN_NOBODY);
    CK_SESSION_HANDLE e = sess_open(lib, t, true);
    ck_assert_uint_gt(e, d);
}
END_TEST

START_TEST(test_library_last_close_logs_out)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "logout");
    CK_SESSION_HANDLE rw = sess_open(lib, t, true), ro = sess_open(lib, t, false);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE priv[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), A(CKA_PRIVATE, yes)};
    CK_OBJECT_HANDLE o = CREATE(lib, rw, priv);
    library_session_close_inlock(lib, sess(lib, rw));
    ck_assert_uint_eq(t->user, CKU_USER); /* one session left */
    ck_assert_ptr_nonnull(library_obj_get(lib, o));
    library_session_close_inlock(lib, sess(lib, ro));
    ck_assert_uint_eq(t->user, TOKEN_NOBODY);
    ck_assert(!store_tok_unlocked(t->st));
    ck_assert_ptr_null(library_obj_get(lib, o)); /* private objects dropped */
}
END_TEST

START_TEST(test_token_login_matrix)
{
    lib = lib_open();
    struct token *t = tok_init(lib, "matrix");
    CK_SESSION_HANDLE rw = sess_open(lib, t, true);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_USER_PIN_NOT_INITIALIZED);
    ck_assert_rv(token_login_inlock(t, 7, SO_PIN), CKR_USER_TYPE_INVALID);
    ck_assert_rv(token_logout_inlock(t), CKR_USER_NOT_LOGGED_IN);

    /* The SO cannot log in while a read-only session exists (§5.6.8). */
    CK_SESSION_HANDLE ro = sess_open(lib, t, false);
    ck_assert_rv(token_login_inlock(t, CKU_SO, SO_PIN), CKR_SESSION_READ_ONLY_EXISTS);
    ck_assert_uint_eq(t->user, TOKEN_NOBODY);
    library_session_close_inlock(lib, sess(lib, ro));

    ck_assert_rv(token_login_inlock(t, CKU_SO, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_uint_eq(t->user, TOKEN_NOBODY);
    ck_assert_rv(token_login_inlock(t, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_uint_eq(session_state(sess(lib, rw)), CKS_RW_SO_FUNCTIONS);
    ck_assert_rv(token_login_inlock(t, CKU_SO, SO_PIN), CKR_USER_ALREADY_LOGGED_IN);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    ck_assert_rv(store_tok_init_pin(t->st, USER_PIN), CKR_OK);
    ck_assert_rv(token_logout_inlock(t), CKR_OK);
    ck_assert_rv(token_logout_inlock(t), CKR_USER_NOT_LOGGED_IN);

    /* The user may log in with read-only sessions open. */
    ro = sess_open(lib, t, false);
    ck_assert_rv(token_login_inlock(t, CKU_USER, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(session_state(sess(lib, ro)), CKS_RO_USER_FUNCTIONS);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_USER_ALREADY_LOGGED_IN);
    ck_assert_rv(token_login_inlock(t, CKU_SO, SO_PIN), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    ck_assert_rv(token_logout_inlock(t), CKR_OK);
    ck_assert_uint_eq(session_state(sess(lib, ro)), CKS_RO_PUBLIC_SESSION);
}
END_TEST

START_TEST(test_token_info_pin_counters)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "counters");
    const CK_FLAGS user_flags =
        CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;
    const CK_FLAGS so_flags = CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED;
    CK_TOKEN_INFO ti;
    CK_SESSION_HANDLE rw = sess_open(lib, t, true), ro = sess_open(lib, t, false);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_ne(ti.flags & CKF_USER_PIN_INITIALIZED, 0);
    ck_assert_uint_ne(ti.flags & CKF_LOGIN_REQUIRED, 0);
    ck_assert_uint_eq(ti.flags & (user_flags | so_flags), 0);
    ck_assert_uint_eq(ti.ulSessionCount, 2);
    ck_assert_uint_eq(ti.ulRwSessionCount, 1);

    /* max_pin_failures is 3: low, then final try, then locked. */
    ck_assert_rv(token_login_inlock(t, CKU_USER, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_eq(ti.flags & user_flags, CKF_USER_PIN_COUNT_LOW);
    ck_assert_rv(token_login_inlock(t, CKU_USER, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_eq(ti.flags & user_flags, CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
    /* A success in between resets the count. */
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_rv(token_logout_inlock(t), CKR_OK);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_eq(ti.flags & user_flags, 0);
    /* The third failure is still an incorrect PIN; it locks the PIN. */
    for (int i = 0; i < 3; i++)
        ck_assert_rv(token_login_inlock(t, CKU_USER, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_rv(token_login_inlock(t, CKU_USER, BAD_PIN), CKR_PIN_LOCKED);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_ne(ti.flags & CKF_USER_PIN_LOCKED, 0);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_PIN_LOCKED);
    ck_assert_uint_eq(ti.flags & so_flags, 0);

    /* The SO's counter is separate (the SO needs the R/O session gone);
     * the SO can reset the user PIN. */
    library_session_close_inlock(lib, sess(lib, ro));
    ck_assert_rv(token_login_inlock(t, CKU_SO, BAD_PIN), CKR_PIN_INCORRECT);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_eq(ti.flags & so_flags, CKF_SO_PIN_COUNT_LOW);
    ck_assert_uint_eq(ti.ulSessionCount, 1);
    ck_assert_ptr_nonnull(library_session_get(lib, rw));
    ck_assert_rv(token_login_inlock(t, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_rv(store_tok_init_pin(t->st, USER_PIN), CKR_OK);
    ck_assert_rv(token_logout_inlock(t), CKR_OK);
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_eq(ti.flags & (user_flags | so_flags), 0);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
}
END_TEST

START_TEST(test_find_private_visibility)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "find");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    CK_OBJECT_HANDLE got[16];
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE pub_tok[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), AN(CKA_LABEL, "pub", 3)};
    CK_ATTRIBUTE priv_tok[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), A(CKA_PRIVATE, yes),
                               AN(CKA_LABEL, "priv", 4)};
    CK_ATTRIBUTE priv_sess[] = {A(CKA_CLASS, o_data), A(CKA_PRIVATE, yes),
                                AN(CKA_LABEL, "psess", 5)};
    CK_OBJECT_HANDLE hp = CREATE(lib, h, pub_tok), hq = CREATE(lib, h, priv_tok),
                     hs = CREATE(lib, h, priv_sess);
    ck_assert_uint_eq(find(lib, h, NULL, 0, got, 16), 3);

    ck_assert_rv(token_logout_inlock(t), CKR_OK);
    ck_assert_uint_eq(find(lib, h, NULL, 0, got, 16), 1);
    ck_assert_uint_eq(got[0], hp);
    ck_assert_ptr_null(library_obj_get(lib, hs)); /* private session objects are destroyed */
    ck_assert_ptr_null(library_obj_lookup(lib, sess(lib, h), hq));

    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(find(lib, h, NULL, 0, got, 16), 2);
    CK_ATTRIBUTE by_label[] = {AN(CKA_LABEL, "priv", 4)};
    ck_assert_uint_eq(find(lib, h, by_label, 1, got, 16), 1);
    /* The private token object is back, under a new handle (§5.6.10: old
     * handles to private objects stay invalid). */
    ck_assert_uint_ne(got[0], hq);
    ck_assert_ptr_null(library_obj_get(lib, hq));
    expect_label(lib, got[0], "priv");

    /* find_next hands the matches out in pieces, then nothing. */
    struct find *f = NULL;
    CK_ULONG n = 99;
    CK_ATTRIBUTE data_only[] = {A(CKA_CLASS, o_data)};
    ck_assert_rv(find_init_take(lib, sess(lib, h), aset(data_only, 1), &f), CKR_OK);
    find_next(lib, sess(lib, h), f, got, 1, &n);
    ck_assert_uint_eq(n, 1);
    find_next(lib, sess(lib, h), f, got + 1, 5, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_ne(got[0], got[1]);
    find_next(lib, sess(lib, h), f, got, 5, &n);
    ck_assert_uint_eq(n, 0);
    find_free(f);
}
END_TEST

START_TEST(test_find_never_matches_secrets)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "secret");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    CK_OBJECT_HANDLE got[4];
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE key[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key)};
    CK_OBJECT_HANDLE k = CREATE(lib, h, key);
    CK_ATTRIBUTE by_class[] = {A(CKA_CLASS, o_sec)}, by_value[] = {A(CKA_VALUE, aes_key)};
    ck_assert_uint_eq(find(lib, h, by_class, 1, got, 4), 1);
    ck_assert_uint_eq(got[0], k);
    /* The right guess of a sensitive value must not be confirmed. */
    ck_assert_uint_eq(find(lib, h, by_value, 1, got, 4), 0);

    /* And C_GetAttributeValue refuses it but answers the rest. */
    CK_BYTE v[32];
    CK_ULONG vl = 0;
    CK_ATTRIBUTE q[] = {{CKA_VALUE, v, sizeof v}, {CKA_VALUE_LEN, &vl, sizeof vl}};
    ck_assert_rv(object_get_attrs(library_obj_get(lib, k), q, 2), CKR_ATTRIBUTE_SENSITIVE);
    ck_assert_uint_eq(q[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    ck_assert_uint_eq(q[1].ulValueLen, sizeof vl);
    ck_assert_uint_eq(vl, 16);
}
END_TEST

/* Every token carries the four 3.0 profile objects, public, read-only,
 * never stored; a caller cannot make one. */
START_TEST(test_profiles)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "profiles");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    CK_OBJECT_CLASS prof = CKO_PROFILE;
    CK_ATTRIBUTE by_class[] = {A(CKA_CLASS, prof)};
    struct find *f = NULL;
    CK_OBJECT_HANDLE got[8];
    CK_ULONG n = 0;
    ck_assert_rv(find_init_take(lib, sess(lib, h), aset(by_class, 1), &f), CKR_OK);
    find_next(lib, sess(lib, h), f, got, 8, &n);
    find_free(f);
    ck_assert_uint_eq(n, 4);
    unsigned seen = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_ULONG id = 0;
        CK_ATTRIBUTE a = {CKA_PROFILE_ID, &id, sizeof id};
        ck_assert_rv(object_get_attrs(library_obj_get(lib, got[i]), &a, 1), CKR_OK);
        ck_assert_uint_le(id, 4);
        seen |= 1u << id;
        ck_assert_rv(manage_destroy(lib, sess(lib, h), got[i]), CKR_ACTION_PROHIBITED);
    }
    ck_assert_uint_eq(seen, (1u << CKP_BASELINE_PROVIDER) | (1u << CKP_EXTENDED_PROVIDER) |
                                (1u << CKP_AUTHENTICATION_TOKEN) |
                                (1u << CKP_PUBLIC_CERTIFICATES_TOKEN));
    CK_ULONG pid = CKP_BASELINE_PROVIDER;
    CK_ATTRIBUTE make[] = {A(CKA_CLASS, prof), A(CKA_PROFILE_ID, pid)};
    CK_OBJECT_HANDLE o;
    ck_assert_rv(manage_create(lib, sess(lib, h), aset(make, 2), &o), CKR_ATTRIBUTE_VALUE_INVALID);
}
END_TEST

START_TEST(test_find_snapshot_skips_destroyed)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "snapshot");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    CK_ATTRIBUTE obj_t[] = {A(CKA_CLASS, o_data)};
    CK_OBJECT_HANDLE a = CREATE(lib, h, obj_t), b = CREATE(lib, h, obj_t),
                     c = CREATE(lib, h, obj_t), got[4];
    struct find *f = NULL;
    CK_ULONG n = 0;
    ck_assert_rv(find_init_take(lib, sess(lib, h), aset(obj_t, 1), &f), CKR_OK);
    /* Created after the snapshot: not handed out; destroyed: skipped. */
    (void)CREATE(lib, h, obj_t);
    ck_assert_rv(manage_destroy(lib, sess(lib, h), b), CKR_OK);
    find_next(lib, sess(lib, h), f, got, 4, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(got[0], a);
    ck_assert_uint_eq(got[1], c);
    find_free(f);
}
END_TEST

START_TEST(test_manage_create)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "create");
    CK_SESSION_HANDLE ro = sess_open(lib, t, false), rw = sess_open(lib, t, true);
    CK_ATTRIBUTE sess_obj[] = {A(CKA_CLASS, o_data), AN(CKA_LABEL, "s", 1)};
    CK_ATTRIBUTE tok_obj[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes)};
    CK_ATTRIBUTE priv_obj[] = {A(CKA_CLASS, o_data), A(CKA_PRIVATE, yes)};
    CK_ATTRIBUTE incomplete[] = {AN(CKA_LABEL, "no class", 8)};
    size_t before = lib->nobj;

    /* A read-only session creates session objects only; private objects
     * need the user. */
    CK_OBJECT_HANDLE a = CREATE(lib, ro, sess_obj);
    ck_assert_rv(CREATE_RV(lib, ro, tok_obj), CKR_SESSION_READ_ONLY);
    ck_assert_rv(CREATE_RV(lib, rw, priv_obj), CKR_USER_NOT_LOGGED_IN);
    ck_assert_rv(CREATE_RV(lib, rw, incomplete), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(lib->nobj, before + 1);
    CK_OBJECT_HANDLE b = CREATE(lib, rw, tok_obj);
    ck_assert_uint_gt(b, a);
    ck_assert(library_obj_get(lib, b)->on_token);
    ck_assert(!library_obj_get(lib, a)->on_token);
    ck_assert_uint_eq(library_obj_get(lib, a)->owner, ro);

    /* Each object gets its own CKA_UNIQUE_ID (3.0 §4.4.1). */
    char u1[64], u2[64];
    CK_ATTRIBUTE q1 = {CKA_UNIQUE_ID, u1, sizeof u1}, q2 = {CKA_UNIQUE_ID, u2, sizeof u2};
    ck_assert_rv(object_get_attrs(library_obj_get(lib, a), &q1, 1), CKR_OK);
    ck_assert_rv(object_get_attrs(library_obj_get(lib, b), &q2, 1), CKR_OK);
    ck_assert_uint_gt(q1.ulValueLen, 0);
    ck_assert(q1.ulValueLen != q2.ulValueLen || memcmp(u1, u2, q1.ulValueLen) != 0);

    /* Keys: the material is checked and completed. */
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE aes[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key)};
    CK_ATTRIBUTE aes15[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes),
                            AN(CKA_VALUE, aes_key, 15)};
    CK_OBJECT_HANDLE k = CREATE(lib, rw, aes);
    ck_assert_uint_eq(get_ulong(library_obj_get(lib, k)->attrs, CKA_VALUE_LEN), 16);
    ck_assert_rv(CREATE_RV(lib, rw, aes15), CKR_ATTRIBUTE_VALUE_INVALID);

    /* The session's objects go with it; token objects stay. */
    library_session_close_inlock(lib, sess(lib, ro));
    ck_assert_ptr_null(library_obj_get(lib, a));
    ck_assert_ptr_nonnull(library_obj_get(lib, b));
}
END_TEST

START_TEST(test_manage_copy_destroy_set)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "manage");
    CK_SESSION_HANDLE ro = sess_open(lib, t, false), rw = sess_open(lib, t, true);
    CK_ATTRIBUTE obj_t[] = {A(CKA_CLASS, o_data), AN(CKA_LABEL, "orig", 4)};
    CK_ATTRIBUTE tok_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), AN(CKA_LABEL, "tok", 3)};
    CK_ATTRIBUTE nocopy_t[] = {A(CKA_CLASS, o_data), A(CKA_COPYABLE, no)};
    CK_ATTRIBUTE frozen_t[] = {A(CKA_CLASS, o_data), A(CKA_MODIFIABLE, no)};
    CK_ATTRIBUTE keep_t[] = {A(CKA_CLASS, o_data), A(CKA_DESTROYABLE, no)};
    CK_ATTRIBUTE relabel[] = {AN(CKA_LABEL, "copy", 4)};
    CK_ATTRIBUTE to_token[] = {A(CKA_TOKEN, yes)};
    CK_ATTRIBUTE to_priv[] = {A(CKA_PRIVATE, yes)};
    CK_OBJECT_HANDLE o = CREATE(lib, rw, obj_t), tk = CREATE(lib, rw, tok_t),
                     nc = CREATE(lib, rw, nocopy_t), fr = CREATE(lib, rw, frozen_t),
                     kp = CREATE(lib, rw, keep_t), c = CK_INVALID_HANDLE;

    /* copy */
    ck_assert_rv(manage_copy(lib, sess(lib, ro), o, ASET(relabel), &c), CKR_OK);
    ck_assert_uint_gt(c, kp);
    expect_label(lib, c, "copy");
    expect_label(lib, o, "orig");
    CK_OBJECT_HANDLE c2 = CK_INVALID_HANDLE;
    ck_assert_rv(manage_copy(lib, sess(lib, ro), o, NULL, &c2), CKR_OK);
    expect_label(lib, c2, "orig");
    ck_assert_rv(manage_copy(lib, sess(lib, ro), o, ASET(to_token), &c), CKR_SESSION_READ_ONLY);
    ck_assert_rv(manage_copy(lib, sess(lib, rw), o, ASET(to_priv), &c), CKR_USER_NOT_LOGGED_IN);
    ck_assert_rv(manage_copy(lib, sess(lib, rw), nc, NULL, &c), CKR_ACTION_PROHIBITED);
    ck_assert_rv(manage_copy(lib, sess(lib, rw), 0xdead, NULL, &c), CKR_OBJECT_HANDLE_INVALID);
    ck_assert_rv(manage_copy(lib, sess(lib, rw), o, ASET(to_token), &c), CKR_OK);
    ck_assert(library_obj_get(lib, c)->on_token);

    /* set */
    CK_ATTRIBUTE newlab[] = {AN(CKA_LABEL, "renamed", 7)};
    ck_assert_rv(manage_set(lib, sess(lib, ro), o, ASET(newlab)), CKR_OK);
    expect_label(lib, o, "renamed");
    ck_assert_rv(manage_set(lib, sess(lib, ro), tk, ASET(newlab)), CKR_SESSION_READ_ONLY);
    expect_label(lib, tk, "tok");
    ck_assert_rv(manage_set(lib, sess(lib, rw), tk, ASET(newlab)), CKR_OK);
    expect_label(lib, tk, "renamed");
    ck_assert_rv(manage_set(lib, sess(lib, rw), fr, ASET(newlab)), CKR_ACTION_PROHIBITED);
    ck_assert_rv(manage_set(lib, sess(lib, rw), o, ASET(to_token)), CKR_ATTRIBUTE_READ_ONLY);
    ck_assert_rv(manage_set(lib, sess(lib, rw), 0xdead, ASET(newlab)), CKR_OBJECT_HANDLE_INVALID);

    /* destroy */
    ck_assert_rv(manage_destroy(lib, sess(lib, rw), kp), CKR_ACTION_PROHIBITED);
    ck_assert_ptr_nonnull(library_obj_get(lib, kp));
    ck_assert_rv(manage_destroy(lib, sess(lib, ro), tk), CKR_SESSION_READ_ONLY);
    ck_assert_ptr_nonnull(library_obj_get(lib, tk));
    ck_assert_rv(manage_destroy(lib, sess(lib, rw), tk), CKR_OK);
    ck_assert_ptr_null(library_obj_get(lib, tk));
    ck_assert_rv(manage_destroy(lib, sess(lib, rw), tk), CKR_OBJECT_HANDLE_INVALID);
    ck_assert_rv(manage_destroy(lib, sess(lib, ro), o), CKR_OK); /* a session object */
    ck_assert_rv(manage_destroy(lib, sess(lib, rw), CK_INVALID_HANDLE), CKR_OBJECT_HANDLE_INVALID);

    /* The token object is really gone from the store: a fresh library
     * over the same root sees only the copy made on the token. */
    lib2 = lib_open();
    struct token *t2 = library_token(lib2, t->slot_id);
    ck_assert_ptr_nonnull(t2);
    CK_SESSION_HANDLE h2 = sess_open(lib2, t2, false);
    CK_OBJECT_HANDLE got[8];
    ck_assert_uint_eq(find(lib2, h2, NULL, 0, got, 8), 1);
    expect_label(lib2, got[0], "orig");
}
END_TEST

/* An EC key pair made with C_CreateObject semantics; returns the handles. */
static void
ec_pair(struct library *l, CK_SESSION_HANDLE h, bool token, const CK_ATTRIBUTE *extra,
        CK_ULONG nextra, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
    CK_BBOOL tok = token ? CK_TRUE : CK_FALSE;
    CK_ATTRIBUTE pub_t[] = {A(CKA_CLASS, o_pub), A(CKA_KEY_TYPE, k_ec), A(CKA_EC_PARAMS, oid_p256),
                            A(CKA_TOKEN, tok)};
    CK_ATTRIBUTE priv_t[] = {A(CKA_CLASS, o_priv), A(CKA_KEY_TYPE, k_ec),
                             A(CKA_EC_PARAMS, oid_p256), A(CKA_TOKEN, tok)};
    struct attr_set *pub = ASET(pub_t), *priv = ASET(priv_t);
    put_hex(pub, CKA_EC_POINT, P256_POINT);
    put_hex(priv, CKA_VALUE, P256_D);
    for (CK_ULONG i = 0; i < nextra; i++)
        ck_assert_rv(attr_set_put(priv, extra[i].type, extra[i].pValue, extra[i].ulValueLen),
                     CKR_OK);
    ck_assert_rv(manage_create(l, sess(l, h), pub, hpub), CKR_OK);
    ck_assert_rv(manage_create(l, sess(l, h), priv, hpriv), CKR_OK);
}

static CK_RV
op_init(struct library *l, CK_SESSION_HANDLE h, enum op_kind kind, CK_MECHANISM_TYPE type,
        CK_OBJECT_HANDLE key)
{
    CK_BYTE iv[12] = {0};
    CK_GCM_PARAMS gcm = {iv, sizeof iv, 96, NULL, 0, 128};
    CK_MECHANISM m = {type, NULL, 0};
    if (type == CKM_AES_GCM) {
        m.pParameter = &gcm;
        m.ulParameterLen = sizeof gcm;
    }
    struct session *s = sess(l, h);
    CK_RV rv = manage_op_init(l, s, kind, &m, key);
    if (rv == CKR_OK) {
        ck_assert_ptr_nonnull(s->ops[kind]);
        op_free(s->ops[kind]);
        s->ops[kind] = NULL;
    } else {
        ck_assert_ptr_null(s->ops[kind]);
    }
    return rv;
}

START_TEST(test_manage_op_init_precedence)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "ops");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE aes_t[] = {A(CKA_CLASS, o_sec), A(CKA_KEY_TYPE, k_aes), A(CKA_VALUE, aes_key),
                            A(CKA_SIGN, no), A(CKA_DECRYPT, no)};
    CK_ATTRIBUTE data_t[] = {A(CKA_CLASS, o_data)};
    CK_ATTRIBUTE nosign[] = {A(CKA_SIGN, no)};
    CK_ATTRIBUTE only256[] = {A(CKA_ALLOWED_MECHANISMS, ecdsa_sha256_only)};
    CK_OBJECT_HANDLE aes = CREATE(lib, h, aes_t), data = CREATE(lib, h, data_t), pub, priv, pub2,
                     priv_nosign, pub3, priv_only;
    ec_pair(lib, h, false, NULL, 0, &pub, &priv);
    ec_pair(lib, h, false, nosign, 1, &pub2, &priv_nosign);
    ec_pair(lib, h, false, only256, 1, &pub3, &priv_only);

    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, priv), CKR_OK);
    ck_assert_rv(op_init(lib, h, OP_VERIFY, CKM_ECDSA, pub), CKR_OK);
    ck_assert_rv(op_init(lib, h, OP_ENCRYPT, CKM_AES_GCM, aes), CKR_OK);
    /* The mechanism first: unknown, or not for this function. */
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_VENDOR_DEFINED | 0x1234, priv),
                 CKR_MECHANISM_INVALID);
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_SHA256, priv), CKR_MECHANISM_INVALID);
    ck_assert_rv(op_init(lib, h, OP_ENCRYPT, CKM_ECDSA, pub), CKR_MECHANISM_INVALID);
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, 0xdead), CKR_KEY_HANDLE_INVALID);
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, CK_INVALID_HANDLE), CKR_KEY_HANDLE_INVALID);
    /* Key type before key function: the AES key may not sign either. */
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, aes), CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_rv(op_init(lib, h, OP_DECRYPT, CKM_AES_GCM, priv), CKR_KEY_TYPE_INCONSISTENT);
    /* Right type, wrong use. */
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ck_assert_rv(op_init(lib, h, OP_VERIFY, CKM_ECDSA, priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, priv_nosign), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ck_assert_rv(op_init(lib, h, OP_DECRYPT, CKM_AES_GCM, aes), CKR_KEY_FUNCTION_NOT_PERMITTED);
    /* CKA_ALLOWED_MECHANISMS. */
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, priv_only), CKR_MECHANISM_INVALID);
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA_SHA256, priv_only), CKR_OK);
    /* The mechanism's own parameter check comes last. */
    CK_MECHANISM bad_gcm = {CKM_AES_GCM, NULL, 0};
    ck_assert_rv(manage_op_init(lib, sess(lib, h), OP_ENCRYPT, &bad_gcm, aes),
                 CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(sess(lib, h)->ops[OP_ENCRYPT]);
    /* A data object is no key. */
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, data), CKR_KEY_HANDLE_INVALID);
    /* One operation of a kind at a time. */
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    ck_assert_rv(manage_op_init(lib, sess(lib, h), OP_DIGEST, &sha, CK_INVALID_HANDLE), CKR_OK);
    ck_assert_rv(manage_op_init(lib, sess(lib, h), OP_DIGEST, &sha, CK_INVALID_HANDLE),
                 CKR_OPERATION_ACTIVE);
    /* A private key is unusable once the user logs out. */
    ck_assert_rv(token_logout_inlock(t), CKR_OK);
    ck_assert_rv(op_init(lib, h, OP_VERIFY, CKM_ECDSA, pub), CKR_OK);
    ck_assert_rv(op_init(lib, h, OP_SIGN, CKM_ECDSA, priv), CKR_KEY_HANDLE_INVALID);
}
END_TEST

/* Sign 32 bytes with the key and verify with the public key. */
static void
sign_and_verify(struct library *l, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub)
{
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    CK_BYTE sig[64];
    CK_ULONG len = sizeof sig;
    struct session *s = sess(l, h);
    ck_assert_rv(manage_op_init(l, s, OP_SIGN, &m, priv), CKR_OK);
    ck_assert_rv(op_oneshot(s->ops[OP_SIGN], SHA256_ABC, 32, sig, &len), CKR_OK);
    ck_assert_uint_eq(len, 64);
    op_free(s->ops[OP_SIGN]);
    s->ops[OP_SIGN] = NULL;
    ck_assert_rv(manage_op_init(l, s, OP_VERIFY, &m, pub), CKR_OK);
    ck_assert_rv(op_verify(s->ops[OP_VERIFY], SHA256_ABC, 32, sig, len, false), CKR_OK);
    op_free(s->ops[OP_VERIFY]);
    s->ops[OP_VERIFY] = NULL;
}

START_TEST(test_manage_generate)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "generate");
    CK_SESSION_HANDLE ro = sess_open(lib, t, false), rw = sess_open(lib, t, true);
    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL, 0}, sha = {CKM_SHA256, NULL, 0},
                 ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE aes_t[] = {A(CKA_VALUE_LEN, len16), A(CKA_TOKEN, yes)};
    CK_ATTRIBUTE wrong_class[] = {A(CKA_CLASS, o_pub), A(CKA_VALUE_LEN, len16)};
    CK_ATTRIBUTE wrong_type[] = {A(CKA_KEY_TYPE, k_gen), A(CKA_VALUE_LEN, len16)};
    struct attr_set *tm = ASET(aes_t);

    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &sha, NULL, tm), CKR_MECHANISM_INVALID);
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &ec_gen, NULL, tm), CKR_MECHANISM_INVALID);
    ck_assert_rv(manage_gen_prepare(sess(lib, ro), &aes_gen, NULL, tm), CKR_SESSION_READ_ONLY);
    attr_set_free(tm);
    tm = ASET(aes_t);
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &aes_gen, NULL, tm), CKR_USER_NOT_LOGGED_IN);
    attr_set_free(tm);
    tm = ASET(wrong_class);
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &aes_gen, NULL, tm), CKR_TEMPLATE_INCONSISTENT);
    attr_set_free(tm);
    tm = ASET(wrong_type);
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &aes_gen, NULL, tm), CKR_TEMPLATE_INCONSISTENT);
    attr_set_free(tm);

    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    tm = ASET(aes_t);
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &aes_gen, NULL, tm), CKR_OK);
    ck_assert_rv(mech_generate_key(&aes_gen, tm), CKR_OK);
    CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
    ck_assert_rv(manage_gen_publish(lib, sess(lib, rw), NULL, tm, NULL, &k), CKR_OK);
    struct object *o = library_obj_get(lib, k);
    ck_assert_ptr_nonnull(o);
    ck_assert(o->on_token);
    ck_assert(o->priv);
    ck_assert(has_bool(o->attrs, CKA_LOCAL, true));
    ck_assert(has_bool(o->attrs, CKA_ALWAYS_SENSITIVE, true));
    ck_assert(has_bool(o->attrs, CKA_NEVER_EXTRACTABLE, true));
    ck_assert_uint_eq(get_ulong(o->attrs, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
    ck_assert_uint_eq(get_ulong(o->attrs, CKA_KEY_TYPE), CKK_AES);
    ck_assert(attr_set_has(o->attrs, CKA_UNIQUE_ID));
    ck_assert_rv(op_init(lib, rw, OP_ENCRYPT, CKM_AES_GCM, k), CKR_OK);

    /* A key pair. */
    CK_ATTRIBUTE pub_t[] = {A(CKA_EC_PARAMS, oid_p256)};
    CK_ATTRIBUTE priv_t[] = {AN(CKA_LABEL, "k", 1)};
    struct attr_set *pub = ASET(pub_t), *priv = ASET(priv_t);
    CK_OBJECT_HANDLE hp = CK_INVALID_HANDLE, hq = CK_INVALID_HANDLE;
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &ec_gen, pub, priv), CKR_OK);
    ck_assert_rv(mech_generate_key_pair(&ec_gen, pub, priv), CKR_OK);
    ck_assert_rv(manage_gen_publish(lib, sess(lib, rw), pub, priv, &hp, &hq), CKR_OK);
    ck_assert_uint_eq(library_obj_get(lib, hp)->cls, CKO_PUBLIC_KEY);
    ck_assert_uint_eq(library_obj_get(lib, hq)->cls, CKO_PRIVATE_KEY);
    sign_and_verify(lib, rw, hq, hp);
}
END_TEST

/*
 * manage.h promises manage_gen_publish() stores the pair "all or nothing".
 * The lock is released around the key math, so the login may change before
 * publishing (keys.c says so). Here the private key is public and not
 * destroyable, the public key is private; the user logs out meanwhile: the
 * private key publishes, the public key cannot, and the rollback must not
 * leave the private key behind.
 */
START_TEST(test_manage_gen_publish_all_or_nothing)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "atomic");
    CK_SESSION_HANDLE rw = sess_open(lib, t, true);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_MECHANISM ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub_t[] = {A(CKA_EC_PARAMS, oid_p256), A(CKA_TOKEN, yes), A(CKA_PRIVATE, yes)};
    CK_ATTRIBUTE priv_t[] = {A(CKA_TOKEN, yes), A(CKA_PRIVATE, no), A(CKA_DESTROYABLE, no)};
    struct attr_set *pub = ASET(pub_t), *priv = ASET(priv_t);
    CK_OBJECT_HANDLE hp = CK_INVALID_HANDLE, hq = CK_INVALID_HANDLE, got[4];
    ck_assert_rv(manage_gen_prepare(sess(lib, rw), &ec_gen, pub, priv), CKR_OK);
    ck_assert_rv(mech_generate_key_pair(&ec_gen, pub, priv), CKR_OK);
    ck_assert_uint_eq(find(lib, rw, NULL, 0, got, 4), 0); /* loads the token */
    size_t before = lib->nobj;
    ck_assert_rv(token_logout_inlock(t), CKR_OK); /* another thread, lock released */
    ck_assert_rv(manage_gen_publish(lib, sess(lib, rw), pub, priv, &hp, &hq),
                 CKR_USER_NOT_LOGGED_IN);
    ck_assert_uint_eq(find(lib, rw, NULL, 0, got, 4), 0);
    ck_assert_uint_eq(lib->nobj, before);
}
END_TEST

START_TEST(test_sync_second_library)
{
    lib = lib_open();
    struct token *t1 = tok_ready(lib, "shared");
    lib2 = lib_open(); /* a second process on the same store */
    struct token *t2 = library_token(lib2, t1->slot_id);
    ck_assert_ptr_nonnull(t2);
    ck_assert_ptr_nonnull(t2->st);
    CK_SESSION_HANDLE h1 = sess_open(lib, t1, false), h2 = sess_open(lib2, t2, true);
    CK_OBJECT_HANDLE got[8];
    ck_assert_uint_eq(find(lib, h1, NULL, 0, got, 8), 0);

    /* Created elsewhere: seen at the next find. */
    CK_ATTRIBUTE obj_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), AN(CKA_LABEL, "one", 3)};
    CK_OBJECT_HANDLE o2 = CREATE(lib2, h2, obj_t);
    ck_assert_uint_eq(find(lib, h1, NULL, 0, got, 8), 1);
    CK_OBJECT_HANDLE o1 = got[0];
    expect_label(lib, o1, "one");

    /* Changed elsewhere: reloaded under the same handle. */
    CK_ATTRIBUTE two[] = {AN(CKA_LABEL, "two", 3)};
    ck_assert_rv(manage_set(lib2, sess(lib2, h2), o2, ASET(two)), CKR_OK);
    ck_assert_rv(token_sync_inlock(t1), CKR_OK);
    expect_label(lib, o1, "two");
    ck_assert_uint_eq(find(lib, h1, two, 1, got, 8), 1);
    ck_assert_uint_eq(got[0], o1);

    /* Destroyed elsewhere: gone, handle invalid. */
    ck_assert_rv(manage_destroy(lib2, sess(lib2, h2), o2), CKR_OK);
    ck_assert_rv(token_sync_inlock(t1), CKR_OK);
    ck_assert_ptr_null(library_obj_get(lib, o1));
    ck_assert_uint_eq(find(lib, h1, NULL, 0, got, 8), 0);

    /* Private records load only where the user is logged in. */
    ck_assert_rv(token_login_inlock(t2, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE priv_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), A(CKA_PRIVATE, yes)};
    (void)CREATE(lib2, h2, priv_t);
    ck_assert_uint_eq(find(lib, h1, NULL, 0, got, 8), 0);
    ck_assert_rv(token_login_inlock(t1, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(find(lib, h1, NULL, 0, got, 8), 1);

    /* A token created elsewhere appears at the next refresh. */
    size_t n = lib->ntok;
    (void)tok_init(lib2, "other");
    ck_assert_uint_eq(lib->ntok, n);
    ck_assert_rv(library_refresh_inlock(lib), CKR_OK);
    ck_assert_uint_eq(lib->ntok, n + 1);
    ck_assert_ptr_eq(library_token(lib, t1->slot_id), t1); /* known tokens keep their state */
    ck_assert_uint_eq(t1->user, CKU_USER);
    (void)free_slot(lib);
}
END_TEST

START_TEST(test_store_write_failures)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "failing");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    CK_ATTRIBUTE tok_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), AN(CKA_LABEL, "kept", 4)};
    CK_ATTRIBUTE sess_t[] = {A(CKA_CLASS, o_data)};
    CK_ATTRIBUTE newlab[] = {AN(CKA_LABEL, "lost", 4)};
    CK_OBJECT_HANDLE o = CREATE(lib, h, tok_t), got[8];

    /* A full device: creation fails with the store's code and leaves no
     * object behind; session objects do not need the store. */
    ck_assert_rv(store_mem_fail_writes(root, CKR_DEVICE_MEMORY), CKR_OK);
    size_t before = lib->nobj;
    ck_assert_rv(CREATE_RV(lib, h, tok_t), CKR_DEVICE_MEMORY);
    ck_assert_uint_eq(lib->nobj, before);
    (void)CREATE(lib, h, sess_t);
    /* A failed change keeps the old value, in memory and in the store. */
    ck_assert_rv(manage_set(lib, sess(lib, h), o, ASET(newlab)), CKR_DEVICE_MEMORY);
    expect_label(lib, o, "kept");
    /* A failed destroy keeps the object. */
    CK_RV rv = manage_destroy(lib, sess(lib, h), o);
    ck_assert_msg(rv == CKR_DEVICE_ERROR || rv == CKR_DEVICE_MEMORY, "destroy: 0x%lx", rv);
    ck_assert_ptr_nonnull(library_obj_get(lib, o));
    /* No new token either. */
    CK_UTF8CHAR lab[32];
    mklabel(lab, "new");
    size_t ntok = lib->ntok;
    ck_assert_rv(library_init_token_inlock(lib, free_slot(lib), SO_PIN, lab), CKR_DEVICE_MEMORY);
    ck_assert_uint_eq(lib->ntok, ntok);

    ck_assert_rv(store_mem_fail_writes(root, CKR_DEVICE_ERROR), CKR_OK);
    ck_assert_rv(CREATE_RV(lib, h, tok_t), CKR_DEVICE_ERROR);

    /* Repaired: everything works again, and a fresh reader agrees. */
    ck_assert_rv(store_mem_fail_writes(root, CKR_OK), CKR_OK);
    ck_assert_rv(manage_set(lib, sess(lib, h), o, ASET(newlab)), CKR_OK);
    lib2 = lib_open();
    CK_SESSION_HANDLE h2 = sess_open(lib2, library_token(lib2, t->slot_id), false);
    ck_assert_uint_eq(find(lib2, h2, NULL, 0, got, 8), 1);
    expect_label(lib2, got[0], "lost");
}
END_TEST

START_TEST(test_store_readonly)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "readonly");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    CK_OBJECT_HANDLE pub, priv, got[8];
    ec_pair(lib, h, true, NULL, 0, &pub, &priv);
    ck_assert_rv(token_logout_inlock(t), CKR_OK);

    ck_assert_rv(store_mem_set_readonly(root, true), CKR_OK);
    CK_TOKEN_INFO ti;
    ck_assert_rv(token_info(t, &ti), CKR_OK);
    ck_assert_uint_ne(ti.flags & CKF_WRITE_PROTECTED, 0);

    /* Reads, login and signing still work. */
    ck_assert_uint_eq(find(lib, h, NULL, 0, got, 8), 1);
    ck_assert_rv(token_login_inlock(t, CKU_USER, USER_PIN), CKR_OK);
    ck_assert_uint_eq(find(lib, h, NULL, 0, got, 8), 2);
    CK_ATTRIBUTE cls_priv[] = {A(CKA_CLASS, o_priv)}, cls_pub[] = {A(CKA_CLASS, o_pub)};
    ck_assert_uint_eq(find(lib, h, cls_priv, 1, got, 8), 1);
    priv = got[0];
    ck_assert_uint_eq(find(lib, h, cls_pub, 1, got, 8), 1);
    pub = got[0];
    sign_and_verify(lib, h, priv, pub);

    /* Writes are refused with the spec's code; session objects still work. */
    CK_ATTRIBUTE tok_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes)};
    CK_ATTRIBUTE sess_t[] = {A(CKA_CLASS, o_data)};
    CK_ATTRIBUTE newlab[] = {AN(CKA_LABEL, "x", 1)};
    ck_assert_rv(CREATE_RV(lib, h, tok_t), CKR_TOKEN_WRITE_PROTECTED);
    (void)CREATE(lib, h, sess_t);
    ck_assert_rv(manage_set(lib, sess(lib, h), pub, ASET(newlab)), CKR_TOKEN_WRITE_PROTECTED);
    ck_assert_rv(manage_destroy(lib, sess(lib, h), pub), CKR_TOKEN_WRITE_PROTECTED);
    ck_assert_ptr_nonnull(library_obj_get(lib, pub));
    CK_UTF8CHAR lab[32];
    mklabel(lab, "new");
    ck_assert_rv(library_init_token_inlock(lib, free_slot(lib), SO_PIN, lab),
                 CKR_TOKEN_WRITE_PROTECTED);
}
END_TEST

START_TEST(test_store_corrupt_record)
{
    lib = lib_open();
    struct token *t = tok_ready(lib, "corrupt");
    CK_SESSION_HANDLE h = sess_open(lib, t, true);
    CK_ATTRIBUTE a_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), AN(CKA_LABEL, "good", 4)};
    CK_ATTRIBUTE b_t[] = {A(CKA_CLASS, o_data), A(CKA_TOKEN, yes), AN(CKA_LABEL, "bad", 3)};
    (void)CREATE(lib, h, a_t);
    CK_OBJECT_HANDLE b = CREATE(lib, h, b_t), got[8];

    /* Flip one bit of b's sealed record, under the store. */
    struct store *st = lib->store;
    uint64_t id = library_obj_get(lib, b)->rec_id;
    const struct store_rec_ref *ref = NULL;
    for (size_t i = 0; i < t->st->nidx; i++)
        if (t->st->idx[i].id == id) ref = &t->st->idx[i];
    ck_assert_ptr_nonnull(ref);
    uint8_t *p = NULL;
    size_t n = 0;
    ck_assert_rv(st->ops->blob_get(t->st->bt, ref, &p, &n), CKR_OK);
    ck_assert_uint_gt(n, 8);
    p[n / 2] ^= 0x10;
    ck_assert_rv(st->ops->blob_put(t->st->bt, ref, p, n), CKR_OK);
    free(p);

    /* A reader that loads it reports a device error, and still loads the
     * good record. */
    lib2 = lib_open();
    struct token *t2 = library_token(lib2, t->slot_id);
    CK_SESSION_HANDLE h2 = sess_open(lib2, t2, false);
    struct find *f = NULL;
    int saved = quiet_begin();
    CK_RV rv = find_init_take(lib2, sess(lib2, h2), attr_set_new(), &f);
    CK_RV rv2 = token_sync_inlock(t2);
    quiet_end(saved);
    ck_assert_rv(rv, CKR_DEVICE_ERROR);
    ck_assert_ptr_null(f);
    ck_assert_rv(rv2, CKR_DEVICE_ERROR); /* until repaired */
    ck_assert_uint_eq(lib2->nobj, 1);
    expect_label(lib2, lib2->objs[0]->handle, "good");

    /* Destroying the bad record (from the first library) repairs it. */
    ck_assert_rv(manage_destroy(lib, sess(lib, h), b), CKR_OK);
    ck_assert_uint_eq(find(lib2, h2, NULL, 0, got, 8), 1);
}
END_TEST

/* ---- suite ---- */

static Suite *
core_suite(void)
{
    Suite *su = suite_create("core");

    TCase *sc = tcase_create("schema");
    tcase_add_checked_fixture(sc, setup_mech, teardown_mech);
    tcase_add_loop_test(sc, test_schema_table, 0, (int)NELEM(schema_cases));
    tcase_add_test(sc, test_schema_defaults_are_of_the_class);
    tcase_add_test(sc, test_schema_defaults_created_private_key);
    tcase_add_test(sc, test_schema_defaults_generated_secret_key);
    tcase_add_test(sc, test_schema_defaults_public_objects);
    tcase_add_test(sc, test_schema_copy);
    tcase_add_test(sc, test_schema_check_set);
    tcase_add_test(sc, test_schema_is_secret);
    suite_add_tcase(su, sc);

    TCase *op = tcase_create("op");
    tcase_add_checked_fixture(op, setup_mech, teardown_mech);
    tcase_add_test(op, test_op_keeps);
    tcase_add_test(op, test_op_digest_sizes);
    tcase_add_test(op, test_op_rsa_decrypt_exact);
    tcase_add_test(op, test_op_gcm_sizes);
    suite_add_tcase(su, op);

    TCase *lb = tcase_create("library");
    tcase_add_checked_fixture(lb, setup, teardown);
    tcase_set_timeout(lb, 120);
    tcase_add_test(lb, test_library_one_free_slot);
    tcase_add_test(lb, test_library_init_token);
    tcase_add_test(lb, test_library_sessions);
    tcase_add_test(lb, test_library_last_close_logs_out);
    tcase_add_test(lb, test_token_login_matrix);
    tcase_add_test(lb, test_token_info_pin_counters);
    tcase_add_test(lb, test_find_private_visibility);
    tcase_add_test(lb, test_find_never_matches_secrets);
    tcase_add_test(lb, test_find_snapshot_skips_destroyed);
    tcase_add_test(lb, test_profiles);
    tcase_add_test(lb, test_manage_create);
    tcase_add_test(lb, test_manage_copy_destroy_set);
    tcase_add_test(lb, test_manage_op_init_precedence);
    tcase_add_test(lb, test_manage_generate);
    tcase_add_test(lb, test_manage_gen_publish_all_or_nothing);
    tcase_add_test(lb, test_sync_second_library);
    tcase_add_test(lb, test_store_write_failures);
    tcase_add_test(lb, test_store_readonly);
    tcase_add_test(lb, test_store_corrupt_record);
    suite_add_tcase(su, lb);
    return su;
}

int
main(void)
{
    SRunner *sr = srunner_create(core_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
