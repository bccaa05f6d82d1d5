/*
 * tpmimport.c: keys that come from outside onto a token of the TPM backend
 * (tpmkey.h, tpmkey_import): C_CreateObject, C_UnwrapKey and credential
 * sets. Private keys go into the TPM with TPM2_Import (tpm/import.c); HMAC
 * keys likewise (tpmkey_import_secret). The object keeps its public
 * attributes and the TPM-wrapped blob; every private value is wiped from
 * it before it is stored, so no form of the private key is ever readable
 * again, not even from the store's records.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tpmkey.h"

/* The raw point in a CKA_EC_POINT (a DER OCTET STRING, as stored by
 * mech_key_complete). */
static CK_RV
import_point(const struct attr_set *tmpl, const uint8_t **p, size_t *len)
{
    const struct attr *a = attr_set_find(tmpl, CKA_EC_POINT);
    if (a == NULL || a->len < 3 || a->val[0] != 0x04 || a->val[1] != a->len - 2)
        return CKR_FUNCTION_FAILED;
    *p = a->val + 2;
    *len = a->len - 2;
    return CKR_OK;
}

static CK_RV
import_ec(struct tpm *t, const struct attr_set *tmpl, uint8_t **blob, size_t *blen, char *why)
{
    CK_ULONG bits = 0;
    const uint8_t *point = NULL;
    size_t plen = 0;
    const struct attr *d = attr_set_find(tmpl, CKA_VALUE);
    CK_RV rv = mech_ec_curve_bits(tmpl, &bits);
    if (rv == CKR_OK && bits != 256 && bits != 384) {
        tpmkey_why(why, "the TPM keeps EC keys on P-256 and P-384 only");
        rv = CKR_CURVE_NOT_SUPPORTED;
    }
    if (rv == CKR_OK && d == NULL) rv = CKR_TEMPLATE_INCOMPLETE;
    if (rv == CKR_OK) rv = import_point(tmpl, &point, &plen);
    if (rv == CKR_OK)
        rv = tpm_key_import_ec(t, (unsigned)bits, point, plen, d->val, d->len, blob, blen);
    return rv;
}

/* A big-endian attribute without its leading zeros. */
static const uint8_t *
import_int(const struct attr_set *tmpl, CK_ATTRIBUTE_TYPE type, size_t *len)
{
    const struct attr *a = attr_set_find(tmpl, type);
    if (a == NULL) return NULL;
    size_t i = 0;
    while (i + 1 < a->len && a->val[i] == 0)
        i++;
    *len = a->len - i;
    return a->val + i;
}

static CK_RV
import_rsa(struct tpm *t, const struct attr_set *tmpl, uint8_t **blob, size_t *blen, char *why)
{
    size_t nlen = 0, elen = 0, plen = 0;
    const uint8_t *n = import_int(tmpl, CKA_MODULUS, &nlen);
    const uint8_t *e = import_int(tmpl, CKA_PUBLIC_EXPONENT, &elen);
    const uint8_t *p = import_int(tmpl, CKA_PRIME_1, &plen);
    if (n == NULL || e == NULL) return CKR_TEMPLATE_INCOMPLETE;
    if (p == NULL) {
        tpmkey_why(why, "the TPM needs an RSA key's prime factors (CKA_PRIME_1 ...)");
        return CKR_TEMPLATE_INCOMPLETE;
    }
    if ((nlen != 256 && nlen != 384) || elen > 4) {
        tpmkey_why(why, "the TPM keeps RSA keys of 2048 or 3072 bits, not %zu", 8 * nlen);
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    return tpm_key_import_rsa(t, n, nlen, e, elen, p, plen, blob, blen);
}

/* The private values a key loses once the TPM holds it. */
static const CK_ATTRIBUTE_TYPE import_private_parts[] = {
    CKA_VALUE,      CKA_PRIVATE_EXPONENT, CKA_PRIME_1,    CKA_PRIME_2,
    CKA_EXPONENT_1, CKA_EXPONENT_2,       CKA_COEFFICIENT};

static CK_RV
import_private(const struct tpm_where *w, struct attr_set *tmpl, char *why)
{
    CK_KEY_TYPE kt = 0;
    uint8_t *blob = NULL;
    size_t blen = 0;
    struct tpm *t = NULL;
    (void)attr_set_get_ulong(tmpl, CKA_KEY_TYPE, &kt);
    if (kt != CKK_EC && kt != CKK_RSA) {
        tpmkey_why(why, "the TPM keeps EC and RSA private keys only, not key type 0x%lx",
                   (unsigned long)kt);
        return CKR_TEMPLATE_INCONSISTENT;
    }
    CK_RV rv = tpmkey_check_template(tmpl, why);
    if (rv == CKR_OK) rv = tpm_use_begin(w, &t);
    if (rv != CKR_OK) return rv == CKR_TEMPLATE_INCONSISTENT ? rv : tpmkey_rv(rv);
    rv = kt == CKK_EC ? import_ec(t, tmpl, &blob, &blen, why)
                      : import_rsa(t, tmpl, &blob, &blen, why);
    tpm_use_end(t, rv);
    switch (rv) {
    case CKR_OK:
    case CKR_CURVE_NOT_SUPPORTED:
    case CKR_TEMPLATE_INCOMPLETE:
    case CKR_ATTRIBUTE_VALUE_INVALID:
    case CKR_HOST_MEMORY:
        break;
    case CKR_KEY_SIZE_RANGE:
    case CKR_ARGUMENTS_BAD:
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
        break;
    default:
        rv = tpmkey_rv(rv);
    }
    if (rv == CKR_OK) rv = attr_set_put(tmpl, CKA_CREDTOKEN_TPM_KEY, blob, blen);
    free(blob);
    if (rv != CKR_OK) return rv;
    for (size_t i = 0; i < sizeof import_private_parts / sizeof import_private_parts[0]; i++)
        attr_set_del(tmpl, import_private_parts[i]);
    return CKR_OK;
}

CK_RV
tpmkey_import(const struct tpm_where *w, CK_OBJECT_CLASS cls, struct attr_set *tmpl, char *why)
{
    if (cls == CKO_PRIVATE_KEY) return import_private(w, tmpl, why);
    if (cls == CKO_SECRET_KEY) return tpmkey_import_secret(w, tmpl, why);
    return CKR_OK;
}
