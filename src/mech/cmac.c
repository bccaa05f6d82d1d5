/*
 * cmac.c: CKM_AES_CMAC and CKM_AES_CMAC_GENERAL (PKCS#11 3.0 current
 * mechanisms §2.14 "AES CMAC"; NIST SP 800-38B, RFC 4493), single- and
 * multi-part.
 *
 * The MAC is OpenSSL's "CMAC" EVP_MAC, fetched once by the registry, over
 * AES-{128,192,256}-CBC. CKM_AES_CMAC_GENERAL takes a CK_MAC_GENERAL_PARAMS
 * (a CK_ULONG length, 1..16) and keeps the leading bytes of the block, as
 * §2.14 says. Verification compares in constant time.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

#define CMAC_BLOCK 16

struct cmac_state {
    EVP_MAC_CTX *ctx;
    size_t len; /* bytes of the MAC we give out (1..16) */
};

static void
cmac_free(void *state)
{
    struct cmac_state *s = state;
    if (s == NULL) return;
    /* EVP_MAC_CTX_free cleanses the keyed state. */
    EVP_MAC_CTX_free(s->ctx);
    free(s);
}

/* CKM_AES_CMAC: no parameter, a full block. CKM_AES_CMAC_GENERAL: the
 * length as a CK_MAC_GENERAL_PARAMS (CK_ULONG). */
static CK_RV
cmac_params(const struct mech_desc *d, const CK_MECHANISM *m, size_t *len)
{
    if (d->type == CKM_AES_CMAC) {
        *len = CMAC_BLOCK;
        return registry_param_none(m);
    }
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_ULONG))
        return CKR_MECHANISM_PARAM_INVALID;
    CK_ULONG want = *(const CK_ULONG *)m->pParameter;
    if (want == 0 || want > CMAC_BLOCK) return CKR_MECHANISM_PARAM_INVALID;
    *len = want;
    return CKR_OK;
}

static const char *
cmac_cipher_name(size_t klen)
{
    switch (klen) {
    case 16:
        return "AES-128-CBC";
    case 24:
        return "AES-192-CBC";
    case 32:
        return "AES-256-CBC";
    default:
        return NULL;
    }
}

static CK_RV
cmac_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
          void **state)
{
    size_t len = 0, klen;
    (void)fn;
    CK_RV rv = cmac_params(d, m, &len);
    if (rv != CKR_OK) return rv;
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    const char *cipher = cmac_cipher_name(klen);
    if (cipher == NULL) return CKR_KEY_SIZE_RANGE;
    if (registry_cmac() == NULL) return CKR_FUNCTION_FAILED;
    struct cmac_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->len = len;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)(uintptr_t)cipher, 0),
        OSSL_PARAM_construct_end(),
    };
    rv = CKR_HOST_MEMORY;
    s->ctx = EVP_MAC_CTX_new(registry_cmac());
    if (s->ctx == NULL) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (EVP_MAC_init(s->ctx, k, klen, params) != 1) goto out;
    rv = CKR_OK;
out:
    if (rv != CKR_OK) {
        cmac_free(s);
        return ossl_fail("cmac init", rv);
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
cmac_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct cmac_state *s = state;
    (void)in_len;
    (void)at_final;
    *out_len = s->len;
    *exact = true;
    return CKR_OK;
}

static CK_RV
cmac_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct cmac_state *s = state;
    (void)out;
    *out_len = 0;
    if (in_len != 0 && EVP_MAC_update(s->ctx, in, in_len) != 1)
        return ossl_fail("cmac update", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

/* The full block into mac[CMAC_BLOCK]. */
static CK_RV
cmac_block(struct cmac_state *s, uint8_t *mac)
{
    size_t n = 0;
    if (EVP_MAC_final(s->ctx, mac, &n, CMAC_BLOCK) != 1 || n != CMAC_BLOCK)
        return ossl_fail("cmac final", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

static CK_RV
cmac_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct cmac_state *s = state;
    uint8_t mac[CMAC_BLOCK];
    CK_RV rv = cmac_block(s, mac);
    if (rv == CKR_OK) {
        memcpy(out, mac, s->len);
        *out_len = s->len;
    }
    wipe(mac, sizeof mac);
    return rv;
}

static CK_RV
cmac_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    CK_ULONG unused;
    CK_RV rv = cmac_update(state, in, in_len, NULL, &unused);
    if (rv == CKR_OK) rv = cmac_final(state, out, out_len);
    return rv;
}

static CK_RV
cmac_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
            CK_ULONG sig_len)
{
    struct cmac_state *s = state;
    uint8_t mac[CMAC_BLOCK];
    CK_ULONG unused;
    if (sig_len != s->len) return CKR_SIGNATURE_LEN_RANGE;
    CK_RV rv = data != NULL ? cmac_update(s, data, data_len, NULL, &unused) : CKR_OK;
    if (rv == CKR_OK) rv = cmac_block(s, mac);
    if (rv == CKR_OK && !ct_eq(mac, sig, s->len)) rv = CKR_SIGNATURE_INVALID;
    /* The expected MAC would be a valid forgery for this data. */
    wipe(mac, sizeof mac);
    return rv;
}

static CK_RV
cmac_dup(const void *state, void **copy)
{
    const struct cmac_state *s = state;
    struct cmac_state *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    c->len = s->len;
    c->ctx = EVP_MAC_CTX_dup(s->ctx);
    if (c->ctx == NULL) {
        free(c);
        return ossl_fail("cmac dup", CKR_HOST_MEMORY);
    }
    *copy = c;
    return CKR_OK;
}

const struct mech_ops cmac_ops = {
    .init = cmac_init,
    .out_len = cmac_out_len,
    .oneshot = cmac_oneshot,
    .update = cmac_update,
    .final = cmac_final,
    .verify = cmac_verify,
    .free = cmac_free,
    .dup = cmac_dup,
};
