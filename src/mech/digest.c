/*
 * digest.c: CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512
 * (PKCS#11 3.0 current mechanisms §2.16-2.21), and the streaming hash the
 * hashed signature mechanisms share. Every EVP_MD comes from the registry's
 * cache.
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"

CK_RV
digest_ctx_new(CK_MECHANISM_TYPE hash, EVP_MD_CTX **out)
{
    const EVP_MD *md = registry_md(hash);
    if (md == NULL) return CKR_FUNCTION_FAILED;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return CKR_HOST_MEMORY;
    if (EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return ossl_fail("digest init", CKR_FUNCTION_FAILED);
    }
    *out = ctx;
    return CKR_OK;
}

CK_RV
digest_ctx_dup(const EVP_MD_CTX *in, EVP_MD_CTX **out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return CKR_HOST_MEMORY;
    if (EVP_MD_CTX_copy_ex(ctx, in) != 1) {
        EVP_MD_CTX_free(ctx);
        return ossl_fail("digest copy", CKR_FUNCTION_FAILED);
    }
    *out = ctx;
    return CKR_OK;
}

CK_RV
digest_ctx_update(EVP_MD_CTX *ctx, const CK_BYTE *in, CK_ULONG len)
{
    if (len != 0 && EVP_DigestUpdate(ctx, in, len) != 1)
        return ossl_fail("digest update", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

CK_RV
digest_ctx_final(EVP_MD_CTX *ctx, uint8_t *out, size_t *len)
{
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx, out, &n) != 1)
        return ossl_fail("digest final", CKR_FUNCTION_FAILED);
    *len = n;
    return CKR_OK;
}

struct digest_state {
    EVP_MD_CTX *ctx;
    size_t len;
};

static void
digest_free(void *state)
{
    struct digest_state *s = state;
    if (s == NULL) return;
    EVP_MD_CTX_free(s->ctx);
    free(s);
}

static CK_RV
digest_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
            void **state)
{
    (void)fn;
    (void)key;
    CK_RV rv = registry_param_none(m);
    if (rv != CKR_OK) return rv;
    const EVP_MD *md = registry_md(d->type);
    if (md == NULL) return CKR_MECHANISM_INVALID;
    struct digest_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->len = (size_t)EVP_MD_get_size(md);
    rv = digest_ctx_new(d->type, &s->ctx);
    if (rv != CKR_OK) {
        digest_free(s);
        return rv;
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
digest_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct digest_state *s = state;
    (void)in_len;
    (void)at_final;
    *out_len = s->len;
    *exact = true;
    return CKR_OK;
}

static CK_RV
digest_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct digest_state *s = state;
    size_t n = 0;
    CK_RV rv = digest_ctx_final(s->ctx, out, &n);
    if (rv == CKR_OK) *out_len = n;
    return rv;
}

static CK_RV
digest_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct digest_state *s = state;
    (void)out;
    *out_len = 0;
    return digest_ctx_update(s->ctx, in, in_len);
}

static CK_RV
digest_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct digest_state *s = state;
    CK_RV rv = digest_ctx_update(s->ctx, in, in_len);
    if (rv == CKR_OK) rv = digest_final(s, out, out_len);
    return rv;
}

static CK_RV
digest_dup(const void *state, void **copy)
{
    const struct digest_state *s = state;
    struct digest_state *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    c->len = s->len;
    CK_RV rv = digest_ctx_dup(s->ctx, &c->ctx);
    if (rv != CKR_OK) {
        digest_free(c);
        return rv;
    }
    *copy = c;
    return CKR_OK;
}

const struct mech_ops digest_ops = {
    .init = digest_init,
    .out_len = digest_out_len,
    .oneshot = digest_oneshot,
    .update = digest_update,
    .final = digest_final,
    .free = digest_free,
    .dup = digest_dup,
};
