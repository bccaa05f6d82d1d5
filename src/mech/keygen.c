/*
 * keygen.c: C_GenerateKeyPair, C_GenerateKey and the key-import checks of
 * C_CreateObject, dispatched by mechanism or key type (PKCS#11 3.0
 * §5.14). The asymmetric work lives in ec_key.c, ed_key.c and rsa_key.c.
 */
#include "mech/mech.h"

#include <stdlib.h>

#include "mech/family.h"
#include "mech/prim.h"
#include "util/wipe.h"

CK_RV
mech_generate_key_pair(const CK_MECHANISM *m, struct attr_set *pub, struct attr_set *priv)
{
    if (m == NULL) return CKR_MECHANISM_INVALID;
    if (m->mechanism != CKM_EC_KEY_PAIR_GEN && m->mechanism != CKM_RSA_PKCS_KEY_PAIR_GEN &&
        m->mechanism != CKM_EC_EDWARDS_KEY_PAIR_GEN)
        return CKR_MECHANISM_INVALID;
    CK_RV rv = registry_param_none(m);
    if (rv != CKR_OK) return rv;
    if (m->mechanism == CKM_EC_KEY_PAIR_GEN) return ec_key_generate(pub, priv);
    if (m->mechanism == CKM_EC_EDWARDS_KEY_PAIR_GEN) return ed_key_generate(pub, priv);
    return rsa_key_generate(pub, priv);
}

/* CKA_VALUE_LEN of a generated secret, checked against the mechanism. */
static CK_RV
keygen_secret_len(CK_MECHANISM_TYPE mech, const struct attr_set *tmpl, CK_ULONG *len)
{
    CK_RV rv = attr_set_get_ulong(tmpl, CKA_VALUE_LEN, len);
    if (rv != CKR_OK) return rv;
    if (mech == CKM_AES_KEY_GEN)
        return *len == 16 || *len == 24 || *len == 32 ? CKR_OK : CKR_KEY_SIZE_RANGE;
    return *len >= MECH_SECRET_MIN && *len <= MECH_SECRET_MAX ? CKR_OK : CKR_KEY_SIZE_RANGE;
}

CK_RV
mech_generate_key(const CK_MECHANISM *m, struct attr_set *tmpl)
{
    CK_ULONG len;
    if (m == NULL) return CKR_MECHANISM_INVALID;
    if (m->mechanism != CKM_AES_KEY_GEN && m->mechanism != CKM_GENERIC_SECRET_KEY_GEN)
        return CKR_MECHANISM_INVALID;
    CK_RV rv = registry_param_none(m);
    if (rv == CKR_OK) rv = keygen_secret_len(m->mechanism, tmpl, &len);
    if (rv != CKR_OK) return rv;
    uint8_t *key = malloc(len);
    if (key == NULL) return CKR_HOST_MEMORY;
    rv = prim_random(key, len);
    if (rv == CKR_OK) rv = attr_set_put(tmpl, CKA_VALUE, key, len);
    wipe_free(key, len);
    return rv;
}

/* A secret key's CKA_VALUE, and its CKA_VALUE_LEN derived from it. */
static CK_RV
keygen_complete_secret(CK_KEY_TYPE kt, struct attr_set *a)
{
    const struct attr *v = attr_set_find(a, CKA_VALUE);
    if (v == NULL) return CKR_TEMPLATE_INCOMPLETE;
    CK_ULONG len = v->len;
    if (kt == CKK_AES) {
        if (len != 16 && len != 24 && len != 32) return CKR_ATTRIBUTE_VALUE_INVALID;
    } else if (len < MECH_SECRET_MIN || len > MECH_SECRET_MAX) {
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    return attr_set_put_ulong(a, CKA_VALUE_LEN, len);
}

CK_RV
mech_key_complete(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt, struct attr_set *attrs)
{
    bool asym = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY;
    if (mech_secret_type(kt))
        return cls == CKO_SECRET_KEY ? keygen_complete_secret(kt, attrs)
                                     : CKR_ATTRIBUTE_VALUE_INVALID;
    if (!asym) return CKR_ATTRIBUTE_VALUE_INVALID;
    switch (kt) {
    case CKK_EC:
        return ec_key_complete(cls, attrs);
    case CKK_EC_EDWARDS:
        return ed_key_complete(cls, attrs);
    case CKK_RSA:
        return rsa_key_complete(cls, attrs);
    default:
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
}
