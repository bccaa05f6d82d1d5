/*
 * pkcs8.c: the form in which a key travels inside a wrap (mech.h; PKCS#11
 * 3.0 current mechanisms §2.7, "Wrapping/unwrapping private keys"): a
 * secret key's CKA_VALUE, or a private key's PKCS#8 PrivateKeyInfo
 * (RFC 5208; RFC 8410 for Ed25519).
 *
 * Encoding and decoding run through OSSL_ENCODER/OSSL_DECODER on the
 * private library context. Import rebuilds the object's attributes the way
 * C_CreateObject does (mech_key_complete), in a scratch set that is merged
 * into the caller's only on success, so a failure leaves attrs untouched.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

/* ---- export ---- */

static CK_RV
pkcs8_export_secret(const struct attr_set *a, uint8_t **out, size_t *len)
{
    const struct attr *v = attr_set_find(a, CKA_VALUE);
    if (v == NULL || v->len == 0) return CKR_FUNCTION_FAILED;
    uint8_t *p = malloc(v->len);
    if (p == NULL) return CKR_HOST_MEMORY;
    memcpy(p, v->val, v->len);
    *out = p;
    *len = v->len;
    return CKR_OK;
}

/* PrivateKeyInfo DER of pkey into malloc'ed memory (OpenSSL's copy is
 * cleared: the caller frees ours with wipe_free). */
static CK_RV
pkcs8_encode(EVP_PKEY *pkey, uint8_t **out, size_t *len)
{
    unsigned char *der = NULL;
    size_t derlen = 0;
    CK_RV rv = CKR_FUNCTION_FAILED;
    OSSL_ENCODER_CTX *ctx =
        OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
    if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0) goto out;
    if (OSSL_ENCODER_to_data(ctx, &der, &derlen) != 1 || derlen == 0) goto out;
    rv = CKR_HOST_MEMORY;
    uint8_t *p = malloc(derlen);
    if (p == NULL) goto out;
    memcpy(p, der, derlen);
    *out = p;
    *len = derlen;
    rv = CKR_OK;
out:
    OPENSSL_clear_free(der, derlen);
    OSSL_ENCODER_CTX_free(ctx);
    return rv == CKR_FUNCTION_FAILED ? ossl_fail("pkcs8 encode", rv) : rv;
}

static CK_RV
pkcs8_export_private(const struct attr_set *a, CK_KEY_TYPE kt, uint8_t **out, size_t *len)
{
    EVP_PKEY *pkey = NULL;
    CK_ULONG bits;
    CK_RV rv;
    switch (kt) {
    case CKK_EC:
        rv = ec_key_load(a, CKO_PRIVATE_KEY, &pkey, &bits);
        break;
    case CKK_EC_EDWARDS:
        rv = ed_key_load(a, CKO_PRIVATE_KEY, &pkey, &bits);
        break;
    case CKK_RSA:
        /* RSAPrivateKey (RFC 8017 A.1.2) has no room for a key without
         * its CRT values. */
        if (!attr_set_has(a, CKA_PRIME_1)) return CKR_KEY_NOT_WRAPPABLE;
        rv = rsa_key_load(a, CKO_PRIVATE_KEY, &pkey, &bits);
        break;
    default:
        return CKR_KEY_NOT_WRAPPABLE;
    }
    /* The object parsed when it was made: a failure now is ours. */
    if (rv != CKR_OK) return rv == CKR_HOST_MEMORY ? rv : CKR_FUNCTION_FAILED;
    rv = pkcs8_encode(pkey, out, len);
    EVP_PKEY_free(pkey);
    return rv;
}

CK_RV
mech_key_export(const struct attr_set *attrs, uint8_t **out, size_t *len)
{
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE kt;
    if (attr_set_get_ulong(attrs, CKA_CLASS, &cls) != CKR_OK ||
        attr_set_get_ulong(attrs, CKA_KEY_TYPE, &kt) != CKR_OK)
        return CKR_KEY_NOT_WRAPPABLE;
    if (cls == CKO_SECRET_KEY && mech_secret_type(kt)) return pkcs8_export_secret(attrs, out, len);
    if (cls == CKO_PRIVATE_KEY) return pkcs8_export_private(attrs, kt, out, len);
    return CKR_KEY_NOT_WRAPPABLE;
}

/* ---- import ---- */

/* A secret's CKA_VALUE. A CKA_VALUE_LEN in the template truncates the
 * value: the unpadded block modes and RFC 3394 hand back whole blocks, and
 * §2.16 tells the token to cut them to the template's length. */
static CK_RV
pkcs8_import_secret(CK_KEY_TYPE kt, const uint8_t *in, size_t len, struct attr_set *tmp,
                    const struct attr_set *tmpl)
{
    CK_ULONG want;
    CK_RV rv = attr_set_get_ulong(tmpl, CKA_VALUE_LEN, &want);
    if (rv == CKR_ATTRIBUTE_VALUE_INVALID) return CKR_TEMPLATE_INCONSISTENT;
    if (rv == CKR_OK) {
        if (want == 0 || want > len) return CKR_TEMPLATE_INCONSISTENT;
        len = want;
    }
    rv = attr_set_put(tmp, CKA_VALUE, in, len);
    if (rv == CKR_OK) rv = mech_key_complete(CKO_SECRET_KEY, kt, tmp);
    /* A length the key type cannot have (an AES key of 20 bytes). */
    return rv == CKR_ATTRIBUTE_VALUE_INVALID ? CKR_WRAPPED_KEY_INVALID : rv;
}

/* PrivateKeyInfo to EVP_PKEY. Bytes after the DER must be zero: they are
 * the padding RFC 3394 wrapping needs (§2.16 says to ignore them). */
static CK_RV
pkcs8_decode(const uint8_t *in, size_t len, EVP_PKEY **out)
{
    const unsigned char *p = in;
    size_t left = len;
    EVP_PKEY *pkey = NULL;
    CK_RV rv = CKR_WRAPPED_KEY_INVALID;
    OSSL_DECODER_CTX *ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo", NULL,
                                                          EVP_PKEY_KEYPAIR, ossl_libctx(), NULL);
    if (ctx == NULL) return ossl_fail("pkcs8 decode", CKR_HOST_MEMORY);
    /* The decoders that did not match leave errors even on success. */
    ERR_set_mark();
    if (OSSL_DECODER_from_data(ctx, &p, &left) != 1 || pkey == NULL) goto out;
    for (size_t i = 0; i < left; i++)
        if (p[i] != 0) goto out;
    *out = pkey;
    pkey = NULL;
    rv = CKR_OK;
    ERR_pop_to_mark();
out:
    EVP_PKEY_free(pkey);
    OSSL_DECODER_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail("pkcs8 decode", rv);
}

/* CKA_EC_PARAMS: the template's own encoding if it names the same curve
 * (a printable "edwards25519" stays printable), else the key's OID. */
static CK_RV
pkcs8_put_params(struct attr_set *tmp, const struct attr_set *tmpl, const uint8_t *oid,
                 size_t oid_len, CK_KEY_TYPE kt)
{
    const struct attr *given = attr_set_find(tmpl, CKA_EC_PARAMS);
    if (given == NULL) return attr_set_put(tmp, CKA_EC_PARAMS, oid, oid_len);
    const struct curve *c;
    bool same = kt == CKK_EC_EDWARDS
                    ? curves_find_edwards(given->val, given->len) == CKR_OK
                    : curves_find(given->val, given->len, &c) == CKR_OK && c->oid == oid;
    if (!same) return CKR_TEMPLATE_INCONSISTENT;
    return attr_set_put(tmp, CKA_EC_PARAMS, given->val, given->len);
}

static CK_RV
pkcs8_ec_attrs(EVP_PKEY *pkey, struct attr_set *tmp, const struct attr_set *tmpl)
{
    char group[64];
    BIGNUM *d = NULL;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       NULL) != 1)
        return ossl_fail("pkcs8 ec", CKR_WRAPPED_KEY_INVALID);
    const struct curve *c = curves_by_name(group);
    /* §2.3: unwrapping a key of an unsupported curve. */
    if (c == NULL) return CKR_CURVE_NOT_SUPPORTED;
    CK_RV rv = pkcs8_put_params(tmp, tmpl, c->oid, c->oid_len, CKK_EC);
    if (rv != CKR_OK) return rv;
    d = BN_secure_new();
    if (d == NULL) return CKR_HOST_MEMORY;
    rv = CKR_WRAPPED_KEY_INVALID;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1)
        rv = mech_key_put_bn(tmp, CKA_VALUE, d, c->field_len);
    BN_clear_free(d);
    return rv;
}

static CK_RV
pkcs8_ed_attrs(EVP_PKEY *pkey, struct attr_set *tmp, const struct attr_set *tmpl)
{
    uint8_t seed[ED25519_LEN];
    size_t n = sizeof seed;
    CK_RV rv =
        pkcs8_put_params(tmp, tmpl, curves_ed25519_oid, sizeof curves_ed25519_oid, CKK_EC_EDWARDS);
    if (rv != CKR_OK) return rv;
    rv = CKR_WRAPPED_KEY_INVALID;
    if (EVP_PKEY_get_raw_private_key(pkey, seed, &n) == 1 && n == ED25519_LEN)
        rv = attr_set_put(tmp, CKA_VALUE, seed, ED25519_LEN);
    wipe(seed, sizeof seed);
    return rv;
}

/* The key material of pkey, as a key of type kt, into tmp. */
static CK_RV
pkcs8_attrs(EVP_PKEY *pkey, CK_KEY_TYPE kt, struct attr_set *tmp, const struct attr_set *tmpl)
{
    switch (kt) {
    case CKK_EC:
        if (!EVP_PKEY_is_a(pkey, "EC")) return CKR_WRAPPED_KEY_INVALID;
        return pkcs8_ec_attrs(pkey, tmp, tmpl);
    case CKK_EC_EDWARDS:
        if (!EVP_PKEY_is_a(pkey, "ED25519")) return CKR_WRAPPED_KEY_INVALID;
        return pkcs8_ed_attrs(pkey, tmp, tmpl);
    case CKK_RSA:
        if (!EVP_PKEY_is_a(pkey, "RSA")) return CKR_WRAPPED_KEY_INVALID;
        return rsa_key_export(pkey, NULL, tmp, CKR_WRAPPED_KEY_INVALID);
    default:
        return CKR_TEMPLATE_INCONSISTENT;
    }
}

static CK_RV
pkcs8_import_private(CK_KEY_TYPE kt, const uint8_t *in, size_t len, struct attr_set *tmp,
                     const struct attr_set *tmpl)
{
    EVP_PKEY *pkey = NULL;
    if (kt != CKK_EC && kt != CKK_EC_EDWARDS && kt != CKK_RSA) return CKR_TEMPLATE_INCONSISTENT;
    CK_RV rv = pkcs8_decode(in, len, &pkey);
    if (rv != CKR_OK) return rv;
    rv = pkcs8_attrs(pkey, kt, tmp, tmpl);
    /* The checks and derived attributes of C_CreateObject. */
    if (rv == CKR_OK) rv = mech_key_complete(CKO_PRIVATE_KEY, kt, tmp);
    EVP_PKEY_free(pkey);
    /* Material OpenSSL parsed but we refuse (RSA below 1024 bits, a d
     * that does not invert e...). */
    if (rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCOMPLETE)
        rv = CKR_WRAPPED_KEY_INVALID;
    return rv;
}

CK_RV
mech_key_import(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, const uint8_t *in, size_t len,
                struct attr_set *attrs)
{
    CK_RV rv;
    if (in == NULL || len == 0) return CKR_WRAPPED_KEY_INVALID;
    struct attr_set *tmp = attr_set_new();
    if (tmp == NULL) return CKR_HOST_MEMORY;
    if (cls == CKO_SECRET_KEY && mech_secret_type(kt))
        rv = pkcs8_import_secret(kt, in, len, tmp, attrs);
    else if (cls == CKO_PRIVATE_KEY)
        rv = pkcs8_import_private(kt, in, len, tmp, attrs);
    else
        rv = CKR_TEMPLATE_INCONSISTENT;
    if (rv == CKR_OK) rv = attr_set_merge(attrs, tmp);
    /* Wipes the key material of the scratch set. */
    attr_set_free(tmp);
    return rv;
}
