/*
 * eddsa.c: CKM_EDDSA with Ed25519 keys (PKCS#11 3.0 current mechanisms
 * §2.3, EdDSA), pure Ed25519 only (RFC 8032 §5.1).
 *
 * PureEdDSA hashes the message twice, so it cannot stream: the mechanism is
 * single-part, as OpenSSL 3.0's EVP_DigestSign for Ed25519 is. Ed25519ctx
 * and Ed25519ph (a context or phFlag in CK_EDDSA_PARAMS) are refused with
 * CKR_MECHANISM_PARAM_INVALID; CK_EDDSA_PARAMS with phFlag FALSE and no
 * context is accepted as pure Ed25519, which is what applications that
 * always pass the structure mean by it.
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "mech/family.h"
#include "mech/ossl.h"

struct eddsa_state {
    EVP_MD_CTX *md; /* initialized for DigestSign or DigestVerify */
};

static void
eddsa_free(void *state)
{
    struct eddsa_state *s = state;
    if (s == NULL) return;
    EVP_MD_CTX_free(s->md);
    free(s);
}

static CK_RV
eddsa_params(const CK_MECHANISM *m)
{
    if (m == NULL || (m->pParameter == NULL && m->ulParameterLen == 0)) return CKR_OK;
    if (m->pParameter == NULL || m->ulParameterLen != sizeof(CK_EDDSA_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    const CK_EDDSA_PARAMS *p = m->pParameter;
    if (p->phFlag != CK_FALSE || p->ulContextDataLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    return CKR_OK;
}

static CK_RV
eddsa_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
           void **state)
{
    (void)d;
    CK_RV rv = eddsa_params(m);
    if (rv != CKR_OK) return rv;
    EVP_PKEY *pkey = mech_key_pkey(key);
    if (pkey == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    struct eddsa_state *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    rv = CKR_HOST_MEMORY;
    s->md = EVP_MD_CTX_new();
    if (s->md == NULL) goto out;
    /* No digest name: Ed25519 hashes internally. */
    rv = CKR_FUNCTION_FAILED;
    if ((fn == MECH_SIGN
             ? EVP_DigestSignInit_ex(s->md, NULL, NULL, ossl_libctx(), NULL, pkey, NULL)
             : EVP_DigestVerifyInit_ex(s->md, NULL, NULL, ossl_libctx(), NULL, pkey, NULL)) != 1)
        goto out;
    rv = CKR_OK;
out:
    if (rv != CKR_OK) {
        eddsa_free(s);
        return ossl_fail("eddsa init", rv);
    }
    *state = s;
    return CKR_OK;
}

static CK_RV
eddsa_out_len(void *state, CK_ULONG in_len, bool at_final, CK_ULONG *out_len, bool *exact)
{
    (void)state;
    (void)in_len;
    (void)at_final;
    *out_len = ED25519_SIG_LEN;
    *exact = true;
    return CKR_OK;
}

static CK_RV
eddsa_oneshot(void *state, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len)
{
    struct eddsa_state *s = state;
    size_t n = ED25519_SIG_LEN;
    if (EVP_DigestSign(s->md, out, &n, in, in_len) != 1 || n != ED25519_SIG_LEN)
        return ossl_fail("eddsa sign", CKR_FUNCTION_FAILED);
    *out_len = n;
    return CKR_OK;
}

static CK_RV
eddsa_verify(void *state, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
             CK_ULONG sig_len)
{
    struct eddsa_state *s = state;
    /* The length first: a wrong-sized signature never reaches OpenSSL. */
    if (sig_len != ED25519_SIG_LEN) return CKR_SIGNATURE_LEN_RANGE;
    if (data == NULL) return CKR_MECHANISM_INVALID;
    int ok = EVP_DigestVerify(s->md, sig, sig_len, data, data_len);
    /* Ed25519 verification reports every bad signature (S out of range, R
     * not a point) as 0; below 0 is an internal failure. */
    CK_RV rv = ok == 1 ? CKR_OK : ok == 0 ? CKR_SIGNATURE_INVALID : CKR_FUNCTION_FAILED;
    return rv == CKR_OK ? rv : ossl_fail("eddsa verify", rv);
}

/* No update or final: the dispatcher turns multi-part calls into
 * CKR_FUNCTION_FAILED, and no dup: CKR_STATE_UNSAVEABLE. */
const struct mech_ops eddsa_ops = {
    .init = eddsa_init,
    .out_len = eddsa_out_len,
    .oneshot = eddsa_oneshot,
    .verify = eddsa_verify,
    .free = eddsa_free,
};
