/*
 * cmac.c: CKM_AES_CMAC and CKM_AES_CMAC_GENERAL (PKCS#11 3.0 current
 * mechanisms §2.14 "AES CMAC"; NIST SP 800-38B, RFC 4493), single- and
 * multi-part.
 *
 * The MAC is OpenSSL's "CMAC" EVP_MAC, fetched once by the registry, over
 * AES-{128,192,256}-CBC. CKM_AES_CMAC_GENERAL takes a CK_MAC_GENERAL_PARAMS
 * (a CK_ULONG length, 1..16) and keeps the leading bytes of the block, as
 * §2.14 says. The MAC itself is mac.c's.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/family.h"
#include "mech/ossl.h"

#define CMAC_BLOCK 16

/* CKM_AES_CMAC: no parameter, a full block. CKM_AES_CMAC_GENERAL: the
 * length as a CK_MAC_GENERAL_PARAMS (CK_ULONG). */
static CK_RV
cmac_params(const struct mech_desc *d, const CK_MECHANISM *m, size_t *len)
{
    if (d->type == CKM_AES_CMAC) {
        *len = CMAC_BLOCK;
        return registry_param_none(m);
    }
    if (m == NULL || m->pParameter == NULL || m->ulParameterLen != sizeof(CK_ULONG))
        return CKR_MECHANISM_PARAM_INVALID;
    CK_ULONG want = *(const CK_ULONG *)m->pParameter;
    if (want == 0 || want > CMAC_BLOCK) return CKR_MECHANISM_PARAM_INVALID;
    *len = want;
    return CKR_OK;
}

static const char *
cmac_cipher_name(size_t klen)
{
    switch (klen) {
    case 16:
        return "AES-128-CBC";
    case 24:
        return "AES-192-CBC";
    case 32:
        return "AES-256-CBC";
    default:
        return NULL;
    }
}

static CK_RV
cmac_init(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
          void **state)
{
    size_t len = 0, klen;
    (void)fn;
    CK_RV rv = cmac_params(d, m, &len);
    if (rv != CKR_OK) return rv;
    const uint8_t *k = mech_key_secret(key, &klen);
    if (k == NULL) return CKR_KEY_TYPE_INCONSISTENT;
    const char *cipher = cmac_cipher_name(klen);
    if (cipher == NULL) return CKR_KEY_SIZE_RANGE;
    return mac_start(registry_cmac(), OSSL_MAC_PARAM_CIPHER, cipher, k, klen, CMAC_BLOCK, len,
                     state);
}

const struct mech_ops cmac_ops = {
    .init = cmac_init,
    .out_len = mac_out_len,
    .oneshot = mac_oneshot,
    .update = mac_update,
    .final = mac_final,
    .verify = mac_verify,
    .free = mac_free,
    .dup = mac_dup,
};
