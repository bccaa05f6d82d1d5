/*
 * mac.c: the keyed-MAC skeleton shared by the HMAC and CMAC families: an
 * EVP_MAC (fetched once by the registry) keyed with one named parameter
 * (the digest or the cipher), whose full output may be truncated (CMAC
 * general length). Verification compares in constant time.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

struct mac_state {
    EVP_MAC_CTX *ctx;
    size_t full; /* bytes the MAC computes */
    size_t len;  /* bytes given out: the leading ones (<= full) */
    /* A key held elsewhere (mac_start_ext): the data is gathered here and
     * handed to ext->hmac at the end. */
    const struct mech_ext *ext;
    void *ext_ctx;
    uint8_t *buf;
    size_t n, cap;
};

/* The most data a MAC with a key held elsewhere gathers. */
#define MAC_EXT_MAX ((size_t)64 << 20)

void
mac_free(void *state)
{
    struct mac_state *s = state;
    if (s == NULL) return;
    /* EVP_MAC_CTX_free cleanses the keyed state. */
    EVP_MAC_CTX_free(s->ctx);
    wipe_free(s->buf, s->cap);
    free(s);
}

CK_RV
mac_start(EVP_MAC *mac, const char *param, const char *value, const uint8_t *k, size_t klen,
          size_t full, size_t len, void **state)
{
    if (mac == NULL || full > EVP_MAX_MD_SIZE || len > full) return CKR_FUNCTION_FAILED;
    struct mac_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->full = full;
    s->len = len;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(param, (char *)(uintptr_t)value, 0),
        OSSL_PARAM_construct_end(),
    };
    CK_RV rv = CKR_HOST_MEMORY;
    s->ctx = EVP_MAC_CTX_new(mac);
    if (s->ctx == NULL) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_MAC_init(s->ctx, k, klen, params) != 1) goto out;
    *state = s;
    return CKR_OK;
out:
    mac_free(s);
    return ossl_fail("mac init", rv);
}

CK_RV
mac_start_ext(const struct mech_ext *ext, void *ctx, size_t full, void **state)
{
    if (ext->hmac == NULL || ext->hmac_len == NULL || full > EVP_MAX_MD_SIZE)
        return CKR_FUNCTION_FAILED;
    /* "AWS4" || secret is SigV4's key, not an HMAC key of its own. */
    if (ext->aws4 != NULL && ext->aws4(ctx)) return CKR_KEY_TYPE_INCONSISTENT;
    struct mac_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->full = s->len = full;
    s->ext = ext;
    s->ext_ctx = ctx;
    *state = s;
    return CKR_OK;
}

/* Gather in for a key held elsewhere. */
static CK_RV
mac_gather(struct mac_state *s, const CK_BYTE *in, CK_ULONG in_len)
{
    if (in_len > MAC_EXT_MAX - s->n) return CKR_DATA_LEN_RANGE;
    if (s->n + in_len > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->n + in_len)
            cap *= 2;
        uint8_t *b = malloc(cap);
        if (b == NULL) return CKR_HOST_MEMORY;
        if (s->n) memcpy(b, s->buf, s->n);
        wipe_free(s->buf, s->cap);
        s->buf = b;
        s->cap = cap;
    }
    if (in_len) memcpy(s->buf + s->n, in, in_len);
    s->n += in_len;
    return CKR_OK;
}

CK_RV
mac_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    const struct mac_state *s = state;
    (void)in_len;
    (void)at_final;
    *out_len = s->len;
    *exact = true;
    return CKR_OK;
}

CK_RV
mac_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct mac_state *s = state;
    (void)out;
    *out_len = 0;
    if (s->ext != NULL) return mac_gather(s, in, in_len);
    if (in_len != 0 && EVP_MAC_update(s->ctx, in, in_len) != 1)
        return ossl_fail("mac update", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

/* The full MAC into mac[s->full]. */
static CK_RV
mac_compute(struct mac_state *s, uint8_t *mac)
{
    size_t n = 0;
    if (s->ext != NULL) return s->ext->hmac(s->ext_ctx, s->full, s->buf, s->n, mac);
    if (EVP_MAC_final(s->ctx, mac, &n, s->full) != 1 || n != s->full)
        return ossl_fail("mac final", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

CK_RV
mac_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct mac_state *s = state;
    uint8_t mac[EVP_MAX_MD_SIZE];
    CK_RV rv = mac_compute(s, mac);
    if (rv == CKR_OK) {
        memcpy(out, mac, s->len);
        *out_len = s->len;
    }
    wipe(mac, sizeof mac);
    return rv;
}

CK_RV
mac_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    CK_ULONG unused;
    CK_RV rv = mac_update(state, in, in_len, NULL, &unused);
    if (rv == CKR_OK) rv = mac_final(state, out, out_len);
    return rv;
}

CK_RV
mac_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
           CK_ULONG sig_len)
{
    struct mac_state *s = state;
    uint8_t mac[EVP_MAX_MD_SIZE];
    CK_ULONG unused;
    if (sig_len != s->len) return CKR_SIGNATURE_LEN_RANGE;
    CK_RV rv = data != NULL ? mac_update(s, data, data_len, NULL, &unused) : CKR_OK;
    if (rv == CKR_OK) rv = mac_compute(s, mac);
    if (rv == CKR_OK && !ct_eq(mac, sig, s->len)) rv = CKR_SIGNATURE_INVALID;
    /* The expected MAC would be a valid forgery for this data. */
    wipe(mac, sizeof mac);
    return rv;
}

CK_RV
mac_dup(const void *state, void **copy)
{
    const struct mac_state *s = state;
    struct mac_state *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    *c = *s;
    c->buf = NULL;
    c->n = c->cap = 0;
    if (s->ext != NULL) {
        CK_RV rv = mac_gather(c, s->buf, s->n);
        if (rv != CKR_OK) mac_free(c);
        if (rv == CKR_OK) *copy = c;
        return rv;
    }
    c->ctx = EVP_MAC_CTX_dup(s->ctx);
    if (c->ctx == NULL) {
        free(c);
        return ossl_fail("mac dup", CKR_HOST_MEMORY);
    }
    *copy = c;
    return CKR_OK;
}
