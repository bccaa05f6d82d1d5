/*
 * tpm_p11.c: a PKCS#11 module as a TPM benchmark target (tpm.h).
 */
#include "tpm.h"

#include <credtoken/pkcs11.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define TPM_P11_PIN "12345678"

struct p11_run {
    void *dl;
    CK_FUNCTION_LIST_PTR f;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
};

static CK_RV
p11_run_open(const struct p11_tgt *t, struct p11_run *r)
{
    CK_C_GetFunctionList get;
    CK_SLOT_ID slots[16];
    CK_ULONG ns = 16, nk = 0;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    char label[64];
    CK_UTF8CHAR pin[] = TPM_P11_PIN;
    snprintf(label, sizeof label, "%s", t->key);
    CK_ATTRIBUTE q[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, strlen(label)}};
    memset(r, 0, sizeof *r);
    if ((r->dl = dlopen(t->path, RTLD_NOW | RTLD_LOCAL)) == NULL) return CKR_GENERAL_ERROR;
    *(void **)&get = dlsym(r->dl, "C_GetFunctionList");
    CK_RV rv = get != NULL ? get(&r->f) : CKR_GENERAL_ERROR;
    if (rv == CKR_OK) rv = r->f->C_Initialize(NULL);
    if (rv == CKR_OK) rv = r->f->C_GetSlotList(CK_TRUE, slots, &ns);
    for (CK_ULONG i = 0; rv == CKR_OK && i < ns; i++) {
        CK_TOKEN_INFO ti;
        if (r->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || memcmp(ti.label, "bench ", 6) != 0)
            continue;
        rv = r->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &r->s);
        if (rv == CKR_OK) rv = r->f->C_Login(r->s, CKU_USER, pin, sizeof pin - 1);
        if (rv == CKR_OK) rv = r->f->C_FindObjectsInit(r->s, q, 2);
        if (rv == CKR_OK) rv = r->f->C_FindObjects(r->s, &r->key, 1, &nk);
        if (rv == CKR_OK) rv = r->f->C_FindObjectsFinal(r->s);
        return rv == CKR_OK && nk != 1 ? CKR_KEY_HANDLE_INVALID : rv;
    }
    return rv == CKR_OK ? CKR_TOKEN_NOT_PRESENT : rv;
}

static void
p11_run_close(struct p11_run *r)
{
    if (r->f != NULL) r->f->C_Finalize(NULL);
    if (r->dl != NULL) dlclose(r->dl);
}

double
tpm_p11_batch(void *arg, int n)
{
    const struct p11_tgt *t = arg;
    struct p11_run r;
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    uint8_t digest[32];
    memcpy(digest, tpm_digest, sizeof digest);
    CK_RV rv = p11_run_open(t, &r);
    double t0 = now_s(), dt = -1;
    for (int i = 0; rv == CKR_OK && i < n; i++) {
        uint8_t sig[128];
        CK_ULONG len = sizeof sig;
        rv = r.f->C_SignInit(r.s, &m, r.key);
        if (rv == CKR_OK) rv = r.f->C_Sign(r.s, digest, sizeof digest, sig, &len);
        if (rv == CKR_OK && len != 64) rv = CKR_GENERAL_ERROR;
    }
    if (rv == CKR_OK)
        dt = (now_s() - t0) / n;
    else
        fprintf(stderr, "bench_tpm: %s: 0x%lx\n", t->path, (unsigned long)rv);
    p11_run_close(&r);
    return dt;
}
