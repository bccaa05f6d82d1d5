/*
 * tpm_raw.c: raw ESYS calls as TPM benchmark targets (tpm.h): the floor
 * under every PKCS#11 module.
 */
#include "tpm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "bench.h"

struct raw_tgt {
    const char *tcti;
    TPMS_CONTEXT *saved; /* the signing key, loaded once and saved */
};

struct raw_conn {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
};

static bool
raw_open(const char *tcti, struct raw_conn *c)
{
    memset(c, 0, sizeof *c);
    if (Tss2_TctiLdr_Initialize(tcti, &c->tcti) != TSS2_RC_SUCCESS) return false;
    return Esys_Initialize(&c->esys, c->tcti, NULL) == TSS2_RC_SUCCESS;
}

static void
raw_close(struct raw_conn *c)
{
    if (c->esys != NULL) Esys_Finalize(&c->esys);
    if (c->tcti != NULL) Tss2_TctiLdr_Finalize(&c->tcti);
}

static TPM2B_PUBLIC
raw_template(bool primary)
{
    TPM2B_PUBLIC t = {0};
    TPMT_PUBLIC *p = &t.publicArea;
    p->type = TPM2_ALG_ECC;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                          TPMA_OBJECT_NODA;
    p->objectAttributes |=
        primary ? TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT : TPMA_OBJECT_SIGN_ENCRYPT;
    p->parameters.eccDetail.symmetric.algorithm = primary ? TPM2_ALG_AES : TPM2_ALG_NULL;
    p->parameters.eccDetail.symmetric.keyBits.aes = 128;
    p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    return t;
}

struct raw_tgt *
tpm_raw_setup(const char *tcti)
{
    struct raw_conn c;
    TPM2B_SENSITIVE_CREATE sens = {0};
    TPM2B_DATA outside = {0};
    TPML_PCR_SELECTION none = {0};
    TPM2B_PUBLIC pt = raw_template(true), kt = raw_template(false), *pub = NULL;
    TPM2B_PRIVATE *priv = NULL;
    ESYS_TR primary = ESYS_TR_NONE, key = ESYS_TR_NONE;
    struct raw_tgt *r = calloc(1, sizeof *r);
    bool ok = r != NULL && raw_open(tcti, &c) &&
              Esys_CreatePrimary(c.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, &sens, &pt, &outside, &none, &primary, NULL, NULL,
                                 NULL, NULL) == TSS2_RC_SUCCESS &&
              Esys_Create(c.esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &kt,
                          &outside, &none, &priv, &pub, NULL, NULL, NULL) == TSS2_RC_SUCCESS &&
              Esys_Load(c.esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub,
                        &key) == TSS2_RC_SUCCESS &&
              Esys_ContextSave(c.esys, key, &r->saved) == TSS2_RC_SUCCESS;
    if (primary != ESYS_TR_NONE) Esys_FlushContext(c.esys, primary);
    if (key != ESYS_TR_NONE) Esys_FlushContext(c.esys, key);
    Esys_Free(priv);
    Esys_Free(pub);
    raw_close(&c);
    if (!ok) {
        fprintf(stderr, "bench_tpm: raw ESYS setup on %s failed\n", tcti);
        if (r != NULL) Esys_Free(r->saved);
        free(r);
        return NULL;
    }
    r->tcti = tcti;
    return r;
}

static bool
raw_sign(ESYS_CONTEXT *e, ESYS_TR key)
{
    TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_ECDSA};
    scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    TPMT_TK_HASHCHECK none = {.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL};
    TPM2B_DIGEST d = {.size = 32};
    TPMT_SIGNATURE *sig = NULL;
    memcpy(d.buffer, tpm_digest, 32);
    bool ok = Esys_Sign(e, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme, &none,
                        &sig) == TSS2_RC_SUCCESS;
    Esys_Free(sig);
    return ok;
}

double
tpm_raw_same_batch(void *arg, int n)
{
    struct raw_tgt *r = arg;
    struct raw_conn c;
    double dt = -1;
    if (raw_open(r->tcti, &c)) {
        double t0 = now_s();
        int i;
        for (i = 0; i < n; i++) {
            ESYS_TR key = ESYS_TR_NONE;
            bool ok = Esys_ContextLoad(c.esys, r->saved, &key) == TSS2_RC_SUCCESS &&
                      raw_sign(c.esys, key);
            if (key != ESYS_TR_NONE) Esys_FlushContext(c.esys, key);
            if (!ok) break;
        }
        if (i == n) dt = (now_s() - t0) / n;
    }
    raw_close(&c);
    return dt;
}

double
tpm_raw_sign_batch(void *arg, int n)
{
    struct raw_tgt *r = arg;
    struct raw_conn c;
    ESYS_TR key = ESYS_TR_NONE;
    double dt = -1;
    if (raw_open(r->tcti, &c) && Esys_ContextLoad(c.esys, r->saved, &key) == TSS2_RC_SUCCESS) {
        double t0 = now_s();
        int i;
        for (i = 0; i < n && raw_sign(c.esys, key); i++)
            ;
        if (i == n) dt = (now_s() - t0) / n;
    }
    if (key != ESYS_TR_NONE) Esys_FlushContext(c.esys, key);
    raw_close(&c);
    return dt;
}
