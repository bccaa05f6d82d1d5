/*
 * seal.c: a secret sealed to this TPM, and optionally to the present
 * values of some SHA-256 PCRs (tpm.h, tpm_seal / tpm_unseal).
 *
 * The secret becomes a keyed-hash object under the owner hierarchy's
 * storage primary key (the TCG's ECC P-256 SRK template, made again from
 * the TPM's owner seed on each use, so nothing stays loaded). Another TPM
 * has another seed: it cannot load the object. A PCR-bound object has only
 * a PolicyPCR policy (no user authorization): it unseals while the PCRs
 * hold the values they held at sealing. Objects are noDA, so failures never
 * count toward the TPM's dictionary-attack lockout. The secret crosses the
 * bus encrypted both ways (sessions salted with the primary key, AES-128-CFB
 * parameter encryption).
 *
 * Blob: "CTSEAL01", u32 PCR mask (big-endian), TPM2B_PUBLIC, TPM2B_PRIVATE
 * (tss2-mu marshaling).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>

#include "tpm/tpm_int.h"
#include "util/log.h"
#include "util/wipe.h"

#define SEAL_MAGIC "CTSEAL01"

static const TPMT_SYM_DEF seal_aes = {
    .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB};

/*
 * A session salted with the primary key, its parameters encrypted (attrs:
 * TPMA_SESSION_DECRYPT for a command's secret, _ENCRYPT for a response's).
 *
 * tpm2-tss makes the salt's ephemeral EC key with OpenSSL's default
 * context. In a process where an OpenSSL engine took over EC keys (openssl
 * -engine pkcs11, curl --engine: the libp11 engine on this very module)
 * that key comes back as the engine's and tpm2-tss cannot read it: the
 * session fails before the TPM is asked. Then the session is unsalted,
 * with a warning once per process: parameter encryption keyed by the
 * nonces alone, which a probe on the TPM's bus can undo (README, "TPM
 * 2.0": what sealing protects against).
 */
static CK_RV
seal_session(struct tpm *t, ESYS_TR primary, TPM2_SE type, TPMA_SESSION attrs, ESYS_TR *out)
{
    static atomic_bool warned;
    TSS2_RC rc = Esys_StartAuthSession(t->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       ESYS_TR_NONE, NULL, type, &seal_aes, TPM2_ALG_SHA256, out);
    if (rc == TSS2_ESYS_RC_GENERAL_FAILURE) {
        if (!atomic_exchange(&warned, true))
            log_warn("TPM: the session salt cannot be made in this process (an OpenSSL engine "
                     "handles EC keys): using unsalted parameter encryption");
        rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, NULL, type, &seal_aes, TPM2_ALG_SHA256, out);
    }
    CK_RV rv = tpm_rv(rc, "start a session");
    if (rv == CKR_OK)
        rv =
            tpm_rv(Esys_TRSess_SetAttributes(t->esys, *out, attrs, 0xFF), "set session attributes");
    return rv;
}

static void
seal_pcrs(uint32_t mask, TPML_PCR_SELECTION *sel)
{
    memset(sel, 0, sizeof *sel);
    sel->count = 1;
    sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
    sel->pcrSelections[0].sizeofSelect = 3;
    for (int i = 0; i < 3; i++)
        sel->pcrSelections[0].pcrSelect[i] = (uint8_t)(mask >> (8 * i));
}

/* PolicyPCR over the present values of mask's PCRs, in session s. */
static CK_RV
seal_policy_pcr(struct tpm *t, ESYS_TR s, uint32_t mask)
{
    TPML_PCR_SELECTION sel;
    TPM2B_DIGEST now = {0}; /* empty: the TPM takes the present values */
    seal_pcrs(mask, &sel);
    return tpm_rv(Esys_PolicyPCR(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &now, &sel),
                  "PolicyPCR");
}

/* The policy digest of PolicyPCR over mask's present values (trial session). */
static CK_RV
seal_policy_digest(struct tpm *t, uint32_t mask, TPM2B_DIGEST *out)
{
    static const TPMT_SYM_DEF none = {.algorithm = TPM2_ALG_NULL};
    ESYS_TR s = ESYS_TR_NONE;
    TPM2B_DIGEST *d = NULL;
    CK_RV rv = tpm_rv(Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                            ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_TRIAL, &none,
                                            TPM2_ALG_SHA256, &s),
                      "start a trial session");
    if (rv == CKR_OK) rv = seal_policy_pcr(t, s, mask);
    if (rv == CKR_OK)
        rv = tpm_rv(Esys_PolicyGetDigest(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d),
                    "PolicyGetDigest");
    if (rv == CKR_OK) *out = *d;
    Esys_Free(d);
    if (s != ESYS_TR_NONE) Esys_FlushContext(t->esys, s);
    return rv;
}

CK_RV
tpm_seal(struct tpm *t, const uint8_t *secret, size_t len, uint32_t pcr_mask, uint8_t **blob,
         size_t *blen)
{
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_PUBLIC tmpl = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    ESYS_TR primary = ESYS_TR_NONE, s = ESYS_TR_NONE;
    if (len == 0 || len > sizeof sens.sensitive.data.buffer || pcr_mask > 0xFFFFFF)
        return CKR_ARGUMENTS_BAD;
    TPMT_PUBLIC *p = &tmpl.publicArea;
    p->type = TPM2_ALG_KEYEDHASH;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
    p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
    CK_RV rv = CKR_OK;
    if (pcr_mask != 0)
        rv = seal_policy_digest(t, pcr_mask, &p->authPolicy);
    else
        p->objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
    memcpy(sens.sensitive.data.buffer, secret, len);
    sens.sensitive.data.size = (UINT16)len;
    if (rv == CKR_OK) rv = tpm_primary(t, &primary, NULL);
    if (rv == CKR_OK) rv = seal_session(t, primary, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, &s);
    if (rv == CKR_OK) {
        TSS2_RC rc = Esys_Create(t->esys, primary, s, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
                                 &outside, &none, &priv, &pub, NULL, NULL, NULL);
        /* The session ends with a successful command (no continueSession). */
        if (rc == TSS2_RC_SUCCESS) s = ESYS_TR_NONE;
        rv = tpm_rv(rc, "create the sealed object");
    }
    wipe(&sens, sizeof sens);
    if (rv == CKR_OK) rv = tpm_blob_pack(SEAL_MAGIC, pcr_mask, pub, priv, blob, blen);
    Esys_Free(priv);
    Esys_Free(pub);
    if (s != ESYS_TR_NONE) Esys_FlushContext(t->esys, s);
    if (primary != ESYS_TR_NONE) Esys_FlushContext(t->esys, primary);
    return rv;
}

CK_RV
tpm_unseal(struct tpm *t, const uint8_t *blob, size_t blen, uint8_t **secret, size_t *len)
{
    TPM2B_PUBLIC pub = {0};
    TPM2B_PRIVATE priv = {0};
    TPM2B_SENSITIVE_DATA *data = NULL;
    ESYS_TR primary = ESYS_TR_NONE, obj = ESYS_TR_NONE, s = ESYS_TR_NONE;
    uint32_t mask;
    if (tpm_blob_unpack(SEAL_MAGIC, blob, blen, &mask, &pub, &priv) != CKR_OK) {
        log_err("TPM: not a sealed secret");
        return CKR_DATA_INVALID;
    }
    CK_RV rv = tpm_primary(t, &primary, NULL);
    if (rv == CKR_OK)
        rv = tpm_rv(Esys_Load(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv,
                              &pub, &obj),
                    "load the sealed secret");
    if (rv == CKR_OK)
        rv = seal_session(t, primary, mask ? TPM2_SE_POLICY : TPM2_SE_HMAC, TPMA_SESSION_ENCRYPT,
                          &s);
    if (rv == CKR_OK && mask) rv = seal_policy_pcr(t, s, mask);
    if (rv == CKR_OK) {
        TSS2_RC rc = Esys_Unseal(t->esys, obj, s, ESYS_TR_NONE, ESYS_TR_NONE, &data);
        /* The session ends with a successful command (no continueSession). */
        if (rc == TSS2_RC_SUCCESS) s = ESYS_TR_NONE;
        rv = tpm_rv(rc, "unseal");
    }
    if (rv == CKR_OK) {
        if ((*secret = malloc(data->size ? data->size : 1)) == NULL) {
            rv = CKR_HOST_MEMORY;
        } else {
            memcpy(*secret, data->buffer, data->size);
            *len = data->size;
        }
    }
    if (data != NULL) {
        wipe(data, sizeof *data);
        Esys_Free(data);
    }
    if (s != ESYS_TR_NONE) Esys_FlushContext(t->esys, s);
    if (obj != ESYS_TR_NONE) Esys_FlushContext(t->esys, obj);
    if (primary != ESYS_TR_NONE) Esys_FlushContext(t->esys, primary);
    return rv;
}
