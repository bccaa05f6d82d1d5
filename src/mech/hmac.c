/*
 * hmac.c: CKM_SHA_1_HMAC, CKM_SHA224_HMAC, CKM_SHA256_HMAC, CKM_SHA384_HMAC,
 * CKM_SHA512_HMAC (PKCS#11 3.0 current mechanisms §2.16-2.21), full-length
 * MACs only.
 *
 * Keys are CKK_GENERIC_SECRET or the matching CKK_SHA*_HMAC, MECH_SECRET_MIN
 * to MECH_SECRET_MAX bytes (1..512: any HMAC key works, and 512 bytes is
 * far beyond the point where HMAC hashes the key down). The MAC itself is
 * mac.c's.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"

static const struct {
    CK_MECHANISM_TYPE type;
    const char *digest;
    size_t len;
} hmac_cfgs[] = {
    {CKM_SHA_1_HMAC, "SHA1", 20},    {CKM_SHA224_HMAC, "SHA224", 28},
    {CKM_SHA256_HMAC, "SHA256", 32}, {CKM_SHA384_HMAC, "SHA384", 48},
    {CKM_SHA512_HMAC, "SHA512", 64},
};

static CK_RV
hmac_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
          void **state)
{
    size_t i, klen;
    (void)fn;
    for (i = 0; i < sizeof hmac_cfgs / sizeof hmac_cfgs[0]; i++)
        if (hmac_cfgs[i].type == d->type) break;
    if (i == sizeof hmac_cfgs / sizeof hmac_cfgs[0]) return CKR_MECHANISM_INVALID;
    CK_RV rv = registry_param_none(m);
    if (rv != CKR_OK) return rv;
    void *ctx;
    const struct mech_ext *ext = mech_key_ext(key, &ctx);
    if (ext != NULL && ext->hmac_len(ctx) != hmac_cfgs[i].len) return CKR_KEY_TYPE_INCONSISTENT;
    if (ext != NULL) return mac_start_ext(ext, ctx, hmac_cfgs[i].len, state);
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    return mac_start(registry_hmac(), OSSL_MAC_PARAM_DIGEST, hmac_cfgs[i].digest, k, klen,
                     hmac_cfgs[i].len, hmac_cfgs[i].len, state);
}

const struct mech_ops hmac_ops = {
    .init = hmac_init,
    .out_len = mac_out_len,
    .oneshot = mac_oneshot,
    .update = mac_update,
    .final = mac_final,
    .verify = mac_verify,
    .free = mac_free,
    .dup = mac_dup,
};
