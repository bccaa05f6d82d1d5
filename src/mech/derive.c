/*
 * derive.c: the key derivations of C_DeriveKey (mech_derive in mech.h).
 *
 * CKM_ECDH1_DERIVE (PKCS#11 3.0 current mechanisms §2.3, "Elliptic Curve
 * Diffie-Hellman key derivation", CK_ECDH1_DERIVE_PARAMS): the shared
 * x-coordinate Z of an EC private key and the peer's point, raw (CKD_NULL,
 * truncated from the leading end as §2.3 says) or through the ANSI X9.63
 * KDF (CKD_SHA*_KDF, with the optional shared data as SharedInfo).
 *
 * CKM_HKDF_DERIVE and CKM_HKDF_DATA (§2.62, CK_HKDF_PARAMS, RFC 5869):
 * extract and/or expand over a generic secret or CKK_HKDF key, salt none
 * or from data. A salt from a key object (CKF_HKDF_SALT_KEY) needs the
 * core to resolve the handle and is refused for now.
 *
 * The KDFs are OpenSSL's "X963KDF" and "HKDF", fetched once by the
 * registry; every intermediate secret is wiped.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

/* OpenSSL 3.0 keeps the HKDF info in a 1024-byte buffer. */
#define HKDF_INFO_MAX 1024

static CK_RV
derive_kdf(EVP_KDF *kdf, OSSL_PARAM *params, uint8_t *out, size_t outlen, const char *what)
{
    if (kdf == NULL) return CKR_FUNCTION_FAILED;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL) return ossl_fail(what, CKR_HOST_MEMORY);
    CK_RV rv = EVP_KDF_derive(ctx, out, outlen, params) == 1 ? CKR_OK : CKR_FUNCTION_FAILED;
    /* EVP_KDF_CTX_free cleanses the key it copied. */
    EVP_KDF_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail(what, rv);
}

CK_RV
derive_x963(CK_MECHANISM_TYPE hash, const uint8_t *z, size_t zlen, const uint8_t *info,
            size_t infolen, uint8_t *out, size_t outlen)
{
    const EVP_MD *md = registry_md(hash);
    if (md == NULL) return CKR_FUNCTION_FAILED;
    OSSL_PARAM p[4], *q = p;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)(uintptr_t)EVP_MD_get0_name(md), 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)z, zlen);
    if (infolen != 0)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info,
                                                 infolen);
    *q = OSSL_PARAM_construct_end();
    return derive_kdf(registry_x963(), p, out, outlen, "x963kdf");
}

/* ---- ECDH ---- */

static CK_RV
ecdh_params(const CK_MECHANISM *m, const CK_ECDH1_DERIVE_PARAMS **out, CK_MECHANISM_TYPE *hash)
{
    static const struct {
        CK_ULONG kdf;
        CK_MECHANISM_TYPE hash;
    } kdfs[] = {
        {CKD_NULL, 0},
        {CKD_SHA1_KDF, CKM_SHA_1},
        {CKD_SHA224_KDF, CKM_SHA224},
        {CKD_SHA256_KDF, CKM_SHA256},
        {CKD_SHA384_KDF, CKM_SHA384},
        {CKD_SHA512_KDF, CKM_SHA512},
    };
    size_t i;
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_ECDH1_DERIVE_PARAMS *p = m->pParameter;
    for (i = 0; i < sizeof kdfs / sizeof kdfs[0]; i++)
        if (kdfs[i].kdf == p->kdf) break;
    if (i == sizeof kdfs / sizeof kdfs[0]) return CKR_MECHANISM_PARAM_INVALID;
    if (p->pPublicData == NULL || p->ulPublicDataLen == 0) return CKR_MECHANISM_PARAM_INVALID;
    if (p->pSharedData == NULL && p->ulSharedDataLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    /* §2.3 (CK_ECDH1_DERIVE_PARAMS): with CKD_NULL there is no shared data. */
    if (p->kdf == CKD_NULL && p->ulSharedDataLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    *out = p;
    *hash = kdfs[i].hash;
    return CKR_OK;
}

/* Z, the x-coordinate of d * Q (SEC 1 §3.3.1), field_len bytes into z. */
static CK_RV
ecdh_shared(EVP_PKEY *priv, const CK_ECDH1_DERIVE_PARAMS *p, uint8_t *z, size_t *zlen)
{
    char group[64];
    uint8_t raw[CURVES_MAX_POINT];
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (EVP_PKEY_get_utf8_string_param(priv, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       NULL) != 1)
        return ossl_fail("ecdh group", CKR_FUNCTION_FAILED);
    const struct curve *c = curves_by_name(group);
    if (c == NULL) return CKR_FUNCTION_FAILED;
    /* Raw or DER, compressed or not, and on the curve. */
    CK_RV rv = curves_point_decode(c, p->pPublicData, p->ulPublicDataLen, raw);
    if (rv == CKR_ATTRIBUTE_VALUE_INVALID) return CKR_MECHANISM_PARAM_INVALID;
    if (rv == CKR_OK) rv = ec_key_public(c, raw, &peer);
    if (rv != CKR_OK) return rv == CKR_HOST_MEMORY ? rv : CKR_MECHANISM_PARAM_INVALID;
    rv = CKR_HOST_MEMORY;
    ctx = EVP_PKEY_CTX_new_from_pkey(ossl_libctx(), priv, NULL);
    if (ctx == NULL) goto out;
    *zlen = c->field_len;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) == 1 &&
        EVP_PKEY_derive(ctx, z, zlen) == 1 && *zlen == c->field_len)
        rv = CKR_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    return rv == CKR_OK ? rv : ossl_fail("ecdh", rv);
}

static CK_RV
derive_ecdh(const CK_MECHANISM *m, struct mech_key *base, size_t want, uint8_t **out,
            size_t *out_len)
{
    const CK_ECDH1_DERIVE_PARAMS *p;
    CK_MECHANISM_TYPE hash = 0;
    uint8_t z[CURVES_MAX_FIELD];
    size_t zlen = sizeof z;
    EVP_PKEY *pkey = mech_key_pkey(base);
    if (pkey == NULL || mech_key_class(base) != CKO_PRIVATE_KEY) return CKR_KEY_TYPE_INCONSISTENT;
    CK_RV rv = ecdh_params(m, &p, &hash);
    if (rv != CKR_OK) return rv;
    rv = ecdh_shared(pkey, p, z, &zlen);
    if (rv != CKR_OK) goto out;
    /* CKD_NULL: all of Z, or its trailing want bytes. A KDF needs a length. */
    if (hash == 0 && want == 0) want = zlen;
    rv = CKR_TEMPLATE_INCONSISTENT;
    if (want == 0 || (hash == 0 && want > zlen)) goto out;
    rv = CKR_HOST_MEMORY;
    uint8_t *buf = malloc(want);
    if (buf == NULL) goto out;
    if (hash == 0) {
        memcpy(buf, z + (zlen - want), want);
        rv = CKR_OK;
    } else {
        rv = derive_x963(hash, z, zlen, p->pSharedData, p->ulSharedDataLen, buf, want);
    }
    if (rv != CKR_OK) {
        wipe_free(buf, want);
        goto out;
    }
    *out = buf;
    *out_len = want;
out:
    wipe(z, sizeof z);
    return rv;
}

/* ---- HKDF ---- */

static CK_RV
hkdf_params(const CK_MECHANISM *m, const CK_HKDF_PARAMS **out, const EVP_MD **md)
{
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_HKDF_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_HKDF_PARAMS *p = m->pParameter;
    if (!p->bExtract && !p->bExpand) return CKR_MECHANISM_PARAM_INVALID;
    switch (p->prfHashMechanism) {
    case CKM_SHA_1:
    case CKM_SHA224:
    case CKM_SHA256:
    case CKM_SHA384:
    case CKM_SHA512:
        *md = registry_md(p->prfHashMechanism);
        break;
    default:
        return CKR_MECHANISM_PARAM_INVALID;
    }
    /* §2.62 "HKDF derive": the salt is ignored without extract, the info
     * without expand. CKF_HKDF_SALT_KEY is not supported (yet). */
    if (p->bExtract) {
        if (p->ulSaltType == CKF_HKDF_SALT_DATA) {
            if (p->pSalt == NULL && p->ulSaltLen != 0) return CKR_MECHANISM_PARAM_INVALID;
        } else if (p->ulSaltType != CKF_HKDF_SALT_NULL) {
            return CKR_MECHANISM_PARAM_INVALID;
        }
    }
    if (p->bExpand && ((p->pInfo == NULL && p->ulInfoLen != 0) || p->ulInfoLen > HKDF_INFO_MAX))
        return CKR_MECHANISM_PARAM_INVALID;
    *out = p;
    return *md != NULL ? CKR_OK : CKR_FUNCTION_FAILED;
}

static CK_RV
hkdf_run(const CK_HKDF_PARAMS *p, const EVP_MD *md, const uint8_t *key, size_t klen, uint8_t *out,
         size_t outlen)
{
    int mode = !p->bExpand    ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY
               : !p->bExtract ? EVP_KDF_HKDF_MODE_EXPAND_ONLY
                              : EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
    OSSL_PARAM params[6], *q = params;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)(uintptr_t)EVP_MD_get0_name(md), 0);
    *q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)key, klen);
    /* No salt is RFC 5869's HashLen zero bytes: HMAC pads an empty key to
     * the same block. */
    if (p->bExtract && p->ulSaltType == CKF_HKDF_SALT_DATA && p->ulSaltLen != 0)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, p->pSalt, p->ulSaltLen);
    if (p->bExpand && p->ulInfoLen != 0)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, p->pInfo, p->ulInfoLen);
    *q = OSSL_PARAM_construct_end();
    return derive_kdf(registry_hkdf(), params, out, outlen, "hkdf");
}

static CK_RV
derive_hkdf(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *base, size_t want,
            uint8_t **out, size_t *out_len)
{
    const CK_HKDF_PARAMS *p;
    const EVP_MD *md = NULL;
    size_t klen;
    const uint8_t *key = mech_key_secret(base, &klen);
    if (key == NULL || mech_key_class(base) != CKO_SECRET_KEY) return CKR_KEY_TYPE_INCONSISTENT;
    CK_RV rv = hkdf_params(m, &p, &md);
    if (rv != CKR_OK) return rv;
    if (klen < d->info.ulMinKeySize || klen > d->info.ulMaxKeySize) return CKR_KEY_SIZE_RANGE;
    size_t hlen = (size_t)EVP_MD_get_size(md);
    /* Extract alone yields the PRK, HashLen bytes (§2.62); expand yields
     * up to 255 blocks (RFC 5869 §2.3). */
    if (!p->bExpand && want == 0) want = hlen;
    if (p->bExpand ? want == 0 || want > 255 * hlen : want != hlen)
        return CKR_TEMPLATE_INCONSISTENT;
    uint8_t *buf = malloc(want);
    if (buf == NULL) return CKR_HOST_MEMORY;
    rv = hkdf_run(p, md, key, klen, buf, want);
    if (rv != CKR_OK) {
        wipe_free(buf, want);
        return rv;
    }
    *out = buf;
    *out_len = want;
    return CKR_OK;
}

CK_RV
mech_derive(const struct mech_desc *d, const CK_MECHANISM *m, struct mech_key *base, size_t want,
            uint8_t **out, size_t *out_len)
{
    if (d == NULL || (d->info.flags & CKF_DERIVE) == 0) return CKR_MECHANISM_INVALID;
    if (base == NULL || !mech_key_type_ok(d, mech_key_type(base))) return CKR_KEY_TYPE_INCONSISTENT;
    switch (d->type) {
    case CKM_ECDH1_DERIVE:
        return derive_ecdh(m, base, want, out, out_len);
    case CKM_HKDF_DERIVE:
    case CKM_HKDF_DATA:
        return derive_hkdf(d, m, base, want, out, out_len);
    default:
        return CKR_MECHANISM_INVALID;
    }
}
