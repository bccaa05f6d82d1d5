/*
 * rsa.c: the RSA operations (PKCS#11 3.0 current mechanisms §2.1):
 * CKM_RSA_PKCS (sign/verify over the caller's DigestInfo, and PKCS#1 v1.5
 * encryption), CKM_RSA_X_509 (raw RSA), CKM_RSA_PKCS_OAEP, CKM_RSA_PKCS_PSS
 * (over the caller's hash), and the hashed CKM_SHA{1,224,256,384,512}_RSA_PKCS
 * and _RSA_PKCS_PSS. CKM_RSA_PKCS and CKM_RSA_X_509 also sign with recovery
 * (like signing) and verify with recovery (EVP_PKEY_verify_recover: the
 * input is the signature, the output the recovered data).
 *
 * The hashed mechanisms hash with the registry's cached EVP_MD and sign the
 * digest with EVP_PKEY_sign; OpenSSL adds the DigestInfo or the PSS
 * encoding because the signature digest is set on the context.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

enum rsa_pad { RPAD_PKCS1, RPAD_RAW, RPAD_OAEP, RPAD_PSS };

struct rsa_cfg {
    CK_MECHANISM_TYPE type;
    CK_MECHANISM_TYPE hash; /* 0: single-part over the caller's input */
    enum rsa_pad pad;
};

static const struct rsa_cfg rsa_cfgs[] = {
    {CKM_RSA_PKCS, 0, RPAD_PKCS1},
    {CKM_RSA_X_509, 0, RPAD_RAW},
    {CKM_RSA_PKCS_OAEP, 0, RPAD_OAEP},
    {CKM_RSA_PKCS_PSS, 0, RPAD_PSS},
    {CKM_SHA1_RSA_PKCS, CKM_SHA_1, RPAD_PKCS1},
    {CKM_SHA224_RSA_PKCS, CKM_SHA224, RPAD_PKCS1},
    {CKM_SHA256_RSA_PKCS, CKM_SHA256, RPAD_PKCS1},
    {CKM_SHA384_RSA_PKCS, CKM_SHA384, RPAD_PKCS1},
    {CKM_SHA512_RSA_PKCS, CKM_SHA512, RPAD_PKCS1},
    {CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, RPAD_PSS},
    {CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224, RPAD_PSS},
    {CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, RPAD_PSS},
    {CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, RPAD_PSS},
    {CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, RPAD_PSS},
};

/* The hashes OAEP and PSS accept, and their MGF1 twins. MGF1 may use a
 * different hash from the message (PKCS#1 allows it, and Java's
 * "OAEPWithSHA-256AndMGF1Padding" does exactly that with MGF1-SHA1). */
static const struct {
    CK_MECHANISM_TYPE hash;
    CK_RSA_PKCS_MGF_TYPE mgf;
} rsa_hashes[] = {
    {CKM_SHA_1, CKG_MGF1_SHA1},    {CKM_SHA224, CKG_MGF1_SHA224}, {CKM_SHA256, CKG_MGF1_SHA256},
    {CKM_SHA384, CKG_MGF1_SHA384}, {CKM_SHA512, CKG_MGF1_SHA512},
};
#define RSA_NHASH (sizeof rsa_hashes / sizeof rsa_hashes[0])

/* PKCS#1 v1.5 padding takes at least 11 bytes (RFC 8017 §7.2.1, §9.2). */
#define RSA_PKCS1_OVERHEAD 11

struct rsa_params {
    const EVP_MD *md;     /* OAEP/PSS hash */
    const EVP_MD *mgf;    /* MGF1 hash */
    size_t slen;          /* PSS salt length */
    unsigned char *label; /* OAEP label, OPENSSL_malloc'ed; NULL when empty */
    size_t label_len;
};

struct rsa_state {
    const struct rsa_cfg *cfg;
    enum mech_fn fn;
    size_t k;    /* modulus bytes */
    size_t hlen; /* OAEP/PSS hash length */
    EVP_PKEY_CTX *pctx;
    EVP_MD_CTX *md; /* hashed mechanisms only */
    uint8_t *n;     /* CKM_RSA_X_509: the modulus, k bytes */
    /* A private operation with a key held elsewhere (no pctx). */
    const struct mech_ext *ext;
    void *ext_ctx;
};

/* The DER prefix of a DigestInfo (RFC 8017 §9.2, note 1), by hash. */
static const struct {
    CK_MECHANISM_TYPE hash;
    uint8_t len;
    uint8_t der[19];
} rsa_digest_info[] = {
    {CKM_SHA_1,
     15,
     {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}},
    {CKM_SHA224,
     19,
     {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04,
      0x05, 0x00, 0x04, 0x1c}},
    {CKM_SHA256,
     19,
     {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
      0x05, 0x00, 0x04, 0x20}},
    {CKM_SHA384,
     19,
     {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
      0x05, 0x00, 0x04, 0x30}},
    {CKM_SHA512,
     19,
     {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
      0x05, 0x00, 0x04, 0x40}},
};

static void
rsa_free(void *state)
{
    struct rsa_state *s = state;
    if (s == NULL) return;
    EVP_PKEY_CTX_free(s->pctx);
    EVP_MD_CTX_free(s->md);
    free(s->n);
    free(s);
}

static const EVP_MD *
rsa_mgf_md(CK_RSA_PKCS_MGF_TYPE mgf)
{
    for (size_t i = 0; i < RSA_NHASH; i++)
        if (rsa_hashes[i].mgf == mgf) return registry_md(rsa_hashes[i].hash);
    return NULL;
}

static const EVP_MD *
rsa_hash_md(CK_MECHANISM_TYPE hash)
{
    for (size_t i = 0; i < RSA_NHASH; i++)
        if (rsa_hashes[i].hash == hash) return registry_md(hash);
    return NULL;
}

/* CK_RSA_PKCS_PSS_PARAMS (§2.1.14). The hashed mechanisms fix hashAlg; the
 * salt must fit the encoded message: sLen <= emLen - hLen - 2 (RFC 8017
 * §9.1.1), with emLen = ceil((modBits - 1) / 8). */
static CK_RV
rsa_pss_params(const struct rsa_cfg *cfg, const CK_MECHANISM *m, CK_ULONG bits,
               struct rsa_params *rp)
{
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_RSA_PKCS_PSS_PARAMS *p = m->pParameter;
    if (cfg->hash != 0 && p->hashAlg != cfg->hash) return CKR_MECHANISM_PARAM_INVALID;
    rp->md = rsa_hash_md(p->hashAlg);
    rp->mgf = rsa_mgf_md(p->mgf);
    if (rp->md == NULL || rp->mgf == NULL) return CKR_MECHANISM_PARAM_INVALID;
    size_t hlen = (size_t)EVP_MD_get_size(rp->md);
    size_t emlen = (bits - 1 + 7) / 8;
    if (p->sLen > emlen || emlen < hlen + 2 || p->sLen > emlen - hlen - 2)
        return CKR_MECHANISM_PARAM_INVALID;
    rp->slen = p->sLen;
    return CKR_OK;
}

/* CK_RSA_PKCS_OAEP_PARAMS (§2.1.8): the only source is
 * CKZ_DATA_SPECIFIED, with an optional label; the key must leave room for
 * the two hashes: k >= 2 hLen + 2 (RFC 8017 §7.1.1). */
static CK_RV
rsa_oaep_params(const CK_MECHANISM *m, size_t k, struct rsa_params *rp)
{
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_RSA_PKCS_OAEP_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_RSA_PKCS_OAEP_PARAMS *p = m->pParameter;
    rp->md = rsa_hash_md(p->hashAlg);
    rp->mgf = rsa_mgf_md(p->mgf);
    if (rp->md == NULL || rp->mgf == NULL || p->source != CKZ_DATA_SPECIFIED)
        return CKR_MECHANISM_PARAM_INVALID;
    if ((p->pSourceData == NULL && p->ulSourceDataLen != 0) || p->ulSourceDataLen > INT_MAX)
        return CKR_MECHANISM_PARAM_INVALID;
    if (k < 2 * (size_t)EVP_MD_get_size(rp->md) + 2) return CKR_MECHANISM_PARAM_INVALID;
    if (p->ulSourceDataLen != 0) {
        rp->label = OPENSSL_memdup(p->pSourceData, p->ulSourceDataLen);
        if (rp->label == NULL) return CKR_HOST_MEMORY;
        rp->label_len = p->ulSourceDataLen;
    }
    return CKR_OK;
}

static int
rsa_op_init(EVP_PKEY_CTX *ctx, enum mech_fn fn, enum rsa_pad pad)
{
    switch (fn) {
    case MECH_SIGN:
    case MECH_SIGN_RECOVER:
        return EVP_PKEY_sign_init(ctx);
    case MECH_VERIFY:
        /* Raw RSA verification recovers the value and compares it here. */
        return pad == RPAD_RAW ? EVP_PKEY_verify_recover_init(ctx) : EVP_PKEY_verify_init(ctx);
    case MECH_VERIFY_RECOVER:
        return EVP_PKEY_verify_recover_init(ctx);
    case MECH_ENCRYPT:
        return EVP_PKEY_encrypt_init(ctx);
    case MECH_DECRYPT:
        return EVP_PKEY_decrypt_init(ctx);
    default:
        return 0;
    }
}

/* Configure the padding of s->pctx. On success the label belongs to it. */
static CK_RV
rsa_ctx_setup(struct rsa_state *s, struct rsa_params *rp)
{
    static const int pads[] = {
        [RPAD_PKCS1] = RSA_PKCS1_PADDING,
        [RPAD_RAW] = RSA_NO_PADDING,
        [RPAD_OAEP] = RSA_PKCS1_OAEP_PADDING,
        [RPAD_PSS] = RSA_PKCS1_PSS_PADDING,
    };
    EVP_PKEY_CTX *c = s->pctx;
    enum rsa_pad pad = s->cfg->pad;
    if (rsa_op_init(c, s->fn, pad) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, pads[pad]) != 1)
        return CKR_FUNCTION_FAILED;
    if (pad == RPAD_PKCS1 && s->cfg->hash != 0 &&
        EVP_PKEY_CTX_set_signature_md(c, registry_md(s->cfg->hash)) != 1)
        return CKR_FUNCTION_FAILED;
    if (pad == RPAD_PSS && (EVP_PKEY_CTX_set_signature_md(c, rp->md) != 1 ||
                            EVP_PKEY_CTX_set_rsa_mgf1_md(c, rp->mgf) != 1 ||
                            EVP_PKEY_CTX_set_rsa_pss_saltlen(c, (int)rp->slen) != 1))
        return CKR_FUNCTION_FAILED;
    if (pad == RPAD_OAEP) {
        if (EVP_PKEY_CTX_set_rsa_oaep_md(c, rp->md) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(c, rp->mgf) != 1)
            return CKR_FUNCTION_FAILED;
        if (rp->label != NULL) {
            if (EVP_PKEY_CTX_set0_rsa_oaep_label(c, rp->label, (int)rp->label_len) != 1)
                return CKR_FUNCTION_FAILED;
            rp->label = NULL;
        }
    }
    return CKR_OK;
}

/* The modulus, for the range checks of raw RSA. */
static CK_RV
rsa_get_modulus(struct rsa_state *s, const EVP_PKEY *pkey)
{
    BIGNUM *n = NULL;
    CK_RV rv = CKR_FUNCTION_FAILED;
    s->n = malloc(s->k);
    if (s->n == NULL) return CKR_HOST_MEMORY;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
        BN_bn2binpad(n, s->n, (int)s->k) == (int)s->k)
        rv = CKR_OK;
    BN_free(n);
    return rv;
}

static CK_RV
rsa_params_for(struct rsa_state *s, const CK_MECHANISM *m, CK_ULONG bits, struct rsa_params *rp)
{
    switch (s->cfg->pad) {
    case RPAD_PSS:
        return rsa_pss_params(s->cfg, m, bits, rp);
    case RPAD_OAEP:
        return rsa_oaep_params(m, s->k, rp);
    default:
        return registry_param_none(m);
    }
}

/* What a key held elsewhere can do (mech.h, struct mech_ext): PSS with
 * MGF1 of the message hash and a salt of the hash's length, OAEP with
 * MGF1 of its hash and no label. */
static CK_RV
rsa_ext_params(const struct rsa_state *s, const struct rsa_params *rp)
{
    if (s->ext->rsa == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    if (s->cfg->pad == RPAD_PSS &&
        (EVP_MD_get_type(rp->mgf) != EVP_MD_get_type(rp->md) || rp->slen != s->hlen))
        return CKR_MECHANISM_PARAM_INVALID;
    if (s->cfg->pad == RPAD_OAEP &&
        (EVP_MD_get_type(rp->mgf) != EVP_MD_get_type(rp->md) || rp->label != NULL))
        return CKR_MECHANISM_PARAM_INVALID;
    return CKR_OK;
}

static CK_RV
rsa_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
         void **state)
{
    struct rsa_params rp = {0};
    const struct rsa_cfg *cfg = NULL;
    for (size_t i = 0; i < sizeof rsa_cfgs / sizeof rsa_cfgs[0]; i++)
        if (rsa_cfgs[i].type == d->type) cfg = &rsa_cfgs[i];
    EVP_PKEY *pkey = mech_key_pkey(key);
    if (cfg == NULL) return CKR_MECHANISM_INVALID;
    if (pkey == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    struct rsa_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->cfg = cfg;
    s->fn = fn;
    s->k = (size_t)EVP_PKEY_get_size(pkey);
    CK_RV rv = rsa_params_for(s, m, mech_key_size(key), &rp);
    if (rv != CKR_OK) goto out;
    s->hlen = rp.md != NULL ? (size_t)EVP_MD_get_size(rp.md) : 0;
    if (fn == MECH_SIGN || fn == MECH_SIGN_RECOVER || fn == MECH_DECRYPT)
        s->ext = mech_key_ext(key, &s->ext_ctx);
    if (s->ext != NULL) {
        rv = rsa_ext_params(s, &rp);
    } else {
        rv = CKR_HOST_MEMORY;
        s->pctx = EVP_PKEY_CTX_new_from_pkey(ossl_libctx(), pkey, NULL);
        if (s->pctx == NULL) goto out;
        rv = rsa_ctx_setup(s, &rp);
    }
    if (rv == CKR_OK && cfg->hash != 0) rv = digest_ctx_new(cfg->hash, &s->md);
    if (rv == CKR_OK && cfg->pad == RPAD_RAW) rv = rsa_get_modulus(s, pkey);
out:
    OPENSSL_free(rp.label);
    if (rv != CKR_OK) {
        rsa_free(s);
        return ossl_fail("rsa init", rv);
    }
    *state = s;
    return CKR_OK;
}

/* The longest message each encryption padding carries. */
static size_t
rsa_max_plain(const struct rsa_state *s)
{
    switch (s->cfg->pad) {
    case RPAD_PKCS1:
        return s->k - RSA_PKCS1_OVERHEAD;
    case RPAD_OAEP:
        return s->k - 2 * s->hlen - 2;
    default:
        return s->k;
    }
}

/* Whether in_len can be valid input to a single-part call. */
static CK_RV
rsa_check_len(const struct rsa_state *s, CK_ULONG in_len)
{
    if (s->fn == MECH_DECRYPT) return in_len == s->k ? CKR_OK : CKR_ENCRYPTED_DATA_LEN_RANGE;
    if (s->fn == MECH_VERIFY_RECOVER) return in_len == s->k ? CKR_OK : CKR_SIGNATURE_LEN_RANGE;
    if (s->md != NULL) return CKR_OK;
    /* Raw PSS signs a hash: exactly hLen bytes (§2.1.14). */
    if (s->cfg->pad == RPAD_PSS) return in_len == s->hlen ? CKR_OK : CKR_DATA_LEN_RANGE;
    return in_len <= rsa_max_plain(s) ? CKR_OK : CKR_DATA_LEN_RANGE;
}

static CK_RV
rsa_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    struct rsa_state *s = state;
    if (!at_final) {
        CK_RV rv = rsa_check_len(s, in_len);
        if (rv != CKR_OK) return rv;
    }
    if (s->fn == MECH_VERIFY_RECOVER) {
        /* An upper bound even for raw RSA, which recovers all k bytes. */
        *out_len = rsa_max_plain(s);
        *exact = false;
    } else if (s->fn == MECH_DECRYPT) {
        /* Padding is only known once removed; raw RSA gives k bytes. */
        *out_len = rsa_max_plain(s);
        *exact = s->cfg->pad == RPAD_RAW;
    } else {
        *out_len = s->k;
        *exact = true;
    }
    return CKR_OK;
}

/* a >= b for two big-endian numbers of len bytes, in constant time (raw
 * RSA inputs may be secret plaintext). */
static bool
rsa_ct_ge(const uint8_t *a, const uint8_t *b, size_t len)
{
    unsigned borrow = 0;
    for (size_t i = len; i-- > 0;) {
        unsigned diff = (unsigned)a[i] - (unsigned)b[i] - borrow;
        borrow = (diff >> 8) & 1u;
    }
    return borrow == 0;
}

/* Left-pad a raw RSA input to k bytes into buf; it must be below the
 * modulus (else too_big). */
static CK_RV
rsa_raw_input(const struct rsa_state *s, const CK_BYTE *in, size_t len, uint8_t *buf, CK_RV too_big)
{
    size_t pad = s->k - len;
    memset(buf, 0, pad);
    if (len != 0) memcpy(buf + pad, in, len);
    return rsa_ct_ge(buf, s->n, s->k) ? too_big : CKR_OK;
}

/* A PKCS#1 v1.5 signature block (EMSA-PKCS1-v1_5, RFC 8017 §9.2) of k
 * bytes in em: 00 01 FF..FF 00 [DigestInfo prefix] t. */
static CK_RV
rsa_ext_block(const struct rsa_state *s, const uint8_t *t, size_t len, uint8_t *em)
{
    const uint8_t *pre = NULL;
    size_t plen = 0;
    for (size_t i = 0; s->cfg->hash != 0 && i < sizeof rsa_digest_info / sizeof rsa_digest_info[0];
         i++)
        if (rsa_digest_info[i].hash == s->cfg->hash) {
            pre = rsa_digest_info[i].der;
            plen = rsa_digest_info[i].len;
        }
    if (s->cfg->hash != 0 && pre == NULL) return CKR_FUNCTION_FAILED;
    if (plen + len + RSA_PKCS1_OVERHEAD > s->k) return CKR_DATA_LEN_RANGE;
    size_t ps = s->k - 3 - plen - len;
    em[0] = 0x00;
    em[1] = 0x01;
    memset(em + 2, 0xFF, ps);
    em[2 + ps] = 0x00;
    if (plen) memcpy(em + 3 + ps, pre, plen);
    if (len) memcpy(em + 3 + ps + plen, t, len);
    return CKR_OK;
}

/* A signature with a key held elsewhere. */
static CK_RV
rsa_ext_sign(struct rsa_state *s, const uint8_t *tbs, size_t len, CK_BYTE *out, CK_ULONG *out_len)
{
    size_t outl = s->k;
    CK_RV rv;
    if (s->cfg->pad == RPAD_PSS) {
        rv = s->ext->rsa(s->ext_ctx, MECH_EXT_RSA_PSS, s->hlen, tbs, len, out, &outl);
    } else {
        uint8_t *em = malloc(s->k);
        if (em == NULL) return CKR_HOST_MEMORY;
        rv = s->cfg->pad == RPAD_RAW ? CKR_OK : rsa_ext_block(s, tbs, len, em);
        if (rv == CKR_OK)
            rv = s->ext->rsa(s->ext_ctx, MECH_EXT_RSA_RAW, 0, s->cfg->pad == RPAD_RAW ? tbs : em,
                             s->k, out, &outl);
        wipe_free(em, s->k);
    }
    if (rv == CKR_OK && outl != s->k) rv = CKR_FUNCTION_FAILED;
    if (rv == CKR_OK) *out_len = outl;
    return rv;
}

/* Sign or encrypt tbs (a hash, a DigestInfo, or the caller's input). */
static CK_RV
rsa_run(struct rsa_state *s, const uint8_t *tbs, size_t len, CK_BYTE *out, CK_ULONG *out_len)
{
    uint8_t *padded = NULL;
    size_t outl = s->k;
    CK_RV rv = CKR_OK;
    if (s->cfg->pad == RPAD_RAW) {
        padded = malloc(s->k);
        if (padded == NULL) return CKR_HOST_MEMORY;
        rv = rsa_raw_input(s, tbs, len, padded, CKR_DATA_INVALID);
        tbs = padded;
        len = s->k;
    }
    if (rv != CKR_OK) goto out;
    if (s->ext != NULL) {
        rv = rsa_ext_sign(s, tbs, len, out, out_len);
        goto out;
    }
    int r = s->fn != MECH_ENCRYPT ? EVP_PKEY_sign(s->pctx, out, &outl, tbs, len)
                                  : EVP_PKEY_encrypt(s->pctx, out, &outl, tbs, len);
    if (r != 1) {
        rv = ossl_fail("rsa", CKR_FUNCTION_FAILED);
        goto out;
    }
    *out_len = outl;
out:
    wipe_free(padded, s->k);
    return rv;
}

static CK_RV
rsa_decrypt(struct rsa_state *s, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
            CK_ULONG *out_len)
{
    size_t outl = s->k;
    if (in_len != s->k) return CKR_ENCRYPTED_DATA_LEN_RANGE;
    if (s->cfg->pad == RPAD_RAW && rsa_ct_ge(in, s->n, s->k)) return CKR_ENCRYPTED_DATA_INVALID;
    /* OpenSSL wants k bytes of room; the caller only promised the bound. */
    uint8_t *pt = malloc(s->k);
    if (pt == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = CKR_OK;
    if (s->ext != NULL) {
        enum mech_ext_rsa op = s->cfg->pad == RPAD_OAEP    ? MECH_EXT_RSA_OAEP
                               : s->cfg->pad == RPAD_PKCS1 ? MECH_EXT_RSA_PKCS1
                                                           : MECH_EXT_RSA_RAW;
        rv = s->ext->rsa(s->ext_ctx, op, s->hlen, in, in_len, pt, &outl);
        if (rv == CKR_OK && outl > rsa_max_plain(s)) rv = CKR_ENCRYPTED_DATA_INVALID;
    } else if (EVP_PKEY_decrypt(s->pctx, pt, &outl, in, in_len) != 1 || outl > rsa_max_plain(s)) {
        rv = ossl_fail("rsa decrypt", CKR_ENCRYPTED_DATA_INVALID);
    }
    if (rv == CKR_OK) {
        if (outl != 0) memcpy(out, pt, outl);
        *out_len = outl;
    }
    wipe_free(pt, s->k);
    return rv;
}

/* C_VerifyRecover: sig^e mod n, with the padding (if any) removed. A bad
 * signature is CKR_SIGNATURE_INVALID; the recovered data is public. */
static CK_RV
rsa_verify_recover(struct rsa_state *s, const CK_BYTE *sig, CK_ULONG sig_len, CK_BYTE *out,
                   CK_ULONG *out_len)
{
    size_t outl = s->k;
    if (sig_len != s->k) return CKR_SIGNATURE_LEN_RANGE;
    if (s->cfg->pad == RPAD_RAW && rsa_ct_ge(sig, s->n, s->k)) return CKR_SIGNATURE_INVALID;
    /* OpenSSL wants k bytes of room; the caller only promised the bound. */
    uint8_t *rec = malloc(s->k);
    if (rec == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = CKR_OK;
    if (EVP_PKEY_verify_recover(s->pctx, rec, &outl, sig, sig_len) != 1 || outl > rsa_max_plain(s))
        rv = ossl_fail("rsa verify recover", CKR_SIGNATURE_INVALID);
    if (rv == CKR_OK) {
        if (outl != 0) memcpy(out, rec, outl);
        *out_len = outl;
    }
    wipe_free(rec, s->k);
    return rv;
}

static CK_RV
rsa_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct rsa_state *s = state;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t hlen;
    if (s->fn == MECH_DECRYPT) return rsa_decrypt(s, in, in_len, out, out_len);
    if (s->fn == MECH_VERIFY_RECOVER) return rsa_verify_recover(s, in, in_len, out, out_len);
    if (s->md == NULL) {
        CK_RV rv = rsa_check_len(s, in_len);
        return rv == CKR_OK ? rsa_run(s, in, in_len, out, out_len) : rv;
    }
    CK_RV rv = digest_ctx_update(s->md, in, in_len);
    if (rv == CKR_OK) rv = digest_ctx_final(s->md, h, &hlen);
    if (rv == CKR_OK) rv = rsa_run(s, h, hlen, out, out_len);
    return rv;
}

static CK_RV
rsa_update(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct rsa_state *s = state;
    (void)out;
    *out_len = 0;
    if (s->md == NULL) return CKR_MECHANISM_INVALID;
    return digest_ctx_update(s->md, in, in_len);
}

static CK_RV
rsa_final(void *state, CK_BYTE *out, CK_ULONG *out_len)
{
    struct rsa_state *s = state;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t hlen;
    if (s->md == NULL) return CKR_MECHANISM_INVALID;
    CK_RV rv = digest_ctx_final(s->md, h, &hlen);
    if (rv == CKR_OK) rv = rsa_run(s, h, hlen, out, out_len);
    return rv;
}

/* Raw RSA verification: recover sig^e mod n and compare it with the data
 * left-padded to k bytes. */
static CK_RV
rsa_verify_raw(struct rsa_state *s, const CK_BYTE *data, size_t len, const CK_BYTE *sig)
{
    size_t recl = s->k;
    if (rsa_ct_ge(sig, s->n, s->k)) return CKR_SIGNATURE_INVALID;
    uint8_t *buf = malloc(2 * s->k);
    if (buf == NULL) return CKR_HOST_MEMORY;
    uint8_t *rec = buf + s->k;
    CK_RV rv = CKR_SIGNATURE_INVALID;
    /* A data value at or above the modulus cannot match any recovery. */
    if (rsa_raw_input(s, data, len, buf, CKR_SIGNATURE_INVALID) != CKR_OK) goto out;
    if (EVP_PKEY_verify_recover(s->pctx, rec, &recl, sig, s->k) != 1 || recl != s->k) {
        rv = ossl_fail("rsa verify", CKR_SIGNATURE_INVALID);
        goto out;
    }
    if (ct_eq(rec, buf, s->k)) rv = CKR_OK;
out:
    wipe_free(buf, 2 * s->k);
    return rv;
}

static CK_RV
rsa_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
           CK_ULONG sig_len)
{
    struct rsa_state *s = state;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t tbslen = data_len;
    const uint8_t *tbs = data;
    /* The length first: a wrong-sized signature never reaches OpenSSL. */
    if (sig_len != s->k) return CKR_SIGNATURE_LEN_RANGE;
    CK_RV rv = CKR_OK;
    if (s->md != NULL) {
        if (data != NULL) rv = digest_ctx_update(s->md, data, data_len);
        if (rv == CKR_OK) rv = digest_ctx_final(s->md, h, &tbslen);
        tbs = h;
    } else if (data == NULL) {
        return CKR_MECHANISM_INVALID;
    } else {
        rv = rsa_check_len(s, data_len);
    }
    if (rv != CKR_OK) return rv;
    if (s->cfg->pad == RPAD_RAW) return rsa_verify_raw(s, tbs, tbslen, sig);
    if (EVP_PKEY_verify(s->pctx, sig, sig_len, tbs, tbslen) != 1)
        return ossl_fail("rsa verify", CKR_SIGNATURE_INVALID);
    return CKR_OK;
}

/* Only the hashed mechanisms keep a state worth saving (the running hash);
 * the context copy carries the padding, digest and salt settings. */
static CK_RV
rsa_dup(const void *state, void **copy)
{
    const struct rsa_state *s = state;
    if (s->md == NULL) return CKR_STATE_UNSAVEABLE;
    struct rsa_state *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    c->cfg = s->cfg;
    c->fn = s->fn;
    c->k = s->k;
    c->hlen = s->hlen;
    c->ext = s->ext;
    c->ext_ctx = s->ext_ctx;
    CK_RV rv = CKR_HOST_MEMORY;
    if (s->pctx != NULL) c->pctx = EVP_PKEY_CTX_dup(s->pctx);
    if (c->pctx != NULL || s->ext != NULL) rv = digest_ctx_dup(s->md, &c->md);
    if (rv != CKR_OK) {
        rsa_free(c);
        return ossl_fail("rsa dup", rv);
    }
    *copy = c;
    return CKR_OK;
}

const struct mech_ops rsa_ops = {
    .init = rsa_init,
    .out_len = rsa_out_len,
    .oneshot = rsa_oneshot,
    .update = rsa_update,
    .final = rsa_final,
    .verify = rsa_verify,
    .free = rsa_free,
    .dup = rsa_dup,
};
