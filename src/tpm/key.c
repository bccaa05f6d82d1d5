/*
 * key.c: signing keys made inside the TPM (tpm.h, tpm_key_*).
 *
 * A key is created under the storage primary (tpm_primary) with
 * sensitiveDataOrigin: the TPM makes the private part and only ever hands
 * it out wrapped under the primary, so it never exists in host memory. The
 * blob ("CTKEY001", the curve's bits, TPM2B_PUBLIC, TPM2B_PRIVATE) is what
 * the store keeps. Keys are noDA (PIN guessing is counted by credtoken,
 * never by the TPM's global dictionary-attack counter).
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

#define KEY_MAGIC "CTKEY001"

CK_RV
tpm_key_create_ec(struct tpm *t, unsigned bits, uint8_t **blob, size_t *blen,
                  uint8_t point[TPM_EC_POINT_MAX], size_t *plen)
{
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_PUBLIC tmpl = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    ESYS_TR primary = ESYS_TR_NONE;
    if (bits != 256 && bits != 384) return CKR_CURVE_NOT_SUPPORTED;
    TPMT_PUBLIC *p = &tmpl.publicArea;
    p->type = TPM2_ALG_ECC;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                          TPMA_OBJECT_NODA | TPMA_OBJECT_SIGN_ENCRYPT;
    p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL; /* chosen per signature */
    p->parameters.eccDetail.curveID = bits == 256 ? TPM2_ECC_NIST_P256 : TPM2_ECC_NIST_P384;
    p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    CK_RV rv = tpm_primary(t, &primary);
    if (rv == CKR_OK)
        rv = tpm_rv(Esys_Create(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                &sens, &tmpl, &outside, &none, &priv, &pub, NULL, NULL, NULL),
                    "create an EC key");
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
            rv = tpm_blob_pack(KEY_MAGIC, bits, pub, priv, blob, blen);
        }
    }
    Esys_Free(priv);
    Esys_Free(pub);
    if (primary != ESYS_TR_NONE) Esys_FlushContext(t->esys, primary);
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
    uint32_t bits;
    TPM2B_PUBLIC pub;
    TPM2B_PRIVATE priv;
    TPMS_CONTEXT *saved; /* the key once loaded (ESYS memory), or NULL */
};

CK_RV
tpm_key_open(const uint8_t *blob, size_t blen, struct tpm_key **out)
{
    struct tpm_key *k = calloc(1, sizeof *k);
    if (k == NULL) return CKR_HOST_MEMORY;
    if (tpm_blob_unpack(KEY_MAGIC, blob, blen, &k->bits, &k->pub, &k->priv) != CKR_OK ||
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
    CK_RV rv = tpm_primary(t, &primary);
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
