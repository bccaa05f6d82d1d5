/*
 * import.c: keys the caller had, imported into this TPM (tpm.h,
 * tpm_key_import_*; TPM2_Import under the storage primary).
 *
 * The private part goes to the TPM as a duplication blob encrypted to the
 * storage primary's public key (dup.c): it never crosses the bus in the
 * clear, whatever the session. What TPM2_Import returns is wrapped by the
 * TPM, as a key it made would be, and loads on this TPM only.
 *
 * An imported object cannot be fixedTPM (the TPM did not make it; Import
 * refuses the attribute) but it can never be duplicated again: that takes
 * TPM2_Duplicate with a policy session whose digest matches the object's
 * authPolicy, and the authPolicy here is empty, which no policy digest
 * matches. Keys are noDA with an empty authorization, as made keys are
 * (credtoken counts PIN failures itself).
 */
#include <stdlib.h>
#include <string.h>

#include "mech/prim.h"
#include "tpm/tpm_int.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

/* TPM2_Import of (pub, sens) under the primary: *priv (ESYS memory) is the
 * TPM-wrapped private part. */
static CK_RV
import_run(struct tpm *t, const TPMT_PUBLIC *pub, const TPMT_SENSITIVE *sens, const char *what,
           TPM2B_PRIVATE **priv)
{
    ESYS_TR primary = ESYS_TR_NONE;
    TPM2B_PUBLIC *parent = NULL, obj = {.publicArea = *pub};
    TPM2B_PRIVATE dup = {0};
    TPM2B_ENCRYPTED_SECRET seed = {0};
    TPM2B_DATA no_inner_key = {0};
    TPMT_SYM_DEF_OBJECT no_inner = {.algorithm = TPM2_ALG_NULL};
    CK_RV rv = tpm_primary(t, &primary, &parent);
    if (rv == CKR_OK) rv = tpm_dup_wrap(&parent->publicArea, pub, sens, &dup, &seed);
    if (rv == CKR_OK) {
        TSS2_RC rc = Esys_Import(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                 &no_inner_key, &obj, &dup, &seed, &no_inner, priv);
        rv = tpm_rv(rc, what);
        /* The TPM refused the key itself (objectPublic, parameter 2: a
         * public exponent, size or curve it does not take), not our
         * wrapping of it. */
        if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & TPM2_RC_FMT1) &&
            (rc & (TPM2_RC_P | TPM2_RC_N_MASK)) == (TPM2_RC_P | TPM2_RC_2))
            rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
    wipe(&dup, sizeof dup);
    Esys_Free(parent);
    if (primary != ESYS_TR_NONE) Esys_FlushContext(t->esys, primary);
    return rv;
}

/* Copy a big-endian value into a field of size bytes, left-padded. */
static bool
import_pad(uint8_t *field, size_t size, const uint8_t *v, size_t len)
{
    while (len > size && *v == 0) {
        v++;
        len--;
    }
    if (len > size) return false;
    memset(field, 0, size - len);
    memcpy(field + size - len, v, len);
    return true;
}

CK_RV
tpm_key_import_ec(struct tpm *t, unsigned bits, const uint8_t *point, size_t plen, const uint8_t *d,
                  size_t dlen, uint8_t **blob, size_t *blen)
{
    TPMT_PUBLIC p = {0};
    TPMT_SENSITIVE s = {0};
    TPM2B_PRIVATE *priv = NULL;
    size_t flen = bits / 8;
    if (bits != 256 && bits != 384) return CKR_CURVE_NOT_SUPPORTED;
    if (plen != 1 + 2 * flen || point[0] != 0x04) return CKR_ARGUMENTS_BAD;
    tpm_tmpl_ec(&p, bits, TPM_ATTRS_IMPORTED);
    p.unique.ecc.x.size = p.unique.ecc.y.size = (UINT16)flen;
    memcpy(p.unique.ecc.x.buffer, point + 1, flen);
    memcpy(p.unique.ecc.y.buffer, point + 1 + flen, flen);
    s.sensitiveType = TPM2_ALG_ECC;
    s.sensitive.ecc.size = (UINT16)flen;
    CK_RV rv = import_pad(s.sensitive.ecc.buffer, flen, d, dlen) ? CKR_OK : CKR_ARGUMENTS_BAD;
    if (rv == CKR_OK) rv = import_run(t, &p, &s, "import an EC key", &priv);
    wipe(&s, sizeof s);
    TPM2B_PUBLIC pub = {.publicArea = p};
    if (rv == CKR_OK) rv = tpm_blob_pack(TPM_KEY_MAGIC, bits, &pub, priv, blob, blen);
    Esys_Free(priv);
    return rv;
}

CK_RV
tpm_key_import_rsa(struct tpm *t, const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                   const uint8_t *prime, size_t plen, uint8_t **blob, size_t *blen)
{
    TPMT_PUBLIC p = {0};
    TPMT_SENSITIVE s = {0};
    TPM2B_PRIVATE *priv = NULL;
    uint8_t e4[4];
    if ((nlen != 256 && nlen != 384) || n[0] < 0x80) return CKR_KEY_SIZE_RANGE;
    if (!import_pad(e4, sizeof e4, e, elen)) return CKR_ARGUMENTS_BAD;
    uint32_t exp = load_be32(e4);
    tpm_tmpl_rsa(&p, (unsigned)(8 * nlen), exp == 65537 ? 0 : exp,
                 TPM_ATTRS_IMPORTED | TPMA_OBJECT_DECRYPT);
    p.unique.rsa.size = (UINT16)nlen;
    memcpy(p.unique.rsa.buffer, n, nlen);
    /* One prime: the TPM finds the other and the private exponent. */
    s.sensitiveType = TPM2_ALG_RSA;
    s.sensitive.rsa.size = (UINT16)(nlen / 2);
    CK_RV rv =
        import_pad(s.sensitive.rsa.buffer, nlen / 2, prime, plen) ? CKR_OK : CKR_ARGUMENTS_BAD;
    if (rv == CKR_OK) rv = import_run(t, &p, &s, "import an RSA key", &priv);
    wipe(&s, sizeof s);
    TPM2B_PUBLIC pub = {.publicArea = p};
    if (rv == CKR_OK)
        rv = tpm_blob_pack(TPM_RSA_MAGIC, (uint32_t)(8 * nlen), &pub, priv, blob, blen);
    Esys_Free(priv);
    return rv;
}

CK_RV
tpm_key_import_hmac(struct tpm *t, const uint8_t *secret, size_t len, TPMI_ALG_HASH hash,
                    size_t mdlen, uint8_t **blob, size_t *blen)
{
    TPMT_PUBLIC p = {0};
    TPMT_SENSITIVE s = {0};
    TPM2B_PRIVATE *priv = NULL;
    uint8_t in[32 + TPM_HMAC_KEY_MAX];
    tpm_tmpl_hmac(&p, hash, TPM_ATTRS_IMPORTED);
    s.sensitiveType = TPM2_ALG_KEYEDHASH;
    s.sensitive.bits.size = (UINT16)len;
    memcpy(s.sensitive.bits.buffer, secret, len);
    /* The public area binds the value through a fresh obfuscation seed:
     * unique = nameAlg(seedValue || value), checked by the TPM. */
    s.seedValue.size = 32;
    CK_RV rv = prim_random(s.seedValue.buffer, 32);
    if (rv == CKR_OK) {
        memcpy(in, s.seedValue.buffer, 32);
        memcpy(in + 32, secret, len);
        p.unique.keyedHash.size = 32;
        rv = prim_sha256(in, 32 + len, p.unique.keyedHash.buffer);
    }
    wipe(in, sizeof in);
    if (rv == CKR_OK) rv = import_run(t, &p, &s, "import an HMAC key", &priv);
    wipe(&s, sizeof s);
    TPM2B_PUBLIC pub = {.publicArea = p};
    if (rv == CKR_OK)
        rv = tpm_blob_pack(TPM_HMAC_MAGIC, (uint32_t)(mdlen << 16 | len), &pub, priv, blob, blen);
    Esys_Free(priv);
    return rv;
}
