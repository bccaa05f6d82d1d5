/*
 * build.c: the objects of a set (credset.h says what every object carries).
 */
#include "credset/credset_int.h"

#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

CK_RV
cs_obj(struct cs_build *b, CK_OBJECT_CLASS cls, const char *label, struct credset_obj **out)
{
    struct credset *c = b->c;
    if (c->nobj == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 8;
        struct credset_obj *nv = reallocarray(c->objs, nc, sizeof *nv);
        if (nv == NULL) return CKR_HOST_MEMORY;
        c->objs = nv;
        b->cap = nc;
    }
    struct attr_set *a = attr_set_new();
    if (a == NULL) return CKR_HOST_MEMORY;
    const char *type = cs_types[c->type].name;
    CK_RV rv = attr_set_put_ulong(a, CKA_CLASS, cls);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_TOKEN, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_PRIVATE, cls != CKO_CERTIFICATE);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_MODIFIABLE, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_COPYABLE, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DESTROYABLE, false);
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_LABEL, label, (CK_ULONG)strlen(label));
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_CREDTOKEN_SET_ID, c->id, (CK_ULONG)strlen(c->id));
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_CREDTOKEN_SET_TYPE, type, (CK_ULONG)strlen(type));
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_CREDTOKEN_CREATED, b->created, CS_TIME_LEN - 1);
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_CREDTOKEN_UPDATED, b->updated, CS_TIME_LEN - 1);
    if (rv == CKR_OK && b->has_not_after)
        rv = attr_set_put(a, CKA_CREDTOKEN_NOT_AFTER, b->not_after, CS_TIME_LEN - 1);
    if (rv != CKR_OK) {
        attr_set_free(a);
        return rv;
    }
    struct credset_obj *o = &c->objs[c->nobj++];
    *o = (struct credset_obj){.tmpl = a};
    *out = o;
    return CKR_OK;
}

CK_RV
cs_data(struct cs_build *b, const char *label, const void *val, size_t len)
{
    struct credset_obj *o;
    CK_RV rv = cs_obj(b, CKO_DATA, label, &o);
    if (rv == CKR_OK) rv = attr_set_put(o->tmpl, CKA_APPLICATION, "credtoken", 9);
    if (rv == CKR_OK) rv = attr_set_put(o->tmpl, CKA_VALUE, val, (CK_ULONG)len);
    return rv;
}

CK_RV
cs_secret(struct cs_build *b, const char *label, const char *id, const void *val, size_t len,
          bool exportable)
{
    /* HMAC (Azure SAS, AWS SigV4, JWT HS256) and derivation (HKDF, the
     * SigV4 key chain): nothing else. */
    static const CK_MECHANISM_TYPE allowed[] = {
        CKM_SHA256_HMAC, CKM_SHA384_HMAC, CKM_SHA512_HMAC,        CKM_SHA_1_HMAC,
        CKM_HKDF_DERIVE, CKM_HKDF_DATA,   CKM_CREDTOKEN_AWS_SIGV4};
    struct credset_obj *o;
    CK_RV rv = cs_obj(b, CKO_SECRET_KEY, label, &o);
    struct attr_set *a = rv == CKR_OK ? o->tmpl : NULL;
    if (rv == CKR_OK) rv = attr_set_put_ulong(a, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_ID, id, (CK_ULONG)strlen(id));
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_VALUE, val, (CK_ULONG)len);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_SENSITIVE, !exportable);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_EXTRACTABLE, exportable);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_SIGN, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_VERIFY, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DERIVE, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_ENCRYPT, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DECRYPT, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_WRAP, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_UNWRAP, false);
    if (rv == CKR_OK)
        rv = attr_set_put(a, CKA_ALLOWED_MECHANISMS, allowed, (CK_ULONG)sizeof allowed);
    return rv;
}

CK_RV
cs_key_pair(struct cs_build *b, EVP_PKEY *pkey, const char *priv_label, const char *pub_label,
            const void *id, size_t id_len)
{
    CK_KEY_TYPE kt;
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        kt = CKK_RSA;
        break;
    case EVP_PKEY_EC:
        kt = CKK_EC;
        break;
    case EVP_PKEY_ED25519:
        kt = CKK_EC_EDWARDS;
        break;
    default:
        return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID,
                       "the private key is neither RSA, EC nor Ed25519");
    }
    struct credset_obj *priv, *pub;
    CK_RV rv = cs_obj(b, CKO_PRIVATE_KEY, priv_label, &priv);
    if (rv != CKR_OK) return rv;
    struct attr_set *a = priv->tmpl;
    if (rv == CKR_OK) rv = attr_set_put_ulong(a, CKA_KEY_TYPE, kt);
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_ID, id, (CK_ULONG)id_len);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_SENSITIVE, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_EXTRACTABLE, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_SIGN, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DECRYPT, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_UNWRAP, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DERIVE, false);
    if (rv != CKR_OK) return rv;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
    unsigned char *der = NULL;
    int n = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
    PKCS8_PRIV_KEY_INFO_free(p8);
    if (n <= 0) return cs_fail(b, CKR_ATTRIBUTE_VALUE_INVALID, "the private key cannot be encoded");
    priv->pkcs8 = malloc((size_t)n);
    if (priv->pkcs8 != NULL) memcpy(priv->pkcs8, der, (size_t)n);
    OPENSSL_clear_free(der, (size_t)n);
    if (priv->pkcs8 == NULL) return CKR_HOST_MEMORY;
    priv->pkcs8_len = (size_t)n;
    priv->pkcs8_type = kt;
    /* The public half: the core copies its material from the private key. */
    rv = cs_obj(b, CKO_PUBLIC_KEY, pub_label, &pub);
    if (rv == CKR_OK) rv = attr_set_put_bool(pub->tmpl, CKA_PRIVATE, false);
    if (rv == CKR_OK) rv = attr_set_put_ulong(pub->tmpl, CKA_KEY_TYPE, kt);
    if (rv == CKR_OK) rv = attr_set_put(pub->tmpl, CKA_ID, id, (CK_ULONG)id_len);
    if (rv == CKR_OK) rv = attr_set_put_bool(pub->tmpl, CKA_VERIFY, true);
    if (rv == CKR_OK) rv = attr_set_put_bool(pub->tmpl, CKA_ENCRYPT, false);
    if (rv == CKR_OK) rv = attr_set_put_bool(pub->tmpl, CKA_WRAP, false);
    return rv;
}

/* The DER of an X.509 part (i2d's result n, der) as an attribute. */
static CK_RV
cs_put_der(struct attr_set *a, CK_ATTRIBUTE_TYPE type, int n, unsigned char *der)
{
    CK_RV rv = n > 0 ? attr_set_put(a, type, der, (CK_ULONG)n) : CKR_HOST_MEMORY;
    OPENSSL_free(der);
    return rv;
}

CK_RV
cs_cert(struct cs_build *b, X509 *x, const char *label, const char *id, bool authority)
{
    struct credset_obj *o;
    unsigned char *d[4] = {NULL, NULL, NULL, NULL};
    int n[4];
    CK_RV rv = cs_obj(b, CKO_CERTIFICATE, label, &o);
    if (rv != CKR_OK) return rv;
    struct attr_set *a = o->tmpl;
    /* Each i2d call first: it sets its pointer. */
    n[0] = i2d_X509(x, &d[0]);
    n[1] = i2d_X509_NAME(X509_get_subject_name(x), &d[1]);
    n[2] = i2d_X509_NAME(X509_get_issuer_name(x), &d[2]);
    n[3] = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &d[3]);
    rv = attr_set_put_ulong(a, CKA_CERTIFICATE_TYPE, CKC_X_509);
    if (rv == CKR_OK) rv = attr_set_put_ulong(a, CKA_CERTIFICATE_CATEGORY, authority ? 2 : 1);
    if (rv == CKR_OK) rv = attr_set_put(a, CKA_ID, id, (CK_ULONG)strlen(id));
    static const CK_ATTRIBUTE_TYPE types[4] = {CKA_VALUE, CKA_SUBJECT, CKA_ISSUER,
                                               CKA_SERIAL_NUMBER};
    for (int i = 0; i < 4; i++) {
        CK_RV r = cs_put_der(a, types[i], n[i], d[i]);
        if (rv == CKR_OK) rv = r;
    }
    return rv;
}
