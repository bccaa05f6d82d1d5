/*
 * fixtures.c: objects and keys for the cases, made through the module.
 */
#include "fixtures.h"

#include <string.h>

const CK_BYTE fx_p256_oid[10] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

CK_MECHANISM fx_ecdsa = {CKM_ECDSA, NULL, 0};
CK_MECHANISM fx_ecdsa_sha256 = {CKM_ECDSA_SHA256, NULL, 0};
CK_MECHANISM fx_sha256_rsa = {CKM_SHA256_RSA_PKCS, NULL, 0};
CK_MECHANISM fx_rsa_pkcs = {CKM_RSA_PKCS, NULL, 0};
CK_MECHANISM fx_rsa_x509 = {CKM_RSA_X_509, NULL, 0};
CK_MECHANISM fx_hmac = {CKM_SHA256_HMAC, NULL, 0};
CK_MECHANISM fx_sha256 = {CKM_SHA256, NULL, 0};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS cls_data = CKO_DATA, cls_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE kt_generic = CKK_GENERIC_SECRET, kt_aes = CKK_AES;
static CK_BYTE value[] = "conformance";
static CK_BYTE secret_value[32] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                   0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                   0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};

#define ATTR(t, v)                                                                                 \
    {                                                                                              \
        (t), (v), sizeof *(v)                                                                      \
    }
#define BOOL(t, b)                                                                                 \
    {                                                                                              \
        (t), (b) ? &yes : &no, sizeof(CK_BBOOL)                                                    \
    }

static const struct fx_key defaults;

CK_OBJECT_HANDLE
fx_data(struct cx *cx, CK_SESSION_HANDLE s, bool token, bool priv, const char *label)
{
    CK_UTF8CHAR lab[64];
    size_t n = strlen(label) < sizeof lab ? strlen(label) : sizeof lab;
    memcpy(lab, label, n);
    CK_ATTRIBUTE t[] = {
        ATTR(CKA_CLASS, &cls_data),
        BOOL(CKA_TOKEN, token),
        BOOL(CKA_PRIVATE, priv),
        {CKA_LABEL, lab, (CK_ULONG)n},
        {CKA_VALUE, value, sizeof value - 1},
    };
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    ct_ok(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, sizeof t / sizeof t[0], &o));
    return o;
}

void
fx_ec_pair(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o, CK_OBJECT_HANDLE *pub,
           CK_OBJECT_HANDLE *priv)
{
    if (o == NULL) o = &defaults;
    ct_need_mech(cx, CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR);
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE oid[sizeof fx_p256_oid];
    memcpy(oid, fx_p256_oid, sizeof oid);
    CK_UTF8CHAR label[64];
    CK_ULONG llen = o->label ? (CK_ULONG)strlen(o->label) : 0;
    if (llen > sizeof label) llen = sizeof label;
    if (llen) memcpy(label, o->label, llen);
    CK_ATTRIBUTE pt[] = {
        BOOL(CKA_VERIFY, !o->no_sign),
        BOOL(CKA_TOKEN, o->token),
        {CKA_EC_PARAMS, oid, sizeof oid},
        {CKA_LABEL, label, llen},
    };
    CK_ATTRIBUTE kt[] = {
        BOOL(CKA_SIGN, !o->no_sign),
        BOOL(CKA_TOKEN, o->token),
        BOOL(CKA_PRIVATE, true),
        BOOL(CKA_SENSITIVE, !o->not_sensitive),
        BOOL(CKA_EXTRACTABLE, o->not_sensitive),
        {CKA_LABEL, label, llen},
    };
    CK_ULONG np = o->label ? 4 : 3, nk = o->label ? 6 : 5;
    ct_ok(cx, FN_C_GenerateKeyPair, cx->p->C_GenerateKeyPair(s, &m, pt, np, kt, nk, pub, priv));
}

void
fx_rsa_pair(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o, CK_OBJECT_HANDLE *pub,
            CK_OBJECT_HANDLE *priv)
{
    if (o == NULL) o = &defaults;
    ct_need_mech(cx, CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR);
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG bits = 2048;
    CK_BYTE e[] = {0x01, 0x00, 0x01};
    CK_ATTRIBUTE pt[] = {
        ATTR(CKA_MODULUS_BITS, &bits), {CKA_PUBLIC_EXPONENT, e, sizeof e},
        BOOL(CKA_VERIFY, !o->no_sign), BOOL(CKA_ENCRYPT, !o->no_sign),
        BOOL(CKA_TOKEN, o->token),
    };
    CK_ATTRIBUTE kt[] = {
        BOOL(CKA_SIGN, !o->no_sign),
        BOOL(CKA_DECRYPT, !o->no_sign),
        BOOL(CKA_TOKEN, o->token),
        BOOL(CKA_PRIVATE, true),
        BOOL(CKA_SENSITIVE, !o->not_sensitive),
    };
    ct_ok(cx, FN_C_GenerateKeyPair,
          cx->p->C_GenerateKeyPair(s, &m, pt, sizeof pt / sizeof pt[0], kt,
                                   sizeof kt / sizeof kt[0], pub, priv));
}

static CK_OBJECT_HANDLE
gen_secret(struct cx *cx, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_KEY_TYPE *kt,
           const struct fx_key *o, bool mac)
{
    if (o == NULL) o = &defaults;
    ct_need_mech(cx, mech, CKF_GENERATE);
    CK_MECHANISM m = {mech, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {
        ATTR(CKA_CLASS, &cls_secret),
        ATTR(CKA_KEY_TYPE, kt),
        ATTR(CKA_VALUE_LEN, &len),
        BOOL(CKA_TOKEN, o->token),
        BOOL(CKA_PRIVATE, true),
        BOOL(CKA_SENSITIVE, !o->not_sensitive),
        BOOL(mac ? CKA_SIGN : CKA_ENCRYPT, !o->no_sign),
        BOOL(mac ? CKA_VERIFY : CKA_DECRYPT, !o->no_sign),
    };
    CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
    ct_ok(cx, FN_C_GenerateKey, cx->p->C_GenerateKey(s, &m, t, sizeof t / sizeof t[0], &k));
    return k;
}

CK_OBJECT_HANDLE
fx_hmac_key(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o)
{
    return gen_secret(cx, s, CKM_GENERIC_SECRET_KEY_GEN, &kt_generic, o, true);
}

CK_OBJECT_HANDLE
fx_aes_key(struct cx *cx, CK_SESSION_HANDLE s, const struct fx_key *o)
{
    return gen_secret(cx, s, CKM_AES_KEY_GEN, &kt_aes, o, false);
}

CK_OBJECT_HANDLE
fx_secret_object(struct cx *cx, CK_SESSION_HANDLE s, bool sensitive, bool extractable)
{
    CK_ATTRIBUTE t[] = {
        ATTR(CKA_CLASS, &cls_secret),
        ATTR(CKA_KEY_TYPE, &kt_generic),
        {CKA_VALUE, secret_value, sizeof secret_value},
        BOOL(CKA_TOKEN, false),
        BOOL(CKA_PRIVATE, true),
        BOOL(CKA_SENSITIVE, sensitive),
        BOOL(CKA_EXTRACTABLE, extractable),
        BOOL(CKA_SIGN, true),
        BOOL(CKA_VERIFY, true),
    };
    CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
    /* A token with no secret-key mechanism keeps no secret keys; one whose
     * secret keys live in hardware (credtoken's TPM backend) keeps them
     * sensitive and unextractable only. */
    ct_need_mech(cx, CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE);
    if ((!sensitive || extractable) && ct_has_mech(cx, CKM_GENERIC_SECRET_KEY_GEN, CKF_HW))
        ct_skip(cx, "the token keeps secret keys in hardware, sensitive and unextractable");
    ct_ok(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, sizeof t / sizeof t[0], &k));
    return k;
}

CK_ULONG
fx_count(struct cx *cx, CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n)
{
    ct_ok(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, t, n));
    CK_ULONG total = 0;
    for (;;) {
        CK_OBJECT_HANDLE h[16];
        CK_ULONG got = 0;
        ct_ok(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, h, 16, &got));
        if (got == 0) break;
        total += got;
    }
    ct_ok(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s));
    return total;
}

CK_BBOOL
fx_bool(struct cx *cx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_BBOOL v = CK_FALSE;
    CK_ATTRIBUTE a = {type, &v, sizeof v};
    ct_ok(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, o, &a, 1));
    return v;
}

CK_RV
fx_set_bool(struct cx *cx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
            CK_BBOOL v)
{
    CK_ATTRIBUTE a = {type, &v, sizeof v};
    return cx->p->C_SetAttributeValue(s, o, &a, 1);
}
