/*
 * test_mech.c: the mechanism layer (src/mech/) through mech.h, with
 * known-answer vectors from the standards and from the openssl command line.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mech/family.h"
#include "mech/mech.h"
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
    ck_assert_ptr_null(mech_find(CKM_AES_CBC));
    ck_assert_ptr_null(mech_find(CKM_VENDOR_DEFINED));
}
END_TEST

START_TEST(test_registry_info)
{
    const struct mech_desc *d = mech_find(CKM_RSA_PKCS);
    ck_assert_uint_eq(d->info.ulMinKeySize, 1024);
    ck_assert_uint_eq(d->info.ulMaxKeySize, 4096);
    ck_assert_uint_eq(d->info.flags, CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT);
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
    ck_assert_uint_eq(mech_find(CKM_RSA_PKCS_OAEP)->info.flags, CKF_ENCRYPT | CKF_DECRYPT);
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

/* ---- digests (FIPS 180-4 examples: the message "abc") ---- */

static const struct {
    CK_MECHANISM_TYPE type;
    const char *abc;
} digest_kats[] = {
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

/* ---- HMAC (RFC 4231 test cases 1 and 2) ---- */

static const struct {
    CK_MECHANISM_TYPE type;
    const char *tc1, *tc2;
} hmac_kats[] = {
    {CKM_SHA256_HMAC, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {CKM_SHA384_HMAC,
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9"
     "cb6",
     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21"
     "649"},
    {CKM_SHA512_HMAC,
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
    static const CK_KEY_TYPE kts[] = {CKK_SHA256_HMAC, CKK_SHA384_HMAC, CKK_SHA512_HMAC};
    struct mech_key *k = secret_key(kts[_i], "Jefe", 4);
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
    struct blob sig = hx(hmac_kats[0].tc2);
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
    struct blob sig = hx(hmac_kats[0].tc2);
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
    static const CK_MECHANISM_TYPE ms[] = {CKM_ECDSA_SHA256, CKM_ECDSA_SHA384, CKM_ECDSA_SHA512};
    uint8_t sig[1024], data[200];
    CK_ULONG n = 0;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    struct mech_key *priv = key_take(ec_attrs(CKO_PRIVATE_KEY));
    struct mech_key *pub = key_take(ec_attrs(CKO_PUBLIC_KEY));
    for (size_t i = 0; i < 3; i++) {
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
    tcase_add_loop_test(tc, test_digest_kat, 0, 3);
    tcase_add_loop_test(tc, test_digest_multipart, 0, 3);
    tcase_add_test(tc, test_digest_param_invalid);
    tcase_add_loop_test(tc, test_hmac_rfc4231_tc1, 0, 3);
    tcase_add_loop_test(tc, test_hmac_rfc4231_tc2, 0, 3);
    tcase_add_loop_test(tc, test_hmac_multipart, 0, 3);
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
}

int
main(void)
{
    Suite *s = suite_create("mech");
    add_registry_key_tests(s);
    add_symmetric_tests(s);
    add_rsa_tests(s);
    add_ec_tests(s);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
