/*
 * test_mech.c: the mechanism layer (src/mech/) through mech.h, with
 * known-answer vectors from the standards and from the openssl command line.
 */
#include <check.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "mech/family.h"
#include "mech/mech.h"
#include "util/wipe.h"
#include "mech/ossl.h"
#include "util/attr.h"

/* ---- vectors ---- */

/*
 * A fixed RSA-2048 key and its PKCS#1 v1.5 SHA-256 signature of "abc", made
 * once with the openssl command line:
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem
 *   printf abc | openssl dgst -sha256 -sign rsa2048.pem -out rsa_sig.bin
 * and the key's components printed with `openssl pkey -in rsa2048.pem -text`.
 */
static const char RSA_N[] = "ad559ea49f71c89abeb1bbfbea176e9de06d560286f674e990eb6d04f11cc5f20bff09"
                            "78dfe9dbced2d9f385f382da1a"
                            "f6d4f98ab8ce67d499a09af2f2135aecc9970fbf497b2184ae5c954425c797c320e302"
                            "9715565e155d24df1e1b288262"
                            "bc3ef42c17aaa0b1aa3074e95cb3d83c3315bc7b1e84187aa025bf26652844be1b45cb"
                            "cab8ae284627aa0a17c7ec8e18"
                            "25933bedca43477c4bbd466018bd21fb7ebe3d19552c17912be1d12b6635ef64d22b48"
                            "2eab1d0f0548f60cb55a02a8c6"
                            "f2a1d855980dcccf81f5e0434cfc2f7e21997920b25e44b7331e43bad6ef7b4428f8f0"
                            "d9ddc47d62ba78ffd3228c0046"
                            "376497f82c69ba086511afb9dd39aed9";
static const char RSA_E[] = "010001";
static const char RSA_D[] = "3dce9f00229ec7226ec71fba07520dae9c1d40a32c0eebc77156918c4691b4ffc7494c"
                            "ce5e419c90965d035a0b67e86f"
                            "defe38713fced1f55c46899a01b9e71d3210fc9b800f38f77fd9219ca840109c92b87f"
                            "eef1bbd75694dd15f63d46e79f"
                            "5f72af4c9dafc9173111904eba30a2f56c5dded4a420043e8da6880f9fd889120e6264"
                            "11a1b6152ca7823bb5aa72c03e"
                            "c49a250180fa8bac10aeb8f1d78b2ec1c4ea08222d6c60e0b257da0c08abb8a6caac07"
                            "43d60c89605dcbead1c36a4e49"
                            "61ce25490d9e7e4da94c9e88be79513f3fdc2e37e6d418e029768f1f0ed0b28cd7140e"
                            "f3e20d0a2d2267a1fbe4e308fb"
                            "4a5889c2b720b9e08437ae5d69378ed5";
static const char RSA_P[] = "de6528dc978a38db9fa6e0cd696e764847f7a893d182b4c11f8ceccd0e3bbac50d40f2"
                            "7690df63699938deb1b2b98706"
                            "b5e6251bbb5ef43938664e3eb0cd0ab671146bea0bb91cd08305fc27ec60dd04fd703b"
                            "f56d9e7e467b843233b4a388be"
                            "4b9f4518265418bb6bea135430380c2976cc17927fa16d64be7679e63cb27a0f";
static const char RSA_Q[] = "c786a9215b206b864e0d66ca8c528793b178e5b93bd960dea3d6975fe097b4204380fb"
                            "95a311671938471e19238012ef"
                            "f7ef733de884f5dbe73cc169f0a4e8ca2fdb8a55cddddfb3b838b56a028f6275f963a8"
                            "cf0ffdcaf902fbeb95c526d431"
                            "c7d34fb7520de5aa39b4004bd28f65266ec41f37240223da31719be3f4415097";
static const char RSA_DP[] = "0d51b7a9c675a3c41b82ae11ff4f7b4c06eb6130412af7d25d265e844566f45f9ad49"
                             "9f0d9ea5714daf559f900803603"
                             "03dfddb71478b25dbeeff99dad8f0a26350d890d0258bace0e1acca84372e5a9c7d7f"
                             "1ef57fa570bb7980a3da882e6cc"
                             "a6d0ca1d912616391b547085e941621115a9517c17a2be5f7b3cb33e43c258a7";
static const char RSA_DQ[] = "547814e8132d21784558f51870d98b9e22371d8212ed4f4e522c49ff84149564474fb"
                             "6b2bdcb634b510102a3ffdc7ba7"
                             "edde087ac01272077bd8c3c536e489ccf6ffc98bd3d0c7a0cd2fecd58969ec7427756"
                             "284eeaf321bc380a556cd9547a6"
                             "1f83bd2ecde52642af951dbefbd04b313f197661a0b3eb3bb74cf28349e7d0d7";
static const char RSA_QINV[] = "303102bcd2222396e0263ee1e935777a4b36f9b0d21df733910495e3ff6cc94406b"
                               "8eec20d81c19d8b36d6a030f558eb"
                               "0b7b146dae62c80be099344cdb488fdc3d229ea0c3b761b8ae60c8362445350a0ab"
                               "877064ab09685e76470320f7cb1f4"
                               "9a88dce8061a41de9036f87d8422d800ca1f874d21bfdf062e41b91c4fca287b";
static const char RSA_SIG_ABC[] = "34f8e452c84f46fb355f487e3add15c3058c408eb0ec39cf8d71b660b2671f3b"
                                  "52b2cc0701dc229f0f4298ad15a5edd9"
                                  "8e9751f2ecddbd77515f731ed6bc86b094d58fc64a7781f1e989e31679a25d78"
                                  "2dc1b4bad8d99abb1121436d7de60c9e"
                                  "3fabba6811ab0d875a2f4d634ac2781c08765fc536582dd7bc6ac6615e8ad66e"
                                  "d8a67cc8859408756c82900e9d8364f1"
                                  "af81c653a24f371929bf7b2bdb6379b1100a315747d3715bf647edafeeb5d9ae"
                                  "bcc9fa63b81c4546c2cafcc5db177203"
                                  "6d37cd0dcdfcf91a5bf1ac065cb4ed040133f3ba5848ab965ca7edf21f039be4"
                                  "c306cb203641fde26191440c22ed951c"
                                  "0a2b8d273a0691e6942bb8144ef41484";

/* A 512-bit key (openssl genpkey ... rsa_keygen_bits:512): below every
 * size credtoken accepts. */
static const char RSA512_N[] = "ba2aba7f02477f60d2b2a0ff487a54cc1ad8ad5202ffeed18ef943f497663b23ae6"
                               "2523ed00eb8c46d9dbc57b4b7ca2f"
                               "952f89f14022456e17e408c1eb943395";
static const char RSA512_D[] = "b29dd2678fa947a67f2151e4fd061a1be65a2418feb5cdce142e46ac0322dbf3622"
                               "f0cf46e91b0ed1436545b1cc56df0"
                               "e5e1262d889de74af93aaec908061c01";

/* DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1). */
static const char SHA256_DIGESTINFO[] = "3031300d060960864801650304020105000420";

/*
 * A fixed P-256 key:
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
 *   openssl pkey -in p256.pem -noout -text           (priv, pub)
 *   openssl pkey -in p256.pem -pubout -outform DER   (P256_SPKI)
 *   printf abc | openssl dgst -sha256 -sign p256.pem (DER, converted to r || s)
 */
static const char P256_D[] = "8d032afb3e97263d7d0a9140dfafe0c8fb4f09a3d38d9ee06fcf5e5740de4fbb";
static const char P256_POINT[] = "04ff89bb54db8ca786e24405440bc3e1ccda6063188905193af83c78f722ddce6"
                                 "aca99e3b814721be22da92d7a729eab"
                                 "5e3321f03fd44c94db03e046e3fb7c7ce4";
static const char P256_SPKI[] =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004ff89bb54db8ca786e24405440bc3e1ccda606318"
    "8905193af83c78f722ddce6aca99e3b814721be22da92d7a729eab5e3321f03fd44c94db03e046e3fb7c7ce4";
static const char P256_SIG_ABC[] = "c768dc95d2b119b0f0ba30514d0205c0fc163adfd42c6e89e7f3775f0e16333"
                                   "74a7ec868cbb3bf32d0bb9dd6087ca114"
                                   "73657ebebc74294ee559710a2b9b51c6";
/* The order n of P-256 (FIPS 186-4 §D.1.2.3). */
static const char P256_ORDER[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

static const uint8_t OID_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_P384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_K256[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a}; /* secp256k1 */

/* ---- helpers ---- */

struct blob {
    uint8_t b[1024];
    size_t n;
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

static void
put_hex(struct attr_set *a, CK_ATTRIBUTE_TYPE t, const char *hex)
{
    struct blob b = hx(hex);
    ck_assert_uint_eq(attr_set_put(a, t, b.b, b.n), CKR_OK);
}

static struct attr_set *
new_key_attrs(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt)
{
    struct attr_set *a = attr_set_new();
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_CLASS, cls), CKR_OK);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_KEY_TYPE, kt), CKR_OK);
    return a;
}

static struct attr_set *
rsa_attrs(CK_OBJECT_CLASS cls, bool crt)
{
    struct attr_set *a = new_key_attrs(cls, CKK_RSA);
    put_hex(a, CKA_MODULUS, RSA_N);
    put_hex(a, CKA_PUBLIC_EXPONENT, RSA_E);
    if (cls == CKO_PRIVATE_KEY) put_hex(a, CKA_PRIVATE_EXPONENT, RSA_D);
    if (cls == CKO_PRIVATE_KEY && crt) {
        put_hex(a, CKA_PRIME_1, RSA_P);
        put_hex(a, CKA_PRIME_2, RSA_Q);
        put_hex(a, CKA_EXPONENT_1, RSA_DP);
        put_hex(a, CKA_EXPONENT_2, RSA_DQ);
        put_hex(a, CKA_COEFFICIENT, RSA_QINV);
    }
    return a;
}

static struct attr_set *
ec_attrs(CK_OBJECT_CLASS cls)
{
    struct attr_set *a = new_key_attrs(cls, CKK_EC);
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    if (cls == CKO_PRIVATE_KEY)
        put_hex(a, CKA_VALUE, P256_D);
    else
        put_hex(a, CKA_EC_POINT, P256_POINT);
    return a;
}

/* Complete (as C_CreateObject would) and parse; consumes a. */
static struct mech_key *
key_take(struct attr_set *a)
{
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE kt;
    struct mech_key *k = NULL;
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_CLASS, &cls), CKR_OK);
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_KEY_TYPE, &kt), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(cls, kt, a), CKR_OK);
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_OK);
    attr_set_free(a);
    return k;
}

static struct mech_key *
secret_key(CK_KEY_TYPE kt, const void *v, size_t n)
{
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, kt);
    ck_assert_uint_eq(attr_set_put(a, CKA_VALUE, v, n), CKR_OK);
    return key_take(a);
}

static CK_RV
op_start(CK_MECHANISM_TYPE type, enum mech_fn fn, void *param, CK_ULONG plen, struct mech_key *k,
         struct mech_op **op)
{
    CK_MECHANISM m = {type, param, plen};
    const struct mech_desc *d = mech_find(type);
    ck_assert_ptr_nonnull(d);
    return mech_op_new(d, fn, &m, k, op);
}

/* A one-shot sign/encrypt/decrypt/digest; out has 1024 bytes. */
static CK_RV
oneshot(CK_MECHANISM_TYPE type, enum mech_fn fn, void *param, CK_ULONG plen, struct mech_key *k,
        const void *in, size_t in_len, uint8_t *out, CK_ULONG *out_len)
{
    struct mech_op *op = NULL;
    CK_ULONG need = 0;
    bool exact = false;
    CK_RV rv = op_start(type, fn, param, plen, k, &op);
    if (rv != CKR_OK) return rv;
    rv = mech_op_out_len(op, in_len, false, &need, &exact);
    if (rv == CKR_OK) {
        ck_assert_uint_le(need, 1024);
        rv = mech_op_oneshot(op, in, in_len, out, out_len);
    }
    if (rv == CKR_OK && exact) ck_assert_uint_eq(*out_len, need);
    if (rv == CKR_OK) ck_assert_uint_le(*out_len, need);
    mech_op_free(op);
    return rv;
}

static CK_RV
verify(CK_MECHANISM_TYPE type, void *param, CK_ULONG plen, struct mech_key *k, const void *data,
       size_t data_len, const void *sig, size_t sig_len)
{
    struct mech_op *op = NULL;
    CK_RV rv = op_start(type, MECH_VERIFY, param, plen, k, &op);
    if (rv != CKR_OK) return rv;
    rv = mech_op_verify(op, data, data_len, sig, sig_len);
    mech_op_free(op);
    return rv;
}

/* Multi-part verification, the data fed in two pieces. */
static CK_RV
verify_parts(CK_MECHANISM_TYPE type, void *param, CK_ULONG plen, struct mech_key *k,
             const uint8_t *data, size_t data_len, const void *sig, size_t sig_len)
{
    struct mech_op *op = NULL;
    CK_RV rv = op_start(type, MECH_VERIFY, param, plen, k, &op);
    if (rv != CKR_OK) return rv;
    rv = mech_op_update(op, data, data_len / 2, NULL, NULL);
    if (rv == CKR_OK)
        rv = mech_op_update(op, data + data_len / 2, data_len - data_len / 2, NULL, NULL);
    if (rv == CKR_OK) rv = mech_op_verify_final(op, sig, sig_len);
    mech_op_free(op);
    return rv;
}

/* Multi-part sign or digest, the data fed in two pieces. */
static CK_RV
sign_parts(CK_MECHANISM_TYPE type, enum mech_fn fn, void *param, CK_ULONG plen, struct mech_key *k,
           const uint8_t *data, size_t data_len, uint8_t *out, CK_ULONG *out_len)
{
    struct mech_op *op = NULL;
    CK_ULONG need = 0;
    bool exact = false;
    CK_RV rv = op_start(type, fn, param, plen, k, &op);
    if (rv != CKR_OK) return rv;
    rv = mech_op_update(op, data, data_len / 2, NULL, NULL);
    if (rv == CKR_OK)
        rv = mech_op_update(op, data + data_len / 2, data_len - data_len / 2, NULL, NULL);
    if (rv == CKR_OK) rv = mech_op_out_len(op, 0, true, &need, &exact);
    if (rv == CKR_OK) rv = mech_op_final(op, out, out_len);
    if (rv == CKR_OK) ck_assert_uint_eq(*out_len, need);
    mech_op_free(op);
    return rv;
}

static void
setup(void)
{
    ck_assert_uint_eq(ossl_init(), CKR_OK);
    ck_assert_uint_eq(mech_init(), CKR_OK);
}

static void
teardown(void)
{
    mech_cleanup();
    ossl_cleanup();
}

/* ---- registry ---- */

START_TEST(test_registry_sorted)
{
    ck_assert_uint_gt(mech_count(), 1);
    for (size_t i = 1; i < mech_count(); i++)
        ck_assert_uint_lt(mech_at(i - 1)->type, mech_at(i)->type);
    ck_assert_ptr_null(mech_at(mech_count()));
}
END_TEST

START_TEST(test_registry_find)
{
    for (size_t i = 0; i < mech_count(); i++)
        ck_assert_ptr_eq(mech_find(mech_at(i)->type), mech_at(i));
    ck_assert_ptr_null(mech_find(CKM_MD5));
    ck_assert_ptr_null(mech_find(CKM_DES3_CBC));
    ck_assert_ptr_null(mech_find(CKM_VENDOR_DEFINED));
}
END_TEST

START_TEST(test_registry_info)
{
    const struct mech_desc *d = mech_find(CKM_RSA_PKCS);
    ck_assert_uint_eq(d->info.ulMinKeySize, 1024);
    ck_assert_uint_eq(d->info.ulMaxKeySize, 4096);
    ck_assert_uint_eq(d->info.flags, CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT |
                                         CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER | CKF_WRAP |
                                         CKF_UNWRAP);
    d = mech_find(CKM_RSA_PKCS_KEY_PAIR_GEN);
    ck_assert_uint_eq(d->info.ulMinKeySize, 2048);
    ck_assert_uint_eq(d->info.flags, CKF_GENERATE_KEY_PAIR);
    ck_assert_ptr_null(d->ops);
    d = mech_find(CKM_ECDSA_SHA256);
    ck_assert_uint_eq(d->info.ulMinKeySize, 256);
    ck_assert_uint_eq(d->info.ulMaxKeySize, 384);
    ck_assert_uint_ne(d->info.flags & CKF_EC_NAMEDCURVE, 0);
    d = mech_find(CKM_SHA384_HMAC);
    ck_assert_uint_eq(d->info.ulMinKeySize, 1);
    ck_assert_uint_eq(d->info.ulMaxKeySize, 512);
    ck_assert_uint_eq(mech_find(CKM_SHA512)->info.flags, CKF_DIGEST);
    ck_assert_uint_eq(mech_find(CKM_RSA_PKCS_OAEP)->info.flags,
                      CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
    ck_assert_uint_eq(mech_find(CKM_AES_GCM)->info.ulMaxKeySize, 32);
}
END_TEST

START_TEST(test_registry_key_type_ok)
{
    const struct mech_desc *d = mech_find(CKM_SHA256_HMAC);
    ck_assert(mech_key_type_ok(d, CKK_GENERIC_SECRET));
    ck_assert(mech_key_type_ok(d, CKK_SHA256_HMAC));
    ck_assert(!mech_key_type_ok(d, CKK_SHA384_HMAC));
    ck_assert(!mech_key_type_ok(d, CKK_AES));
    ck_assert(!mech_key_type_ok(d, CKK_VENDOR_DEFINED));
    ck_assert(mech_key_type_ok(mech_find(CKM_ECDSA), CKK_EC));
    ck_assert(!mech_key_type_ok(mech_find(CKM_ECDSA), CKK_RSA));
    ck_assert(!mech_key_type_ok(mech_find(CKM_SHA256), CKK_GENERIC_SECRET));
}
END_TEST

START_TEST(test_registry_fn_flag)
{
    struct mech_op *op = NULL;
    ck_assert_uint_eq(mech_fn_flag(MECH_SIGN), CKF_SIGN);
    ck_assert_uint_eq(mech_fn_flag(MECH_VERIFY), CKF_VERIFY);
    ck_assert_uint_eq(mech_fn_flag(MECH_ENCRYPT), CKF_ENCRYPT);
    ck_assert_uint_eq(mech_fn_flag(MECH_DECRYPT), CKF_DECRYPT);
    ck_assert_uint_eq(mech_fn_flag(MECH_DIGEST), CKF_DIGEST);
    /* A function the descriptor does not flag is refused before any key
     * or parameter is looked at. */
    ck_assert_uint_eq(op_start(CKM_SHA256, MECH_SIGN, NULL, 0, NULL, &op), CKR_MECHANISM_INVALID);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_SIGN, NULL, 0, NULL, &op),
                      CKR_MECHANISM_INVALID);
    ck_assert_uint_eq(op_start(CKM_EC_KEY_PAIR_GEN, MECH_SIGN, NULL, 0, NULL, &op),
                      CKR_MECHANISM_INVALID);
    ck_assert_ptr_null(op);
}
END_TEST

START_TEST(test_op_key_mismatch)
{
    struct mech_op *op = NULL;
    struct mech_key *rsa = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *ecpub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    uint8_t k16[16] = {0};
    struct mech_key *aes = secret_key(CKK_AES, k16, sizeof k16);
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_SIGN, NULL, 0, rsa, &op), CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_SIGN, NULL, 0, NULL, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_SIGN, NULL, 0, ecpub, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(op_start(CKM_SHA256_HMAC, MECH_SIGN, NULL, 0, aes, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(op_start(CKM_SHA256, MECH_DIGEST, NULL, 0, aes, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_ptr_null(op);
    /* The public half is fine for verification. */
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_VERIFY, NULL, 0, ecpub, &op), CKR_OK);
    mech_op_free(op);
    mech_key_unref(rsa);
    mech_key_unref(ecpub);
    mech_key_unref(aes);
}
END_TEST

/* ---- keys ---- */

START_TEST(test_key_refcount)
{
    static const uint8_t v[32] = {1, 2, 3};
    struct mech_op *op = NULL;
    uint8_t mac[64];
    CK_ULONG n = 0;
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, v, sizeof v);
    ck_assert_uint_eq(mech_key_refs(k), 1);
    ck_assert_ptr_eq(mech_key_ref(k), k);
    ck_assert_uint_eq(mech_key_refs(k), 2);
    mech_key_unref(k);
    ck_assert_uint_eq(mech_key_refs(k), 1);
    ck_assert_uint_eq(op_start(CKM_SHA256_HMAC, MECH_SIGN, NULL, 0, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_key_refs(k), 2);
    /* The creator lets go; the operation keeps the key alive. */
    mech_key_unref(k);
    ck_assert_uint_eq(mech_key_refs(k), 1);
    ck_assert_uint_eq(mech_op_oneshot(op, (const CK_BYTE *)"x", 1, mac, &n), CKR_OK);
    ck_assert_uint_eq(n, 32);
    mech_op_free(op);
    mech_key_unref(NULL);
}
END_TEST

START_TEST(test_key_sizes)
{
    uint8_t v[24] = {0};
    struct mech_key *k = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(mech_key_size(k), 2048);
    ck_assert_uint_eq(mech_key_class(k), CKO_PUBLIC_KEY);
    ck_assert_uint_eq(mech_key_type(k), CKK_RSA);
    mech_key_unref(k);
    k = key_take(ec_attrs(CKO_PRIVATE_KEY));
    ck_assert_uint_eq(mech_key_size(k), 256);
    ck_assert_uint_eq(mech_key_class(k), CKO_PRIVATE_KEY);
    mech_key_unref(k);
    k = secret_key(CKK_AES, v, sizeof v);
    ck_assert_uint_eq(mech_key_size(k), 24);
    ck_assert_uint_eq(mech_key_type(k), CKK_AES);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_key_new_errors)
{
    struct mech_key *k = NULL;
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, CKK_DES3);
    put_hex(a, CKA_VALUE, "000102030405060708090a0b0c0d0e0f1011121314151617");
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_KEY_TYPE_INCONSISTENT);
    attr_set_free(a);
    /* A secret class with an asymmetric type. */
    a = new_key_attrs(CKO_SECRET_KEY, CKK_EC);
    put_hex(a, CKA_VALUE, P256_D);
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_KEY_TYPE_INCONSISTENT);
    attr_set_free(a);
    /* Material missing or broken. */
    a = new_key_attrs(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_FUNCTION_FAILED);
    attr_set_free(a);
    a = new_key_attrs(CKO_PUBLIC_KEY, CKK_EC);
    put_hex(a, CKA_EC_POINT, P256_POINT);
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_FUNCTION_FAILED);
    attr_set_free(a);
    a = attr_set_new();
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_FUNCTION_FAILED);
    attr_set_free(a);
    ck_assert_ptr_null(k);
}
END_TEST

START_TEST(test_key_complete_secret)
{
    CK_ULONG len = 0;
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, CKK_AES);
    put_hex(a, CKA_VALUE, "000102030405060708090a0b0c0d0e0f");
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_AES, a), CKR_OK);
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_VALUE_LEN, &len), CKR_OK);
    ck_assert_uint_eq(len, 16);
    put_hex(a, CKA_VALUE, "000102030405060708090a0b0c0d0e");
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_AES, a), CKR_ATTRIBUTE_VALUE_INVALID);
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_SHA256_HMAC, a), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_DES3, a), CKR_ATTRIBUTE_VALUE_INVALID);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_AES, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_del(a, CKA_VALUE);
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_GENERIC_SECRET, a),
                      CKR_TEMPLATE_INCOMPLETE);
    attr_set_free(a);
}
END_TEST

START_TEST(test_generate_key)
{
    CK_MECHANISM aes = {CKM_AES_KEY_GEN, NULL, 0};
    CK_MECHANISM gen = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    static const CK_ULONG good[] = {16, 24, 32};
    for (size_t i = 0; i < 3; i++) {
        struct attr_set *a = attr_set_new();
        ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, good[i]), CKR_OK);
        ck_assert_uint_eq(mech_generate_key(&aes, a), CKR_OK);
        ck_assert_uint_eq(attr_set_find(a, CKA_VALUE)->len, good[i]);
        attr_set_free(a);
    }
    struct attr_set *a = attr_set_new(), *b = attr_set_new();
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 512), CKR_OK);
    ck_assert_uint_eq(attr_set_put_ulong(b, CKA_VALUE_LEN, 512), CKR_OK);
    ck_assert_uint_eq(mech_generate_key(&gen, a), CKR_OK);
    ck_assert_uint_eq(mech_generate_key(&gen, b), CKR_OK);
    /* Two fresh keys differ. */
    ck_assert_int_ne(
        memcmp(attr_set_find(a, CKA_VALUE)->val, attr_set_find(b, CKA_VALUE)->val, 512), 0);
    attr_set_free(a);
    attr_set_free(b);
}
END_TEST

START_TEST(test_generate_key_errors)
{
    CK_MECHANISM aes = {CKM_AES_KEY_GEN, NULL, 0};
    CK_MECHANISM gen = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_MECHANISM ec = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE junk[4] = {0};
    CK_MECHANISM param = {CKM_AES_KEY_GEN, junk, sizeof junk};
    struct attr_set *a = attr_set_new();
    ck_assert_uint_eq(mech_generate_key(&aes, a), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 20), CKR_OK);
    ck_assert_uint_eq(mech_generate_key(&aes, a), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 0), CKR_OK);
    ck_assert_uint_eq(mech_generate_key(&gen, a), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 513), CKR_OK);
    ck_assert_uint_eq(mech_generate_key(&gen, a), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 16), CKR_OK);
    ck_assert_uint_eq(mech_generate_key(&param, a), CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(mech_generate_key(&ec, a), CKR_MECHANISM_INVALID);
    ck_assert(!attr_set_has(a, CKA_VALUE));
    attr_set_free(a);
}
END_TEST

/* ---- digests (FIPS 180-4 / NIST CSRC examples: the message "abc") ---- */

static const struct {
    CK_MECHANISM_TYPE type;
    const char *abc;
} digest_kats[] = {
    {CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CKM_SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                 "8086072ba1e7cc2358baeca134c825a7"},
    {CKM_SHA512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
};

START_TEST(test_digest_kat)
{
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct blob want = hx(digest_kats[_i].abc);
    ck_assert_uint_eq(oneshot(digest_kats[_i].type, MECH_DIGEST, NULL, 0, NULL, "abc", 3, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, want.n);
    ck_assert_mem_eq(out, want.b, want.n);
}
END_TEST

START_TEST(test_digest_multipart)
{
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct blob want = hx(digest_kats[_i].abc);
    ck_assert_uint_eq(sign_parts(digest_kats[_i].type, MECH_DIGEST, NULL, 0, NULL,
                                 (const uint8_t *)"abc", 3, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, want.n);
    ck_assert_mem_eq(out, want.b, want.n);
}
END_TEST

START_TEST(test_digest_param_invalid)
{
    struct mech_op *op = NULL;
    CK_BYTE p[8] = {0};
    ck_assert_uint_eq(op_start(CKM_SHA256, MECH_DIGEST, p, sizeof p, NULL, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_SHA256, MECH_DIGEST, NULL, 4, NULL, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
}
END_TEST

START_TEST(test_oneshot_after_update)
{
    struct mech_op *op = NULL;
    uint8_t out[64];
    CK_ULONG n = 0;
    ck_assert_uint_eq(op_start(CKM_SHA256, MECH_DIGEST, NULL, 0, NULL, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, (const CK_BYTE *)"a", 1, NULL, NULL), CKR_OK);
    /* C_Digest cannot finish a multi-part digest. */
    ck_assert_uint_eq(mech_op_oneshot(op, (const CK_BYTE *)"bc", 2, out, &n), CKR_FUNCTION_FAILED);
    mech_op_free(op);
}
END_TEST

/* ---- HMAC (RFC 4231 test cases 1 and 2; for SHA-1, RFC 2202 test
 * cases 1 and 2, which use the same keys and messages) ---- */

static const struct {
    CK_MECHANISM_TYPE type;
    CK_KEY_TYPE kt;
    const char *tc1, *tc2;
} hmac_kats[] = {
    {CKM_SHA_1_HMAC, CKK_SHA_1_HMAC, "b617318655057264e28bc0b6fb378c8ef146be00",
     "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
    {CKM_SHA224_HMAC, CKK_SHA224_HMAC, "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
     "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"},
    {CKM_SHA256_HMAC, CKK_SHA256_HMAC,
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {CKM_SHA384_HMAC, CKK_SHA384_HMAC,
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9"
     "cb6",
     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21"
     "649"},
    {CKM_SHA512_HMAC, CKK_SHA512_HMAC,
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f"
     "4e4"
     "be9d914eeb61f1702e696c203a126854",
     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e"
     "6fd"
     "caeab1a34d4a6b4b636e070a38bce737"},
};

static const char TC2_DATA[] = "what do ya want for nothing?";

START_TEST(test_hmac_rfc4231_tc1)
{
    uint8_t key[20], out[1024];
    CK_ULONG n = 0;
    memset(key, 0x0b, sizeof key);
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, key, sizeof key);
    struct blob want = hx(hmac_kats[_i].tc1);
    ck_assert_uint_eq(oneshot(hmac_kats[_i].type, MECH_SIGN, NULL, 0, k, "Hi There", 8, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, want.n);
    ck_assert_mem_eq(out, want.b, want.n);
    ck_assert_uint_eq(verify(hmac_kats[_i].type, NULL, 0, k, "Hi There", 8, want.b, want.n),
                      CKR_OK);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_hmac_rfc4231_tc2)
{
    uint8_t out[1024];
    CK_ULONG n = 0;
    /* Test case 2 through the dedicated key types. */
    struct mech_key *k = secret_key(hmac_kats[_i].kt, "Jefe", 4);
    struct blob want = hx(hmac_kats[_i].tc2);
    ck_assert_uint_eq(
        oneshot(hmac_kats[_i].type, MECH_SIGN, NULL, 0, k, TC2_DATA, strlen(TC2_DATA), out, &n),
        CKR_OK);
    ck_assert_uint_eq(n, want.n);
    ck_assert_mem_eq(out, want.b, want.n);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_hmac_multipart)
{
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, "Jefe", 4);
    struct blob want = hx(hmac_kats[_i].tc2);
    ck_assert_uint_eq(sign_parts(hmac_kats[_i].type, MECH_SIGN, NULL, 0, k,
                                 (const uint8_t *)TC2_DATA, strlen(TC2_DATA), out, &n),
                      CKR_OK);
    ck_assert_mem_eq(out, want.b, want.n);
    ck_assert_uint_eq(verify_parts(hmac_kats[_i].type, NULL, 0, k, (const uint8_t *)TC2_DATA,
                                   strlen(TC2_DATA), want.b, want.n),
                      CKR_OK);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_hmac_verify_invalid)
{
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, "Jefe", 4);
    struct blob sig = hx(hmac_kats[2].tc2);
    sig.b[31] ^= 1;
    ck_assert_uint_eq(verify(CKM_SHA256_HMAC, NULL, 0, k, TC2_DATA, strlen(TC2_DATA), sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    sig.b[31] ^= 1;
    ck_assert_uint_eq(verify(CKM_SHA256_HMAC, NULL, 0, k, "what", 4, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(
        verify_parts(CKM_SHA256_HMAC, NULL, 0, k, (const uint8_t *)"what", 4, sig.b, sig.n),
        CKR_SIGNATURE_INVALID);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_hmac_signature_len_range)
{
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, "Jefe", 4);
    struct blob sig = hx(hmac_kats[2].tc2);
    /* Wrong data and a truncated MAC: the length is reported, first. */
    ck_assert_uint_eq(verify(CKM_SHA256_HMAC, NULL, 0, k, "what", 4, sig.b, sig.n - 1),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_SHA256_HMAC, NULL, 0, k, TC2_DATA, strlen(TC2_DATA), sig.b, 0),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(
        verify_parts(CKM_SHA384_HMAC, NULL, 0, k, (const uint8_t *)"what", 4, sig.b, sig.n),
        CKR_SIGNATURE_LEN_RANGE);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_hmac_key_size_range)
{
    struct mech_op *op = NULL;
    uint8_t big[513] = {0};
    /* Built directly: C_CreateObject would have refused it already. */
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
    struct mech_key *k = NULL;
    ck_assert_uint_eq(attr_set_put(a, CKA_VALUE, big, sizeof big), CKR_OK);
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_OK);
    ck_assert_uint_eq(op_start(CKM_SHA256_HMAC, MECH_SIGN, NULL, 0, k, &op), CKR_KEY_SIZE_RANGE);
    /* A parameter error outranks the key size. */
    ck_assert_uint_eq(op_start(CKM_SHA256_HMAC, MECH_SIGN, big, 4, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
    ck_assert_uint_eq(mech_key_refs(k), 1);
    mech_key_unref(k);
    attr_set_free(a);
}
END_TEST

/* ---- AES-GCM (McGrew and Viega, "The GCM mode of operation", test
 * cases 3, 4 and 16) ---- */

static const char GCM_K128[] = "feffe9928665731c6d6a8f9467308308";
static const char GCM_K256[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
static const char GCM_IV[] = "cafebabefacedbaddecaf888";
static const char GCM_P[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c"
                            "95956809532fcf0e2449a6b525"
                            "b16aedf5aa0de657ba637b391aafd255";
static const char GCM_AAD[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char GCM_TC3[] = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d5"
                              "14b25466931c7d8f6a5aac84aa05"
                              "1ba30b396a0aac973d58e091473f5985"
                              "4d5c2af327cd64a62cf35abd2ba6fab4";
static const char GCM_TC4[] = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d5"
                              "14b25466931c7d8f6a5aac84aa05"
                              "1ba30b396a0aac973d58e091"
                              "5bc94fbc3221a5db94fae95ae7121a47";
static const char GCM_TC16[] =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10568288"
    "38c5f61e6393ba7a0abcc9f662"
    "76fc6ece0f4e1768cddf8853bb2d551b";

struct gcm_case {
    struct blob iv, aad;
    CK_GCM_PARAMS p;
};

static void
gcm_case_init(struct gcm_case *c, const char *aad, CK_ULONG tag_bits)
{
    c->iv = hx(GCM_IV);
    c->aad = hx(aad);
    c->p = (CK_GCM_PARAMS){.pIv = c->iv.b,
                           .ulIvLen = c->iv.n,
                           .ulIvBits = 8 * c->iv.n,
                           .pAAD = c->aad.n ? c->aad.b : NULL,
                           .ulAADLen = c->aad.n,
                           .ulTagBits = tag_bits};
}

START_TEST(test_gcm_kat_encrypt)
{
    static const struct {
        const char *key, *aad, *ct;
        size_t pt_len;
    } kats[] = {{GCM_K128, "", GCM_TC3, 64},
                {GCM_K128, GCM_AAD, GCM_TC4, 60},
                {GCM_K256, GCM_AAD, GCM_TC16, 60}};
    for (size_t i = 0; i < 3; i++) {
        struct gcm_case c;
        uint8_t out[1024];
        CK_ULONG n = 0;
        struct blob key = hx(kats[i].key), pt = hx(GCM_P), want = hx(kats[i].ct);
        struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
        gcm_case_init(&c, kats[i].aad, 128);
        ck_assert_uint_eq(
            oneshot(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, pt.b, kats[i].pt_len, out, &n),
            CKR_OK);
        ck_assert_uint_eq(n, want.n);
        ck_assert_mem_eq(out, want.b, want.n);
        mech_key_unref(k);
    }
}
END_TEST

START_TEST(test_gcm_kat_decrypt)
{
    struct gcm_case c;
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct blob key = hx(GCM_K256), pt = hx(GCM_P), ct = hx(GCM_TC16);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    gcm_case_init(&c, GCM_AAD, 128);
    ck_assert_uint_eq(oneshot(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, ct.b, ct.n, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 60);
    ck_assert_mem_eq(out, pt.b, 60);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_multipart_encrypt)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    uint8_t out[1024];
    CK_ULONG n1 = 0, n2 = 0, n3 = 0, need = 0;
    bool exact = false;
    struct blob key = hx(GCM_K128), pt = hx(GCM_P), want = hx(GCM_TC4);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    gcm_case_init(&c, GCM_AAD, 128);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    /* Ciphertext streams out as it is produced; Final emits the tag. */
    ck_assert_uint_eq(mech_op_update(op, pt.b, 17, out, &n1), CKR_OK);
    ck_assert_uint_eq(n1, 17);
    ck_assert_uint_eq(mech_op_update(op, pt.b + 17, 43, out + 17, &n2), CKR_OK);
    ck_assert_uint_eq(n2, 43);
    ck_assert_uint_eq(mech_op_out_len(op, 0, true, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, 16);
    ck_assert(exact);
    ck_assert_uint_eq(mech_op_final(op, out + 60, &n3), CKR_OK);
    ck_assert_uint_eq(n3, 16);
    ck_assert_mem_eq(out, want.b, want.n);
    mech_op_free(op);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_multipart_decrypt)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    uint8_t out[1024];
    CK_ULONG n = 99, need = 0;
    bool exact = true;
    struct blob key = hx(GCM_K128), pt = hx(GCM_P), ct = hx(GCM_TC4);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    gcm_case_init(&c, GCM_AAD, 128);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    /* Nothing is released before the tag is checked. */
    ck_assert_uint_eq(mech_op_update(op, ct.b, 50, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 0);
    n = 99;
    ck_assert_uint_eq(mech_op_update(op, ct.b + 50, ct.n - 50, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(mech_op_out_len(op, 0, true, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, 60);
    ck_assert(!exact);
    ck_assert_uint_eq(mech_op_final(op, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 60);
    ck_assert_mem_eq(out, pt.b, 60);
    mech_op_free(op);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_tag_invalid)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct blob key = hx(GCM_K128), ct = hx(GCM_TC4);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    gcm_case_init(&c, GCM_AAD, 128);
    ct.b[ct.n - 1] ^= 0x80; /* the tag */
    memset(out, 0xa5, sizeof out);
    ck_assert_uint_eq(oneshot(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, ct.b, ct.n, out, &n),
                      CKR_ENCRYPTED_DATA_INVALID);
    ck_assert_uint_eq(out[0], 0xa5); /* no plaintext leaked into out */
    ct.b[ct.n - 1] ^= 0x80;
    ct.b[0] ^= 1; /* the ciphertext, multi-part */
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, ct.b, ct.n, out, &n), CKR_OK);
    ck_assert_uint_eq(mech_op_final(op, out, &n), CKR_ENCRYPTED_DATA_INVALID);
    ck_assert_uint_eq(out[0], 0xa5);
    mech_op_free(op);
    ct.b[0] ^= 1;
    c.aad.b[0] ^= 1; /* the AAD */
    ck_assert_uint_eq(oneshot(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, ct.b, ct.n, out, &n),
                      CKR_ENCRYPTED_DATA_INVALID);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_short_ciphertext)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    uint8_t out[1024];
    CK_ULONG n = 0, need = 0;
    bool exact;
    struct blob key = hx(GCM_K128), ct = hx(GCM_TC4);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    gcm_case_init(&c, GCM_AAD, 128);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 15, false, &need, &exact), CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert_uint_eq(mech_op_oneshot(op, ct.b, 15, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE);
    mech_op_free(op);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, ct.b, 10, out, &n), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 0, true, &need, &exact), CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert_uint_eq(mech_op_final(op, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE);
    mech_op_free(op);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_params_invalid)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    uint8_t iv[129] = {0};
    struct blob key = hx(GCM_K128);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    static const CK_ULONG bad_tags[] = {0, 64, 88, 95, 97, 136};
    for (size_t i = 0; i < sizeof bad_tags / sizeof bad_tags[0]; i++) {
        gcm_case_init(&c, "", bad_tags[i]);
        ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, &op),
                          CKR_MECHANISM_PARAM_INVALID);
    }
    gcm_case_init(&c, "", 128);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, NULL, 0, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p - 1, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    c.p.ulIvLen = 0;
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    c.p.pIv = iv;
    c.p.ulIvLen = sizeof iv;
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    c.p.ulIvLen = 128; /* the largest IV OpenSSL takes is fine */
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    mech_op_free(op);
    op = NULL;
    c.p.pAAD = NULL;
    c.p.ulAADLen = 3;
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_tag_lengths)
{
    static const char *ivs[] = {"00", GCM_IV, "000102030405060708090a0b0c0d0e0f1011121314"};
    for (CK_ULONG bits = 96; bits <= 128; bits += 8) {
        struct gcm_case c;
        uint8_t ct[1024], pt[1024];
        CK_ULONG n = 0, m = 0;
        struct blob key = hx(GCM_K256), msg = hx(GCM_P);
        struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
        gcm_case_init(&c, GCM_AAD, bits);
        c.iv = hx(ivs[bits % 3]);
        c.p.pIv = c.iv.b;
        c.p.ulIvLen = c.iv.n;
        ck_assert_uint_eq(
            oneshot(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, msg.b, msg.n, ct, &n), CKR_OK);
        ck_assert_uint_eq(n, msg.n + bits / 8);
        ck_assert_uint_eq(oneshot(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, ct, n, pt, &m),
                          CKR_OK);
        ck_assert_uint_eq(m, msg.n);
        ck_assert_mem_eq(pt, msg.b, msg.n);
        mech_key_unref(k);
    }
}
END_TEST

START_TEST(test_gcm_out_len)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    CK_ULONG need = 0;
    bool exact = false;
    struct blob key = hx(GCM_K128);
    struct mech_key *k = secret_key(CKK_AES, key.b, key.n);
    gcm_case_init(&c, "", 96);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 100, false, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, 112);
    ck_assert(exact);
    mech_op_free(op);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_DECRYPT, &c.p, sizeof c.p, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 100, false, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, 88);
    ck_assert(!exact);
    mech_op_free(op);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_gcm_key_size)
{
    struct gcm_case c;
    struct mech_op *op = NULL;
    uint8_t v[20] = {0};
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, v, sizeof v);
    gcm_case_init(&c, "", 128);
    /* A 20-byte key fits the 16..32 range but is no AES key. */
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    mech_key_unref(k);
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, CKK_AES);
    ck_assert_uint_eq(attr_set_put(a, CKA_VALUE, v, sizeof v), CKR_OK);
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_OK);
    ck_assert_uint_eq(op_start(CKM_AES_GCM, MECH_ENCRYPT, &c.p, sizeof c.p, k, &op),
                      CKR_KEY_SIZE_RANGE);
    ck_assert_ptr_null(op);
    mech_key_unref(k);
    attr_set_free(a);
}
END_TEST

/* ---- RSA ---- */

static struct blob
sha256_of(const void *p, size_t n)
{
    struct blob h = {.n = 32};
    unsigned int len = 0;
    ck_assert_int_eq(EVP_Digest(p, n, h.b, &len, EVP_sha256(), NULL), 1);
    ck_assert_uint_eq(len, 32);
    return h;
}

START_TEST(test_rsa_complete_public)
{
    CK_ULONG bits = 0;
    struct attr_set *a = rsa_attrs(CKO_PUBLIC_KEY, false);
    struct attr_set *b = rsa_attrs(CKO_PRIVATE_KEY, true);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_RSA, a), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_RSA, b), CKR_OK);
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_MODULUS_BITS, &bits), CKR_OK);
    ck_assert_uint_eq(bits, 2048);
    ck_assert(!attr_set_has(b, CKA_MODULUS_BITS));
    /* Both halves carry the same SubjectPublicKeyInfo, of this modulus. */
    const struct attr *sa = attr_set_find(a, CKA_PUBLIC_KEY_INFO);
    const struct attr *sb = attr_set_find(b, CKA_PUBLIC_KEY_INFO);
    ck_assert_ptr_nonnull(sa);
    ck_assert_ptr_nonnull(sb);
    ck_assert_uint_eq(sa->len, sb->len);
    ck_assert_mem_eq(sa->val, sb->val, sa->len);
    const unsigned char *p = sa->val;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)sa->len);
    ck_assert_ptr_nonnull(pk);
    ck_assert_int_eq(EVP_PKEY_get_bits(pk), 2048);
    ck_assert(EVP_PKEY_is_a(pk, "RSA"));
    EVP_PKEY_free(pk);
    attr_set_free(a);
    attr_set_free(b);
}
END_TEST

/* The openssl-made signature, reproduced by the hashed mechanism and by
 * CKM_RSA_PKCS over the DigestInfo, with and without the CRT values. */
START_TEST(test_rsa_pkcs_sign_kat)
{
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct blob want = hx(RSA_SIG_ABC), di = hx(SHA256_DIGESTINFO), h = sha256_of("abc", 3);
    memcpy(di.b + di.n, h.b, h.n);
    di.n += h.n;
    struct mech_key *k = key_take(rsa_attrs(CKO_PRIVATE_KEY, _i == 0));
    ck_assert_uint_eq(oneshot(CKM_SHA256_RSA_PKCS, MECH_SIGN, NULL, 0, k, "abc", 3, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_mem_eq(out, want.b, 256);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_SIGN, NULL, 0, k, di.b, di.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_mem_eq(out, want.b, 256);
    ck_assert_uint_eq(
        sign_parts(CKM_SHA256_RSA_PKCS, MECH_SIGN, NULL, 0, k, (const uint8_t *)"abc", 3, out, &n),
        CKR_OK);
    ck_assert_mem_eq(out, want.b, 256);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_rsa_pkcs_verify_kat)
{
    struct blob sig = hx(RSA_SIG_ABC), di = hx(SHA256_DIGESTINFO), h = sha256_of("abc", 3);
    memcpy(di.b + di.n, h.b, h.n);
    di.n += h.n;
    struct mech_key *k = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(verify(CKM_SHA256_RSA_PKCS, NULL, 0, k, "abc", 3, sig.b, sig.n), CKR_OK);
    ck_assert_uint_eq(
        verify_parts(CKM_SHA256_RSA_PKCS, NULL, 0, k, (const uint8_t *)"abc", 3, sig.b, sig.n),
        CKR_OK);
    ck_assert_uint_eq(verify(CKM_RSA_PKCS, NULL, 0, k, di.b, di.n, sig.b, sig.n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_SHA256_RSA_PKCS, NULL, 0, k, "abd", 3, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(verify(CKM_SHA384_RSA_PKCS, NULL, 0, k, "abc", 3, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    sig.b[100] ^= 4;
    ck_assert_uint_eq(verify(CKM_RSA_PKCS, NULL, 0, k, di.b, di.n, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_rsa_hashed_multipart)
{
    static const CK_MECHANISM_TYPE mechs[] = {CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS};
    uint8_t a[1024], b[1024], data[300];
    CK_ULONG na = 0, nb = 0;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(oneshot(mechs[i], MECH_SIGN, NULL, 0, priv, data, sizeof data, a, &na),
                          CKR_OK);
        ck_assert_uint_eq(sign_parts(mechs[i], MECH_SIGN, NULL, 0, priv, data, sizeof data, b, &nb),
                          CKR_OK);
        /* PKCS#1 v1.5 is deterministic. */
        ck_assert_uint_eq(na, nb);
        ck_assert_mem_eq(a, b, na);
        ck_assert_uint_eq(verify_parts(mechs[i], NULL, 0, pub, data, sizeof data, a, na), CKR_OK);
        ck_assert_uint_eq(verify(mechs[i], NULL, 0, pub, data, sizeof data - 1, a, na),
                          CKR_SIGNATURE_INVALID);
    }
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_pkcs_data_len_range)
{
    struct mech_op *op = NULL;
    uint8_t in[256] = {1}, out[1024];
    CK_ULONG n = 0, need = 0;
    bool exact = false;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_SIGN, NULL, 0, priv, in, 245, out, &n), CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_SIGN, NULL, 0, priv, in, 246, out, &n),
                      CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_ENCRYPT, NULL, 0, pub, in, 246, out, &n),
                      CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_SIGN, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 246, false, &need, &exact), CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(mech_op_oneshot(op, in, 246, out, &n), CKR_DATA_LEN_RANGE);
    mech_op_free(op);
    ck_assert_uint_eq(verify(CKM_RSA_PKCS, NULL, 0, pub, in, 246, out, 256), CKR_DATA_LEN_RANGE);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_signature_len_range)
{
    struct blob sig = hx(RSA_SIG_ABC);
    struct mech_key *k = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    /* Wrong data and a short signature: the length wins. */
    ck_assert_uint_eq(verify(CKM_SHA256_RSA_PKCS, NULL, 0, k, "abd", 3, sig.b, 255),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_RSA_PKCS, NULL, 0, k, "abd", 3, sig.b, 257),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_RSA_X_509, NULL, 0, k, "abd", 3, sig.b, 0),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(
        verify_parts(CKM_SHA256_RSA_PKCS, NULL, 0, k, (const uint8_t *)"abc", 3, sig.b, 128),
        CKR_SIGNATURE_LEN_RANGE);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_rsa_x509_sign_verify)
{
    uint8_t out[1024], rec[1024];
    CK_ULONG n = 0, m = 0;
    static const uint8_t msg[] = {0x01, 0x02, 0x03};
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_SIGN, NULL, 0, priv, msg, 3, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_uint_eq(verify(CKM_RSA_X_509, NULL, 0, pub, msg, 3, out, n), CKR_OK);
    /* The input was left-padded with zeros: the same value, spelt long. */
    uint8_t longer[5] = {0, 0, 1, 2, 3};
    ck_assert_uint_eq(verify(CKM_RSA_X_509, NULL, 0, pub, longer, 5, out, n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_RSA_X_509, NULL, 0, pub, msg, 2, out, n), CKR_SIGNATURE_INVALID);
    /* Raw encryption of the signature gives back the padded message. */
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_ENCRYPT, NULL, 0, pub, out, n, rec, &m), CKR_OK);
    ck_assert_uint_eq(m, 256);
    for (size_t i = 0; i < 253; i++)
        ck_assert_uint_eq(rec[i], 0);
    ck_assert_mem_eq(rec + 253, msg, 3);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_x509_encrypt_decrypt)
{
    uint8_t ct[1024], pt[1024];
    CK_ULONG n = 0, m = 0;
    struct blob msg = hx("00ff00112233445566778899");
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, false));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_ENCRYPT, NULL, 0, pub, msg.b, msg.n, ct, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_DECRYPT, NULL, 0, priv, ct, n, pt, &m), CKR_OK);
    ck_assert_uint_eq(m, 256);
    ck_assert_mem_eq(pt + 256 - msg.n, msg.b, msg.n);
    ck_assert_uint_eq(pt[0], 0);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_x509_data_invalid)
{
    uint8_t out[1024], big[257] = {0};
    CK_ULONG n = 0;
    struct blob mod = hx(RSA_N);
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    /* The modulus itself is one too many. */
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_SIGN, NULL, 0, priv, mod.b, mod.n, out, &n),
                      CKR_DATA_INVALID);
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_ENCRYPT, NULL, 0, pub, mod.b, mod.n, out, &n),
                      CKR_DATA_INVALID);
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_DECRYPT, NULL, 0, priv, mod.b, mod.n, out, &n),
                      CKR_ENCRYPTED_DATA_INVALID);
    ck_assert_uint_eq(verify(CKM_RSA_X_509, NULL, 0, pub, "a", 1, mod.b, mod.n),
                      CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_SIGN, NULL, 0, priv, big, sizeof big, out, &n),
                      CKR_DATA_LEN_RANGE);
    mod.b[255] -= 1; /* n - 1 is the largest valid input */
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_SIGN, NULL, 0, priv, mod.b, mod.n, out, &n),
                      CKR_OK);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_pkcs_encrypt_decrypt)
{
    struct mech_op *op = NULL;
    uint8_t ct[1024], pt[1024];
    CK_ULONG n = 0, m = 0, need = 0;
    bool exact = true;
    static const char msg[] = "a secret of some length";
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_ENCRYPT, NULL, 0, pub, msg, sizeof msg, ct, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_DECRYPT, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 256, false, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, 245);
    ck_assert(!exact);
    ck_assert_uint_eq(mech_op_out_len(op, 255, false, &need, &exact), CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert_uint_eq(mech_op_oneshot(op, ct, n, pt, &m), CKR_OK);
    ck_assert_uint_eq(m, sizeof msg);
    ck_assert_mem_eq(pt, msg, sizeof msg);
    mech_op_free(op);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_DECRYPT, NULL, 0, priv, ct, n - 1, pt, &m),
                      CKR_ENCRYPTED_DATA_LEN_RANGE);
    ct[200] ^= 1;
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_DECRYPT, NULL, 0, priv, ct, n, pt, &m),
                      CKR_ENCRYPTED_DATA_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

static CK_RSA_PKCS_OAEP_PARAMS
oaep(CK_MECHANISM_TYPE hash, CK_RSA_PKCS_MGF_TYPE mgf, const char *label)
{
    return (CK_RSA_PKCS_OAEP_PARAMS){.hashAlg = hash,
                                     .mgf = mgf,
                                     .source = CKZ_DATA_SPECIFIED,
                                     .pSourceData = (void *)(uintptr_t)label,
                                     .ulSourceDataLen = label ? strlen(label) : 0};
}

START_TEST(test_rsa_oaep_roundtrip)
{
    static const struct {
        CK_MECHANISM_TYPE hash;
        CK_RSA_PKCS_MGF_TYPE mgf;
        size_t hlen;
    } hs[] = {{CKM_SHA_1, CKG_MGF1_SHA1, 20},    {CKM_SHA224, CKG_MGF1_SHA224, 28},
              {CKM_SHA256, CKG_MGF1_SHA256, 32}, {CKM_SHA384, CKG_MGF1_SHA384, 48},
              {CKM_SHA512, CKG_MGF1_SHA512, 64}, {CKM_SHA256, CKG_MGF1_SHA1, 32}};
    uint8_t msg[256] = {7}, ct[1024], pt[1024];
    CK_ULONG n = 0, m = 0;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        CK_RSA_PKCS_OAEP_PARAMS p = oaep(hs[i].hash, hs[i].mgf, i % 2 ? "label" : NULL);
        size_t max = 256 - 2 * hs[i].hlen - 2;
        ck_assert_uint_eq(
            oneshot(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, msg, max + 1, ct, &n),
            CKR_DATA_LEN_RANGE);
        ck_assert_uint_eq(
            oneshot(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, msg, max, ct, &n), CKR_OK);
        ck_assert_uint_eq(n, 256);
        ck_assert_uint_eq(
            oneshot(CKM_RSA_PKCS_OAEP, MECH_DECRYPT, &p, sizeof p, priv, ct, n, pt, &m), CKR_OK);
        ck_assert_uint_eq(m, max);
        ck_assert_mem_eq(pt, msg, max);
    }
    /* A different label (or none) does not decrypt. */
    CK_RSA_PKCS_OAEP_PARAMS p = oaep(CKM_SHA256, CKG_MGF1_SHA256, "label");
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, msg, 10, ct, &n),
                      CKR_OK);
    p = oaep(CKM_SHA256, CKG_MGF1_SHA256, "lab3l");
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS_OAEP, MECH_DECRYPT, &p, sizeof p, priv, ct, n, pt, &m),
                      CKR_ENCRYPTED_DATA_INVALID);
    p = oaep(CKM_SHA256, CKG_MGF1_SHA256, NULL);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS_OAEP, MECH_DECRYPT, &p, sizeof p, priv, ct, n, pt, &m),
                      CKR_ENCRYPTED_DATA_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_oaep_params_invalid)
{
    struct mech_op *op = NULL;
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    CK_RSA_PKCS_OAEP_PARAMS p = oaep(CKM_SHA256, CKG_MGF1_SHA256, NULL);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, NULL, 0, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p - 1, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.hashAlg = CKM_MD5;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.hashAlg = CKM_SHA256;
    p.mgf = 0x99;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.mgf = CKG_MGF1_SHA256;
    p.source = 0;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.source = CKZ_DATA_SPECIFIED;
    p.ulSourceDataLen = 5; /* with a NULL label */
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, &p, sizeof p, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
    mech_key_unref(pub);
}
END_TEST

static CK_RSA_PKCS_PSS_PARAMS
pss(CK_MECHANISM_TYPE hash, CK_RSA_PKCS_MGF_TYPE mgf, CK_ULONG slen)
{
    return (CK_RSA_PKCS_PSS_PARAMS){.hashAlg = hash, .mgf = mgf, .sLen = slen};
}

START_TEST(test_rsa_pss_raw)
{
    uint8_t sig[1024];
    CK_ULONG n = 0;
    struct blob h = sha256_of("abc", 3);
    CK_RSA_PKCS_PSS_PARAMS p = pss(CKM_SHA256, CKG_MGF1_SHA256, 32);
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    /* Raw PSS signs exactly one hash. */
    ck_assert_uint_eq(
        oneshot(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, h.b, h.n - 1, sig, &n),
        CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, "abc", 3, sig, &n),
                      CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, h.b, h.n, sig, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_uint_eq(verify(CKM_RSA_PKCS_PSS, &p, sizeof p, pub, h.b, h.n, sig, n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_RSA_PKCS_PSS, &p, sizeof p, pub, h.b, h.n + 1, sig, n),
                      CKR_DATA_LEN_RANGE);
    /* The same signature through the hashed mechanism over the message. */
    ck_assert_uint_eq(verify(CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p, pub, "abc", 3, sig, n), CKR_OK);
    /* A different salt length does not verify. */
    p.sLen = 20;
    ck_assert_uint_eq(verify(CKM_RSA_PKCS_PSS, &p, sizeof p, pub, h.b, h.n, sig, n),
                      CKR_SIGNATURE_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_pss_hashed)
{
    static const struct {
        CK_MECHANISM_TYPE mech, hash;
        CK_RSA_PKCS_MGF_TYPE mgf;
    } ms[] = {{CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256},
              {CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384},
              {CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512}};
    uint8_t a[1024], b[1024], data[100];
    CK_ULONG na = 0, nb = 0;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(3 * i);
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    for (size_t i = 0; i < 3; i++) {
        CK_RSA_PKCS_PSS_PARAMS p = pss(ms[i].hash, ms[i].mgf, 32);
        ck_assert_uint_eq(
            oneshot(ms[i].mech, MECH_SIGN, &p, sizeof p, priv, data, sizeof data, a, &na), CKR_OK);
        ck_assert_uint_eq(
            sign_parts(ms[i].mech, MECH_SIGN, &p, sizeof p, priv, data, sizeof data, b, &nb),
            CKR_OK);
        /* Salted: two signatures differ, both verify. */
        ck_assert_int_ne(memcmp(a, b, 256), 0);
        ck_assert_uint_eq(verify(ms[i].mech, &p, sizeof p, pub, data, sizeof data, b, nb), CKR_OK);
        ck_assert_uint_eq(verify_parts(ms[i].mech, &p, sizeof p, pub, data, sizeof data, a, na),
                          CKR_OK);
        a[0] ^= 1;
        ck_assert_uint_eq(verify(ms[i].mech, &p, sizeof p, pub, data, sizeof data, a, na),
                          CKR_SIGNATURE_INVALID);
    }
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_pss_params_invalid)
{
    struct mech_op *op = NULL;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    CK_RSA_PKCS_PSS_PARAMS p = pss(CKM_SHA384, CKG_MGF1_SHA384, 48);
    /* The hashed mechanism fixes the hash. */
    ck_assert_uint_eq(op_start(CKM_SHA256_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_SHA256_RSA_PKCS_PSS, MECH_SIGN, NULL, 0, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p + 1, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.hashAlg = CKM_MD5;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.hashAlg = CKM_SHA384;
    p.mgf = 0;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    /* emLen 256, hLen 48: the salt may be 206 bytes at most. */
    p.mgf = CKG_MGF1_SHA384;
    p.sLen = 207;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    p.sLen = 206;
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_PSS, MECH_SIGN, &p, sizeof p, priv, &op), CKR_OK);
    mech_op_free(op);
    mech_key_unref(priv);
}
END_TEST

START_TEST(test_rsa_single_part)
{
    struct mech_op *op = NULL;
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_SIGN, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, out, 10, NULL, NULL), CKR_FUNCTION_FAILED);
    ck_assert_uint_eq(mech_op_final(op, out, &n), CKR_FUNCTION_FAILED);
    mech_op_free(op);
    ck_assert_uint_eq(op_start(CKM_RSA_X_509, MECH_VERIFY, NULL, 0, pub, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, out, 10, NULL, NULL), CKR_FUNCTION_FAILED);
    ck_assert_uint_eq(mech_op_verify_final(op, out, 256), CKR_FUNCTION_FAILED);
    mech_op_free(op);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS_OAEP, MECH_ENCRYPT, NULL, 0, pub, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_key_size_range)
{
    struct mech_op *op = NULL;
    struct attr_set *a = new_key_attrs(CKO_PRIVATE_KEY, CKK_RSA);
    struct mech_key *k = NULL;
    put_hex(a, CKA_MODULUS, RSA512_N);
    put_hex(a, CKA_PUBLIC_EXPONENT, RSA_E);
    put_hex(a, CKA_PRIVATE_EXPONENT, RSA512_D);
    /* Refused on import... */
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_RSA, a), CKR_ATTRIBUTE_VALUE_INVALID);
    /* ...and, should one exist anyway, by every operation. */
    ck_assert_uint_eq(mech_key_new(a, &k), CKR_OK);
    ck_assert_uint_eq(mech_key_size(k), 512);
    ck_assert_uint_eq(op_start(CKM_SHA256_RSA_PKCS, MECH_SIGN, NULL, 0, k, &op),
                      CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_DECRYPT, NULL, 0, k, &op), CKR_KEY_SIZE_RANGE);
    ck_assert_ptr_null(op);
    mech_key_unref(k);
    attr_set_free(a);
}
END_TEST

START_TEST(test_rsa_complete_errors)
{
    struct attr_set *a = rsa_attrs(CKO_PRIVATE_KEY, false);
    attr_set_del(a, CKA_PRIVATE_EXPONENT);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_RSA, a), CKR_TEMPLATE_INCOMPLETE);
    /* A private exponent that does not belong to the modulus. */
    put_hex(a, CKA_PRIVATE_EXPONENT, RSA_DP);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_RSA, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_free(a);
    /* Some CRT values but not all. */
    a = rsa_attrs(CKO_PRIVATE_KEY, true);
    attr_set_del(a, CKA_COEFFICIENT);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_RSA, a), CKR_ATTRIBUTE_VALUE_INVALID);
    /* All of them, one wrong. */
    put_hex(a, CKA_COEFFICIENT, RSA_DQ);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_RSA, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_free(a);
    a = rsa_attrs(CKO_PUBLIC_KEY, false);
    put_hex(a, CKA_PUBLIC_EXPONENT, "010000");
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_RSA, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_del(a, CKA_PUBLIC_EXPONENT);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_RSA, a), CKR_TEMPLATE_INCOMPLETE);
    attr_set_free(a);
}
END_TEST

START_TEST(test_rsa_keygen)
{
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    uint8_t sig[1024];
    CK_ULONG n = 0;
    struct attr_set *pub = new_key_attrs(CKO_PUBLIC_KEY, CKK_RSA);
    struct attr_set *priv = new_key_attrs(CKO_PRIVATE_KEY, CKK_RSA);
    ck_assert_uint_eq(attr_set_put_ulong(pub, CKA_MODULUS_BITS, 2048), CKR_OK);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_OK);
    ck_assert_uint_eq(attr_set_find(pub, CKA_MODULUS)->len, 256);
    ck_assert_uint_eq(attr_set_find(pub, CKA_PUBLIC_EXPONENT)->len, 3);
    ck_assert_mem_eq(attr_set_find(pub, CKA_PUBLIC_EXPONENT)->val, "\x01\x00\x01", 3);
    static const CK_ATTRIBUTE_TYPE parts[] = {
        CKA_MODULUS,    CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,        CKA_PRIME_2,
        CKA_EXPONENT_1, CKA_EXPONENT_2,      CKA_COEFFICIENT,      CKA_PUBLIC_KEY_INFO};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        ck_assert(attr_set_has(priv, parts[i]));
    ck_assert(attr_set_has(pub, CKA_PUBLIC_KEY_INFO));
    ck_assert(!attr_set_has(pub, CKA_PRIVATE_EXPONENT));
    struct mech_key *kpriv = key_take(priv), *kpub = key_take(pub);
    ck_assert_uint_eq(mech_key_size(kpriv), 2048);
    ck_assert_uint_eq(oneshot(CKM_SHA256_RSA_PKCS, MECH_SIGN, NULL, 0, kpriv, "abc", 3, sig, &n),
                      CKR_OK);
    ck_assert_uint_eq(verify(CKM_SHA256_RSA_PKCS, NULL, 0, kpub, "abc", 3, sig, n), CKR_OK);
    mech_key_unref(kpriv);
    mech_key_unref(kpub);
}
END_TEST

START_TEST(test_rsa_keygen_errors)
{
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE junk[2] = {0};
    CK_MECHANISM mp = {CKM_RSA_PKCS_KEY_PAIR_GEN, junk, sizeof junk};
    CK_MECHANISM bad = {CKM_RSA_PKCS, NULL, 0};
    struct attr_set *pub = new_key_attrs(CKO_PUBLIC_KEY, CKK_RSA);
    struct attr_set *priv = new_key_attrs(CKO_PRIVATE_KEY, CKK_RSA);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(attr_set_put_ulong(pub, CKA_MODULUS_BITS, 1024), CKR_OK);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(attr_set_put_ulong(pub, CKA_MODULUS_BITS, 8192), CKR_OK);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(attr_set_put_ulong(pub, CKA_MODULUS_BITS, 2048), CKR_OK);
    put_hex(pub, CKA_PUBLIC_EXPONENT, "010000");
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_ATTRIBUTE_VALUE_INVALID);
    ck_assert_uint_eq(mech_generate_key_pair(&mp, pub, priv), CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(mech_generate_key_pair(&bad, pub, priv), CKR_MECHANISM_INVALID);
    ck_assert(!attr_set_has(priv, CKA_PRIVATE_EXPONENT));
    attr_set_free(pub);
    attr_set_free(priv);
}
END_TEST

/* ---- EC ---- */

static struct blob
der_point(const char *raw_hex)
{
    struct blob raw = hx(raw_hex), d = {.n = raw.n + 2};
    d.b[0] = 0x04;
    d.b[1] = (uint8_t)raw.n;
    memcpy(d.b + 2, raw.b, raw.n);
    return d;
}

START_TEST(test_ec_import_matches_openssl)
{
    struct attr_set *a = ec_attrs(CKO_PRIVATE_KEY);
    struct blob want = der_point(P256_POINT), spki = hx(P256_SPKI);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_OK);
    const struct attr *pt = attr_set_find(a, CKA_EC_POINT);
    ck_assert_ptr_nonnull(pt);
    ck_assert_uint_eq(pt->len, 67);
    ck_assert_mem_eq(pt->val, want.b, want.n);
    const struct attr *info = attr_set_find(a, CKA_PUBLIC_KEY_INFO);
    ck_assert_ptr_nonnull(info);
    ck_assert_uint_eq(info->len, spki.n);
    ck_assert_mem_eq(info->val, spki.b, spki.n);
    attr_set_free(a);
}
END_TEST

START_TEST(test_ec_public_import_forms)
{
    struct blob want = der_point(P256_POINT), raw = hx(P256_POINT);
    /* Bare, DER-wrapped, and compressed (y ends in 0xe4: even, so 02). */
    uint8_t comp[33] = {0x02};
    memcpy(comp + 1, raw.b + 1, 32);
    const struct {
        const uint8_t *p;
        size_t n;
    } forms[] = {{raw.b, raw.n}, {want.b, want.n}, {comp, sizeof comp}};
    for (size_t i = 0; i < 3; i++) {
        struct attr_set *a = new_key_attrs(CKO_PUBLIC_KEY, CKK_EC);
        ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
        ck_assert_uint_eq(attr_set_put(a, CKA_EC_POINT, forms[i].p, forms[i].n), CKR_OK);
        ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC, a), CKR_OK);
        const struct attr *pt = attr_set_find(a, CKA_EC_POINT);
        ck_assert_uint_eq(pt->len, want.n);
        ck_assert_mem_eq(pt->val, want.b, want.n);
        attr_set_free(a);
    }
}
END_TEST

START_TEST(test_ec_point_invalid)
{
    struct blob raw = hx(P256_POINT);
    struct attr_set *a = ec_attrs(CKO_PUBLIC_KEY);
    raw.b[64] ^= 1; /* off the curve */
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_POINT, raw.b, raw.n), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    raw.b[64] ^= 1;
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_POINT, raw.b, raw.n - 1), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    raw.b[0] = 0x05; /* neither a point nor an OCTET STRING */
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_POINT, raw.b, raw.n), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_del(a, CKA_EC_POINT);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC, a), CKR_TEMPLATE_INCOMPLETE);
    attr_set_free(a);
}
END_TEST

START_TEST(test_ec_private_invalid)
{
    struct attr_set *a = ec_attrs(CKO_PRIVATE_KEY);
    put_hex(a, CKA_VALUE, "00");
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    put_hex(a, CKA_VALUE, P256_ORDER);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    put_hex(a, CKA_VALUE,
            "01"
            "8d032afb3e97263d7d0a9140dfafe0c8fb4f09a3d38d9ee06fcf5e5740de4fbb");
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    /* A public point that belongs to another scalar. */
    put_hex(a, CKA_VALUE, "01");
    put_hex(a, CKA_EC_POINT, P256_POINT);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    /* The matching point is welcome. */
    put_hex(a, CKA_VALUE, P256_D);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_OK);
    attr_set_del(a, CKA_VALUE);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_TEMPLATE_INCOMPLETE);
    attr_set_free(a);
}
END_TEST

START_TEST(test_ec_params)
{
    struct attr_set *a = ec_attrs(CKO_PRIVATE_KEY);
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_K256, sizeof OID_K256), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_CURVE_NOT_SUPPORTED);
    put_hex(a, CKA_EC_PARAMS, "130a7072696d653235367631"); /* PrintableString "prime256v1" */
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_CURVE_NOT_SUPPORTED);
    put_hex(a, CKA_EC_PARAMS, "06082a8648ce3d0301"); /* truncated */
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_del(a, CKA_EC_PARAMS);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_EC, a), CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_free(a);
}
END_TEST

START_TEST(test_ecdsa_sign_verify)
{
    uint8_t sig[1024];
    CK_ULONG n = 0;
    struct blob h = sha256_of("abc", 3);
    struct mech_key *priv = key_take(ec_attrs(CKO_PRIVATE_KEY));
    struct mech_key *pub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    ck_assert_uint_eq(oneshot(CKM_ECDSA, MECH_SIGN, NULL, 0, priv, h.b, h.n, sig, &n), CKR_OK);
    ck_assert_uint_eq(n, 64);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig, n), CKR_OK);
    /* CKM_ECDSA over SHA-256("abc") is CKM_ECDSA_SHA256 over "abc". */
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA256, NULL, 0, pub, "abc", 3, sig, n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, priv, h.b, h.n, sig, n), CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_ECDSA_SHA256, MECH_SIGN, NULL, 0, priv, "abc", 3, sig, &n),
                      CKR_OK);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig, n), CKR_OK);
    /* Any hash length: a 64-byte input is truncated to the order. */
    uint8_t h64[64] = {9};
    ck_assert_uint_eq(oneshot(CKM_ECDSA, MECH_SIGN, NULL, 0, priv, h64, 64, sig, &n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h64, 64, sig, n), CKR_OK);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_ecdsa_verify_openssl)
{
    struct blob sig = hx(P256_SIG_ABC), h = sha256_of("abc", 3);
    struct mech_key *pub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA256, NULL, 0, pub, "abc", 3, sig.b, sig.n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig.b, sig.n), CKR_OK);
    ck_assert_uint_eq(
        verify_parts(CKM_ECDSA_SHA256, NULL, 0, pub, (const uint8_t *)"abc", 3, sig.b, sig.n),
        CKR_OK);
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA384, NULL, 0, pub, "abc", 3, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_ecdsa_hashed_multipart)
{
    static const CK_MECHANISM_TYPE ms[] = {CKM_ECDSA_SHA1, CKM_ECDSA_SHA224, CKM_ECDSA_SHA256,
                                           CKM_ECDSA_SHA384, CKM_ECDSA_SHA512};
    uint8_t sig[1024], data[200];
    CK_ULONG n = 0;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    struct mech_key *priv = key_take(ec_attrs(CKO_PRIVATE_KEY));
    struct mech_key *pub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        ck_assert_uint_eq(sign_parts(ms[i], MECH_SIGN, NULL, 0, priv, data, sizeof data, sig, &n),
                          CKR_OK);
        ck_assert_uint_eq(n, 64);
        ck_assert_uint_eq(verify(ms[i], NULL, 0, pub, data, sizeof data, sig, n), CKR_OK);
        ck_assert_uint_eq(oneshot(ms[i], MECH_SIGN, NULL, 0, priv, data, sizeof data, sig, &n),
                          CKR_OK);
        ck_assert_uint_eq(verify_parts(ms[i], NULL, 0, pub, data, sizeof data, sig, n), CKR_OK);
        ck_assert_uint_eq(verify_parts(ms[i], NULL, 0, pub, data, sizeof data - 1, sig, n),
                          CKR_SIGNATURE_INVALID);
    }
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_ecdsa_signature_errors)
{
    struct blob sig = hx(P256_SIG_ABC), h = sha256_of("abc", 3);
    struct mech_key *pub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    /* The length is checked before anything, even with the wrong data. */
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA256, NULL, 0, pub, "abd", 3, sig.b, 63),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig.b, 96),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig.b, 0), CKR_SIGNATURE_LEN_RANGE);
    sig.b[40] ^= 0x10;
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    /* s = 0 is out of range, r || s all ones above the order. */
    memset(sig.b + 32, 0, 32);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    memset(sig.b, 0xff, 64);
    ck_assert_uint_eq(verify(CKM_ECDSA, NULL, 0, pub, h.b, h.n, sig.b, sig.n),
                      CKR_SIGNATURE_INVALID);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_ecdsa_single_part)
{
    struct mech_op *op = NULL;
    uint8_t out[64];
    CK_ULONG n = 0;
    struct mech_key *priv = key_take(ec_attrs(CKO_PRIVATE_KEY));
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_SIGN, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, out, 32, NULL, NULL), CKR_FUNCTION_FAILED);
    ck_assert_uint_eq(mech_op_final(op, out, &n), CKR_FUNCTION_FAILED);
    mech_op_free(op);
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_SIGN, out, 8, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(priv);
}
END_TEST

START_TEST(test_ec_keygen)
{
    static const struct {
        const uint8_t *oid;
        size_t oid_len, flen;
    } cs[] = {{OID_P256, sizeof OID_P256, 32}, {OID_P384, sizeof OID_P384, 48}};
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    uint8_t sig[1024];
    CK_ULONG n = 0;
    for (size_t i = 0; i < 2; i++) {
        struct attr_set *pub = new_key_attrs(CKO_PUBLIC_KEY, CKK_EC);
        struct attr_set *priv = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC);
        ck_assert_uint_eq(attr_set_put(pub, CKA_EC_PARAMS, cs[i].oid, cs[i].oid_len), CKR_OK);
        ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_OK);
        const struct attr *pp = attr_set_find(pub, CKA_EC_POINT);
        ck_assert_uint_eq(pp->len, 2 + 1 + 2 * cs[i].flen);
        ck_assert_uint_eq(pp->val[0], 0x04);
        ck_assert_uint_eq(pp->val[2], 0x04);
        ck_assert_uint_eq(attr_set_find(priv, CKA_VALUE)->len, cs[i].flen);
        ck_assert_mem_eq(attr_set_find(priv, CKA_EC_POINT)->val, pp->val, pp->len);
        ck_assert_mem_eq(attr_set_find(priv, CKA_EC_PARAMS)->val, cs[i].oid, cs[i].oid_len);
        ck_assert(attr_set_has(pub, CKA_PUBLIC_KEY_INFO));
        ck_assert(attr_set_has(priv, CKA_PUBLIC_KEY_INFO));
        struct mech_key *kpriv = key_take(priv), *kpub = key_take(pub);
        ck_assert_uint_eq(mech_key_size(kpriv), 8 * cs[i].flen);
        ck_assert_uint_eq(oneshot(CKM_ECDSA_SHA384, MECH_SIGN, NULL, 0, kpriv, "hello", 5, sig, &n),
                          CKR_OK);
        ck_assert_uint_eq(n, 2 * cs[i].flen);
        ck_assert_uint_eq(verify(CKM_ECDSA_SHA384, NULL, 0, kpub, "hello", 5, sig, n), CKR_OK);
        mech_key_unref(kpriv);
        mech_key_unref(kpub);
    }
}
END_TEST

START_TEST(test_ec_keygen_errors)
{
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE junk[2] = {0};
    CK_MECHANISM mp = {CKM_EC_KEY_PAIR_GEN, junk, sizeof junk};
    struct attr_set *pub = new_key_attrs(CKO_PUBLIC_KEY, CKK_EC);
    struct attr_set *priv = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(attr_set_put(pub, CKA_EC_PARAMS, OID_K256, sizeof OID_K256), CKR_OK);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_CURVE_NOT_SUPPORTED);
    ck_assert_uint_eq(attr_set_put(pub, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    ck_assert_uint_eq(mech_generate_key_pair(&mp, pub, priv), CKR_MECHANISM_PARAM_INVALID);
    ck_assert(!attr_set_has(pub, CKA_EC_POINT));
    ck_assert(!attr_set_has(priv, CKA_VALUE));
    attr_set_free(pub);
    attr_set_free(priv);
}
END_TEST

/* ---- ECDSA with SHA-1 and SHA-224 (RFC 6979 §A.2.5: P-256, the message
 * "sample"; deterministic signatures that any ECDSA verifier accepts) ---- */

static const char R6979_X[] = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
static const char R6979_U[] = "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
                              "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
static const struct {
    CK_MECHANISM_TYPE type;
    const char *sig;
} r6979_kats[] = {
    {CKM_ECDSA_SHA1, "61340c88c3aaebeb4f6d667f672ca9759a6ccaa9fa8811313039ee4a35471d32"
                     "6d7f147dac089441bb2e2fe8f7a3fa264b9c475098fdcf6e00d7c996e1b8b7eb"},
    {CKM_ECDSA_SHA224, "53b2fff5d1752b2c689df257c04c40a587fababb3f6fc2702f1343af7ca9aa3f"
                       "b9afb64fdc03dc1a131c7d2386d11e349f070aa432a4acc918bea988bf75c74c"},
};

START_TEST(test_ecdsa_rfc6979_kat)
{
    struct attr_set *a = new_key_attrs(CKO_PUBLIC_KEY, CKK_EC);
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    put_hex(a, CKA_EC_POINT, R6979_U);
    struct mech_key *pub = key_take(a);
    a = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC);
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    put_hex(a, CKA_VALUE, R6979_X);
    /* The public point derived from x is RFC 6979's U. */
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC, a), CKR_OK);
    struct blob u = der_point(R6979_U);
    ck_assert_mem_eq(attr_set_find(a, CKA_EC_POINT)->val, u.b, u.n);
    struct mech_key *priv = key_take(a);
    uint8_t sig[1024];
    CK_ULONG n = 0;
    for (size_t i = 0; i < 2; i++) {
        struct blob want = hx(r6979_kats[i].sig);
        ck_assert_uint_eq(verify(r6979_kats[i].type, NULL, 0, pub, "sample", 6, want.b, want.n),
                          CKR_OK);
        ck_assert_uint_eq(verify_parts(r6979_kats[i].type, NULL, 0, pub, (const uint8_t *)"sample",
                                       6, want.b, want.n),
                          CKR_OK);
        ck_assert_uint_eq(verify(r6979_kats[i].type, NULL, 0, pub, "Sample", 6, want.b, want.n),
                          CKR_SIGNATURE_INVALID);
        /* Our (randomized) signatures verify too. */
        ck_assert_uint_eq(
            oneshot(r6979_kats[i].type, MECH_SIGN, NULL, 0, priv, "sample", 6, sig, &n), CKR_OK);
        ck_assert_uint_eq(verify(r6979_kats[i].type, NULL, 0, pub, "sample", 6, sig, n), CKR_OK);
    }
    /* SHA-1 and SHA-224 hashes differ: the signatures do not cross. */
    struct blob s1 = hx(r6979_kats[0].sig);
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA224, NULL, 0, pub, "sample", 6, s1.b, s1.n),
                      CKR_SIGNATURE_INVALID);
    mech_key_unref(pub);
    mech_key_unref(priv);
}
END_TEST

/* ---- RSA with SHA-1 and SHA-224 ---- */

/* DigestInfo prefixes of SHA-1 and SHA-224 (RFC 8017 §9.2 note 1). */
static const struct {
    CK_MECHANISM_TYPE type, pss, hash;
    const char *prefix;
    const EVP_MD *(*md)(void);
} rsa_sha_kats[] = {
    {CKM_SHA1_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, "3021300906052b0e03021a05000414",
     EVP_sha1},
    {CKM_SHA224_RSA_PKCS, CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224,
     "302d300d06096086480165030402040500041c", EVP_sha224},
};

/* Verify with the default OpenSSL context and the public key rebuilt from
 * its SubjectPublicKeyInfo: an implementation path separate from ours. */
static int
openssl_verify(const EVP_MD *md, int pad, int slen, const uint8_t *msg, size_t len,
               const uint8_t *sig, size_t siglen)
{
    struct attr_set *a = rsa_attrs(CKO_PUBLIC_KEY, false);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_RSA, a), CKR_OK);
    const struct attr *spki = attr_set_find(a, CKA_PUBLIC_KEY_INFO);
    const unsigned char *p = spki->val;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki->len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    ck_assert_int_eq(EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, pad), 1);
    if (pad == RSA_PKCS1_PSS_PADDING)
        ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, slen), 1);
    int ok = EVP_DigestVerify(ctx, sig, siglen, msg, len);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    attr_set_free(a);
    return ok;
}

START_TEST(test_rsa_sha1_sha224)
{
    uint8_t out[1024], out2[1024];
    CK_ULONG n = 0, n2 = 0;
    unsigned int hl = 0;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    struct blob di = hx(rsa_sha_kats[_i].prefix);
    ck_assert_int_eq(EVP_Digest("abc", 3, di.b + di.n, &hl, rsa_sha_kats[_i].md(), NULL), 1);
    di.n += hl;
    /* PKCS#1 v1.5 is deterministic: the hashed mechanism equals
     * CKM_RSA_PKCS over the RFC 8017 DigestInfo. */
    ck_assert_uint_eq(oneshot(rsa_sha_kats[_i].type, MECH_SIGN, NULL, 0, priv, "abc", 3, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_SIGN, NULL, 0, priv, di.b, di.n, out2, &n2),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_mem_eq(out, out2, 256);
    ck_assert_uint_eq(sign_parts(rsa_sha_kats[_i].type, MECH_SIGN, NULL, 0, priv,
                                 (const uint8_t *)"abc", 3, out2, &n2),
                      CKR_OK);
    ck_assert_mem_eq(out, out2, 256);
    ck_assert_uint_eq(verify(rsa_sha_kats[_i].type, NULL, 0, pub, "abc", 3, out, n), CKR_OK);
    ck_assert_int_eq(openssl_verify(rsa_sha_kats[_i].md(), RSA_PKCS1_PADDING, 0,
                                    (const uint8_t *)"abc", 3, out, n),
                     1);
    /* PSS: randomized, checked both ways. */
    CK_RSA_PKCS_PSS_PARAMS pp = {rsa_sha_kats[_i].hash, _i == 0 ? CKG_MGF1_SHA1 : CKG_MGF1_SHA224,
                                 20};
    ck_assert_uint_eq(
        oneshot(rsa_sha_kats[_i].pss, MECH_SIGN, &pp, sizeof pp, priv, "abc", 3, out, &n), CKR_OK);
    ck_assert_uint_eq(
        verify_parts(rsa_sha_kats[_i].pss, &pp, sizeof pp, pub, (const uint8_t *)"abc", 3, out, n),
        CKR_OK);
    ck_assert_int_eq(openssl_verify(rsa_sha_kats[_i].md(), RSA_PKCS1_PSS_PADDING, 20,
                                    (const uint8_t *)"abc", 3, out, n),
                     1);
    /* The hashed PSS mechanism insists on its own hash. */
    pp.hashAlg = CKM_SHA256;
    ck_assert_uint_eq(verify(rsa_sha_kats[_i].pss, &pp, sizeof pp, pub, "abc", 3, out, n),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

/* ---- sign and verify with recovery ---- */

START_TEST(test_rsa_recover_pkcs)
{
    struct mech_op *op = NULL;
    uint8_t out[1024];
    CK_ULONG n = 0, need = 0;
    bool exact = true;
    struct blob want = hx(RSA_SIG_ABC), di = hx(SHA256_DIGESTINFO), h = sha256_of("abc", 3);
    memcpy(di.b + di.n, h.b, h.n);
    di.n += h.n;
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    /* C_SignRecover over the DigestInfo is the openssl-made signature. */
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_SIGN_RECOVER, NULL, 0, priv, di.b, di.n, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_mem_eq(out, want.b, 256);
    /* C_VerifyRecover gives the DigestInfo back; the size is a bound. */
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_VERIFY_RECOVER, NULL, 0, pub, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 256, false, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, 245);
    ck_assert(!exact);
    ck_assert_uint_eq(mech_op_oneshot(op, want.b, want.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, di.n);
    ck_assert_mem_eq(out, di.b, di.n);
    mech_op_free(op);
    /* A bad signature, a short one, and the private half works too. */
    want.b[7] ^= 1;
    ck_assert_uint_eq(
        oneshot(CKM_RSA_PKCS, MECH_VERIFY_RECOVER, NULL, 0, pub, want.b, want.n, out, &n),
        CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_VERIFY_RECOVER, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 255, false, &need, &exact), CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(mech_op_oneshot(op, want.b, 255, out, &n), CKR_SIGNATURE_LEN_RANGE);
    mech_op_free(op);
    /* Signing with recovery needs the private key and single parts. */
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_SIGN_RECOVER, NULL, 0, pub, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(op_start(CKM_RSA_PKCS, MECH_SIGN_RECOVER, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, di.b, di.n, NULL, NULL), CKR_FUNCTION_FAILED);
    mech_op_free(op);
    ck_assert_uint_eq(oneshot(CKM_RSA_PKCS, MECH_SIGN_RECOVER, NULL, 0, priv, out, 246, out, &n),
                      CKR_DATA_LEN_RANGE);
    /* Only CKM_RSA_PKCS and CKM_RSA_X_509 recover. */
    ck_assert_uint_eq(op_start(CKM_SHA256_RSA_PKCS, MECH_VERIFY_RECOVER, NULL, 0, pub, &op),
                      CKR_MECHANISM_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_rsa_recover_x509)
{
    uint8_t sig[1024], rec[1024];
    CK_ULONG n = 0, m = 0;
    static const uint8_t msg[] = {0x00, 0x42, 0x43};
    struct mech_key *priv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *pub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_SIGN_RECOVER, NULL, 0, priv, msg, 3, sig, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 256);
    /* Raw RSA: the same as C_Sign, and the recovery is all k bytes. */
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_SIGN, NULL, 0, priv, msg, 3, rec, &m), CKR_OK);
    ck_assert_mem_eq(sig, rec, 256);
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_VERIFY_RECOVER, NULL, 0, pub, sig, n, rec, &m),
                      CKR_OK);
    ck_assert_uint_eq(m, 256);
    for (size_t i = 0; i < 254; i++)
        ck_assert_uint_eq(rec[i], 0);
    ck_assert_mem_eq(rec + 254, msg + 1, 2);
    /* A "signature" at or above the modulus. */
    memset(sig, 0xff, 256);
    ck_assert_uint_eq(oneshot(CKM_RSA_X_509, MECH_VERIFY_RECOVER, NULL, 0, pub, sig, 256, rec, &m),
                      CKR_SIGNATURE_INVALID);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

/* ---- EdDSA (RFC 8032 §7.1, TEST 1 and TEST 2) ---- */

static const struct {
    const char *seed, *pub, *msg, *sig;
} ed_kats[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

static const uint8_t OID_ED25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t OID_ED448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
/* PKCS#11 3.0 §2.3.5 curveName: PrintableString "edwards25519". */
static const char NAME_ED25519[] = "130c656477617264733235353139";

static struct attr_set *
ed_attrs(CK_OBJECT_CLASS cls, size_t kat, bool by_name)
{
    struct attr_set *a = new_key_attrs(cls, CKK_EC_EDWARDS);
    if (by_name)
        put_hex(a, CKA_EC_PARAMS, NAME_ED25519);
    else
        ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_ED25519, sizeof OID_ED25519), CKR_OK);
    if (cls == CKO_PRIVATE_KEY)
        put_hex(a, CKA_VALUE, ed_kats[kat].seed);
    else
        put_hex(a, CKA_EC_POINT, ed_kats[kat].pub);
    return a;
}

START_TEST(test_eddsa_rfc8032)
{
    uint8_t sig[1024];
    CK_ULONG n = 0;
    struct blob msg = hx(ed_kats[_i].msg), want = hx(ed_kats[_i].sig);
    struct blob pt = der_point(ed_kats[_i].pub);
    /* Import completion: the private key's public half is RFC 8032's. */
    struct attr_set *a = ed_attrs(CKO_PRIVATE_KEY, _i, _i == 1);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a), CKR_OK);
    ck_assert_uint_eq(attr_set_find(a, CKA_EC_POINT)->len, 34);
    ck_assert_mem_eq(attr_set_find(a, CKA_EC_POINT)->val, pt.b, pt.n);
    ck_assert(attr_set_has(a, CKA_PUBLIC_KEY_INFO));
    struct mech_key *priv = key_take(a);
    struct mech_key *pub = key_take(ed_attrs(CKO_PUBLIC_KEY, _i, _i == 0));
    ck_assert_uint_eq(mech_key_size(priv), 255);
    ck_assert_uint_eq(oneshot(CKM_EDDSA, MECH_SIGN, NULL, 0, priv, msg.b, msg.n, sig, &n), CKR_OK);
    ck_assert_uint_eq(n, 64);
    ck_assert_mem_eq(sig, want.b, 64);
    ck_assert_uint_eq(verify(CKM_EDDSA, NULL, 0, pub, msg.b, msg.n, want.b, want.n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_EDDSA, NULL, 0, priv, msg.b, msg.n, want.b, want.n), CKR_OK);
    /* CK_EDDSA_PARAMS without prehash or context is pure Ed25519. */
    CK_EDDSA_PARAMS ep = {CK_FALSE, 0, NULL};
    ck_assert_uint_eq(oneshot(CKM_EDDSA, MECH_SIGN, &ep, sizeof ep, priv, msg.b, msg.n, sig, &n),
                      CKR_OK);
    ck_assert_mem_eq(sig, want.b, 64);
    want.b[_i] ^= 0x20;
    ck_assert_uint_eq(verify(CKM_EDDSA, NULL, 0, pub, msg.b, msg.n, want.b, want.n),
                      CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(verify(CKM_EDDSA, NULL, 0, pub, "x", 1, sig, 64), CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(verify(CKM_EDDSA, NULL, 0, pub, msg.b, msg.n, sig, 63),
                      CKR_SIGNATURE_LEN_RANGE);
    mech_key_unref(priv);
    mech_key_unref(pub);
}
END_TEST

START_TEST(test_eddsa_params_and_parts)
{
    struct mech_op *op = NULL, *copy = NULL;
    uint8_t ctx[4] = {1, 2, 3, 4}, out[64];
    CK_ULONG n = 0;
    struct mech_key *priv = key_take(ed_attrs(CKO_PRIVATE_KEY, 0, false));
    CK_EDDSA_PARAMS ph = {CK_TRUE, 0, NULL}, withctx = {CK_FALSE, sizeof ctx, ctx};
    ck_assert_uint_eq(op_start(CKM_EDDSA, MECH_SIGN, &ph, sizeof ph, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_EDDSA, MECH_SIGN, &withctx, sizeof withctx, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_EDDSA, MECH_SIGN, &ph, 4, priv, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
    /* Single-part only, and nothing to save. */
    ck_assert_uint_eq(op_start(CKM_EDDSA, MECH_SIGN, NULL, 0, priv, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_dup(op, &copy), CKR_STATE_UNSAVEABLE);
    ck_assert_uint_eq(mech_op_update(op, ctx, 4, NULL, NULL), CKR_FUNCTION_FAILED);
    ck_assert_uint_eq(mech_op_final(op, out, &n), CKR_FUNCTION_FAILED);
    mech_op_free(op);
    /* An Ed25519 key is no ECDSA key, and the reverse. */
    struct mech_key *ec = key_take(ec_attrs(CKO_PRIVATE_KEY));
    ck_assert_uint_eq(op_start(CKM_EDDSA, MECH_SIGN, NULL, 0, ec, &op), CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(op_start(CKM_ECDSA, MECH_SIGN, NULL, 0, priv, &op),
                      CKR_KEY_TYPE_INCONSISTENT);
    mech_key_unref(ec);
    mech_key_unref(priv);
}
END_TEST

START_TEST(test_ed_key_errors)
{
    struct attr_set *a = ed_attrs(CKO_PRIVATE_KEY, 0, false);
    /* The seed is exactly 32 bytes. */
    put_hex(a, CKA_VALUE, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f");
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a),
                      CKR_ATTRIBUTE_VALUE_INVALID);
    /* A point of another key. */
    put_hex(a, CKA_VALUE, ed_kats[0].seed);
    put_hex(a, CKA_EC_POINT, ed_kats[1].pub);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a),
                      CKR_ATTRIBUTE_VALUE_INVALID);
    put_hex(a, CKA_EC_POINT, ed_kats[0].pub);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a), CKR_OK);
    /* Curves: Ed448, P-256 and a broken encoding. */
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_ED448, sizeof OID_ED448), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a),
                      CKR_CURVE_NOT_SUPPORTED);
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a),
                      CKR_CURVE_NOT_SUPPORTED);
    put_hex(a, CKA_EC_PARAMS, "06032b65");
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a),
                      CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_del(a, CKA_EC_PARAMS);
    ck_assert_uint_eq(mech_key_complete(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, a),
                      CKR_TEMPLATE_INCOMPLETE);
    attr_set_free(a);
    /* A public key: 32 bytes bare or in an OCTET STRING, nothing else. */
    a = ed_attrs(CKO_PUBLIC_KEY, 0, false);
    put_hex(a, CKA_EC_POINT, "0420d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f70751");
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC_EDWARDS, a),
                      CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_del(a, CKA_EC_POINT);
    ck_assert_uint_eq(mech_key_complete(CKO_PUBLIC_KEY, CKK_EC_EDWARDS, a),
                      CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(mech_key_complete(CKO_SECRET_KEY, CKK_EC_EDWARDS, a),
                      CKR_ATTRIBUTE_VALUE_INVALID);
    attr_set_free(a);
}
END_TEST

START_TEST(test_ed_keygen)
{
    CK_MECHANISM m = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
    uint8_t sig[1024];
    CK_ULONG n = 0;
    struct attr_set *pub = new_key_attrs(CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
    struct attr_set *priv = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_TEMPLATE_INCOMPLETE);
    ck_assert_uint_eq(attr_set_put(pub, CKA_EC_PARAMS, OID_ED448, sizeof OID_ED448), CKR_OK);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_CURVE_NOT_SUPPORTED);
    put_hex(pub, CKA_EC_PARAMS, NAME_ED25519);
    ck_assert_uint_eq(mech_generate_key_pair(&m, pub, priv), CKR_OK);
    const struct attr *pt = attr_set_find(pub, CKA_EC_POINT);
    ck_assert_uint_eq(pt->len, 34);
    ck_assert_uint_eq(pt->val[0], 0x04);
    ck_assert_uint_eq(pt->val[1], 32);
    ck_assert_uint_eq(attr_set_find(priv, CKA_VALUE)->len, 32);
    ck_assert_mem_eq(attr_set_find(priv, CKA_EC_POINT)->val, pt->val, 34);
    ck_assert_uint_eq(attr_set_find(priv, CKA_EC_PARAMS)->len, 14);
    ck_assert(attr_set_has(pub, CKA_PUBLIC_KEY_INFO));
    ck_assert(attr_set_has(priv, CKA_PUBLIC_KEY_INFO));
    struct mech_key *kpriv = key_take(priv), *kpub = key_take(pub);
    ck_assert_uint_eq(oneshot(CKM_EDDSA, MECH_SIGN, NULL, 0, kpriv, "hello", 5, sig, &n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_EDDSA, NULL, 0, kpub, "hello", 5, sig, n), CKR_OK);
    mech_key_unref(kpriv);
    mech_key_unref(kpub);
}
END_TEST

/* ---- AES block modes (NIST SP 800-38A §F.1.5, F.2.5, F.5.5: AES-256) ---- */

static const char SP38A_K256[] = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
static const char SP38A_P[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                              "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const char SP38A_ECB[] = "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870"
                                "b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7";
static const char SP38A_IV[] = "000102030405060708090a0b0c0d0e0f";
static const char SP38A_CBC[] = "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
                                "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";
static const char SP38A_CTR0[] = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
static const char SP38A_CTR[] = "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
                                "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6";

static struct mech_key *
aes_key(const char *hex)
{
    struct blob k = hx(hex);
    return secret_key(CKK_AES, k.b, k.n);
}

/* Multi-part encrypt/decrypt in steps of `step` bytes; out has 1024. */
static CK_RV
crypt_steps(CK_MECHANISM_TYPE type, enum mech_fn fn, void *param, CK_ULONG plen, struct mech_key *k,
            const uint8_t *in, size_t len, size_t step, uint8_t *out, CK_ULONG *out_len)
{
    struct mech_op *op = NULL;
    CK_ULONG total = 0, n = 0, need = 0;
    bool exact = false;
    CK_RV rv = op_start(type, fn, param, plen, k, &op);
    if (rv != CKR_OK) return rv;
    for (size_t off = 0; off < len && rv == CKR_OK; off += step) {
        size_t c = len - off < step ? len - off : step;
        n = 0;
        rv = mech_op_update(op, in + off, c, out + total, &n);
        if (rv == CKR_OK) ck_assert_uint_le(n, c + 16);
        total += n;
    }
    if (rv == CKR_OK) rv = mech_op_out_len(op, 0, true, &need, &exact);
    if (rv == CKR_OK) rv = mech_op_final(op, out + total, &n);
    if (rv == CKR_OK) {
        if (exact) ck_assert_uint_eq(n, need);
        ck_assert_uint_le(n, need);
        *out_len = total + n;
    }
    mech_op_free(op);
    return rv;
}

/* One mode, both directions, one-shot and in uneven steps. */
static void
check_mode_blobs(CK_MECHANISM_TYPE type, void *param, CK_ULONG plen, const struct blob *ptb,
                 const struct blob *ctb)
{
    static const size_t steps[] = {1, 5, 16, 17, 64};
    uint8_t out[1024];
    CK_ULONG n = 0;
    const struct blob pt = *ptb, ct = *ctb;
    struct mech_key *k = aes_key(SP38A_K256);
    ck_assert_uint_eq(oneshot(type, MECH_ENCRYPT, param, plen, k, pt.b, pt.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, ct.n);
    ck_assert_mem_eq(out, ct.b, ct.n);
    ck_assert_uint_eq(oneshot(type, MECH_DECRYPT, param, plen, k, ct.b, ct.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, pt.n);
    ck_assert_mem_eq(out, pt.b, pt.n);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        ck_assert_uint_eq(
            crypt_steps(type, MECH_ENCRYPT, param, plen, k, pt.b, pt.n, steps[i], out, &n), CKR_OK);
        ck_assert_uint_eq(n, ct.n);
        ck_assert_mem_eq(out, ct.b, ct.n);
        ck_assert_uint_eq(
            crypt_steps(type, MECH_DECRYPT, param, plen, k, ct.b, ct.n, steps[i], out, &n), CKR_OK);
        ck_assert_uint_eq(n, pt.n);
        ck_assert_mem_eq(out, pt.b, pt.n);
    }
    mech_key_unref(k);
}

static void
check_mode(CK_MECHANISM_TYPE type, void *param, CK_ULONG plen, const char *pt_hex,
           const char *ct_hex)
{
    struct blob pt = hx(pt_hex), ct = hx(ct_hex);
    check_mode_blobs(type, param, plen, &pt, &ct);
}

START_TEST(test_aes_ecb_kat)
{
    check_mode(CKM_AES_ECB, NULL, 0, SP38A_P, SP38A_ECB);
}
END_TEST

START_TEST(test_aes_cbc_kat)
{
    struct blob iv = hx(SP38A_IV);
    check_mode(CKM_AES_CBC, iv.b, iv.n, SP38A_P, SP38A_CBC);
}
END_TEST

START_TEST(test_aes_ctr_kat)
{
    CK_AES_CTR_PARAMS p = {128, {0}};
    struct blob cb = hx(SP38A_CTR0);
    memcpy(p.cb, cb.b, 16);
    check_mode(CKM_AES_CTR, &p, sizeof p, SP38A_P, SP38A_CTR);
    /* A partial last block: a prefix of the full stream. */
    uint8_t out[1024];
    CK_ULONG n = 0;
    struct blob pt = hx(SP38A_P), ct = hx(SP38A_CTR);
    struct mech_key *k = aes_key(SP38A_K256);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &p, sizeof p, k, pt.b, 37, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, 37);
    ck_assert_mem_eq(out, ct.b, 37);
    mech_key_unref(k);
}
END_TEST

/* CBC_PAD is CBC plus one block of PKCS#7 padding: the F.2.5 ciphertext,
 * then E(K, C4 xor 16 * 0x10). */
START_TEST(test_aes_cbc_pad_kat)
{
    uint8_t pad[16], last[1024];
    CK_ULONG m = 0;
    struct blob iv = hx(SP38A_IV), pt = hx(SP38A_P), ct = hx(SP38A_CBC);
    struct mech_key *k = aes_key(SP38A_K256);
    for (size_t i = 0; i < 16; i++)
        pad[i] = (uint8_t)(ct.b[48 + i] ^ 0x10);
    ck_assert_uint_eq(oneshot(CKM_AES_ECB, MECH_ENCRYPT, NULL, 0, k, pad, 16, last, &m), CKR_OK);
    memcpy(ct.b + ct.n, last, 16);
    ct.n += 16;
    check_mode_blobs(CKM_AES_CBC_PAD, iv.b, iv.n, &pt, &ct);
    /* Every length from 0 to 40 round-trips, padded to the next block. */
    for (size_t len = 0; len <= 40; len++) {
        uint8_t c[1024], p[1024];
        CK_ULONG cn = 0, pn = 0;
        ck_assert_uint_eq(oneshot(CKM_AES_CBC_PAD, MECH_ENCRYPT, iv.b, iv.n, k, pt.b, len, c, &cn),
                          CKR_OK);
        ck_assert_uint_eq(cn, (len / 16 + 1) * 16);
        ck_assert_uint_eq(
            crypt_steps(CKM_AES_CBC_PAD, MECH_DECRYPT, iv.b, iv.n, k, c, cn, 7, p, &pn), CKR_OK);
        ck_assert_uint_eq(pn, len);
        ck_assert_mem_eq(p, pt.b, len);
    }
    mech_key_unref(k);
}
END_TEST

START_TEST(test_aes_block_errors)
{
    struct mech_op *op = NULL;
    uint8_t in[64] = {0}, out[1024];
    CK_ULONG n = 0, need = 0;
    bool exact = true;
    struct blob iv = hx(SP38A_IV);
    struct mech_key *k = aes_key(SP38A_K256);
    /* ECB and CBC: whole blocks, one-shot or at Final. */
    ck_assert_uint_eq(oneshot(CKM_AES_ECB, MECH_ENCRYPT, NULL, 0, k, in, 17, out, &n),
                      CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(oneshot(CKM_AES_CBC, MECH_DECRYPT, iv.b, iv.n, k, in, 15, out, &n),
                      CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert_uint_eq(crypt_steps(CKM_AES_CBC, MECH_ENCRYPT, iv.b, iv.n, k, in, 33, 16, out, &n),
                      CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(crypt_steps(CKM_AES_ECB, MECH_DECRYPT, NULL, 0, k, in, 20, 8, out, &n),
                      CKR_ENCRYPTED_DATA_LEN_RANGE);
    /* CBC_PAD decryption: whole blocks, at least one, valid padding. */
    ck_assert_uint_eq(oneshot(CKM_AES_CBC_PAD, MECH_DECRYPT, iv.b, iv.n, k, in, 0, out, &n),
                      CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert_uint_eq(
        crypt_steps(CKM_AES_CBC_PAD, MECH_DECRYPT, iv.b, iv.n, k, in, 31, 16, out, &n),
        CKR_ENCRYPTED_DATA_LEN_RANGE);
    /* CBC of a zero block decrypts (under CBC_PAD) to a last byte of 0 and
     * of 0x11: neither is PKCS#7 padding. */
    for (uint8_t last = 0; last <= 0x11; last += 0x11) {
        in[15] = last;
        ck_assert_uint_eq(oneshot(CKM_AES_CBC, MECH_ENCRYPT, iv.b, iv.n, k, in, 16, out, &n),
                          CKR_OK);
        ck_assert_uint_eq(oneshot(CKM_AES_CBC_PAD, MECH_DECRYPT, iv.b, iv.n, k, out, 16, in, &n),
                          CKR_ENCRYPTED_DATA_INVALID);
        ck_assert_uint_eq(
            crypt_steps(CKM_AES_CBC_PAD, MECH_DECRYPT, iv.b, iv.n, k, out, 16, 16, in, &n),
            CKR_ENCRYPTED_DATA_INVALID);
        memset(in, 0, sizeof in);
    }
    ck_assert_uint_eq(op_start(CKM_AES_CBC_PAD, MECH_DECRYPT, iv.b, iv.n, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 32, false, &need, &exact), CKR_OK);
    ck_assert(!exact);
    ck_assert_uint_eq(need, 32);
    mech_op_free(op);
    op = NULL;
    /* Parameters: no IV for ECB, exactly 16 bytes for CBC. */
    ck_assert_uint_eq(op_start(CKM_AES_ECB, MECH_ENCRYPT, iv.b, iv.n, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CBC, MECH_ENCRYPT, iv.b, 8, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CBC_PAD, MECH_ENCRYPT, NULL, 16, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
    mech_key_unref(k);
    /* A key that is not a valid AES length (built behind C_CreateObject's
     * back) is refused, after the parameter. */
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, CKK_AES);
    struct mech_key *bad = NULL;
    ck_assert_uint_eq(attr_set_put(a, CKA_VALUE, in, 20), CKR_OK);
    ck_assert_uint_eq(mech_key_new(a, &bad), CKR_OK);
    ck_assert_uint_eq(op_start(CKM_AES_ECB, MECH_ENCRYPT, NULL, 0, bad, &op), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(op_start(CKM_AES_CBC, MECH_ENCRYPT, iv.b, 8, bad, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(bad);
    attr_set_free(a);
}
END_TEST

/* §2.14.4: only ulCounterBits bits count, and they must not wrap. */
START_TEST(test_aes_ctr_counter)
{
    struct mech_op *op = NULL;
    uint8_t in[64] = {0}, out[1024], ref[1024];
    CK_ULONG n = 0, need;
    bool exact;
    struct mech_key *k = aes_key(SP38A_K256);
    /* The spec's example: 2 counter bits starting at 1 give 3 blocks. */
    CK_AES_CTR_PARAMS p = {2, {0}};
    p.cb[15] = 1;
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &p, sizeof p, k, in, 48, out, &n), CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &p, sizeof p, k, in, 49, out, &n),
                      CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_DECRYPT, &p, sizeof p, k, in, 64, out, &n),
                      CKR_ENCRYPTED_DATA_LEN_RANGE);
    ck_assert_uint_eq(op_start(CKM_AES_CTR, MECH_ENCRYPT, &p, sizeof p, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, 49, false, &need, &exact), CKR_DATA_LEN_RANGE);
    ck_assert_uint_eq(mech_op_update(op, in, 40, out, &n), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, in, 8, out, &n), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, in, 1, out, &n), CKR_DATA_LEN_RANGE);
    mech_op_free(op);
    /* The keystream is the block cipher over cb, cb+1, cb+2 (ECB). */
    uint8_t blocks[48] = {0};
    for (size_t i = 0; i < 3; i++)
        blocks[16 * i + 15] = (uint8_t)(1 + i);
    ck_assert_uint_eq(oneshot(CKM_AES_ECB, MECH_ENCRYPT, NULL, 0, k, blocks, 48, ref, &n), CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &p, sizeof p, k, in, 48, out, &n), CKR_OK);
    ck_assert_mem_eq(out, ref, 48);
    /* A 64-bit counter at its last value leaves one block; 128 bits with
     * all ones in the upper half leave 2^64 - low. */
    CK_AES_CTR_PARAMS q = {64, {0}};
    memset(q.cb + 8, 0xff, 8);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &q, sizeof q, k, in, 16, out, &n), CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &q, sizeof q, k, in, 17, out, &n),
                      CKR_DATA_LEN_RANGE);
    q.ulCounterBits = 128;
    memset(q.cb, 0xff, 16);
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &q, sizeof q, k, in, 17, out, &n),
                      CKR_DATA_LEN_RANGE);
    q.cb[0] = 0xfe;
    ck_assert_uint_eq(oneshot(CKM_AES_CTR, MECH_ENCRYPT, &q, sizeof q, k, in, 64, out, &n), CKR_OK);
    /* 0 < ulCounterBits <= 128. */
    q.ulCounterBits = 0;
    ck_assert_uint_eq(op_start(CKM_AES_CTR, MECH_ENCRYPT, &q, sizeof q, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    q.ulCounterBits = 129;
    ck_assert_uint_eq(op_start(CKM_AES_CTR, MECH_ENCRYPT, &q, sizeof q, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CTR, MECH_ENCRYPT, q.cb, 16, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(k);
}
END_TEST

/* ---- AES-CMAC (RFC 4493 §4, examples 1-4: AES-128) ---- */

static const char CMAC_K128[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const struct {
    size_t len;
    const char *mac;
} cmac_kats[] = {
    {0, "bb1d6929e95937287fa37d129b756746"},
    {16, "070a16b46b4d4144f79bdd9dd04a287c"},
    {40, "dfa66747de9ae63030ca32611497c827"},
    {64, "51f0bebf7e3b9d92fc49741779363cfe"},
};

START_TEST(test_cmac_rfc4493)
{
    uint8_t out[1024];
    CK_ULONG n = 0, len8 = 8;
    struct blob msg = hx(SP38A_P), want = hx(cmac_kats[_i].mac);
    size_t len = cmac_kats[_i].len;
    struct mech_key *k = aes_key(CMAC_K128);
    ck_assert_uint_eq(oneshot(CKM_AES_CMAC, MECH_SIGN, NULL, 0, k, msg.b, len, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 16);
    ck_assert_mem_eq(out, want.b, 16);
    ck_assert_uint_eq(sign_parts(CKM_AES_CMAC, MECH_SIGN, NULL, 0, k, msg.b, len, out, &n), CKR_OK);
    ck_assert_mem_eq(out, want.b, 16);
    ck_assert_uint_eq(verify(CKM_AES_CMAC, NULL, 0, k, msg.b, len, want.b, 16), CKR_OK);
    ck_assert_uint_eq(verify_parts(CKM_AES_CMAC, NULL, 0, k, msg.b, len, want.b, 16), CKR_OK);
    /* CMAC_GENERAL keeps the leading bytes (§2.14.8). */
    ck_assert_uint_eq(
        oneshot(CKM_AES_CMAC_GENERAL, MECH_SIGN, &len8, sizeof len8, k, msg.b, len, out, &n),
        CKR_OK);
    ck_assert_uint_eq(n, 8);
    ck_assert_mem_eq(out, want.b, 8);
    ck_assert_uint_eq(
        verify_parts(CKM_AES_CMAC_GENERAL, &len8, sizeof len8, k, msg.b, len, want.b, 8), CKR_OK);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_cmac_errors)
{
    struct mech_op *op = NULL;
    CK_ULONG zero = 0, big = 17, len8 = 8;
    struct blob msg = hx(SP38A_P), mac = hx(cmac_kats[3].mac);
    struct mech_key *k = aes_key(CMAC_K128);
    ck_assert_uint_eq(verify(CKM_AES_CMAC, NULL, 0, k, msg.b, 64, mac.b, 15),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_AES_CMAC_GENERAL, &len8, sizeof len8, k, msg.b, 64, mac.b, 16),
                      CKR_SIGNATURE_LEN_RANGE);
    ck_assert_uint_eq(verify(CKM_AES_CMAC, NULL, 0, k, msg.b, 63, mac.b, 16),
                      CKR_SIGNATURE_INVALID);
    mac.b[15] ^= 1;
    ck_assert_uint_eq(verify_parts(CKM_AES_CMAC, NULL, 0, k, msg.b, 64, mac.b, 16),
                      CKR_SIGNATURE_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CMAC, MECH_SIGN, &len8, sizeof len8, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CMAC_GENERAL, MECH_SIGN, &zero, sizeof zero, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CMAC_GENERAL, MECH_SIGN, &big, sizeof big, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_CMAC_GENERAL, MECH_SIGN, NULL, 0, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_ptr_null(op);
    mech_key_unref(k);
    /* AES-256 runs too (any key length of the table). */
    uint8_t out[1024];
    CK_ULONG n = 0;
    k = aes_key(SP38A_K256);
    ck_assert_uint_eq(oneshot(CKM_AES_CMAC, MECH_SIGN, NULL, 0, k, msg.b, 64, out, &n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_AES_CMAC, NULL, 0, k, msg.b, 64, out, n), CKR_OK);
    mech_key_unref(k);
}
END_TEST

/* ---- AES key wrap (RFC 3394 §4.6: a 256-bit key under a 256-bit KEK;
 * RFC 5649 §6: 20 and 7 bytes under a 192-bit KEK) ---- */

static const char KW_KEK[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char KW_KEY[] = "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f";
static const char KW_WRAPPED[] = "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326"
                                 "cbc7f0e71a99f43bfb988b9b7a02dd21";
static const char KWP_KEK[] = "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8";
static const struct {
    const char *key, *wrapped;
} kwp_kats[] = {
    {"c37b7e6492584340bed12207808941155068f738",
     "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
    {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
};

START_TEST(test_aes_kw_rfc3394)
{
    uint8_t out[1024];
    CK_ULONG n = 0;
    size_t len = 0;
    struct blob key = hx(KW_KEY), want = hx(KW_WRAPPED);
    struct mech_key *kek = aes_key(KW_KEK);
    const struct mech_desc *d = mech_find(CKM_AES_KEY_WRAP);
    CK_MECHANISM m = {CKM_AES_KEY_WRAP, NULL, 0};
    /* As C_Encrypt / C_Decrypt. */
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP, MECH_ENCRYPT, NULL, 0, kek, key.b, key.n, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(n, want.n);
    ck_assert_mem_eq(out, want.b, want.n);
    ck_assert_uint_eq(
        oneshot(CKM_AES_KEY_WRAP, MECH_DECRYPT, NULL, 0, kek, want.b, want.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, key.n);
    ck_assert_mem_eq(out, key.b, key.n);
    /* As C_WrapKey: size query, too small, then the wrap. */
    ck_assert_uint_eq(mech_wrap(d, &m, kek, key.b, key.n, NULL, &len), CKR_OK);
    ck_assert_uint_eq(len, 40);
    len = 39;
    ck_assert_uint_eq(mech_wrap(d, &m, kek, key.b, key.n, out, &len), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, 40);
    ck_assert_uint_eq(mech_wrap(d, &m, kek, key.b, key.n, out, &len), CKR_OK);
    ck_assert_mem_eq(out, want.b, want.n);
    uint8_t *un = NULL;
    size_t unlen = 0;
    ck_assert_uint_eq(mech_unwrap(d, &m, kek, want.b, want.n, &un, &unlen), CKR_OK);
    ck_assert_uint_eq(unlen, key.n);
    ck_assert_mem_eq(un, key.b, key.n);
    free(un);
    /* Integrity, lengths, and single parts. */
    want.b[3] ^= 1;
    ck_assert_uint_eq(
        oneshot(CKM_AES_KEY_WRAP, MECH_DECRYPT, NULL, 0, kek, want.b, want.n, out, &n),
        CKR_ENCRYPTED_DATA_INVALID);
    ck_assert_uint_eq(mech_unwrap(d, &m, kek, want.b, want.n, &un, &unlen),
                      CKR_WRAPPED_KEY_INVALID);
    ck_assert_uint_eq(mech_unwrap(d, &m, kek, want.b, 36, &un, &unlen), CKR_WRAPPED_KEY_LEN_RANGE);
    ck_assert_uint_eq(mech_unwrap(d, &m, kek, want.b, 16, &un, &unlen), CKR_WRAPPED_KEY_LEN_RANGE);
    /* A key of any length travels zero-padded to 8 bytes (the spec's
     * wrapping rule); the unwrapped bytes carry the padding. */
    len = sizeof out;
    ck_assert_uint_eq(mech_wrap(d, &m, kek, key.b, 20, out, &len), CKR_OK);
    ck_assert_uint_eq(len, 32);
    ck_assert_uint_eq(mech_unwrap(d, &m, kek, out, len, &un, &unlen), CKR_OK);
    ck_assert_uint_eq(unlen, 24);
    ck_assert_mem_eq(un, key.b, 20);
    ck_assert_mem_eq(un + 20, "\0\0\0\0", 4);
    wipe_free(un, unlen);
    len = sizeof out;
    ck_assert_uint_eq(mech_wrap(d, &m, kek, key.b, 8, out, &len), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(
        crypt_steps(CKM_AES_KEY_WRAP, MECH_ENCRYPT, NULL, 0, kek, key.b, 32, 16, out, &n),
        CKR_FUNCTION_FAILED);
    mech_key_unref(kek);
}
END_TEST

START_TEST(test_aes_kw_iv)
{
    uint8_t out[1024], back[1024];
    CK_ULONG n = 0, m = 0;
    uint8_t iv8[8] = {1, 2, 3, 4, 5, 6, 7, 8}, iv4[4] = {9, 9, 9, 9};
    struct blob key = hx(KW_KEY);
    struct mech_key *kek = aes_key(KW_KEK);
    /* RFC 3394 §2.2.3.2 allows another IV: it must match to unwrap. */
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP, MECH_ENCRYPT, iv8, 8, kek, key.b, key.n, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP, MECH_DECRYPT, iv8, 8, kek, out, n, back, &m),
                      CKR_OK);
    ck_assert_mem_eq(back, key.b, key.n);
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP, MECH_DECRYPT, NULL, 0, kek, out, n, back, &m),
                      CKR_ENCRYPTED_DATA_INVALID);
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP_PAD, MECH_ENCRYPT, iv4, 4, kek, key.b, 13, out, &n),
                      CKR_OK);
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP_PAD, MECH_DECRYPT, iv4, 4, kek, out, n, back, &m),
                      CKR_OK);
    ck_assert_uint_eq(m, 13);
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP_PAD, MECH_DECRYPT, NULL, 0, kek, out, n, back, &m),
                      CKR_ENCRYPTED_DATA_INVALID);
    struct mech_op *op = NULL;
    ck_assert_uint_eq(op_start(CKM_AES_KEY_WRAP, MECH_ENCRYPT, iv4, 4, kek, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(op_start(CKM_AES_KEY_WRAP_PAD, MECH_ENCRYPT, iv8, 8, kek, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(kek);
}
END_TEST

START_TEST(test_aes_kwp_rfc5649)
{
    uint8_t out[1024];
    CK_ULONG n = 0, need = 0;
    bool exact = true;
    struct blob key = hx(kwp_kats[_i].key), want = hx(kwp_kats[_i].wrapped);
    struct mech_key *kek = aes_key(KWP_KEK);
    ck_assert_uint_eq(
        oneshot(CKM_AES_KEY_WRAP_PAD, MECH_ENCRYPT, NULL, 0, kek, key.b, key.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, want.n);
    ck_assert_mem_eq(out, want.b, want.n);
    ck_assert_uint_eq(
        oneshot(CKM_AES_KEY_WRAP_PAD, MECH_DECRYPT, NULL, 0, kek, want.b, want.n, out, &n), CKR_OK);
    ck_assert_uint_eq(n, key.n);
    ck_assert_mem_eq(out, key.b, key.n);
    struct mech_op *op = NULL;
    ck_assert_uint_eq(op_start(CKM_AES_KEY_WRAP_PAD, MECH_DECRYPT, NULL, 0, kek, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_out_len(op, want.n, false, &need, &exact), CKR_OK);
    ck_assert_uint_eq(need, want.n - 8);
    ck_assert(!exact);
    ck_assert_uint_eq(mech_op_out_len(op, 12, false, &need, &exact), CKR_ENCRYPTED_DATA_LEN_RANGE);
    mech_op_free(op);
    want.b[want.n - 1] ^= 0x80;
    ck_assert_uint_eq(
        oneshot(CKM_AES_KEY_WRAP_PAD, MECH_DECRYPT, NULL, 0, kek, want.b, want.n, out, &n),
        CKR_ENCRYPTED_DATA_INVALID);
    ck_assert_uint_eq(oneshot(CKM_AES_KEY_WRAP_PAD, MECH_ENCRYPT, NULL, 0, kek, key.b, 0, out, &n),
                      CKR_DATA_LEN_RANGE);
    mech_key_unref(kek);
}
END_TEST

/* ---- key export/import (PKCS#8) and wrapping with the other ciphers ---- */

/* RFC 8410 §7 layout: PrivateKeyInfo { 0, id-Ed25519, OCTET STRING {
 * OCTET STRING seed } }, here around RFC 8032 TEST 1's seed. */
static const char ED_PKCS8_PREFIX[] = "302e020100300506032b657004220420";

static struct attr_set *
completed(struct attr_set *a)
{
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE kt;
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_CLASS, &cls), CKR_OK);
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_KEY_TYPE, &kt), CKR_OK);
    ck_assert_uint_eq(mech_key_complete(cls, kt, a), CKR_OK);
    return a;
}

/* Export a private key, import it again, and expect exactly the material
 * attributes mech_key_complete() made for the original. */
static void
check_private_roundtrip(struct attr_set *orig, CK_KEY_TYPE kt, const CK_ATTRIBUTE_TYPE *types,
                        size_t ntypes)
{
    uint8_t *der = NULL;
    size_t len = 0;
    ck_assert_uint_eq(mech_key_export(orig, &der, &len), CKR_OK);
    struct attr_set *back = new_key_attrs(CKO_PRIVATE_KEY, kt);
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, kt, der, len, back), CKR_OK);
    for (size_t i = 0; i < ntypes; i++) {
        const struct attr *x = attr_set_find(orig, types[i]), *y = attr_set_find(back, types[i]);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        ck_assert_uint_eq(x->len, y->len);
        ck_assert_mem_eq(x->val, y->val, x->len);
    }
    ck_assert_uint_eq(attr_set_count(back), 2 + ntypes);
    free(der);
    attr_set_free(back);
}

START_TEST(test_pkcs8_ed25519_kat)
{
    uint8_t *der = NULL;
    size_t len = 0;
    struct attr_set *a = completed(ed_attrs(CKO_PRIVATE_KEY, 0, false));
    struct blob want = hx(ED_PKCS8_PREFIX), seed = hx(ed_kats[0].seed);
    memcpy(want.b + want.n, seed.b, seed.n);
    want.n += seed.n;
    ck_assert_uint_eq(mech_key_export(a, &der, &len), CKR_OK);
    ck_assert_uint_eq(len, want.n);
    ck_assert_mem_eq(der, want.b, want.n);
    free(der);
    static const CK_ATTRIBUTE_TYPE types[] = {CKA_EC_PARAMS, CKA_VALUE, CKA_EC_POINT,
                                              CKA_PUBLIC_KEY_INFO};
    check_private_roundtrip(a, CKK_EC_EDWARDS, types, 4);
    attr_set_free(a);
    /* A template naming the curve by name keeps that encoding. */
    struct attr_set *b = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
    put_hex(b, CKA_EC_PARAMS, NAME_ED25519);
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, want.b, want.n, b), CKR_OK);
    struct blob name = hx(NAME_ED25519);
    ck_assert_mem_eq(attr_set_find(b, CKA_EC_PARAMS)->val, name.b, name.n);
    ck_assert_mem_eq(attr_set_find(b, CKA_VALUE)->val, seed.b, seed.n);
    /* ... and one naming another curve is inconsistent. */
    ck_assert_uint_eq(attr_set_put(b, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, want.b, want.n, b),
                      CKR_TEMPLATE_INCONSISTENT);
    attr_set_free(b);
}
END_TEST

START_TEST(test_pkcs8_ec_rsa)
{
    static const CK_ATTRIBUTE_TYPE ec_types[] = {CKA_EC_PARAMS, CKA_VALUE, CKA_EC_POINT,
                                                 CKA_PUBLIC_KEY_INFO};
    static const CK_ATTRIBUTE_TYPE rsa_types[] = {
        CKA_MODULUS,    CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,        CKA_PRIME_2,
        CKA_EXPONENT_1, CKA_EXPONENT_2,      CKA_COEFFICIENT,      CKA_PUBLIC_KEY_INFO};
    struct attr_set *ec = completed(ec_attrs(CKO_PRIVATE_KEY));
    check_private_roundtrip(ec, CKK_EC, ec_types, 4);
    struct attr_set *rsa = completed(rsa_attrs(CKO_PRIVATE_KEY, true));
    check_private_roundtrip(rsa, CKK_RSA, rsa_types, 9);
    /* The exported EC key is one OpenSSL reads as the same key. */
    uint8_t *der = NULL;
    size_t len = 0;
    ck_assert_uint_eq(mech_key_export(ec, &der, &len), CKR_OK);
    const unsigned char *p = der;
    EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
    ck_assert_ptr_nonnull(pk);
    unsigned char *spki = NULL;
    int n = i2d_PUBKEY(pk, &spki);
    struct blob want = hx(P256_SPKI);
    ck_assert_int_eq(n, (int)want.n);
    ck_assert_mem_eq(spki, want.b, want.n);
    OPENSSL_free(spki);
    EVP_PKEY_free(pk);
    free(der);
    attr_set_free(ec);
    attr_set_free(rsa);
    /* RSAPrivateKey needs the CRT values. */
    struct attr_set *nocrt = completed(rsa_attrs(CKO_PRIVATE_KEY, false));
    ck_assert_uint_eq(mech_key_export(nocrt, &der, &len), CKR_KEY_NOT_WRAPPABLE);
    attr_set_free(nocrt);
}
END_TEST

START_TEST(test_pkcs8_errors)
{
    uint8_t *der = NULL, buf[512];
    size_t len = 0;
    struct attr_set *ec = completed(ec_attrs(CKO_PRIVATE_KEY));
    struct attr_set *pub = completed(ec_attrs(CKO_PUBLIC_KEY));
    struct attr_set *t = new_key_attrs(CKO_PRIVATE_KEY, CKK_RSA);
    ck_assert_uint_eq(mech_key_export(pub, &der, &len), CKR_KEY_NOT_WRAPPABLE);
    ck_assert_uint_eq(mech_key_export(ec, &der, &len), CKR_OK);
    ck_assert_uint_le(len, sizeof buf - 8);
    /* Of another type, truncated, with trailing garbage or zeros. */
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_RSA, der, len, t),
                      CKR_WRAPPED_KEY_INVALID);
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC, der, len - 1, t),
                      CKR_WRAPPED_KEY_INVALID);
    memcpy(buf, der, len);
    memset(buf + len, 0, 8);
    buf[len + 7] = 1;
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC, buf, len + 8, t),
                      CKR_WRAPPED_KEY_INVALID);
    ck_assert_uint_eq(attr_set_count(t), 2);
    buf[len + 7] = 0;
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC, buf, len + 8, t), CKR_OK);
    ck_assert_uint_eq(mech_key_import(CKO_PUBLIC_KEY, CKK_EC, der, len, t),
                      CKR_TEMPLATE_INCONSISTENT);
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_AES, der, len, t),
                      CKR_TEMPLATE_INCONSISTENT);
    ck_assert_uint_eq(mech_key_import(CKO_SECRET_KEY, CKK_EC, der, len, t),
                      CKR_TEMPLATE_INCONSISTENT);
    free(der);
    /* A curve credtoken lacks (secp256k1, made with the default context). */
    EVP_PKEY *k1 = EVP_EC_gen("secp256k1");
    ck_assert_ptr_nonnull(k1);
    unsigned char *p8 = NULL;
    PKCS8_PRIV_KEY_INFO *inf = EVP_PKEY2PKCS8(k1);
    int n = i2d_PKCS8_PRIV_KEY_INFO(inf, &p8);
    ck_assert_int_gt(n, 0);
    ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC, p8, (size_t)n, t),
                      CKR_CURVE_NOT_SUPPORTED);
    OPENSSL_free(p8);
    PKCS8_PRIV_KEY_INFO_free(inf);
    EVP_PKEY_free(k1);
    attr_set_free(ec);
    attr_set_free(pub);
    attr_set_free(t);
}
END_TEST

START_TEST(test_pkcs8_secret)
{
    uint8_t *out = NULL;
    size_t len = 0;
    CK_ULONG vlen = 0;
    struct blob v = hx(KW_KEY);
    struct attr_set *a = new_key_attrs(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
    ck_assert_uint_eq(attr_set_put(a, CKA_VALUE, v.b, 24), CKR_OK);
    ck_assert_uint_eq(mech_key_export(completed(a), &out, &len), CKR_OK);
    ck_assert_uint_eq(len, 24);
    ck_assert_mem_eq(out, v.b, 24);
    free(out);
    attr_set_free(a);
    /* Import: the value and its length; a template length truncates. */
    a = new_key_attrs(CKO_SECRET_KEY, CKK_AES);
    ck_assert_uint_eq(mech_key_import(CKO_SECRET_KEY, CKK_AES, v.b, 32, a), CKR_OK);
    ck_assert_uint_eq(attr_set_get_ulong(a, CKA_VALUE_LEN, &vlen), CKR_OK);
    ck_assert_uint_eq(vlen, 32);
    attr_set_free(a);
    a = new_key_attrs(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 20), CKR_OK);
    ck_assert_uint_eq(mech_key_import(CKO_SECRET_KEY, CKK_GENERIC_SECRET, v.b, 24, a), CKR_OK);
    ck_assert_uint_eq(attr_set_find(a, CKA_VALUE)->len, 20);
    ck_assert_uint_eq(attr_set_put_ulong(a, CKA_VALUE_LEN, 25), CKR_OK);
    ck_assert_uint_eq(mech_key_import(CKO_SECRET_KEY, CKK_GENERIC_SECRET, v.b, 24, a),
                      CKR_TEMPLATE_INCONSISTENT);
    attr_set_free(a);
    a = new_key_attrs(CKO_SECRET_KEY, CKK_AES);
    ck_assert_uint_eq(mech_key_import(CKO_SECRET_KEY, CKK_AES, v.b, 20, a),
                      CKR_WRAPPED_KEY_INVALID);
    ck_assert(!attr_set_has(a, CKA_VALUE));
    ck_assert_uint_eq(mech_key_import(CKO_SECRET_KEY, CKK_AES, v.b, 0, a), CKR_WRAPPED_KEY_INVALID);
    attr_set_free(a);
}
END_TEST

/* Wrap an EC private key under each mechanism that can carry it, unwrap,
 * import, and get the key back. */
START_TEST(test_wrap_roundtrip)
{
    uint8_t iv[16] = {7}, out[2048], ct[1024];
    CK_AES_CTR_PARAMS ctr = {128, {1}};
    CK_GCM_PARAMS gcm = {iv, 12, 96, (CK_BYTE_PTR) "aad", 3, 128};
    CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
    const struct {
        CK_MECHANISM m;
        bool rsa;
    } cases[] = {
        {{CKM_AES_KEY_WRAP_PAD, NULL, 0}, false},        {{CKM_AES_CBC_PAD, iv, 16}, false},
        {{CKM_AES_GCM, &gcm, sizeof gcm}, false},        {{CKM_AES_CTR, &ctr, sizeof ctr}, false},
        {{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep}, true}, {{CKM_RSA_PKCS, NULL, 0}, true},
    };
    struct attr_set *ec = completed(ec_attrs(CKO_PRIVATE_KEY));
    struct blob aes = hx(KW_KEK);
    struct mech_key *kek = aes_key(KW_KEK);
    struct mech_key *rpub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    struct mech_key *rpriv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    uint8_t *der = NULL;
    size_t derlen = 0;
    ck_assert_uint_eq(mech_key_export(ec, &der, &derlen), CKR_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mech_desc *d = mech_find(cases[i].m.mechanism);
        /* RSA carries the AES key (a PKCS#8 EC key is too long for it). */
        const uint8_t *in = cases[i].rsa ? aes.b : der;
        size_t in_len = cases[i].rsa ? aes.n : derlen, len = sizeof ct;
        ck_assert_uint_eq(
            mech_wrap(d, &cases[i].m, cases[i].rsa ? rpub : kek, in, in_len, ct, &len), CKR_OK);
        uint8_t *back = NULL;
        size_t blen = 0;
        ck_assert_uint_eq(
            mech_unwrap(d, &cases[i].m, cases[i].rsa ? rpriv : kek, ct, len, &back, &blen), CKR_OK);
        ck_assert_uint_eq(blen, in_len);
        ck_assert_mem_eq(back, in, in_len);
        if (!cases[i].rsa) {
            struct attr_set *t = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC);
            ck_assert_uint_eq(mech_key_import(CKO_PRIVATE_KEY, CKK_EC, back, blen, t), CKR_OK);
            ck_assert_mem_eq(attr_set_find(t, CKA_VALUE)->val, attr_set_find(ec, CKA_VALUE)->val,
                             32);
            attr_set_free(t);
        }
        free(back);
    }
    (void)out;
    free(der);
    attr_set_free(ec);
    mech_key_unref(kek);
    mech_key_unref(rpub);
    mech_key_unref(rpriv);
}
END_TEST

START_TEST(test_wrap_errors)
{
    uint8_t ct[1024], iv[16] = {0};
    size_t len = sizeof ct;
    uint8_t *back = NULL;
    size_t blen = 0;
    struct blob key = hx(KW_KEY);
    struct mech_key *kek = aes_key(KW_KEK);
    struct mech_key *rpub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    struct mech_key *rpriv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    CK_MECHANISM rsa = {CKM_RSA_PKCS, NULL, 0}, ecb = {CKM_AES_ECB, NULL, 0};
    CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0}, cbc = {CKM_AES_CBC_PAD, iv, 8};
    const struct mech_desc *drsa = mech_find(CKM_RSA_PKCS), *decb = mech_find(CKM_AES_ECB);
    /* A mechanism that cannot wrap, and keys of the wrong kind. */
    ck_assert_uint_eq(mech_wrap(mech_find(CKM_SHA256_HMAC), &hmac, kek, key.b, 32, ct, &len),
                      CKR_MECHANISM_INVALID);
    ck_assert_uint_eq(mech_wrap(mech_find(CKM_RSA_X_509), &rsa, rpub, key.b, 32, ct, &len),
                      CKR_MECHANISM_INVALID);
    ck_assert_uint_eq(mech_wrap(drsa, &rsa, kek, key.b, 32, ct, &len),
                      CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(mech_wrap(decb, &ecb, rpub, key.b, 32, ct, &len),
                      CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(mech_wrap(drsa, &rsa, rpub, key.b, 32, ct, &len), CKR_OK);
    ck_assert_uint_eq(mech_unwrap(drsa, &rsa, rpub, ct, len, &back, &blen),
                      CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(mech_unwrap(drsa, &rsa, rpriv, ct, len - 1, &back, &blen),
                      CKR_WRAPPED_KEY_LEN_RANGE);
    /* A fixed value below the modulus that is no PKCS#1 v1.5 block. */
    memset(ct, 1, len);
    ck_assert_uint_eq(mech_unwrap(drsa, &rsa, rpriv, ct, len, &back, &blen),
                      CKR_WRAPPED_KEY_INVALID);
    /* Inputs the cipher cannot take, and parameters it refuses. */
    len = sizeof ct;
    ck_assert_uint_eq(mech_wrap(drsa, &rsa, rpub, ct, 246, ct, &len), CKR_KEY_SIZE_RANGE);
    ck_assert_uint_eq(mech_wrap(decb, &ecb, kek, key.b, 20, ct, &len), CKR_OK);
    ck_assert_uint_eq(len, 32); /* zero-padded to two blocks */
    len = sizeof ct;
    ck_assert_uint_eq(mech_wrap(decb, &ecb, kek, key.b, 0, ct, &len), CKR_KEY_NOT_WRAPPABLE);
    ck_assert_uint_eq(mech_wrap(mech_find(CKM_AES_CBC_PAD), &cbc, kek, key.b, 20, ct, &len),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(mech_unwrap(decb, &ecb, kek, key.b, 20, &back, &blen),
                      CKR_WRAPPED_KEY_LEN_RANGE);
    /* ECB and CBC carry whole blocks. */
    ck_assert_uint_eq(mech_wrap(decb, &ecb, kek, key.b, 32, ct, &len), CKR_OK);
    ck_assert_uint_eq(mech_unwrap(decb, &ecb, kek, ct, len, &back, &blen), CKR_OK);
    ck_assert_uint_eq(blen, 32);
    ck_assert_mem_eq(back, key.b, 32);
    free(back);
    mech_key_unref(kek);
    mech_key_unref(rpub);
    mech_key_unref(rpriv);
}
END_TEST

/* ---- ECDH (NIST CAVS 14.1 ECC CDH Primitive, KAS_ECC_CDH_PrimitiveTest,
 * P-256 COUNT = 0) and the ANSI X9.63 KDF (NIST CAVS SP 800-135
 * ansx963_2001.rsp, SHA-256) ---- */

static const char CDH_QCAVS[] = "04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
                                "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac";
static const char CDH_DIUT[] = "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534";
static const char CDH_QIUT[] = "04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
                               "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141";
static const char CDH_ZIUT[] = "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b";

static struct mech_key *
cdh_key(void)
{
    struct attr_set *a = new_key_attrs(CKO_PRIVATE_KEY, CKK_EC);
    ck_assert_uint_eq(attr_set_put(a, CKA_EC_PARAMS, OID_P256, sizeof OID_P256), CKR_OK);
    put_hex(a, CKA_VALUE, CDH_DIUT);
    put_hex(a, CKA_EC_POINT, CDH_QIUT); /* checked against dIUT */
    return key_take(a);
}

static CK_RV
derive(CK_MECHANISM_TYPE type, void *param, CK_ULONG plen, struct mech_key *base, size_t want,
       struct blob *out)
{
    CK_MECHANISM m = {type, param, plen};
    uint8_t *p = NULL;
    size_t n = 0;
    CK_RV rv = mech_derive(mech_find(type), &m, base, want, &p, &n);
    if (rv == CKR_OK) {
        ck_assert_uint_le(n, sizeof out->b);
        memcpy(out->b, p, n);
        out->n = n;
        free(p);
    }
    return rv;
}

START_TEST(test_ecdh_cavs)
{
    struct blob z = hx(CDH_ZIUT), raw = hx(CDH_QCAVS), der = der_point(CDH_QCAVS), out;
    struct mech_key *k = cdh_key();
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, raw.n, raw.b};
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 0, &out), CKR_OK);
    ck_assert_uint_eq(out.n, 32);
    ck_assert_mem_eq(out.b, z.b, 32);
    /* The peer as CKA_EC_POINT would hold it, and compressed (y is even:
     * ...a4ac, so 02). */
    p.pPublicData = der.b;
    p.ulPublicDataLen = der.n;
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 32, &out), CKR_OK);
    ck_assert_mem_eq(out.b, z.b, 32);
    raw.b[0] = 0x02;
    p.pPublicData = raw.b;
    p.ulPublicDataLen = 33;
    /* Truncation keeps the trailing bytes (§2.3.10). */
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 16, &out), CKR_OK);
    ck_assert_uint_eq(out.n, 16);
    ck_assert_mem_eq(out.b, z.b + 16, 16);
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 33, &out),
                      CKR_TEMPLATE_INCONSISTENT);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_x963_kdf)
{
    uint8_t out[128];
    /* ansx963_2001.rsp [SHA-256] COUNT = 0: no SharedInfo, 128 bits. */
    struct blob z = hx("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08");
    struct blob want = hx("443024c3dae66b95e6f5670601558f71");
    ck_assert_uint_eq(derive_x963(CKM_SHA256, z.b, z.n, NULL, 0, out, 16), CKR_OK);
    ck_assert_mem_eq(out, want.b, 16);
    /* The 128-bit SharedInfo, 1024-bit key data case (several blocks). */
    z = hx("22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d");
    struct blob info = hx("75eef81aa3041e33b80971203d2c0c52");
    want = hx("c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e"
              "52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485"
              "500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269"
              "142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21");
    ck_assert_uint_eq(derive_x963(CKM_SHA256, z.b, z.n, info.b, info.n, out, 128), CKR_OK);
    ck_assert_mem_eq(out, want.b, 128);
}
END_TEST

/* ECDH then X9.63 on the CAVS Z; the expected values were computed once
 * with python-cryptography's X963KDF over ZIUT. */
START_TEST(test_ecdh_kdf)
{
    struct blob raw = hx(CDH_QCAVS), z = hx(CDH_ZIUT), out;
    uint8_t ref[32];
    struct mech_key *k = cdh_key();
    CK_ECDH1_DERIVE_PARAMS p = {CKD_SHA256_KDF, 9, (CK_BYTE_PTR) "credtoken", raw.n, raw.b};
    struct blob want = hx("51d17eb52fecfc88d330c854493ff8dfc8a7d5cb3d5657c742e4c28f9f94768a");
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 32, &out), CKR_OK);
    ck_assert_uint_eq(out.n, 32);
    ck_assert_mem_eq(out.b, want.b, 32);
    ck_assert_uint_eq(derive_x963(CKM_SHA256, z.b, z.n, (const uint8_t *)"credtoken", 9, ref, 32),
                      CKR_OK);
    ck_assert_mem_eq(out.b, ref, 32);
    p.kdf = CKD_SHA1_KDF;
    p.pSharedData = NULL;
    p.ulSharedDataLen = 0;
    want = hx("c93cfd15ba4148858a531b99624f93c6");
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 16, &out), CKR_OK);
    ck_assert_mem_eq(out.b, want.b, 16);
    /* Every other hash runs. */
    static const CK_ULONG kdfs[] = {CKD_SHA224_KDF, CKD_SHA384_KDF, CKD_SHA512_KDF};
    for (size_t i = 0; i < 3; i++) {
        p.kdf = kdfs[i];
        ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 100, &out), CKR_OK);
        ck_assert_uint_eq(out.n, 100);
    }
    /* A KDF needs a length. */
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 0, &out),
                      CKR_TEMPLATE_INCONSISTENT);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_ecdh_errors)
{
    struct blob raw = hx(CDH_QCAVS), out;
    struct mech_key *k = cdh_key();
    struct mech_key *pub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    struct mech_key *aes = aes_key(KW_KEK);
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, raw.n, raw.b};
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, pub, 0, &out),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, aes, 0, &out),
                      CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, 8, k, 0, &out), CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, NULL, 0, k, 0, &out), CKR_MECHANISM_PARAM_INVALID);
    /* CKD_NULL takes no shared data; unknown KDFs; no or bad points. */
    p.pSharedData = (CK_BYTE_PTR) "x";
    p.ulSharedDataLen = 1;
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 0, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.pSharedData = NULL;
    p.ulSharedDataLen = 0;
    p.kdf = CKD_SHA1_KDF_ASN1;
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 16, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.kdf = CKD_NULL;
    raw.b[64] ^= 1; /* off the curve */
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 0, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.ulPublicDataLen = 0;
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 0, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    /* A P-384 point against a P-256 key. */
    struct blob p384 = hx("04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
                          "5502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f"
                          "41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f");
    p.pPublicData = p384.b;
    p.ulPublicDataLen = p384.n;
    ck_assert_uint_eq(derive(CKM_ECDH1_DERIVE, &p, sizeof p, k, 0, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    /* Not a derivation mechanism. */
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    uint8_t *o = NULL;
    size_t n = 0;
    ck_assert_uint_eq(mech_derive(mech_find(CKM_ECDSA), &m, k, 0, &o, &n), CKR_MECHANISM_INVALID);
    mech_key_unref(k);
    mech_key_unref(pub);
    mech_key_unref(aes);
}
END_TEST

/* ---- HKDF (RFC 5869 §A.1-A.3: SHA-256 test cases 1-3) ---- */

static const struct {
    const char *ikm, *salt, *info, *prk, *okm;
} hkdf_kats[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
     "f0f1f2f3f4f5f6f7f8f9", "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
     "404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
     "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
     "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
};

START_TEST(test_hkdf_rfc5869)
{
    struct blob ikm = hx(hkdf_kats[_i].ikm), salt = hx(hkdf_kats[_i].salt);
    struct blob info = hx(hkdf_kats[_i].info), prk = hx(hkdf_kats[_i].prk);
    struct blob okm = hx(hkdf_kats[_i].okm), out;
    /* Test case 3 has no salt: CKF_HKDF_SALT_NULL. */
    CK_HKDF_PARAMS p = {
        CK_TRUE, CK_TRUE, CKM_SHA256, salt.n ? CKF_HKDF_SALT_DATA : CKF_HKDF_SALT_NULL,
        salt.b,  salt.n,  0,          info.b,
        info.n};
    struct mech_key *k = secret_key(_i == 1 ? CKK_HKDF : CKK_GENERIC_SECRET, ikm.b, ikm.n);
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, okm.n, &out), CKR_OK);
    ck_assert_uint_eq(out.n, okm.n);
    ck_assert_mem_eq(out.b, okm.b, okm.n);
    ck_assert_uint_eq(derive(CKM_HKDF_DATA, &p, sizeof p, k, okm.n, &out), CKR_OK);
    ck_assert_mem_eq(out.b, okm.b, okm.n);
    /* Extract alone: the PRK, whose length the mechanism knows. */
    p.bExpand = CK_FALSE;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 0, &out), CKR_OK);
    ck_assert_uint_eq(out.n, 32);
    ck_assert_mem_eq(out.b, prk.b, 32);
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 16, &out),
                      CKR_TEMPLATE_INCONSISTENT);
    mech_key_unref(k);
    /* Expand alone, from the PRK; the salt is then ignored, even a key. */
    k = secret_key(CKK_GENERIC_SECRET, prk.b, prk.n);
    p.bExtract = CK_FALSE;
    p.bExpand = CK_TRUE;
    p.ulSaltType = CKF_HKDF_SALT_KEY;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, okm.n, &out), CKR_OK);
    ck_assert_mem_eq(out.b, okm.b, okm.n);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_hkdf_errors)
{
    struct blob out;
    uint8_t ikm[32] = {1}, *big = NULL;
    size_t n = 0;
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, ikm, sizeof ikm);
    struct mech_key *aes = aes_key(KW_KEK);
    CK_HKDF_PARAMS p = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_NULL, NULL, 0, 0, NULL, 0};
    CK_MECHANISM m = {CKM_HKDF_DERIVE, &p, sizeof p};
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, aes, 32, &out),
                      CKR_KEY_TYPE_INCONSISTENT);
    /* Expanding: 1 to 255 HashLen bytes (RFC 5869 §2.3). */
    ck_assert_uint_eq(mech_derive(mech_find(CKM_HKDF_DERIVE), &m, k, 255 * 32, &big, &n), CKR_OK);
    ck_assert_uint_eq(n, 255 * 32);
    free(big);
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 255 * 32 + 1, &out),
                      CKR_TEMPLATE_INCONSISTENT);
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 0, &out), CKR_TEMPLATE_INCONSISTENT);
    /* SHA-1 and SHA-512 PRFs; anything else is refused. */
    p.prfHashMechanism = CKM_SHA_1;
    ck_assert_uint_eq(derive(CKM_HKDF_DATA, &p, sizeof p, k, 20, &out), CKR_OK);
    p.prfHashMechanism = CKM_SHA512;
    ck_assert_uint_eq(derive(CKM_HKDF_DATA, &p, sizeof p, k, 64, &out), CKR_OK);
    p.prfHashMechanism = CKM_MD5;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.prfHashMechanism = CKM_SHA256;
    /* A salt from a key object is not supported yet; unknown salt types
     * and missing data neither. */
    p.ulSaltType = CKF_HKDF_SALT_KEY;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.ulSaltType = 8;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.ulSaltType = CKF_HKDF_SALT_DATA;
    p.ulSaltLen = 4;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.ulSaltType = CKF_HKDF_SALT_NULL;
    p.ulInfoLen = 1;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    p.ulInfoLen = 0;
    p.bExtract = p.bExpand = CK_FALSE;
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    ck_assert_uint_eq(derive(CKM_HKDF_DERIVE, &p, sizeof p - 1, k, 32, &out),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(k);
    mech_key_unref(aes);
}
END_TEST

/* ---- saving operation state (mech_op_dup) ---- */

/* Start an op, feed the first half, copy it, then finish both with the
 * second half: the copy is independent and in the same state. */
static void
dup_halves(CK_MECHANISM_TYPE type, enum mech_fn fn, void *param, CK_ULONG plen, struct mech_key *k,
           const uint8_t *data, size_t len, struct blob *a, struct blob *b)
{
    struct mech_op *op = NULL, *copy = NULL, *late = NULL;
    CK_ULONG na = 0, nb = 0;
    ck_assert_uint_eq(op_start(type, fn, param, plen, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, data, len / 2, NULL, NULL), CKR_OK);
    ck_assert_uint_eq(mech_op_dup(op, &copy), CKR_OK);
    ck_assert_ptr_eq(mech_op_desc(copy), mech_find(type));
    ck_assert_int_eq(mech_op_fn(copy), fn);
    /* Finish the original first: the copy must not share its context. */
    ck_assert_uint_eq(mech_op_update(op, data + len / 2, len - len / 2, NULL, NULL), CKR_OK);
    ck_assert_uint_eq(mech_op_final(op, a->b, &na), CKR_OK);
    /* After the output, there is no state left to save. */
    ck_assert_uint_eq(mech_op_dup(op, &late), CKR_STATE_UNSAVEABLE);
    ck_assert_ptr_null(late);
    mech_op_free(op);
    ck_assert_uint_eq(mech_op_update(copy, data + len / 2, len - len / 2, NULL, NULL), CKR_OK);
    ck_assert_uint_eq(mech_op_final(copy, b->b, &nb), CKR_OK);
    mech_op_free(copy);
    a->n = na;
    b->n = nb;
}

START_TEST(test_dup_digest_mac)
{
    struct blob a, b;
    const uint8_t *tc2 = (const uint8_t *)TC2_DATA;
    /* Digests and HMACs: both halves give the known answer. */
    struct blob want = hx(digest_kats[_i].abc);
    dup_halves(digest_kats[_i].type, MECH_DIGEST, NULL, 0, NULL, (const uint8_t *)"abc", 3, &a, &b);
    ck_assert_uint_eq(a.n, want.n);
    ck_assert_mem_eq(a.b, want.b, want.n);
    ck_assert_mem_eq(b.b, want.b, want.n);
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, "Jefe", 4);
    want = hx(hmac_kats[_i].tc2);
    dup_halves(hmac_kats[_i].type, MECH_SIGN, NULL, 0, k, tc2, strlen(TC2_DATA), &a, &b);
    ck_assert_mem_eq(a.b, want.b, want.n);
    ck_assert_mem_eq(b.b, want.b, want.n);
    /* The copy holds its own key reference. */
    struct mech_op *op = NULL, *copy = NULL;
    ck_assert_uint_eq(op_start(CKM_SHA256_HMAC, MECH_VERIFY, NULL, 0, k, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_dup(op, &copy), CKR_OK);
    ck_assert_uint_eq(mech_key_refs(k), 3);
    mech_op_free(op);
    ck_assert_uint_eq(mech_op_update(copy, tc2, strlen(TC2_DATA), NULL, NULL), CKR_OK);
    want = hx(hmac_kats[2].tc2);
    ck_assert_uint_eq(mech_op_verify_final(copy, want.b, want.n), CKR_OK);
    mech_op_free(copy);
    ck_assert_uint_eq(mech_key_refs(k), 1);
    mech_key_unref(k);
    /* CMAC: RFC 4493 example 4, copied halfway. */
    k = aes_key(CMAC_K128);
    struct blob msg = hx(SP38A_P);
    want = hx(cmac_kats[3].mac);
    dup_halves(CKM_AES_CMAC, MECH_SIGN, NULL, 0, k, msg.b, 64, &a, &b);
    ck_assert_mem_eq(a.b, want.b, 16);
    ck_assert_mem_eq(b.b, want.b, 16);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_dup_signatures)
{
    struct blob a, b, sig = hx(RSA_SIG_ABC);
    const uint8_t *abc = (const uint8_t *)"abc";
    struct mech_key *rpriv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *rpub = key_take(rsa_attrs(CKO_PUBLIC_KEY, false));
    struct mech_key *epriv = key_take(ec_attrs(CKO_PRIVATE_KEY));
    struct mech_key *epub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    /* PKCS#1 v1.5: both halves give the openssl-made signature. */
    dup_halves(CKM_SHA256_RSA_PKCS, MECH_SIGN, NULL, 0, rpriv, abc, 3, &a, &b);
    ck_assert_mem_eq(a.b, sig.b, 256);
    ck_assert_mem_eq(b.b, sig.b, 256);
    /* Randomized schemes: both signatures verify. */
    CK_RSA_PKCS_PSS_PARAMS pp = {CKM_SHA384, CKG_MGF1_SHA384, 48};
    dup_halves(CKM_SHA384_RSA_PKCS_PSS, MECH_SIGN, &pp, sizeof pp, rpriv, abc, 3, &a, &b);
    ck_assert_uint_eq(verify(CKM_SHA384_RSA_PKCS_PSS, &pp, sizeof pp, rpub, "abc", 3, a.b, a.n),
                      CKR_OK);
    ck_assert_uint_eq(verify(CKM_SHA384_RSA_PKCS_PSS, &pp, sizeof pp, rpub, "abc", 3, b.b, b.n),
                      CKR_OK);
    dup_halves(CKM_ECDSA_SHA224, MECH_SIGN, NULL, 0, epriv, abc, 3, &a, &b);
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA224, NULL, 0, epub, "abc", 3, a.b, a.n), CKR_OK);
    ck_assert_uint_eq(verify(CKM_ECDSA_SHA224, NULL, 0, epub, "abc", 3, b.b, b.n), CKR_OK);
    /* A verification copied halfway: each copy verifies on its own. */
    struct mech_op *op = NULL, *copy = NULL;
    ck_assert_uint_eq(op_start(CKM_SHA256_RSA_PKCS, MECH_VERIFY, NULL, 0, rpub, &op), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, abc, 1, NULL, NULL), CKR_OK);
    ck_assert_uint_eq(mech_op_dup(op, &copy), CKR_OK);
    ck_assert_uint_eq(mech_op_update(op, abc + 1, 2, NULL, NULL), CKR_OK);
    ck_assert_uint_eq(mech_op_update(copy, abc + 1, 1, NULL, NULL), CKR_OK);
    ck_assert_uint_eq(mech_op_verify_final(op, sig.b, sig.n), CKR_OK);
    ck_assert_uint_eq(mech_op_verify_final(copy, sig.b, sig.n), CKR_SIGNATURE_INVALID);
    mech_op_free(op);
    mech_op_free(copy);
    mech_key_unref(rpriv);
    mech_key_unref(rpub);
    mech_key_unref(epriv);
    mech_key_unref(epub);
}
END_TEST

/* Single-part signatures and ciphers keep no state worth saving. */
START_TEST(test_dup_unsaveable)
{
    struct mech_op *op = NULL, *copy = NULL;
    uint8_t iv[16] = {0};
    CK_GCM_PARAMS gcm = {iv, 12, 96, NULL, 0, 128};
    struct mech_key *rpriv = key_take(rsa_attrs(CKO_PRIVATE_KEY, true));
    struct mech_key *epriv = key_take(ec_attrs(CKO_PRIVATE_KEY));
    struct mech_key *aes = aes_key(SP38A_K256);
    const struct {
        CK_MECHANISM_TYPE type;
        enum mech_fn fn;
        void *param;
        CK_ULONG plen;
        struct mech_key *k;
    } cases[] = {
        {CKM_ECDSA, MECH_SIGN, NULL, 0, epriv},
        {CKM_RSA_PKCS, MECH_SIGN, NULL, 0, rpriv},
        {CKM_RSA_PKCS, MECH_DECRYPT, NULL, 0, rpriv},
        {CKM_AES_CBC, MECH_ENCRYPT, iv, 16, aes},
        {CKM_AES_GCM, MECH_DECRYPT, &gcm, sizeof gcm, aes},
        {CKM_AES_KEY_WRAP, MECH_ENCRYPT, NULL, 0, aes},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_uint_eq(
            op_start(cases[i].type, cases[i].fn, cases[i].param, cases[i].plen, cases[i].k, &op),
            CKR_OK);
        ck_assert_uint_eq(mech_op_dup(op, &copy), CKR_STATE_UNSAVEABLE);
        ck_assert_ptr_null(copy);
        mech_op_free(op);
    }
    mech_key_unref(rpriv);
    mech_key_unref(epriv);
    mech_key_unref(aes);
}
END_TEST

/* ---- the registry as C_GetMechanismInfo reports it ---- */

START_TEST(test_registry_info_all)
{
    const CK_FLAGS ops = CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST |
                         CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER;
    const CK_FLAGS ec = CKF_EC_F_P | CKF_EC_NAMEDCURVE;
    for (size_t i = 0; i < mech_count(); i++) {
        const struct mech_desc *d = mech_at(i);
        CK_FLAGS f = d->info.flags;
        ck_assert_uint_ne(f, 0);
        ck_assert_uint_le(d->info.ulMinKeySize, d->info.ulMaxKeySize);
        /* A vtable exactly when a C_*Init can start an operation. */
        ck_assert_int_eq(d->ops != NULL, (f & ops) != 0);
        /* Wrapping runs through the cipher of C_Encrypt. */
        if (f & CKF_WRAP) ck_assert_uint_ne(f & CKF_ENCRYPT, 0);
        if (f & CKF_UNWRAP) ck_assert_uint_ne(f & CKF_DECRYPT, 0);
        if (f & CKF_DIGEST) ck_assert_uint_eq(d->info.ulMaxKeySize, 0);
        bool is_ec = mech_key_type_ok(d, CKK_EC) || mech_key_type_ok(d, CKK_EC_EDWARDS);
        ck_assert_int_eq((f & ec) == ec, is_ec);
    }
    const struct mech_desc *d = mech_find(CKM_AES_CBC_PAD);
    ck_assert_uint_eq(d->info.ulMinKeySize, 16);
    ck_assert_uint_eq(d->info.ulMaxKeySize, 32);
    ck_assert_uint_eq(d->info.flags, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
    ck_assert_uint_eq(mech_find(CKM_AES_GCM)->info.flags,
                      CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
    ck_assert_uint_eq(mech_find(CKM_AES_KEY_WRAP_PAD)->info.flags,
                      CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
    ck_assert_uint_eq(mech_find(CKM_AES_CMAC)->info.flags, CKF_SIGN | CKF_VERIFY);
    ck_assert_uint_eq(mech_find(CKM_AES_CMAC)->info.ulMaxKeySize, 32);
    ck_assert_uint_eq(mech_find(CKM_RSA_X_509)->info.flags & (CKF_WRAP | CKF_SIGN_RECOVER),
                      CKF_SIGN_RECOVER);
    d = mech_find(CKM_ECDH1_DERIVE);
    ck_assert_uint_eq(d->info.flags,
                      CKF_DERIVE | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS);
    ck_assert_uint_eq(d->info.ulMinKeySize, 256);
    d = mech_find(CKM_EDDSA);
    ck_assert_uint_eq(d->info.ulMinKeySize, 255);
    ck_assert_uint_eq(d->info.ulMaxKeySize, 255);
    ck_assert_uint_ne(d->info.flags & CKF_SIGN, 0);
    ck_assert_uint_eq(mech_find(CKM_HKDF_DATA)->info.flags, CKF_DERIVE);
    ck_assert(mech_key_type_ok(mech_find(CKM_HKDF_DERIVE), CKK_HKDF));
    ck_assert(mech_key_type_ok(mech_find(CKM_HKDF_DERIVE), CKK_GENERIC_SECRET));
    ck_assert(!mech_key_type_ok(mech_find(CKM_HKDF_DERIVE), CKK_AES));
    ck_assert(mech_key_type_ok(mech_find(CKM_SHA224_HMAC), CKK_SHA224_HMAC));
}
END_TEST

/* ---- every registered mechanism has a known-answer or round-trip test ---- */

/* CKM_CREDTOKEN_AWS_SIGV4 against AWS's published SigV4 test suite
 * ("get-vanilla": the example key, 20150830, us-east-1, service "service")
 * and against the key chain computed here with OpenSSL's HMAC. */
START_TEST(test_aws_sigv4)
{
    /* The suite's example key (AKIDEXAMPLE's secret). */
    static const char secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static const char sts[] = "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                              "20150830/us-east-1/service/aws4_request\n"
                              "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
    static const char want_hex[] =
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    struct mech_key *k = secret_key(CKK_GENERIC_SECRET, secret, strlen(secret));
    CK_CREDTOKEN_AWS_SIGV4_PARAMS p = {(CK_UTF8CHAR_PTR) "20150830",  8,
                                       (CK_UTF8CHAR_PTR) "us-east-1", 9,
                                       (CK_UTF8CHAR_PTR) "service",   7};
    uint8_t sig[1024];
    CK_ULONG n = sizeof sig;
    ck_assert_uint_eq(
        oneshot(CKM_CREDTOKEN_AWS_SIGV4, MECH_SIGN, &p, sizeof p, k, sts, strlen(sts), sig, &n),
        CKR_OK);
    ck_assert_uint_eq(n, 32);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sig[i]);
    ck_assert_str_eq(hex, want_hex);
    /* The same chain, step by step, with OpenSSL. */
    uint8_t k0[64], a[32], b[32];
    unsigned int len = 0;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, strlen(secret));
    HMAC(EVP_sha256(), k0, (int)(4 + strlen(secret)), (const uint8_t *)"20150830", 8, a, &len);
    HMAC(EVP_sha256(), a, 32, (const uint8_t *)"us-east-1", 9, b, &len);
    HMAC(EVP_sha256(), b, 32, (const uint8_t *)"service", 7, a, &len);
    HMAC(EVP_sha256(), a, 32, (const uint8_t *)"aws4_request", 12, b, &len);
    HMAC(EVP_sha256(), b, 32, (const uint8_t *)sts, strlen(sts), a, &len);
    ck_assert_int_eq(memcmp(a, sig, 32), 0);
    /* Verification, and the parameter checks. */
    ck_assert_uint_eq(verify(CKM_CREDTOKEN_AWS_SIGV4, &p, sizeof p, k, sts, strlen(sts), sig, 32),
                      CKR_OK);
    sig[0] ^= 1;
    ck_assert_uint_eq(verify(CKM_CREDTOKEN_AWS_SIGV4, &p, sizeof p, k, sts, strlen(sts), sig, 32),
                      CKR_SIGNATURE_INVALID);
    struct mech_op *op = NULL;
    ck_assert_uint_eq(op_start(CKM_CREDTOKEN_AWS_SIGV4, MECH_SIGN, NULL, 0, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    CK_CREDTOKEN_AWS_SIGV4_PARAMS bad = p;
    bad.pDate = (CK_UTF8CHAR_PTR) "2015083x";
    ck_assert_uint_eq(op_start(CKM_CREDTOKEN_AWS_SIGV4, MECH_SIGN, &bad, sizeof bad, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    bad = p;
    bad.pRegion = (CK_UTF8CHAR_PTR) "us/east";
    bad.ulRegionLen = 7;
    ck_assert_uint_eq(op_start(CKM_CREDTOKEN_AWS_SIGV4, MECH_SIGN, &bad, sizeof bad, k, &op),
                      CKR_MECHANISM_PARAM_INVALID);
    mech_key_unref(k);
}
END_TEST

START_TEST(test_mech_coverage)
{
    /* Built at run time: Check's test handles are variables. Each entry
     * names the test that exercises the mechanism (a standard's vector
     * where one exists, an openssl-made one or a round trip otherwise). */
    const struct {
        CK_MECHANISM_TYPE type;
        const TTest *test;
    } cover[] = {
        {CKM_RSA_PKCS_KEY_PAIR_GEN, test_rsa_keygen},
        {CKM_RSA_PKCS, test_rsa_pkcs_sign_kat},
        {CKM_RSA_X_509, test_rsa_recover_x509},
        {CKM_SHA1_RSA_PKCS, test_rsa_sha1_sha224},
        {CKM_RSA_PKCS_OAEP, test_rsa_oaep_roundtrip},
        {CKM_RSA_PKCS_PSS, test_rsa_pss_raw},
        {CKM_SHA1_RSA_PKCS_PSS, test_rsa_sha1_sha224},
        {CKM_SHA256_RSA_PKCS, test_rsa_pkcs_sign_kat},
        {CKM_SHA384_RSA_PKCS, test_rsa_hashed_multipart},
        {CKM_SHA512_RSA_PKCS, test_rsa_hashed_multipart},
        {CKM_SHA256_RSA_PKCS_PSS, test_rsa_pss_hashed},
        {CKM_SHA384_RSA_PKCS_PSS, test_rsa_pss_hashed},
        {CKM_SHA512_RSA_PKCS_PSS, test_rsa_pss_hashed},
        {CKM_SHA224_RSA_PKCS, test_rsa_sha1_sha224},
        {CKM_SHA224_RSA_PKCS_PSS, test_rsa_sha1_sha224},
        {CKM_SHA_1, test_digest_kat},
        {CKM_SHA_1_HMAC, test_hmac_rfc4231_tc1},
        {CKM_SHA256, test_digest_kat},
        {CKM_SHA256_HMAC, test_hmac_rfc4231_tc1},
        {CKM_SHA224, test_digest_kat},
        {CKM_SHA224_HMAC, test_hmac_rfc4231_tc1},
        {CKM_SHA384, test_digest_kat},
        {CKM_SHA384_HMAC, test_hmac_rfc4231_tc1},
        {CKM_SHA512, test_digest_kat},
        {CKM_SHA512_HMAC, test_hmac_rfc4231_tc1},
        {CKM_GENERIC_SECRET_KEY_GEN, test_generate_key},
        {CKM_EC_KEY_PAIR_GEN, test_ec_keygen},
        {CKM_ECDSA, test_ecdsa_verify_openssl},
        {CKM_ECDSA_SHA1, test_ecdsa_rfc6979_kat},
        {CKM_ECDSA_SHA224, test_ecdsa_rfc6979_kat},
        {CKM_ECDSA_SHA256, test_ecdsa_verify_openssl},
        {CKM_ECDSA_SHA384, test_ecdsa_hashed_multipart},
        {CKM_ECDSA_SHA512, test_ecdsa_hashed_multipart},
        {CKM_ECDH1_DERIVE, test_ecdh_cavs},
        {CKM_EC_EDWARDS_KEY_PAIR_GEN, test_ed_keygen},
        {CKM_EDDSA, test_eddsa_rfc8032},
        {CKM_AES_KEY_GEN, test_generate_key},
        {CKM_AES_ECB, test_aes_ecb_kat},
        {CKM_AES_CBC, test_aes_cbc_kat},
        {CKM_AES_CBC_PAD, test_aes_cbc_pad_kat},
        {CKM_AES_CTR, test_aes_ctr_kat},
        {CKM_AES_GCM, test_gcm_kat_encrypt},
        {CKM_AES_CMAC, test_cmac_rfc4493},
        {CKM_AES_CMAC_GENERAL, test_cmac_rfc4493},
        {CKM_AES_KEY_WRAP, test_aes_kw_rfc3394},
        {CKM_AES_KEY_WRAP_PAD, test_aes_kwp_rfc5649},
        {CKM_HKDF_DERIVE, test_hkdf_rfc5869},
        {CKM_HKDF_DATA, test_hkdf_rfc5869},
        {CKM_CREDTOKEN_AWS_SIGV4, test_aws_sigv4},
    };
    const size_t n = sizeof cover / sizeof cover[0];
    ck_assert_uint_eq(n, mech_count());
    for (size_t i = 0; i < mech_count(); i++) {
        size_t j = 0;
        while (j < n && cover[j].type != mech_at(i)->type)
            j++;
        ck_assert_msg(j < n, "mechanism 0x%lx has no test", mech_at(i)->type);
        ck_assert_ptr_nonnull(cover[j].test->fn);
    }
    for (size_t j = 0; j < n; j++)
        ck_assert_ptr_nonnull(mech_find(cover[j].type));
}
END_TEST

/* ---- suite ---- */

static TCase *
tc_new(Suite *s, const char *name, double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    /* Key generation is slow under valgrind. */
    tcase_set_timeout(tc, timeout);
    suite_add_tcase(s, tc);
    return tc;
}

static void
add_registry_key_tests(Suite *s)
{
    TCase *tc = tc_new(s, "registry", 10);
    tcase_add_test(tc, test_registry_sorted);
    tcase_add_test(tc, test_registry_find);
    tcase_add_test(tc, test_registry_info);
    tcase_add_test(tc, test_registry_key_type_ok);
    tcase_add_test(tc, test_registry_fn_flag);
    tcase_add_test(tc, test_registry_info_all);
    tcase_add_test(tc, test_mech_coverage);
    tcase_add_test(tc, test_aws_sigv4);
    tcase_add_test(tc, test_op_key_mismatch);
    tcase_add_test(tc, test_oneshot_after_update);
    tc = tc_new(s, "keys", 10);
    tcase_add_test(tc, test_key_refcount);
    tcase_add_test(tc, test_key_sizes);
    tcase_add_test(tc, test_key_new_errors);
    tcase_add_test(tc, test_key_complete_secret);
    tcase_add_test(tc, test_generate_key);
    tcase_add_test(tc, test_generate_key_errors);
}

static void
add_symmetric_tests(Suite *s)
{
    TCase *tc = tc_new(s, "digest_hmac", 10);
    tcase_add_loop_test(tc, test_digest_kat, 0, 5);
    tcase_add_loop_test(tc, test_digest_multipart, 0, 5);
    tcase_add_test(tc, test_digest_param_invalid);
    tcase_add_loop_test(tc, test_hmac_rfc4231_tc1, 0, 5);
    tcase_add_loop_test(tc, test_hmac_rfc4231_tc2, 0, 5);
    tcase_add_loop_test(tc, test_hmac_multipart, 0, 5);
    tcase_add_test(tc, test_hmac_verify_invalid);
    tcase_add_test(tc, test_hmac_signature_len_range);
    tcase_add_test(tc, test_hmac_key_size_range);
    tc = tc_new(s, "aes_gcm", 10);
    tcase_add_test(tc, test_gcm_kat_encrypt);
    tcase_add_test(tc, test_gcm_kat_decrypt);
    tcase_add_test(tc, test_gcm_multipart_encrypt);
    tcase_add_test(tc, test_gcm_multipart_decrypt);
    tcase_add_test(tc, test_gcm_tag_invalid);
    tcase_add_test(tc, test_gcm_short_ciphertext);
    tcase_add_test(tc, test_gcm_params_invalid);
    tcase_add_test(tc, test_gcm_tag_lengths);
    tcase_add_test(tc, test_gcm_out_len);
    tcase_add_test(tc, test_gcm_key_size);
    tc = tc_new(s, "aes_modes", 10);
    tcase_add_test(tc, test_aes_ecb_kat);
    tcase_add_test(tc, test_aes_cbc_kat);
    tcase_add_test(tc, test_aes_ctr_kat);
    tcase_add_test(tc, test_aes_cbc_pad_kat);
    tcase_add_test(tc, test_aes_block_errors);
    tcase_add_test(tc, test_aes_ctr_counter);
    tcase_add_loop_test(tc, test_cmac_rfc4493, 0, 4);
    tcase_add_test(tc, test_cmac_errors);
    tcase_add_test(tc, test_aes_kw_rfc3394);
    tcase_add_test(tc, test_aes_kw_iv);
    tcase_add_loop_test(tc, test_aes_kwp_rfc5649, 0, 2);
    tc = tc_new(s, "dup", 30);
    tcase_add_loop_test(tc, test_dup_digest_mac, 0, 5);
    tcase_add_test(tc, test_dup_signatures);
    tcase_add_test(tc, test_dup_unsaveable);
}

static void
add_rsa_tests(Suite *s)
{
    TCase *tc = tc_new(s, "rsa", 120);
    tcase_add_test(tc, test_rsa_complete_public);
    tcase_add_loop_test(tc, test_rsa_pkcs_sign_kat, 0, 2);
    tcase_add_test(tc, test_rsa_pkcs_verify_kat);
    tcase_add_test(tc, test_rsa_hashed_multipart);
    tcase_add_test(tc, test_rsa_pkcs_data_len_range);
    tcase_add_test(tc, test_rsa_signature_len_range);
    tcase_add_test(tc, test_rsa_x509_sign_verify);
    tcase_add_test(tc, test_rsa_x509_encrypt_decrypt);
    tcase_add_test(tc, test_rsa_x509_data_invalid);
    tcase_add_test(tc, test_rsa_pkcs_encrypt_decrypt);
    tcase_add_test(tc, test_rsa_oaep_roundtrip);
    tcase_add_test(tc, test_rsa_oaep_params_invalid);
    tcase_add_test(tc, test_rsa_pss_raw);
    tcase_add_test(tc, test_rsa_pss_hashed);
    tcase_add_test(tc, test_rsa_pss_params_invalid);
    tcase_add_test(tc, test_rsa_single_part);
    tcase_add_test(tc, test_rsa_key_size_range);
    tcase_add_test(tc, test_rsa_complete_errors);
    tcase_add_test(tc, test_rsa_keygen);
    tcase_add_test(tc, test_rsa_keygen_errors);
    tcase_add_loop_test(tc, test_rsa_sha1_sha224, 0, 2);
    tcase_add_test(tc, test_rsa_recover_pkcs);
    tcase_add_test(tc, test_rsa_recover_x509);
}

static void
add_ec_tests(Suite *s)
{
    TCase *tc = tc_new(s, "ec", 60);
    tcase_add_test(tc, test_ec_import_matches_openssl);
    tcase_add_test(tc, test_ec_public_import_forms);
    tcase_add_test(tc, test_ec_point_invalid);
    tcase_add_test(tc, test_ec_private_invalid);
    tcase_add_test(tc, test_ec_params);
    tcase_add_test(tc, test_ecdsa_sign_verify);
    tcase_add_test(tc, test_ecdsa_verify_openssl);
    tcase_add_test(tc, test_ecdsa_hashed_multipart);
    tcase_add_test(tc, test_ecdsa_signature_errors);
    tcase_add_test(tc, test_ecdsa_single_part);
    tcase_add_test(tc, test_ec_keygen);
    tcase_add_test(tc, test_ec_keygen_errors);
    tcase_add_test(tc, test_ecdsa_rfc6979_kat);
    tcase_add_loop_test(tc, test_eddsa_rfc8032, 0, 2);
    tcase_add_test(tc, test_eddsa_params_and_parts);
    tcase_add_test(tc, test_ed_key_errors);
    tcase_add_test(tc, test_ed_keygen);
    tcase_add_test(tc, test_ecdh_cavs);
    tcase_add_test(tc, test_x963_kdf);
    tcase_add_test(tc, test_ecdh_kdf);
    tcase_add_test(tc, test_ecdh_errors);
}

static void
add_key_management_tests(Suite *s)
{
    TCase *tc = tc_new(s, "wrap_pkcs8", 60);
    tcase_add_test(tc, test_pkcs8_ed25519_kat);
    tcase_add_test(tc, test_pkcs8_ec_rsa);
    tcase_add_test(tc, test_pkcs8_errors);
    tcase_add_test(tc, test_pkcs8_secret);
    tcase_add_test(tc, test_wrap_roundtrip);
    tcase_add_test(tc, test_wrap_errors);
    tc = tc_new(s, "hkdf", 10);
    tcase_add_loop_test(tc, test_hkdf_rfc5869, 0, 3);
    tcase_add_test(tc, test_hkdf_errors);
}

int
main(void)
{
    Suite *s = suite_create("mech");
    add_registry_key_tests(s);
    add_symmetric_tests(s);
    add_rsa_tests(s);
    add_ec_tests(s);
    add_key_management_tests(s);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
