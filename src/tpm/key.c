/*
 * key.c: signing keys made inside the TPM (tpm.h, tpm_key_*).
 *
 * A key is created under the storage primary (tpm_primary) with
 * sensitiveDataOrigin: the TPM makes the private part and only ever hands
 * it out wrapped under the primary, so it never exists in host memory. The
 * blob ("CTKEY001", the curve's bits, TPM2B_PUBLIC, TPM2B_PRIVATE) is what
 * the store keeps. HMAC keys are keyed-hash objects ("CTHMAC01"), made by
 * the TPM or imported from a value the caller had (a cloud's shared key:
 * import.c), each with its one hash. Keys are noDA (PIN guessing is counted by
 * credtoken, never by the TPM's global dictionary-attack counter).
 *
 * Each signature loads the key and flushes it before it returns: nothing
 * stays in the TPM's few object slots (swtpm has 3), so any number of keys
 * works on a direct connection without a resource manager. The first load
 * of a held key (tpm_key_open) goes through the primary; later ones load
 * the TPM's saved context of it, one command.
 */
#include <stdlib.h>
#include <string.h>

#include "tpm/tpm_int.h"
#include "util/log.h"
#include "util/wipe.h"

/* A child of the storage primary from tmpl (and sens): its public part
 * and its private part wrapped by the TPM (ESYS memory: Esys_Free). The
 * primary is flushed before this returns. */
static CK_RV
key_create(struct tpm *t, const TPM2B_SENSITIVE_CREATE *sens, const TPM2B_PUBLIC *tmpl,
           const char *what, TPM2B_PUBLIC **pub, TPM2B_PRIVATE **priv)
{
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    ESYS_TR primary = ESYS_TR_NONE;
    CK_RV rv = tpm_primary(t, &primary, NULL);
    if (rv == CKR_OK)
        rv = tpm_rv(Esys_Create(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                sens, tmpl, &outside, &none, priv, pub, NULL, NULL, NULL),
                    what);
    if (primary != ESYS_TR_NONE) Esys_FlushContext(t->esys, primary);
    return rv;
}

void
tpm_tmpl_ec(TPMT_PUBLIC *p, unsigned bits, TPMA_OBJECT attrs)
{
    memset(p, 0, sizeof *p);
    p->type = TPM2_ALG_ECC;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = attrs;
    p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL; /* chosen per signature */
    p->parameters.eccDetail.curveID = bits == 256 ? TPM2_ECC_NIST_P256 : TPM2_ECC_NIST_P384;
    p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

void
tpm_tmpl_rsa(TPMT_PUBLIC *p, unsigned bits, UINT32 exponent, TPMA_OBJECT attrs)
{
    memset(p, 0, sizeof *p);
    p->type = TPM2_ALG_RSA;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = attrs;
    p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)bits;
    p->parameters.rsaDetail.exponent = exponent;
}

void
tpm_tmpl_hmac(TPMT_PUBLIC *p, TPMI_ALG_HASH hash, TPMA_OBJECT attrs)
{
    memset(p, 0, sizeof *p);
    p->type = TPM2_ALG_KEYEDHASH;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = attrs;
    /* libtpms refuses a signing keyed-hash object with no scheme. */
    p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_HMAC;
    p->parameters.keyedHashDetail.scheme.details.hmac.hashAlg = hash;
}

CK_RV
tpm_key_create_ec(struct tpm *t, unsigned bits, uint8_t **blob, size_t *blen,
                  uint8_t point[TPM_EC_POINT_MAX], size_t *plen)
{
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_PUBLIC tmpl = {0};
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    if (bits != 256 && bits != 384) return CKR_CURVE_NOT_SUPPORTED;
    tpm_tmpl_ec(&tmpl.publicArea, bits, TPM_ATTRS_MADE);
    CK_RV rv = key_create(t, &sens, &tmpl, "create an EC key", &pub, &priv);
    if (rv == CKR_OK) {
        const TPMS_ECC_POINT *q = &pub->publicArea.unique.ecc;
        size_t flen = bits / 8;
        if (q->x.size > flen || q->y.size > flen) {
            rv = CKR_DEVICE_ERROR;
        } else {
            /* Uncompressed, each coordinate left-padded to the field size. */
            memset(point, 0, 1 + 2 * flen);
            point[0] = 0x04;
            memcpy(point + 1 + flen - q->x.size, q->x.buffer, q->x.size);
            memcpy(point + 1 + 2 * flen - q->y.size, q->y.buffer, q->y.size);
            *plen = 1 + 2 * flen;
            rv = tpm_blob_pack(TPM_KEY_MAGIC, bits, pub, priv, blob, blen);
        }
    }
    Esys_Free(priv);
    Esys_Free(pub);
    return rv;
}

static TPMI_ALG_HASH
key_hash_for(size_t dlen)
{
    switch (dlen) {
    case 20:
        return TPM2_ALG_SHA1;
    case 32:
        return TPM2_ALG_SHA256;
    case 48:
        return TPM2_ALG_SHA384;
    case 64:
        return TPM2_ALG_SHA512;
    default:
        return TPM2_ALG_NULL;
    }
}

struct tpm_key {
    bool hmac;     /* a keyed-hash object */
    bool rsa;      /* an RSA key; else (neither) an ECDSA key */
    uint32_t bits; /* ECDSA: the curve's; HMAC: the key's length in bits */
    size_t mdlen;  /* HMAC: the digest length of the key's one hash */
    TPM2B_PUBLIC pub;
    TPM2B_PRIVATE priv;
    TPMS_CONTEXT *saved; /* the key once loaded (ESYS memory), or NULL */
};

CK_RV
tpm_key_open(const uint8_t *blob, size_t blen, struct tpm_key **out)
{
    struct tpm_key *k = calloc(1, sizeof *k);
    if (k == NULL) return CKR_HOST_MEMORY;
    uint32_t hlen = 0;
    if (tpm_blob_unpack(TPM_HMAC_MAGIC, blob, blen, &hlen, &k->pub, &k->priv) == CKR_OK &&
        (hlen & 0xFFFF) >= 1 && (hlen & 0xFFFF) <= TPM_HMAC_KEY_MAX &&
        key_hash_for(hlen >> 16) != TPM2_ALG_NULL) {
        k->hmac = true;
        k->bits = 8 * (hlen & 0xFFFF);
        k->mdlen = hlen >> 16;
    } else if (tpm_blob_unpack(TPM_RSA_MAGIC, blob, blen, &k->bits, &k->pub, &k->priv) == CKR_OK &&
               (k->bits == 2048 || k->bits == 3072)) {
        k->rsa = true;
    } else if (tpm_blob_unpack(TPM_KEY_MAGIC, blob, blen, &k->bits, &k->pub, &k->priv) != CKR_OK ||
               (k->bits != 256 && k->bits != 384)) {
        log_err("TPM: not a key of ours");
        free(k);
        return CKR_KEY_HANDLE_INVALID;
    }
    *out = k;
    return CKR_OK;
}

void
tpm_key_close(struct tpm_key *k)
{
    if (k == NULL) return;
    Esys_Free(k->saved);
    free(k);
}

unsigned
tpm_key_bits(const struct tpm_key *k)
{
    return k->bits;
}

/* Load k: from its saved context when that still loads (one command),
 * else under the primary, saving the new context for next time. */
static CK_RV
key_load(struct tpm *t, struct tpm_key *k, ESYS_TR *out)
{
    ESYS_TR primary = ESYS_TR_NONE;
    /* A stale context (the TPM restarted, or it is another TPM now) is
     * no error: the blob is loaded again. */
    if (k->saved != NULL && Esys_ContextLoad(t->esys, k->saved, out) == TSS2_RC_SUCCESS)
        return CKR_OK;
    Esys_Free(k->saved);
    k->saved = NULL;
    CK_RV rv = tpm_primary(t, &primary, NULL);
    if (rv == CKR_OK)
        rv = tpm_rv(Esys_Load(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                              &k->priv, &k->pub, out),
                    "load a key (made by another TPM?)");
    /* The primary is needed only to load the key: its slot is freed first. */
    if (primary != ESYS_TR_NONE) Esys_FlushContext(t->esys, primary);
    if (rv == CKR_OK && Esys_ContextSave(t->esys, *out, &k->saved) != TSS2_RC_SUCCESS)
        k->saved = NULL; /* the next call loads the blob again */
    return rv;
}

CK_RV
tpm_key_ecdsa(struct tpm *t, struct tpm_key *k, const uint8_t *digest, size_t dlen, uint8_t *sig,
              size_t *siglen)
{
    TPMT_SIGNATURE *out = NULL;
    ESYS_TR key = ESYS_TR_NONE;
    size_t flen = k->bits / 8;
    if (k->hmac || k->rsa) return CKR_KEY_HANDLE_INVALID;
    TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_ECDSA};
    scheme.details.ecdsa.hashAlg = key_hash_for(dlen);
    if (scheme.details.ecdsa.hashAlg == TPM2_ALG_NULL) return CKR_DATA_LEN_RANGE;
    if (*siglen < 2 * flen) {
        *siglen = 2 * flen;
        return CKR_BUFFER_TOO_SMALL;
    }
    TPM2B_DIGEST d = {.size = (UINT16)dlen};
    memcpy(d.buffer, digest, dlen);
    TPMT_TK_HASHCHECK none = {.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL};
    CK_RV rv = key_load(t, k, &key);
    if (rv == CKR_OK)
        rv = tpm_rv(Esys_Sign(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d,
                              &scheme, &none, &out),
                    "sign");
    if (rv == CKR_OK) {
        const TPMS_SIGNATURE_ECC *e = &out->signature.ecdsa;
        if (e->signatureR.size > flen || e->signatureS.size > flen) {
            rv = CKR_DEVICE_ERROR;
        } else {
            memset(sig, 0, 2 * flen);
            memcpy(sig + flen - e->signatureR.size, e->signatureR.buffer, e->signatureR.size);
            memcpy(sig + 2 * flen - e->signatureS.size, e->signatureS.buffer, e->signatureS.size);
            *siglen = 2 * flen;
        }
    }
    Esys_Free(out);
    if (key != ESYS_TR_NONE) Esys_FlushContext(t->esys, key);
    return rv;
}

CK_RV
tpm_key_sign_ecdsa(struct tpm *t, const uint8_t *blob, size_t blen, const uint8_t *digest,
                   size_t dlen, uint8_t *sig, size_t *siglen)
{
    struct tpm_key *k;
    CK_RV rv = tpm_key_open(blob, blen, &k);
    if (rv != CKR_OK) return rv;
    rv = tpm_key_ecdsa(t, k, digest, dlen, sig, siglen);
    tpm_key_close(k);
    return rv;
}

/* ---- keyed-hash (HMAC) keys ---- */

CK_RV
tpm_key_create_hmac(struct tpm *t, const uint8_t *secret, size_t len, size_t mdlen, uint8_t **blob,
                    size_t *blen)
{
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_PUBLIC tmpl = {0};
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    if (secret != NULL && (len == 0 || len > TPM_HMAC_KEY_MAX)) return CKR_KEY_SIZE_RANGE;
    TPMI_ALG_HASH hash = key_hash_for(mdlen);
    if (hash == TPM2_ALG_NULL) return CKR_MECHANISM_INVALID;
    /* A value the caller had crosses the bus encrypted to the TPM. */
    if (secret != NULL) return tpm_key_import_hmac(t, secret, len, hash, mdlen, blob, blen);
    /* Made by the TPM: as long as nameAlg's digest, 32 bytes. */
    tpm_tmpl_hmac(&tmpl.publicArea, hash, TPM_ATTRS_MADE);
    len = 32;
    CK_RV rv = key_create(t, &sens, &tmpl, "create an HMAC key", &pub, &priv);
    if (rv == CKR_OK)
        rv = tpm_blob_pack(TPM_HMAC_MAGIC, (uint32_t)(mdlen << 16 | len), pub, priv, blob, blen);
    Esys_Free(priv);
    Esys_Free(pub);
    return rv;
}

/* HMAC of more than one TPM buffer: a sequence (one object slot while it
 * runs, flushed by its completion or here). */
static CK_RV
key_hmac_seq(struct tpm *t, ESYS_TR key, TPMI_ALG_HASH hash, const uint8_t *data, size_t len,
             TPM2B_DIGEST **out)
{
    TPM2B_AUTH none = {0};
    TPM2B_MAX_BUFFER b;
    ESYS_TR seq = ESYS_TR_NONE;
    CK_RV rv = tpm_rv(Esys_HMAC_Start(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                      &none, hash, &seq),
                      "start an HMAC sequence");
    while (rv == CKR_OK && len > sizeof b.buffer) {
        b.size = sizeof b.buffer;
        memcpy(b.buffer, data, sizeof b.buffer);
        rv = tpm_rv(
            Esys_SequenceUpdate(t->esys, seq, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &b),
            "HMAC sequence update");
        data += sizeof b.buffer;
        len -= sizeof b.buffer;
    }
    if (rv == CKR_OK) {
        b.size = (UINT16)len;
        if (len) memcpy(b.buffer, data, len);
        TPMT_TK_HASHCHECK *tk = NULL;
        rv = tpm_rv(Esys_SequenceComplete(t->esys, seq, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                          ESYS_TR_NONE, &b, TPM2_RH_NULL, out, &tk),
                    "HMAC sequence complete");
        Esys_Free(tk);
        if (rv == CKR_OK) seq = ESYS_TR_NONE; /* completion flushed it */
    }
    if (seq != ESYS_TR_NONE) Esys_FlushContext(t->esys, seq);
    wipe(&b, sizeof b);
    return rv;
}

CK_RV
tpm_key_hmac(struct tpm *t, struct tpm_key *k, size_t mdlen, const uint8_t *data, size_t len,
             uint8_t *mac)
{
    TPMI_ALG_HASH hash = key_hash_for(mdlen);
    TPM2B_DIGEST *out = NULL;
    ESYS_TR key = ESYS_TR_NONE;
    if (!k->hmac) return CKR_KEY_HANDLE_INVALID;
    if (hash == TPM2_ALG_NULL || mdlen != k->mdlen) return CKR_MECHANISM_INVALID;
    CK_RV rv = key_load(t, k, &key);
    if (rv == CKR_OK && len <= TPM2_MAX_DIGEST_BUFFER) {
        TPM2B_MAX_BUFFER b = {.size = (UINT16)len};
        if (len) memcpy(b.buffer, data, len);
        rv = tpm_rv(
            Esys_HMAC(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &b, hash, &out),
            "HMAC");
        wipe(&b, sizeof b);
    } else if (rv == CKR_OK) {
        rv = key_hmac_seq(t, key, hash, data, len, &out);
    }
    if (rv == CKR_OK && out->size != mdlen) rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK) memcpy(mac, out->buffer, mdlen);
    Esys_Free(out);
    if (key != ESYS_TR_NONE) Esys_FlushContext(t->esys, key);
    return rv;
}

size_t
tpm_key_hmac_len(const struct tpm_key *k)
{
    return k->hmac ? k->mdlen : 0;
}

/* ---- RSA keys ---- */

CK_RV
tpm_key_create_rsa(struct tpm *t, unsigned bits, uint8_t **blob, size_t *blen,
                   uint8_t n[TPM_RSA_MAX_BYTES], size_t *nlen)
{
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_PUBLIC tmpl = {0};
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    if (bits != 2048 && bits != 3072) return CKR_KEY_SIZE_RANGE;
    tpm_tmpl_rsa(&tmpl.publicArea, bits, 0, TPM_ATTRS_MADE | TPMA_OBJECT_DECRYPT);
    CK_RV rv = key_create(t, &sens, &tmpl, "create an RSA key", &pub, &priv);
    if (rv == CKR_OK) {
        const TPM2B_PUBLIC_KEY_RSA *m = &pub->publicArea.unique.rsa;
        if (m->size != bits / 8) {
            rv = CKR_DEVICE_ERROR;
        } else {
            memcpy(n, m->buffer, m->size);
            *nlen = m->size;
            rv = tpm_blob_pack(TPM_RSA_MAGIC, bits, pub, priv, blob, blen);
        }
    }
    Esys_Free(priv);
    Esys_Free(pub);
    return rv;
}

/* Whether rc, the answer to a decryption with padding, refuses the
 * padding rather than reports a broken TPM. */
static bool
key_padding_refused(struct tpm *t, TSS2_RC rc)
{
    TPM2B_DIGEST *r = NULL;
    if (rc == TSS2_RC_SUCCESS || (rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER) return false;
    if ((rc & (TPM2_RC_FMT1 | 0x3F)) == TPM2_RC_VALUE) return true;
    if ((rc & 0xFFF) != TPM2_RC_FAILURE) return false;
    bool alive =
        Esys_GetRandom(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 1, &r) == TSS2_RC_SUCCESS;
    Esys_Free(r);
    return alive;
}

/* One RSA private operation on the loaded key: TPM2_RSA_Decrypt with
 * scheme (TPM2_ALG_NULL: raw), or TPM2_Sign with RSAPSS. */
static CK_RV
key_rsa_run(struct tpm *t, ESYS_TR key, const struct tpm_rsa_op *op, const uint8_t *in, size_t len,
            uint8_t *out, size_t *outlen)
{
    CK_RV rv;
    if (op->kind == TPM_RSA_PSS) {
        TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_RSAPSS};
        scheme.details.rsapss.hashAlg = key_hash_for(len);
        TPMT_TK_HASHCHECK none = {.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL};
        TPM2B_DIGEST d = {.size = (UINT16)len};
        TPMT_SIGNATURE *sig = NULL;
        if (scheme.details.rsapss.hashAlg == TPM2_ALG_NULL) return CKR_DATA_LEN_RANGE;
        memcpy(d.buffer, in, len);
        rv = tpm_rv(Esys_Sign(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d,
                              &scheme, &none, &sig),
                    "sign (RSA-PSS)");
        if (rv == CKR_OK && sig->signature.rsapss.sig.size > *outlen) rv = CKR_DEVICE_ERROR;
        if (rv == CKR_OK) {
            *outlen = sig->signature.rsapss.sig.size;
            memcpy(out, sig->signature.rsapss.sig.buffer, *outlen);
        }
        Esys_Free(sig);
        return rv;
    }
    TPMT_RSA_DECRYPT scheme = {.scheme = TPM2_ALG_NULL};
    if (op->kind == TPM_RSA_PKCS1) scheme.scheme = TPM2_ALG_RSAES;
    if (op->kind == TPM_RSA_OAEP) {
        scheme.scheme = TPM2_ALG_OAEP;
        scheme.details.oaep.hashAlg = key_hash_for(op->hlen);
        if (scheme.details.oaep.hashAlg == TPM2_ALG_NULL) return CKR_MECHANISM_INVALID;
    }
    TPM2B_PUBLIC_KEY_RSA c = {.size = (UINT16)len};
    TPM2B_DATA label = {0};
    TPM2B_PUBLIC_KEY_RSA *m = NULL;
    if (len > sizeof c.buffer) return CKR_DATA_LEN_RANGE;
    memcpy(c.buffer, in, len);
    TSS2_RC rc = Esys_RSA_Decrypt(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &c,
                                  &scheme, &label, &m);
    /* A padding that does not check is the caller's ciphertext, not a TPM
     * failure: TPM_RC_VALUE (libtpms 0.9 answers TPM_RC_FAILURE for a bad
     * PKCS#1 v1.5 block, and keeps working: a TPM that still hands out a
     * random byte is not in failure mode). Said without detail: no oracle. */
    if (op->kind != TPM_RSA_RAW && key_padding_refused(t, rc))
        rv = CKR_ENCRYPTED_DATA_INVALID;
    else
        rv = tpm_rv(rc, "RSA private operation");
    if (rv == CKR_OK && m->size > *outlen) rv = CKR_DEVICE_ERROR;
    if (rv == CKR_OK) {
        *outlen = m->size;
        memcpy(out, m->buffer, m->size);
    }
    if (m != NULL) wipe(m, sizeof *m);
    Esys_Free(m);
    wipe(&c, sizeof c);
    return rv;
}

CK_RV
tpm_key_rsa(struct tpm *t, struct tpm_key *k, const struct tpm_rsa_op *op, const uint8_t *in,
            size_t len, uint8_t *out, size_t *outlen)
{
    ESYS_TR key = ESYS_TR_NONE;
    if (!k->rsa) return CKR_KEY_HANDLE_INVALID;
    CK_RV rv = key_load(t, k, &key);
    if (rv == CKR_OK) rv = key_rsa_run(t, key, op, in, len, out, outlen);
    if (key != ESYS_TR_NONE) Esys_FlushContext(t->esys, key);
    return rv;
}

bool
tpm_key_is_rsa(const struct tpm_key *k)
{
    return k->rsa;
}
