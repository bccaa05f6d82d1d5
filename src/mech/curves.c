/*
 * curves.c: the named curves credtoken supports, matched by the DER OID in
 * CKA_EC_PARAMS, and the encodings of their points.
 *
 * EC_GROUP, EC_POINT_mul and EC_POINT_oct2point are not deprecated in
 * OpenSSL 3 (EC_KEY is); every group is built on the private libctx.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include "mech/family.h"
#include "mech/ossl.h"

/* RFC 5480 §2.1.1.1: id-prime256v1 (1.2.840.10045.3.1.7) and secp384r1
 * (1.3.132.0.34). */
static const uint8_t curves_p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                          0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t curves_p384_oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

static const struct curve curves_table[] = {
    {"prime256v1", NID_X9_62_prime256v1, curves_p256_oid, sizeof curves_p256_oid, 32, 256},
    {"secp384r1", NID_secp384r1, curves_p384_oid, sizeof curves_p384_oid, 48, 384},
};

/* The length of the DER element starting at p (tag, length, contents), or 0
 * when p[0..len) is not exactly one element with a definite length. */
static size_t
curves_der_header(const uint8_t *p, size_t len, size_t *content_len)
{
    if (len < 2) return 0;
    size_t hdr, n;
    if (p[1] < 0x80) {
        hdr = 2;
        n = p[1];
    } else if (p[1] == 0x81 && len >= 3 && p[2] >= 0x80) {
        hdr = 3;
        n = p[2];
    } else if (p[1] == 0x82 && len >= 4 && p[2] != 0) {
        hdr = 4;
        n = (size_t)p[2] << 8 | p[3];
    } else {
        return 0;
    }
    if (len - hdr != n) return 0;
    *content_len = n;
    return hdr;
}

/* RFC 8410 §3: id-Ed25519 (1.3.101.112); PKCS#11 3.0 §2.3.5 also names
 * the curve by the PrintableString "edwards25519". */
const uint8_t curves_ed25519_oid[5] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t curves_ed25519_name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                              'd',  's',  '2', '5', '5', '1', '9'};

CK_RV
curves_find_edwards(const uint8_t *params, size_t len)
{
    size_t n;
    if (params == NULL || curves_der_header(params, len, &n) == 0)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if (len == sizeof curves_ed25519_oid && memcmp(params, curves_ed25519_oid, len) == 0)
        return CKR_OK;
    if (len == sizeof curves_ed25519_name && memcmp(params, curves_ed25519_name, len) == 0)
        return CKR_OK;
    /* edwards448, a Weierstrass curve, explicit parameters... */
    return CKR_CURVE_NOT_SUPPORTED;
}

const struct curve *
curves_by_name(const char *group)
{
    /* OpenSSL reports the short name ("prime256v1"); accept the NIST
     * alias ("P-256") too. */
    int nid = OBJ_sn2nid(group);
    if (nid == NID_undef) nid = EC_curve_nist2nid(group);
    for (size_t i = 0; i < sizeof curves_table / sizeof curves_table[0]; i++)
        if (curves_table[i].nid == nid && nid != NID_undef) return &curves_table[i];
    return NULL;
}

CK_RV
curves_find(const uint8_t *params, size_t len, const struct curve **out)
{
    for (size_t i = 0; i < sizeof curves_table / sizeof curves_table[0]; i++) {
        const struct curve *c = &curves_table[i];
        if (len == c->oid_len && memcmp(params, c->oid, len) == 0) {
            *out = c;
            return CKR_OK;
        }
    }
    size_t n;
    if (params == NULL || curves_der_header(params, len, &n) == 0)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    /* Another OID, explicit parameters, or a printable curve name. */
    return CKR_CURVE_NOT_SUPPORTED;
}

/* Whether p is a bare SEC 1 point of this curve (compressed or not). */
static bool
curves_is_raw(const struct curve *c, const uint8_t *p, size_t len)
{
    if (len == 1 + c->field_len) return p[0] == 0x02 || p[0] == 0x03;
    if (len == 1 + 2 * c->field_len) return p[0] == 0x04;
    return false;
}

static CK_RV
curves_group_new(const struct curve *c, EC_GROUP **g, BN_CTX **bnctx)
{
    *g = EC_GROUP_new_by_curve_name_ex(ossl_libctx(), NULL, c->nid);
    *bnctx = BN_CTX_secure_new_ex(ossl_libctx());
    if (*g == NULL || *bnctx == NULL) return ossl_fail("ec group", CKR_HOST_MEMORY);
    return CKR_OK;
}

static CK_RV
curves_point_out(const struct curve *c, const EC_GROUP *g, const EC_POINT *pt, BN_CTX *bnctx,
                 uint8_t *raw)
{
    size_t want = 1 + 2 * c->field_len;
    if (EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, raw, want, bnctx) != want)
        return ossl_fail("ec point encode", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

CK_RV
curves_point_decode(const struct curve *c, const uint8_t *in, size_t len, uint8_t *raw)
{
    EC_GROUP *g = NULL;
    EC_POINT *pt = NULL;
    BN_CTX *bnctx = NULL;
    size_t n, hdr;
    CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;
    if (in == NULL) return rv;
    if (!curves_is_raw(c, in, len)) {
        /* Not a bare point: it must be one DER OCTET STRING holding one. */
        hdr = curves_der_header(in, len, &n);
        if (hdr == 0 || in[0] != 0x04 || !curves_is_raw(c, in + hdr, n)) return rv;
        in += hdr;
        len = n;
    }
    rv = curves_group_new(c, &g, &bnctx);
    if (rv != CKR_OK) goto out;
    pt = EC_POINT_new(g);
    if (pt == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    /* oct2point rejects points off the curve; the explicit check says so. */
    rv = CKR_ATTRIBUTE_VALUE_INVALID;
    if (EC_POINT_oct2point(g, pt, in, len, bnctx) != 1) goto out;
    if (EC_POINT_is_on_curve(g, pt, bnctx) != 1 || EC_POINT_is_at_infinity(g, pt)) goto out;
    rv = curves_point_out(c, g, pt, bnctx, raw);
out:
    EC_POINT_free(pt);
    BN_CTX_free(bnctx);
    EC_GROUP_free(g);
    return rv == CKR_ATTRIBUTE_VALUE_INVALID ? ossl_fail("ec point", rv) : rv;
}

CK_RV
curves_point_mul(const struct curve *c, const BIGNUM *d, uint8_t *raw)
{
    EC_GROUP *g = NULL;
    EC_POINT *pt = NULL;
    BN_CTX *bnctx = NULL;
    CK_RV rv = curves_group_new(c, &g, &bnctx);
    if (rv != CKR_OK) goto out;
    /* The private value must be in [1, n-1] (SEC 1 §3.2.1). */
    rv = CKR_ATTRIBUTE_VALUE_INVALID;
    if (BN_is_zero(d) || BN_is_negative(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) goto out;
    pt = EC_POINT_new(g);
    if (pt == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    /* A generator-only multiplication takes OpenSSL's constant-time path. */
    if (EC_POINT_mul(g, pt, d, NULL, NULL, bnctx) != 1) {
        rv = ossl_fail("ec point mul", CKR_FUNCTION_FAILED);
        goto out;
    }
    rv = curves_point_out(c, g, pt, bnctx, raw);
out:
    EC_POINT_free(pt);
    BN_CTX_free(bnctx);
    EC_GROUP_free(g);
    return rv;
}

CK_RV
curves_put_point(struct attr_set *a, const uint8_t *raw, size_t len)
{
    uint8_t der[2 + CURVES_MAX_POINT];
    if (len > CURVES_MAX_POINT) return CKR_FUNCTION_FAILED;
    /* CKA_EC_POINT is DER OCTET STRING (PKCS#11 3.0 §2.3.3); every point
     * we support is shorter than 128 bytes, so the length is one byte. */
    der[0] = 0x04;
    der[1] = (uint8_t)len;
    memcpy(der + 2, raw, len);
    return attr_set_put(a, CKA_EC_POINT, der, (CK_ULONG)(len + 2));
}
