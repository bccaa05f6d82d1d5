/*
 * ec.c: CKM_ECDSA and CKM_ECDSA_SHA1/224/256/384/512 (PKCS#11 3.0 current
 * mechanisms §2.3.6-2.3.7).
 *
 * Signatures are raw r || s, each left-padded to the field length; OpenSSL
 * speaks DER (ECDSA-Sig-Value), so we convert both ways. The hashed
 * mechanisms hash with the EVP_MD cached by the registry and sign the
 * digest with EVP_PKEY_sign: the result is the same as EVP_DigestSign, one
 * code path serves single- and multi-part, and no digest is fetched per
 * operation.
 */
#include <limits.h>
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"

static const struct {
    CK_MECHANISM_TYPE type;
    CK_MECHANISM_TYPE hash; /* 0: the caller hashes (CKM_ECDSA) */
} ecdsa_cfgs[] = {
    {CKM_ECDSA, 0},
    {CKM_ECDSA_SHA1, CKM_SHA_1},
    {CKM_ECDSA_SHA224, CKM_SHA224},
    {CKM_ECDSA_SHA256, CKM_SHA256},
    {CKM_ECDSA_SHA384, CKM_SHA384},
    {CKM_ECDSA_SHA512, CKM_SHA512},
};

struct ecdsa_state {
    enum mech_fn fn;
    size_t flen;                /* bytes of r and of s */
    EVP_PKEY_CTX *pctx;         /* initialized for sign or verify */
    EVP_MD_CTX *md;             /* hashed mechanisms only */
    struct mech_key *key;       /* signing: to give pctx back to (the mech_op's reference
                                 * outlives this state: registry.c frees the state first) */
    const struct mech_ext *ext; /* signing with a key held elsewhere (no pctx) */
    void *ext_ctx;
};

static void
ecdsa_free(void *state)
{
    struct ecdsa_state *s = state;
    if (s == NULL) return;
    if (s->key != NULL) {
        /* ECDSA sets nothing on the context: it serves the next signature. */
        mech_key_sign_ctx_give(s->key, s->pctx);
    } else {
        EVP_PKEY_CTX_free(s->pctx);
    }
    EVP_MD_CTX_free(s->md);
    free(s);
}

static CK_RV
ecdsa_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
           void **state)
{
    CK_MECHANISM_TYPE hash = 0;
    size_t i;
    for (i = 0; i < sizeof ecdsa_cfgs / sizeof ecdsa_cfgs[0]; i++)
        if (ecdsa_cfgs[i].type == d->type) break;
    if (i == sizeof ecdsa_cfgs / sizeof ecdsa_cfgs[0]) return CKR_MECHANISM_INVALID;
    hash = ecdsa_cfgs[i].hash;
    CK_RV rv = registry_param_none(m);
    if (rv != CKR_OK) return rv;
    EVP_PKEY *pkey = mech_key_pkey(key);
    if (pkey == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    struct ecdsa_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->fn = fn;
    s->flen = (mech_key_size(key) + 7) / 8;
    if (fn == MECH_SIGN && (s->ext = mech_key_ext(key, &s->ext_ctx)) != NULL) {
        rv = CKR_OK;
    } else if (fn == MECH_SIGN && (s->pctx = mech_key_sign_ctx_take(key)) != NULL) {
        s->key = key;
    } else {
        rv = CKR_HOST_MEMORY;
        s->pctx = EVP_PKEY_CTX_new_from_pkey(ossl_libctx(), pkey, NULL);
        if (s->pctx == NULL) goto out;
        rv = CKR_FUNCTION_FAILED;
        if ((fn == MECH_SIGN ? EVP_PKEY_sign_init(s->pctx) : EVP_PKEY_verify_init(s->pctx)) != 1)
            goto out;
        if (fn == MECH_SIGN) s->key = key;
    }
    rv = hash != 0 ? digest_ctx_new(hash, &s->md) : CKR_OK;
out:
    if (rv != CKR_OK) {
        ecdsa_free(s);
        return ossl_fail("ecdsa init", rv);
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
ecdsa_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct ecdsa_state *s = state;
    (void)in_len;
    (void)at_final;
    *out_len = 2 * s->flen;
    *exact = true;
    return CKR_OK;
}

/* DER ECDSA-Sig-Value to r || s. */
static CK_RV
ecdsa_der_to_raw(const struct ecdsa_state *s, const uint8_t *der, size_t derlen, CK_BYTE *out)
{
    const unsigned char *p = der;
    const BIGNUM *r, *sv;
    if (derlen > LONG_MAX) return CKR_FUNCTION_FAILED;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (sig == NULL) return ossl_fail("ecdsa der", CKR_FUNCTION_FAILED);
    ECDSA_SIG_get0(sig, &r, &sv);
    CK_RV rv = CKR_OK;
    if (BN_bn2binpad(r, out, (int)s->flen) < 0 || BN_bn2binpad(sv, out + s->flen, (int)s->flen) < 0)
        rv = ossl_fail("ecdsa raw", CKR_FUNCTION_FAILED);
    ECDSA_SIG_free(sig);
    return rv;
}

/* r || s (2 * flen bytes) to DER; *der is OPENSSL_malloc'ed. */
static CK_RV
ecdsa_raw_to_der(const struct ecdsa_state *s, const CK_BYTE *raw, unsigned char **der, int *derlen)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)s->flen, NULL);
    BIGNUM *sv = BN_bin2bn(raw + s->flen, (int)s->flen, NULL);
    CK_RV rv = CKR_HOST_MEMORY;
    if (sig == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(sig, r, sv) != 1) {
        BN_free(r);
        BN_free(sv);
        goto out;
    }
    *der = NULL;
    *derlen = i2d_ECDSA_SIG(sig, der);
    if (*derlen > 0) rv = CKR_OK;
out:
    ECDSA_SIG_free(sig);
    return rv == CKR_OK ? rv : ossl_fail("ecdsa der", rv);
}

static CK_RV
ecdsa_sign_hash(struct ecdsa_state *s, const uint8_t *h, size_t hlen, CK_BYTE *out,
                CK_ULONG *out_len)
{
    /* Large enough for P-384: SEQUENCE { INTEGER (49), INTEGER (49) }. */
    uint8_t der[2 * (CURVES_MAX_FIELD + 3) + 8];
    size_t derlen = sizeof der;
    if (s->ext != NULL) {
        CK_RV rv = s->ext->ecdsa(s->ext_ctx, h, hlen, out, s->flen);
        if (rv == CKR_OK) *out_len = 2 * s->flen;
        return rv;
    }
    if (EVP_PKEY_sign(s->pctx, der, &derlen, h, hlen) != 1)
        return ossl_fail("ecdsa sign", CKR_FUNCTION_FAILED);
    CK_RV rv = ecdsa_der_to_raw(s, der, derlen, out);
    if (rv == CKR_OK) *out_len = 2 * s->flen;
    return rv;
}

static CK_RV
ecdsa_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct ecdsa_state *s = state;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t hlen;
    if (s->md == NULL) return ecdsa_sign_hash(s, in, in_len, out, out_len);
    CK_RV rv = digest_ctx_update(s->md, in, in_len);
    if (rv == CKR_OK) rv = digest_ctx_final(s->md, h, &hlen);
    if (rv == CKR_OK) rv = ecdsa_sign_hash(s, h, hlen, out, out_len);
    return rv;
}

static CK_RV
ecdsa_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct ecdsa_state *s = state;
    (void)out;
    *out_len = 0;
    /* CKM_ECDSA is single-part (its input is already a hash). */
    if (s->md == NULL) return CKR_MECHANISM_INVALID;
    return digest_ctx_update(s->md, in, in_len);
}

static CK_RV
ecdsa_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct ecdsa_state *s = state;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t hlen;
    if (s->md == NULL) return CKR_MECHANISM_INVALID;
    CK_RV rv = digest_ctx_final(s->md, h, &hlen);
    if (rv == CKR_OK) rv = ecdsa_sign_hash(s, h, hlen, out, out_len);
    return rv;
}

static CK_RV
ecdsa_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
             CK_ULONG sig_len)
{
    struct ecdsa_state *s = state;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t hlen = 0;
    const uint8_t *tbs = data;
    unsigned char *der = NULL;
    int derlen = 0;
    /* The length first: a wrong-sized signature never reaches OpenSSL. */
    if (sig_len != 2 * s->flen) return CKR_SIGNATURE_LEN_RANGE;
    CK_RV rv = CKR_OK;
    if (s->md == NULL) {
        if (data == NULL) return CKR_MECHANISM_INVALID;
        hlen = data_len;
    } else {
        if (data != NULL) rv = digest_ctx_update(s->md, data, data_len);
        if (rv == CKR_OK) rv = digest_ctx_final(s->md, h, &hlen);
        tbs = h;
    }
    if (rv == CKR_OK) rv = ecdsa_raw_to_der(s, sig, &der, &derlen);
    if (rv != CKR_OK) goto out;
    int ok = EVP_PKEY_verify(s->pctx, der, (size_t)derlen, tbs, hlen);
    /* 0 is a signature that does not verify (r or s out of range included);
     * below 0 is an internal failure. */
    rv = ok == 1 ? CKR_OK : ok == 0 ? CKR_SIGNATURE_INVALID : CKR_FUNCTION_FAILED;
    if (rv != CKR_OK) ossl_fail("ecdsa verify", rv);
out:
    OPENSSL_free(der);
    return rv;
}

/* Only the hashed mechanisms keep a state worth saving: CKM_ECDSA holds
 * nothing but the key. */
static CK_RV
ecdsa_dup(const void *state, void **copy)
{
    const struct ecdsa_state *s = state;
    if (s->md == NULL) return CKR_STATE_UNSAVEABLE;
    struct ecdsa_state *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    c->fn = s->fn;
    c->flen = s->flen;
    c->ext = s->ext;
    c->ext_ctx = s->ext_ctx;
    CK_RV rv = CKR_HOST_MEMORY;
    if (s->pctx != NULL) c->pctx = EVP_PKEY_CTX_dup(s->pctx);
    if (c->pctx != NULL || s->ext != NULL) rv = digest_ctx_dup(s->md, &c->md);
    if (rv != CKR_OK) {
        ecdsa_free(c);
        return ossl_fail("ecdsa dup", rv);
    }
    *copy = c;
    return CKR_OK;
}

const struct mech_ops ec_ecdsa_ops = {
    .init = ecdsa_init,
    .out_len = ecdsa_out_len,
    .oneshot = ecdsa_oneshot,
    .update = ecdsa_update,
    .final = ecdsa_final,
    .verify = ecdsa_verify,
    .free = ecdsa_free,
    .dup = ecdsa_dup,
};
