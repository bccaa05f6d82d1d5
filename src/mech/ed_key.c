/*
 * ed_key.c: Ed25519 key material (CKK_EC_EDWARDS, PKCS#11 3.0 current
 * mechanisms §2.3, Edwards keys): attributes to EVP_PKEY (mech_key_new),
 * validation and derived attributes (C_CreateObject), and key pair
 * generation (CKM_EC_EDWARDS_KEY_PAIR_GEN).
 *
 * CKA_EC_PARAMS names edwards25519 by OID or by name; CKA_EC_POINT is the
 * 32-byte RFC 8032 public key wrapped in a DER OCTET STRING (a bare key is
 * accepted on import); a private key's CKA_VALUE is the 32-byte seed k of
 * RFC 8032 §5.1.5, never the expanded scalar.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

static CK_RV
ed_key_params(const struct attr_set *a)
{
    const struct attr *p = attr_set_find(a, CKA_EC_PARAMS);
    if (p == NULL) return CKR_TEMPLATE_INCOMPLETE;
    return curves_find_edwards(p->val, p->len);
}

/* CKA_EC_POINT, bare or as one DER OCTET STRING, to the 32 raw bytes. */
static CK_RV
ed_key_point(const struct attr *pt, uint8_t raw[ED25519_LEN])
{
    const uint8_t *p = pt->val;
    if (pt->len == ED25519_LEN) {
        memcpy(raw, p, ED25519_LEN);
        return CKR_OK;
    }
    if (pt->len == ED25519_LEN + 2 && p[0] == 0x04 && p[1] == ED25519_LEN) {
        memcpy(raw, p + 2, ED25519_LEN);
        return CKR_OK;
    }
    return CKR_ATTRIBUTE_VALUE_INVALID;
}

/* An EVP_PKEY from the seed (private) or the public key. The parameters
 * point at the caller's bytes: no copy of the seed is left behind in an
 * OSSL_PARAM_BLD block. */
static CK_RV
ed_key_build(const uint8_t *seed, const uint8_t *pub, EVP_PKEY **out)
{
    OSSL_PARAM params[2];
    const char *name = seed != NULL ? OSSL_PKEY_PARAM_PRIV_KEY : OSSL_PKEY_PARAM_PUB_KEY;
    params[0] = OSSL_PARAM_construct_octet_string(
        name, (void *)(uintptr_t)(seed != NULL ? seed : pub), ED25519_LEN);
    params[1] = OSSL_PARAM_construct_end();
    EVP_PKEY_CTX *ctx = mech_pkey_ctx_for("ED25519");
    if (ctx == NULL) return ossl_fail("ed25519 key", CKR_HOST_MEMORY);
    CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;
    int sel = seed != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
    if (EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, out, sel, params) == 1)
        rv = CKR_OK;
    EVP_PKEY_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail("ed25519 key", rv);
}

static CK_RV
ed_key_raw_public(EVP_PKEY *pkey, uint8_t raw[ED25519_LEN])
{
    size_t n = ED25519_LEN;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &n) != 1 || n != ED25519_LEN)
        return ossl_fail("ed25519 public", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

/* The EVP_PKEY of a key object and its raw public key. A private key's
 * public key is derived from the seed; a CKA_EC_POINT given with it must
 * agree. */
static CK_RV
ed_key_material(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out,
                uint8_t raw[ED25519_LEN])
{
    uint8_t given[ED25519_LEN];
    const struct attr *pt = attr_set_find(a, CKA_EC_POINT);
    CK_RV rv = ed_key_params(a);
    if (rv != CKR_OK) return rv;
    if (cls == CKO_PUBLIC_KEY) {
        if (pt == NULL) return CKR_TEMPLATE_INCOMPLETE;
        rv = ed_key_point(pt, raw);
        return rv == CKR_OK ? ed_key_build(NULL, raw, out) : rv;
    }
    const struct attr *v = attr_set_find(a, CKA_VALUE);
    if (v == NULL) return CKR_TEMPLATE_INCOMPLETE;
    if (v->len != ED25519_LEN) return CKR_ATTRIBUTE_VALUE_INVALID;
    rv = ed_key_build(v->val, NULL, out);
    if (rv == CKR_OK) rv = ed_key_raw_public(*out, raw);
    if (rv == CKR_OK && pt != NULL) {
        rv = ed_key_point(pt, given);
        /* Public values: no need for a constant-time comparison. */
        if (rv == CKR_OK && memcmp(given, raw, ED25519_LEN) != 0) rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (rv != CKR_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    return rv;
}

CK_RV
ed_key_load(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out, CK_ULONG *bits)
{
    uint8_t raw[ED25519_LEN];
    CK_RV rv = ed_key_material(a, cls, out, raw);
    if (rv == CKR_OK) *bits = ED25519_BITS;
    return rv;
}

CK_RV
ed_key_complete(CK_OBJECT_CLASS cls, struct attr_set *a)
{
    EVP_PKEY *pkey = NULL;
    uint8_t raw[ED25519_LEN];
    CK_RV rv = ed_key_material(a, cls, &pkey, raw);
    if (rv != CKR_OK) return rv;
    rv = curves_put_point(a, raw, ED25519_LEN);
    /* i2d_PUBKEY writes only the public half of a private EVP_PKEY. */
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, a);
    EVP_PKEY_free(pkey);
    return rv;
}

static CK_RV
ed_key_gen_pkey(EVP_PKEY **out)
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_PKEY_CTX *ctx = mech_pkey_ctx_for("ED25519");
    if (ctx == NULL) return ossl_fail("ed25519 keygen", CKR_HOST_MEMORY);
    if (EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_generate(ctx, out) == 1) rv = CKR_OK;
    EVP_PKEY_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail("ed25519 keygen", rv);
}

CK_RV
ed_key_generate(struct attr_set *pub, struct attr_set *priv)
{
    EVP_PKEY *pkey = NULL;
    uint8_t seed[ED25519_LEN], raw[ED25519_LEN];
    size_t n = sizeof seed;
    CK_RV rv = ed_key_params(pub);
    if (rv != CKR_OK) return rv;
    const struct attr *params = attr_set_find(pub, CKA_EC_PARAMS);
    rv = ed_key_gen_pkey(&pkey);
    if (rv != CKR_OK) return rv;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_PKEY_get_raw_private_key(pkey, seed, &n) != 1 || n != ED25519_LEN) goto out;
    rv = ed_key_raw_public(pkey, raw);
    if (rv == CKR_OK) rv = attr_set_put(priv, CKA_EC_PARAMS, params->val, params->len);
    if (rv == CKR_OK) rv = attr_set_put(priv, CKA_VALUE, seed, ED25519_LEN);
    if (rv == CKR_OK) rv = curves_put_point(priv, raw, ED25519_LEN);
    if (rv == CKR_OK) rv = curves_put_point(pub, raw, ED25519_LEN);
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, pub);
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, priv);
out:
    wipe(seed, sizeof seed);
    EVP_PKEY_free(pkey);
    return rv == CKR_FUNCTION_FAILED ? ossl_fail("ed25519 keygen", rv) : rv;
}
