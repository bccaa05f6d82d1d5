/*
 * ec_key.c: EC key material. Attributes to EVP_PKEY (mech_key_new),
 * validation and derived attributes (C_CreateObject), and key pair
 * generation (C_GenerateKeyPair with CKM_EC_KEY_PAIR_GEN).
 *
 * CKA_EC_POINT is always stored as a DER OCTET STRING holding the
 * uncompressed point; on import a bare point is accepted too, because
 * applications disagree (PKCS#11 3.0 §2.3.3 says DER).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "mech/family.h"
#include "mech/ossl.h"

static CK_RV
ec_key_curve(const struct attr_set *a, const struct curve **c)
{
    const struct attr *p = attr_set_find(a, CKA_EC_PARAMS);
    if (p == NULL) return CKR_TEMPLATE_INCOMPLETE;
    return curves_find(p->val, p->len, c);
}

/* CKA_VALUE of an EC private key: the big-endian scalar, at most as long as
 * the order. *out is a secure, constant-time BIGNUM. */
static CK_RV
ec_key_scalar(const struct curve *c, const struct attr_set *a, BIGNUM **out)
{
    const struct attr *v = attr_set_find(a, CKA_VALUE);
    if (v == NULL) return CKR_TEMPLATE_INCOMPLETE;
    if (v->len == 0 || v->len > c->field_len) return CKR_ATTRIBUTE_VALUE_INVALID;
    BIGNUM *d = BN_secure_new();
    if (d == NULL) return CKR_HOST_MEMORY;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_bin2bn(v->val, (int)v->len, d) == NULL) {
        BN_clear_free(d);
        return ossl_fail("ec scalar", CKR_HOST_MEMORY);
    }
    *out = d;
    return CKR_OK;
}

/*
 * The curve, the private scalar (private keys only; NULL for public) and
 * the uncompressed public point of a key object. A private key's point is
 * computed from the scalar; a CKA_EC_POINT given with it must agree.
 */
static CK_RV
ec_key_material(const struct attr_set *a, CK_OBJECT_CLASS cls, const struct curve **c, BIGNUM **d,
                uint8_t raw[CURVES_MAX_POINT])
{
    uint8_t given[CURVES_MAX_POINT];
    const struct attr *pt = attr_set_find(a, CKA_EC_POINT);
    CK_RV rv = ec_key_curve(a, c);
    if (rv != CKR_OK) return rv;
    size_t len = 1 + 2 * (*c)->field_len;
    *d = NULL;
    if (cls == CKO_PUBLIC_KEY) {
        if (pt == NULL) return CKR_TEMPLATE_INCOMPLETE;
        return curves_point_decode(*c, pt->val, pt->len, raw);
    }
    rv = ec_key_scalar(*c, a, d);
    if (rv == CKR_OK) rv = curves_point_mul(*c, *d, raw);
    if (rv == CKR_OK && pt != NULL) {
        rv = curves_point_decode(*c, pt->val, pt->len, given);
        /* Public values: no need for a constant-time comparison. */
        if (rv == CKR_OK && memcmp(given, raw, len) != 0) rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (rv != CKR_OK) {
        BN_clear_free(*d);
        *d = NULL;
    }
    return rv;
}

/* d may be NULL: the EVP_PKEY then holds the public half only. */
static CK_RV
ec_key_build(const struct curve *c, const BIGNUM *d, const uint8_t *raw, EVP_PKEY **out)
{
    CK_RV rv = CKR_HOST_MEMORY;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld == NULL) goto out;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->name, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, raw, 1 + 2 * c->field_len) !=
            1)
        goto out;
    if (d != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1) goto out;
    rv = mech_key_fromdata("EC", d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, bld, out);
out:
    OSSL_PARAM_BLD_free(bld);
    return rv;
}

CK_RV
ec_key_public(const struct curve *c, const uint8_t *raw, EVP_PKEY **out)
{
    return ec_key_build(c, NULL, raw, out);
}

CK_RV
ec_key_load(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out, CK_ULONG *bits)
{
    const struct curve *c;
    BIGNUM *d = NULL;
    uint8_t raw[CURVES_MAX_POINT];
    CK_RV rv = ec_key_material(a, cls, &c, &d, raw);
    if (rv != CKR_OK) return rv;
    rv = ec_key_build(c, d, raw, out);
    if (rv == CKR_OK) *bits = c->bits;
    BN_clear_free(d);
    return rv;
}

CK_RV
ec_key_complete(CK_OBJECT_CLASS cls, struct attr_set *a)
{
    const struct curve *c;
    BIGNUM *d = NULL;
    EVP_PKEY *pub = NULL;
    uint8_t raw[CURVES_MAX_POINT];
    CK_RV rv = ec_key_material(a, cls, &c, &d, raw);
    if (rv != CKR_OK) return rv;
    /* The scalar was only needed to check it and derive the point. */
    BN_clear_free(d);
    size_t len = 1 + 2 * c->field_len;
    rv = curves_put_point(a, raw, len);
    if (rv == CKR_OK) rv = ec_key_build(c, NULL, raw, &pub);
    if (rv == CKR_OK) rv = mech_key_put_spki(pub, a);
    EVP_PKEY_free(pub);
    return rv;
}

static CK_RV
ec_key_gen_pkey(const struct curve *c, EVP_PKEY **out)
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_PKEY_CTX *ctx = mech_pkey_ctx_for("EC");
    if (ctx == NULL) return ossl_fail("ec keygen", CKR_HOST_MEMORY);
    if (EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_group_name(ctx, c->name) == 1 &&
        EVP_PKEY_generate(ctx, out) == 1)
        rv = CKR_OK;
    EVP_PKEY_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail("ec keygen", rv);
}

CK_RV
ec_key_generate(struct attr_set *pub, struct attr_set *priv)
{
    const struct curve *c;
    EVP_PKEY *pkey = NULL;
    BIGNUM *d = NULL;
    uint8_t raw[CURVES_MAX_POINT];
    size_t rawlen = 0;
    CK_RV rv = ec_key_curve(pub, &c);
    if (rv != CKR_OK) return rv;
    const struct attr *params = attr_set_find(pub, CKA_EC_PARAMS);
    rv = ec_key_gen_pkey(c, &pkey);
    if (rv != CKR_OK) goto out;
    rv = CKR_HOST_MEMORY;
    d = BN_secure_new();
    if (d == NULL) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, raw, sizeof raw, &rawlen) !=
            1 ||
        rawlen != 1 + 2 * c->field_len || raw[0] != 0x04)
        goto out;
    rv = attr_set_put(priv, CKA_EC_PARAMS, params->val, params->len);
    if (rv == CKR_OK) rv = mech_key_put_bn(priv, CKA_VALUE, d, c->field_len);
    if (rv == CKR_OK) rv = curves_put_point(priv, raw, rawlen);
    if (rv == CKR_OK) rv = curves_put_point(pub, raw, rawlen);
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, pub);
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, priv);
out:
    BN_clear_free(d);
    EVP_PKEY_free(pkey);
    return rv == CKR_FUNCTION_FAILED ? ossl_fail("ec keygen", rv) : rv;
}

CK_RV
mech_ec_curve_bits(const struct attr_set *a, CK_ULONG *bits)
{
    const struct attr *p = attr_set_find(a, CKA_EC_PARAMS);
    const struct curve *c;
    if (p == NULL) return CKR_TEMPLATE_INCOMPLETE;
    CK_RV rv = curves_find(p->val, p->len, &c);
    if (rv == CKR_OK) *bits = c->bits;
    return rv;
}
