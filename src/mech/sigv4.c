/*
 * sigv4.c: CKM_CREDTOKEN_AWS_SIGV4, AWS Signature Version 4 inside the
 * token (credtoken/pkcs11.h). The key is an aws-credentials set's
 * secretAccessKey; init derives the signing key as AWS documents it,
 *   kDate = HMAC("AWS4" || secret, date), kRegion = HMAC(kDate, region),
 *   kService = HMAC(kRegion, service), kSigning = HMAC(kService,
 *   "aws4_request"),
 * and the operation is then HMAC-SHA256 with kSigning over the string to
 * sign (mac.c). Every intermediate key is wiped; none leaves this file.
 * A key held by a TPM has "AWS4" || secret for its value (mech_ext.aws4):
 * the TPM computes kDate, so the secret never reaches host memory; the
 * daily keys after it are derived here.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/wipe.h"

#define SIGV4_FIELD_MAX 64

/* out = HMAC-SHA256(k, data). */
static CK_RV
sigv4_hmac(const uint8_t *k, size_t klen, const void *data, size_t dlen, uint8_t out[32])
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(registry_hmac());
    size_t n = 0;
    bool ok = c != NULL && EVP_MAC_init(c, k, klen, params) == 1 &&
              EVP_MAC_update(c, data, dlen) == 1 && EVP_MAC_final(c, out, &n, 32) == 1 && n == 32;
    EVP_MAC_CTX_free(c);
    return ok ? CKR_OK : ossl_fail("sigv4 hmac", CKR_FUNCTION_FAILED);
}

/* A scope field: 1..64 printable characters without '/' (it separates
 * the fields of the credential scope). */
static bool
sigv4_field_ok(const CK_UTF8CHAR *p, CK_ULONG n, bool digits)
{
    if (p == NULL || n == 0 || n > SIGV4_FIELD_MAX) return false;
    for (CK_ULONG i = 0; i < n; i++) {
        if (digits ? (p[i] < '0' || p[i] > '9') : (p[i] <= ' ' || p[i] > '~' || p[i] == '/'))
            return false;
    }
    return true;
}

/* From kDate (k, wiped by the caller) to the MAC state keyed with
 * kSigning: kRegion, kService, kSigning. */
static CK_RV
sigv4_chain(const CK_CREDTOKEN_AWS_SIGV4_PARAMS *p, const uint8_t k[32], void **state)
{
    uint8_t a[32], b[32];
    CK_RV rv = sigv4_hmac(k, 32, p->pRegion, p->ulRegionLen, a);
    if (rv == CKR_OK) rv = sigv4_hmac(a, 32, p->pService, p->ulServiceLen, b);
    if (rv == CKR_OK) rv = sigv4_hmac(b, 32, "aws4_request", 12, a);
    if (rv == CKR_OK)
        rv = mac_start(registry_hmac(), OSSL_MAC_PARAM_DIGEST, "SHA256", a, 32, 32, 32, state);
    wipe(a, sizeof a);
    wipe(b, sizeof b);
    return rv;
}

static CK_RV
sigv4_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
           void **state)
{
    (void)d;
    (void)fn;
    const CK_CREDTOKEN_AWS_SIGV4_PARAMS *p = m->pParameter;
    if (p == NULL || m->ulParameterLen != sizeof *p) return CKR_MECHANISM_PARAM_INVALID;
    if (p->ulDateLen != 8 || !sigv4_field_ok(p->pDate, 8, true) ||
        !sigv4_field_ok(p->pRegion, p->ulRegionLen, false) ||
        !sigv4_field_ok(p->pService, p->ulServiceLen, false))
        return CKR_MECHANISM_PARAM_INVALID;
    size_t slen;
    uint8_t k[32];
    const uint8_t *secret = mech_key_secret(key, &slen);
    if (secret == NULL) {
        /* A key held elsewhere (a TPM) whose value is "AWS4" || secret:
         * it makes kDate, and the rest of the chain is as below. */
        void *ctx = NULL;
        const struct mech_ext *ext = mech_key_ext(key, &ctx);
        if (ext == NULL || ext->hmac == NULL || ext->aws4 == NULL || !ext->aws4(ctx))
            return CKR_KEY_TYPE_INCONSISTENT;
        CK_RV rv = ext->hmac(ctx, 32, p->pDate, 8, k);
        if (rv == CKR_OK) rv = sigv4_chain(p, k, state);
        wipe(k, sizeof k);
        return rv;
    }
    size_t k0len = 4 + slen;
    uint8_t *k0 = malloc(k0len);
    if (k0 == NULL) return CKR_HOST_MEMORY;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, slen);
    CK_RV rv = sigv4_hmac(k0, k0len, p->pDate, 8, k);
    if (rv == CKR_OK) rv = sigv4_chain(p, k, state);
    wipe_free(k0, k0len);
    wipe(k, sizeof k);
    return rv;
}

const struct mech_ops aws_sigv4_ops = {
    .init = sigv4_init,
    .out_len = mac_out_len,
    .oneshot = mac_oneshot,
    .update = mac_update,
    .final = mac_final,
    .verify = mac_verify,
    .free = mac_free,
    .dup = mac_dup,
};
