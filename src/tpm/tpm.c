/*
 * tpm.c: connecting to a TPM and asking what it can do (tpm.h).
 */
#include "tpm/tpm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "tpm/tpm_int.h"
#include "util/buf.h"
#include "util/log.h"

const char *
tpm_tcti_choose(const struct conf *c)
{
    const char *env = secure_getenv("CREDTOKEN_TCTI");
    if (env != NULL && env[0] != '\0') return env;
    if (c != NULL && c->tpm_tcti[0] != '\0') return c->tpm_tcti;
    return TPM_TCTI_DEFAULT;
}

void
tpm_where_get(const struct conf *c, struct tpm_where *w)
{
    snprintf(w->tcti, sizeof w->tcti, "%s", tpm_tcti_choose(c));
    snprintf(w->lock, sizeof w->lock, "%s/tpm.lock", c->store);
}

/* tpm2-tss prints its own ERROR and WARNING lines to stderr, which a
 * PKCS#11 application does not expect of a module: the failures it reports
 * reach tpm_rv() and are logged once there. A TSS2_LOG set by the user
 * wins (its levels show tss2's own detail). */
static void
tpm_quiet_tss2(void)
{
    if (getenv("TSS2_LOG") == NULL) (void)setenv("TSS2_LOG", "all+NONE", 0);
}

CK_RV
tpm_open(const char *tcti, struct tpm **out)
{
    static pthread_once_t quiet = PTHREAD_ONCE_INIT;
    (void)pthread_once(&quiet, tpm_quiet_tss2);
    struct tpm *t = calloc(1, sizeof *t);
    if (t == NULL) return CKR_HOST_MEMORY;
    t->lock_fd = -1;
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
    if (rc != TSS2_RC_SUCCESS) {
        log_err("TPM: TCTI \"%s\" cannot be loaded or reached", tcti);
        free(t);
        return tpm_rv(rc, "connect");
    }
    rc = Esys_Initialize(&t->esys, t->tcti, NULL);
    if (rc == TSS2_RC_SUCCESS) {
        /* Started already by the firmware, the kernel or swtpm's flags:
         * TPM2_RC_INITIALIZE then, which is fine. */
        TSS2_RC st = Esys_Startup(t->esys, TPM2_SU_CLEAR);
        if (st != TSS2_RC_SUCCESS && (st & 0xFFF) != TPM2_RC_INITIALIZE) rc = st;
    }
    if (rc != TSS2_RC_SUCCESS) {
        log_err("TPM: TCTI \"%s\" does not answer as a TPM", tcti);
        CK_RV rv = tpm_rv(rc, "start");
        tpm_close(t);
        return rv;
    }
    *out = t;
    return CKR_OK;
}

void
tpm_close(struct tpm *t)
{
    if (t == NULL) return;
    if (t->esys != NULL) Esys_Finalize(&t->esys);
    if (t->tcti != NULL) Tss2_TctiLdr_Finalize(&t->tcti);
    free(t);
}

/* One capability query: the data is ESYS memory the caller frees. */
static CK_RV
tpm_cap(struct tpm *t, TPM2_CAP cap, UINT32 prop, UINT32 count, TPMS_CAPABILITY_DATA **data)
{
    TPMI_YES_NO more;
    return tpm_rv(Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, cap, prop,
                                     count, &more, data),
                  "GetCapability");
}

/* Whether the TPM takes an RSA key of bits (TPM2_TestParms). */
static bool
tpm_rsa_ok(struct tpm *t, UINT16 bits)
{
    TPMT_PUBLIC_PARMS p = {.type = TPM2_ALG_RSA};
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p.parameters.rsaDetail.keyBits = bits;
    return Esys_TestParms(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &p) == TSS2_RC_SUCCESS;
}

CK_RV
tpm_caps_get(struct tpm *t, struct tpm_caps *out)
{
    TPMS_CAPABILITY_DATA *d = NULL;
    memset(out, 0, sizeof *out);
    CK_RV rv = tpm_cap(t, TPM2_CAP_ECC_CURVES, 0, TPM2_MAX_ECC_CURVES, &d);
    if (rv != CKR_OK) return rv;
    for (UINT32 i = 0; i < d->data.eccCurves.count; i++) {
        if (d->data.eccCurves.eccCurves[i] == TPM2_ECC_NIST_P256) out->ecc_p256 = true;
        if (d->data.eccCurves.eccCurves[i] == TPM2_ECC_NIST_P384) out->ecc_p384 = true;
    }
    Esys_Free(d);
    if ((rv = tpm_cap(t, TPM2_CAP_ALGS, 0, TPM2_MAX_CAP_ALGS, &d)) != CKR_OK) return rv;
    for (UINT32 i = 0; i < d->data.algorithms.count; i++) {
        TPM2_ALG_ID a = d->data.algorithms.algProperties[i].alg;
        if (a == TPM2_ALG_SHA1) out->sha1 = true;
        if (a == TPM2_ALG_SHA256) out->sha256 = true;
        if (a == TPM2_ALG_SHA384) out->sha384 = true;
        if (a == TPM2_ALG_SHA512) out->sha512 = true;
        if (a == TPM2_ALG_KEYEDHASH) out->hmac = true;
    }
    Esys_Free(d);
    if ((rv = tpm_cap(t, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FIXED, TPM2_MAX_TPM_PROPERTIES, &d)) !=
        CKR_OK)
        return rv;
    for (UINT32 i = 0; i < d->data.tpmProperties.count; i++) {
        const TPMS_TAGGED_PROPERTY *p = &d->data.tpmProperties.tpmProperty[i];
        if (p->property == TPM2_PT_HR_TRANSIENT_MIN) out->transient_slots = p->value;
        if (p->property == TPM2_PT_MANUFACTURER)
            for (int k = 0; k < 4; k++) {
                char ch = (char)((p->value >> (24 - 8 * k)) & 0xFF);
                out->manufacturer[k] = ch >= 0x20 && ch < 0x7F ? ch : '\0';
            }
    }
    Esys_Free(d);
    out->rsa2048 = tpm_rsa_ok(t, 2048);
    out->rsa3072 = tpm_rsa_ok(t, 3072);
    return CKR_OK;
}

/* The owner hierarchy's storage primary key (ECC P-256 SRK template). */
CK_RV
tpm_primary(struct tpm *t, ESYS_TR *out, TPM2B_PUBLIC **pub)
{
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_PUBLIC tmpl = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    TPMT_PUBLIC *p = &tmpl.publicArea;
    p->type = TPM2_ALG_ECC;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                          TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
    p->parameters.eccDetail.symmetric.keyBits.aes = 128;
    p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    return tpm_rv(Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &sens, &tmpl, &outside, &none, out, pub, NULL,
                                     NULL, NULL),
                  "create the storage primary key");
}

CK_RV
tpm_blob_pack(const char magic[TPM_MAGIC_LEN], uint32_t extra, const TPM2B_PUBLIC *pub,
              const TPM2B_PRIVATE *priv, uint8_t **blob, size_t *blen)
{
    size_t cap = TPM_MAGIC_LEN + 4 + sizeof *pub + sizeof *priv, off = TPM_MAGIC_LEN + 4;
    uint8_t *b = malloc(cap);
    if (b == NULL) return CKR_HOST_MEMORY;
    memcpy(b, magic, TPM_MAGIC_LEN);
    store_be32(b + TPM_MAGIC_LEN, extra);
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, b, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Marshal(priv, b, cap, &off) != TSS2_RC_SUCCESS) {
        free(b);
        return CKR_FUNCTION_FAILED;
    }
    *blob = b;
    *blen = off;
    return CKR_OK;
}

CK_RV
tpm_blob_unpack(const char magic[TPM_MAGIC_LEN], const uint8_t *blob, size_t blen, uint32_t *extra,
                TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv)
{
    size_t off = TPM_MAGIC_LEN + 4;
    memset(pub, 0, sizeof *pub);
    memset(priv, 0, sizeof *priv);
    if (blen < off || memcmp(blob, magic, TPM_MAGIC_LEN) != 0 ||
        Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob, blen, &off, pub) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob, blen, &off, priv) != TSS2_RC_SUCCESS || off != blen)
        return CKR_DATA_INVALID;
    *extra = load_be32(blob + TPM_MAGIC_LEN);
    return CKR_OK;
}
