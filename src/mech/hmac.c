/*
 * hmac.c: CKM_SHA_1_HMAC, CKM_SHA224_HMAC, CKM_SHA256_HMAC, CKM_SHA384_HMAC,
 * CKM_SHA512_HMAC (PKCS#11 3.0 current mechanisms §2.16-2.21), full-length
 * MACs only.
 *
 * Keys are CKK_GENERIC_SECRET or the matching CKK_SHA*_HMAC, MECH_SECRET_MIN
 * to MECH_SECRET_MAX bytes (1..512: any HMAC key works, and 512 bytes is
 * far beyond the point where HMAC hashes the key down). Verification
 * compares in constant time.
 */
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

static const struct {
    CK_MECHANISM_TYPE type;
    const char *digest;
    size_t len;
} hmac_cfgs[] = {
    {CKM_SHA_1_HMAC, "SHA1", 20},    {CKM_SHA224_HMAC, "SHA224", 28},
    {CKM_SHA256_HMAC, "SHA256", 32}, {CKM_SHA384_HMAC, "SHA384", 48},
    {CKM_SHA512_HMAC, "SHA512", 64},
};

struct hmac_state {
    EVP_MAC_CTX *ctx;
    size_t len;
};

static void
hmac_free(void *state)
{
    struct hmac_state *s = state;
    if (s == NULL) return;
    /* EVP_MAC_CTX_free cleanses the keyed state. */
    EVP_MAC_CTX_free(s->ctx);
    free(s);
}

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
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    if (registry_hmac() == NULL) return CKR_FUNCTION_FAILED;
    struct hmac_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->len = hmac_cfgs[i].len;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         (char *)(uintptr_t)hmac_cfgs[i].digest, 0),
        OSSL_PARAM_construct_end(),
    };
    rv = CKR_HOST_MEMORY;
    s->ctx = EVP_MAC_CTX_new(registry_hmac());
    if (s->ctx == NULL) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_MAC_init(s->ctx, k, klen, params) != 1) goto out;
    rv = CKR_OK;
out:
    if (rv != CKR_OK) {
        hmac_free(s);
        return ossl_fail("hmac init", rv);
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
hmac_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct hmac_state *s = state;
    (void)in_len;
    (void)at_final;
    *out_len = s->len;
    *exact = true;
    return CKR_OK;
}

static CK_RV
hmac_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct hmac_state *s = state;
    (void)out;
    *out_len = 0;
    if (in_len != 0 && EVP_MAC_update(s->ctx, in, in_len) != 1)
        return ossl_fail("hmac update", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

static CK_RV
hmac_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct hmac_state *s = state;
    size_t n = 0;
    if (EVP_MAC_final(s->ctx, out, &n, s->len) != 1 || n != s->len)
        return ossl_fail("hmac final", CKR_FUNCTION_FAILED);
    *out_len = n;
    return CKR_OK;
}

static CK_RV
hmac_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    CK_ULONG unused;
    CK_RV rv = hmac_update(state, in, in_len, NULL, &unused);
    if (rv == CKR_OK) rv = hmac_final(state, out, out_len);
    return rv;
}

static CK_RV
hmac_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
            CK_ULONG sig_len)
{
    struct hmac_state *s = state;
    uint8_t mac[EVP_MAX_MD_SIZE];
    CK_ULONG n = 0, unused;
    if (sig_len != s->len) return CKR_SIGNATURE_LEN_RANGE;
    CK_RV rv = data != NULL ? hmac_update(s, data, data_len, NULL, &unused) : CKR_OK;
    if (rv == CKR_OK) rv = hmac_final(s, mac, &n);
    if (rv == CKR_OK && !ct_eq(mac, sig, s->len)) rv = CKR_SIGNATURE_INVALID;
    /* The expected MAC would be a valid forgery for this data. */
    wipe(mac, sizeof mac);
    return rv;
}

static CK_RV
hmac_dup(const void *state, void **copy)
{
    const struct hmac_state *s = state;
    struct hmac_state *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    c->len = s->len;
    c->ctx = EVP_MAC_CTX_dup(s->ctx);
    if (c->ctx == NULL) {
        free(c);
        return ossl_fail("hmac dup", CKR_HOST_MEMORY);
    }
    *copy = c;
    return CKR_OK;
}

const struct mech_ops hmac_ops = {
    .init = hmac_init,
    .out_len = hmac_out_len,
    .oneshot = hmac_oneshot,
    .update = hmac_update,
    .final = hmac_final,
    .verify = hmac_verify,
    .free = hmac_free,
    .dup = hmac_dup,
};
