/*
 * tpmkey.c: keys made and used inside the TPM (tpmkey.h).
 */
#include "core/tpmkey.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/library.h"
#include "util/log.h"
#include "util/wipe.h"

bool
tpmkey_is(const struct attr_set *attrs)
{
    return attr_set_find(attrs, CKA_CREDTOKEN_TPM_KEY) != NULL;
}

CK_RV
tpmkey_rv(CK_RV rv)
{
    switch (rv) {
    case CKR_OK:
    case CKR_HOST_MEMORY:
    case CKR_DEVICE_MEMORY:
    case CKR_DEVICE_ERROR:
        return rv;
    default:
        return CKR_DEVICE_ERROR;
    }
}

/* ---- generation ---- */

void
tpmkey_why(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why != NULL) {
        vsnprintf(why, TPMKEY_WHY_LEN, fmt, ap);
    } else {
        char line[TPMKEY_WHY_LEN];
        vsnprintf(line, sizeof line, fmt, ap);
        log_err("%s", line);
    }
    va_end(ap);
}

CK_RV
tpmkey_check_template(const struct attr_set *priv, char *why)
{
    if (!attr_set_get_bool(priv, CKA_SENSITIVE, true) ||
        attr_set_get_bool(priv, CKA_EXTRACTABLE, false)) {
        tpmkey_why(why, "a key held by the TPM is sensitive and never extractable");
        return CKR_TEMPLATE_INCONSISTENT;
    }
    return CKR_OK;
}

static CK_RV
tpmkey_copy(const struct attr_set *from, struct attr_set *to, CK_ATTRIBUTE_TYPE type)
{
    const struct attr *a = attr_set_find(from, type);
    if (a == NULL) return CKR_FUNCTION_FAILED;
    return attr_set_put(to, type, a->val, a->len);
}

static CK_RV
tpmkey_pair_ec(const struct tpm_where *w, struct attr_set *pub, struct attr_set *priv,
               uint8_t **blob, size_t *blen)
{
    uint8_t point[TPM_EC_POINT_MAX];
    size_t plen = 0;
    CK_ULONG bits = 0;
    struct tpm *t = NULL;
    CK_RV rv = mech_ec_curve_bits(pub, &bits);
    if (rv == CKR_OK && bits != 256 && bits != 384) rv = CKR_CURVE_NOT_SUPPORTED;
    if (rv != CKR_OK) return rv;
    if ((rv = tpm_use_begin(w, &t)) == CKR_OK) {
        rv = tpm_key_create_ec(t, (unsigned)bits, blob, blen, point, &plen);
        tpm_use_end(t, rv);
    }
    if (rv != CKR_OK && rv != CKR_CURVE_NOT_SUPPORTED && rv != CKR_HOST_MEMORY) rv = tpmkey_rv(rv);
    /* The public key object's attributes, checked and completed as for
     * C_CreateObject (the DER point, CKA_PUBLIC_KEY_INFO). */
    if (rv == CKR_OK) rv = attr_set_put(pub, CKA_EC_POINT, point, plen);
    if (rv == CKR_OK) rv = mech_key_complete(CKO_PUBLIC_KEY, CKK_EC, pub);
    if (rv == CKR_OK) rv = tpmkey_copy(pub, priv, CKA_EC_PARAMS);
    if (rv == CKR_OK) rv = tpmkey_copy(pub, priv, CKA_EC_POINT);
    return rv;
}

/* Whether e (big-endian, leading zeros allowed) is 65537, the one public
 * exponent the TPM makes keys with. */
static bool
tpmkey_e_ok(const struct attr *e)
{
    size_t i = 0;
    while (i < e->len && e->val[i] == 0)
        i++;
    return e->len - i == 3 && e->val[i] == 0x01 && e->val[i + 1] == 0x00 && e->val[i + 2] == 0x01;
}

static CK_RV
tpmkey_pair_rsa(const struct tpm_where *w, struct attr_set *pub, struct attr_set *priv,
                uint8_t **blob, size_t *blen)
{
    static const uint8_t f4[] = {0x01, 0x00, 0x01};
    uint8_t n[TPM_RSA_MAX_BYTES];
    size_t nlen = 0;
    CK_ULONG bits = 0;
    struct tpm *t = NULL;
    const struct attr *e = attr_set_find(pub, CKA_PUBLIC_EXPONENT);
    if (attr_set_get_ulong(pub, CKA_MODULUS_BITS, &bits) != CKR_OK) return CKR_TEMPLATE_INCOMPLETE;
    if ((bits != 2048 && bits != 3072) || (e != NULL && !tpmkey_e_ok(e))) {
        log_err("C_GenerateKeyPair: the TPM makes RSA keys of 2048 or 3072 bits with e = 65537");
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    CK_RV rv = tpm_use_begin(w, &t);
    if (rv == CKR_OK) {
        rv = tpm_key_create_rsa(t, (unsigned)bits, blob, blen, n, &nlen);
        tpm_use_end(t, rv);
    }
    if (rv == CKR_KEY_SIZE_RANGE) rv = CKR_ATTRIBUTE_VALUE_INVALID;
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_VALUE_INVALID && rv != CKR_HOST_MEMORY)
        rv = tpmkey_rv(rv);
    if (rv == CKR_OK) rv = attr_set_put(pub, CKA_MODULUS, n, nlen);
    if (rv == CKR_OK) rv = attr_set_put(pub, CKA_PUBLIC_EXPONENT, f4, sizeof f4);
    if (rv == CKR_OK) rv = mech_key_complete(CKO_PUBLIC_KEY, CKK_RSA, pub);
    if (rv == CKR_OK) rv = tpmkey_copy(pub, priv, CKA_MODULUS);
    if (rv == CKR_OK) rv = tpmkey_copy(pub, priv, CKA_PUBLIC_EXPONENT);
    return rv;
}

CK_RV
tpmkey_generate_pair(const struct tpm_where *w, const CK_MECHANISM *m, struct attr_set *pub,
                     struct attr_set *priv)
{
    uint8_t *blob = NULL;
    size_t blen = 0;
    bool ec = m->mechanism == CKM_EC_KEY_PAIR_GEN;
    if (!ec && m->mechanism != CKM_RSA_PKCS_KEY_PAIR_GEN) return CKR_MECHANISM_INVALID;
    if (m->pParameter != NULL || m->ulParameterLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    CK_RV rv = tpmkey_check_template(priv, NULL);
    if (rv == CKR_OK)
        rv = ec ? tpmkey_pair_ec(w, pub, priv, &blob, &blen)
                : tpmkey_pair_rsa(w, pub, priv, &blob, &blen);
    if (rv == CKR_OK) rv = tpmkey_copy(pub, priv, CKA_PUBLIC_KEY_INFO);
    if (rv == CKR_OK) rv = attr_set_put(priv, CKA_CREDTOKEN_TPM_KEY, blob, blen);
    free(blob);
    return rv;
}

/* The digest length of the one hash a TPM HMAC key of type kt has:
 * CKK_SHA*_HMAC name theirs; a generic secret serves SHA-256. 0: not a
 * key type the TPM keeps. */
static size_t
tpmkey_hmac_hash(CK_KEY_TYPE kt)
{
    switch (kt) {
    case CKK_SHA_1_HMAC:
        return 20;
    case CKK_GENERIC_SECRET:
    case CKK_SHA256_HMAC:
        return 32;
    case CKK_SHA384_HMAC:
        return 48;
    case CKK_SHA512_HMAC:
        return 64;
    default:
        return 0;
    }
}

bool
tpmkey_aws4(const struct attr_set *attrs)
{
    const struct attr *a = attr_set_find(attrs, CKA_ALLOWED_MECHANISMS);
    CK_MECHANISM_TYPE only;
    CK_KEY_TYPE kt = 0;
    (void)attr_set_get_ulong(attrs, CKA_KEY_TYPE, &kt);
    if (a == NULL || a->len != sizeof only || kt != CKK_GENERIC_SECRET) return false;
    memcpy(&only, a->val, sizeof only);
    return only == CKM_CREDTOKEN_AWS_SIGV4;
}

/* An HMAC key made by the TPM (secret NULL) or wrapped by it: tmpl gets
 * the blob, and loses CKA_VALUE. */
static CK_RV
tpmkey_secret(const struct tpm_where *w, const uint8_t *secret, size_t len, struct attr_set *tmpl)
{
    uint8_t *blob = NULL;
    size_t blen = 0;
    struct tpm *t;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    (void)attr_set_get_ulong(tmpl, CKA_KEY_TYPE, &kt);
    CK_RV rv = tpm_use_begin(w, &t);
    if (rv == CKR_OK) {
        rv = tpm_key_create_hmac(t, secret, len, tpmkey_hmac_hash(kt), &blob, &blen);
        tpm_use_end(t, rv);
    }
    if (rv != CKR_OK && rv != CKR_KEY_SIZE_RANGE && rv != CKR_HOST_MEMORY) rv = tpmkey_rv(rv);
    if (rv == CKR_OK) rv = attr_set_put(tmpl, CKA_CREDTOKEN_TPM_KEY, blob, blen);
    if (rv == CKR_OK) attr_set_del(tmpl, CKA_VALUE);
    free(blob);
    return rv;
}

CK_RV
tpmkey_generate_secret(const struct tpm_where *w, const CK_MECHANISM *m, struct attr_set *tmpl)
{
    CK_ULONG len = 0;
    if (m->mechanism != CKM_GENERIC_SECRET_KEY_GEN) return CKR_MECHANISM_INVALID;
    if (m->pParameter != NULL || m->ulParameterLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    CK_RV rv = tpmkey_check_template(tmpl, NULL);
    if (rv != CKR_OK) return rv;
    if (attr_set_get_ulong(tmpl, CKA_VALUE_LEN, &len) != CKR_OK) return CKR_TEMPLATE_INCOMPLETE;
    /* The TPM makes keys as long as its name hash's digest. */
    if (len != TPMKEY_SECRET_LEN) {
        log_err("C_GenerateKey: the TPM makes HMAC keys of %d bytes, not %lu", TPMKEY_SECRET_LEN,
                (unsigned long)len);
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    return tpmkey_secret(w, NULL, 0, tmpl);
}

CK_RV
tpmkey_import_secret(const struct tpm_where *w, struct attr_set *tmpl, char *why)
{
    CK_KEY_TYPE kt = 0;
    (void)attr_set_get_ulong(tmpl, CKA_KEY_TYPE, &kt);
    if (tpmkey_hmac_hash(kt) == 0) {
        tpmkey_why(why, "a TPM token keeps HMAC keys only, not secret keys of type 0x%lx",
                   (unsigned long)kt);
        return CKR_TEMPLATE_INCONSISTENT;
    }
    CK_RV rv = tpmkey_check_template(tmpl, why);
    const struct attr *v = attr_set_find(tmpl, CKA_VALUE);
    if (rv == CKR_OK && v == NULL) rv = CKR_TEMPLATE_INCOMPLETE;
    if (rv == CKR_OK && (v->len == 0 || v->len > TPM_HMAC_KEY_MAX)) {
        tpmkey_why(why, "the TPM keeps HMAC keys of 1 to %d bytes, not %lu", TPM_HMAC_KEY_MAX,
                   (unsigned long)v->len);
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (rv == CKR_OK) rv = attr_set_put_ulong(tmpl, CKA_VALUE_LEN, v->len);
    if (rv != CKR_OK) return rv;
    if (!tpmkey_aws4(tmpl)) return tpmkey_secret(w, v->val, v->len, tmpl);
    /* An AWS secret for SigV4 only: the TPM keeps "AWS4" || secret, the
     * key of SigV4's first HMAC. */
    uint8_t k0[TPM_HMAC_KEY_MAX];
    if (v->len > sizeof k0 - 4) {
        tpmkey_why(why, "the TPM keeps AWS secrets of 1 to %d bytes", TPM_HMAC_KEY_MAX - 4);
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, v->val, v->len);
    rv = tpmkey_secret(w, k0, 4 + v->len, tmpl);
    wipe(k0, sizeof k0);
    return rv;
}

/* ---- signing ---- */

struct tpmkey_ctx {
    const struct tpm_where *where; /* the library's */
    struct tpm_key *key;
    bool aws4; /* an HMAC key of "AWS4" || an AWS secret (tpmkey_aws4) */
};

static void
tpmkey_ctx_free(void *p)
{
    struct tpmkey_ctx *c = p;
    if (c == NULL) return;
    tpm_key_close(c->key);
    free(c);
}

/* ECDSA signs the leftmost field-size bytes of what it is given, and a
 * shorter value as the same integer: both become exactly a field-size
 * digest, the size of the hash the TPM signs with (P-256: SHA-256). */
static CK_RV
tpmkey_ecdsa(void *p, const uint8_t *tbs, size_t len, uint8_t *sig, size_t flen)
{
    struct tpmkey_ctx *c = p;
    uint8_t d[48] = {0};
    size_t siglen = 2 * flen;
    struct tpm *t;
    if (flen > sizeof d) return CKR_FUNCTION_FAILED;
    if (len >= flen)
        memcpy(d, tbs, flen);
    else
        memcpy(d + flen - len, tbs, len);
    CK_RV rv = tpm_use_begin(c->where, &t);
    if (rv == CKR_OK) {
        rv = tpm_key_ecdsa(t, c->key, d, flen, sig, &siglen);
        tpm_use_end(t, rv);
    }
    if (rv == CKR_OK && siglen != 2 * flen) rv = CKR_FUNCTION_FAILED;
    return tpmkey_rv(rv);
}

static CK_RV
tpmkey_hmac(void *p, size_t mdlen, const uint8_t *data, size_t len, uint8_t *mac)
{
    struct tpmkey_ctx *c = p;
    struct tpm *t;
    CK_RV rv = tpm_use_begin(c->where, &t);
    if (rv == CKR_OK) {
        rv = tpm_key_hmac(t, c->key, mdlen, data, len, mac);
        tpm_use_end(t, rv);
    }
    return tpmkey_rv(rv);
}

static CK_RV
tpmkey_rsa(void *p, enum mech_ext_rsa op, size_t hlen, const uint8_t *in, size_t len, uint8_t *out,
           size_t *outlen)
{
    static const enum tpm_rsa_kind kinds[] = {
        [MECH_EXT_RSA_RAW] = TPM_RSA_RAW,
        [MECH_EXT_RSA_PSS] = TPM_RSA_PSS,
        [MECH_EXT_RSA_PKCS1] = TPM_RSA_PKCS1,
        [MECH_EXT_RSA_OAEP] = TPM_RSA_OAEP,
    };
    struct tpmkey_ctx *c = p;
    struct tpm_rsa_op o = {.kind = kinds[op], .hlen = hlen};
    struct tpm *t;
    CK_RV rv = tpm_use_begin(c->where, &t);
    if (rv == CKR_OK) {
        rv = tpm_key_rsa(t, c->key, &o, in, len, out, outlen);
        tpm_use_end(t, rv);
    }
    /* A ciphertext whose padding does not check is the caller's. */
    return rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_DATA_LEN_RANGE ? rv : tpmkey_rv(rv);
}

static size_t
tpmkey_hmac_len(void *p)
{
    const struct tpmkey_ctx *c = p;
    return tpm_key_hmac_len(c->key);
}

static bool
tpmkey_ext_aws4(void *p)
{
    const struct tpmkey_ctx *c = p;
    return c->aws4;
}

static const struct mech_ext tpmkey_ext = {
    .ecdsa = tpmkey_ecdsa,
    .rsa = tpmkey_rsa,
    .hmac = tpmkey_hmac,
    .hmac_len = tpmkey_hmac_len,
    .aws4 = tpmkey_ext_aws4,
    .free = tpmkey_ctx_free,
};

CK_RV
tpmkey_mech_key(const struct tpm_where *w, const struct attr_set *attrs, struct mech_key **out)
{
    const struct attr *b = attr_set_find(attrs, CKA_CREDTOKEN_TPM_KEY);
    if (b == NULL) return CKR_FUNCTION_FAILED;
    struct tpmkey_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    c->where = w;
    c->aws4 = tpmkey_aws4(attrs);
    CK_RV rv = tpm_key_open(b->val, b->len, &c->key);
    if (rv != CKR_OK) {
        free(c);
        return rv == CKR_HOST_MEMORY ? rv : CKR_FUNCTION_FAILED;
    }
    return mech_key_new_ext(attrs, &tpmkey_ext, c, out);
}

/* ---- mechanisms ---- */

CK_RV
tpmkey_caps_inlock(struct library *lib, const struct tpm_caps **out)
{
    if (!lib->tpm_caps_ok) {
        struct tpm *t;
        CK_RV rv = tpm_use_begin(&lib->tpm_where, &t);
        if (rv == CKR_OK) {
            rv = tpm_caps_get(t, &lib->tpm_caps);
            tpm_use_end(t, rv);
        }
        if (rv != CKR_OK) return tpmkey_rv(rv);
        lib->tpm_caps_ok = true;
    }
    *out = &lib->tpm_caps;
    return CKR_OK;
}

/* The mechanisms of a TPM token: its key operations run in the TPM; the
 * digests need no key. need: what the TPM must have. */
enum tpmkey_need {
    NEED_NONE,
    NEED_EC,
    NEED_RSA,
    NEED_RSA_SHA1, /* RSA with a TPM hash: PSS and OAEP run it in the TPM */
    NEED_RSA_SHA256,
    NEED_RSA_SHA384,
    NEED_RSA_SHA512,
    NEED_HMAC_SHA1,
    NEED_HMAC_SHA256,
    NEED_HMAC_SHA384,
    NEED_HMAC_SHA512
};
static const struct {
    CK_MECHANISM_TYPE type;
    enum tpmkey_need need;
} tpmkey_mechs[] = {
    {CKM_SHA_1, NEED_NONE},
    {CKM_SHA224, NEED_NONE},
    {CKM_SHA256, NEED_NONE},
    {CKM_SHA384, NEED_NONE},
    {CKM_SHA512, NEED_NONE},
    {CKM_EC_KEY_PAIR_GEN, NEED_EC},
    {CKM_ECDSA, NEED_EC},
    {CKM_ECDSA_SHA1, NEED_EC},
    {CKM_ECDSA_SHA224, NEED_EC},
    {CKM_ECDSA_SHA256, NEED_EC},
    {CKM_ECDSA_SHA384, NEED_EC},
    {CKM_ECDSA_SHA512, NEED_EC},
    {CKM_RSA_PKCS_KEY_PAIR_GEN, NEED_RSA},
    {CKM_RSA_PKCS, NEED_RSA},
    {CKM_RSA_X_509, NEED_RSA},
    {CKM_SHA1_RSA_PKCS, NEED_RSA},
    {CKM_SHA224_RSA_PKCS, NEED_RSA},
    {CKM_SHA256_RSA_PKCS, NEED_RSA},
    {CKM_SHA384_RSA_PKCS, NEED_RSA},
    {CKM_SHA512_RSA_PKCS, NEED_RSA},
    {CKM_RSA_PKCS_PSS, NEED_RSA_SHA256},
    {CKM_SHA1_RSA_PKCS_PSS, NEED_RSA_SHA1},
    {CKM_SHA256_RSA_PKCS_PSS, NEED_RSA_SHA256},
    {CKM_SHA384_RSA_PKCS_PSS, NEED_RSA_SHA384},
    {CKM_SHA512_RSA_PKCS_PSS, NEED_RSA_SHA512},
    {CKM_RSA_PKCS_OAEP, NEED_RSA_SHA256},
    {CKM_GENERIC_SECRET_KEY_GEN, NEED_HMAC_SHA256},
    {CKM_SHA_1_HMAC, NEED_HMAC_SHA1},
    {CKM_SHA256_HMAC, NEED_HMAC_SHA256},
    {CKM_SHA384_HMAC, NEED_HMAC_SHA384},
    {CKM_SHA512_HMAC, NEED_HMAC_SHA512},
    {CKM_CREDTOKEN_AWS_SIGV4, NEED_HMAC_SHA256},
};

bool
tpmkey_mech(const struct tpm_caps *caps, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
    size_t i, n = sizeof tpmkey_mechs / sizeof tpmkey_mechs[0];
    for (i = 0; i < n; i++)
        if (tpmkey_mechs[i].type == type) break;
    const struct mech_desc *d = mech_find(type);
    if (i == n || d == NULL) return false;
    *info = d->info;
    /* A curve counts when the TPM also has the hash of its size, which
     * every signature on it is made with. */
    bool p256 = caps->ecc_p256 && caps->sha256, p384 = caps->ecc_p384 && caps->sha384;
    switch (tpmkey_mechs[i].need) {
    case NEED_NONE:
        return true;
    case NEED_EC:
        if (!p256 && !p384) return false;
        info->ulMinKeySize = p256 ? 256 : 384;
        info->ulMaxKeySize = p384 ? 384 : 256;
        break;
    case NEED_RSA:
    case NEED_RSA_SHA1:
    case NEED_RSA_SHA256:
    case NEED_RSA_SHA384:
    case NEED_RSA_SHA512: {
        bool hash[] = {true, caps->sha1, caps->sha256, caps->sha384, caps->sha512};
        if (!caps->rsa2048 || !hash[tpmkey_mechs[i].need - NEED_RSA]) return false;
        info->ulMinKeySize = 2048;
        info->ulMaxKeySize = caps->rsa3072 ? 3072 : 2048;
        /* A signature with recovery is a signature here: keep the flag; the
         * encryption and verification run on the public key. */
        break;
    }
    case NEED_HMAC_SHA1:
    case NEED_HMAC_SHA256:
    case NEED_HMAC_SHA384:
    case NEED_HMAC_SHA512: {
        bool hash[] = {caps->sha1, caps->sha256, caps->sha384, caps->sha512};
        if (!caps->hmac || !hash[tpmkey_mechs[i].need - NEED_HMAC_SHA1]) return false;
        bool gen = type == CKM_GENERIC_SECRET_KEY_GEN;
        info->ulMinKeySize = gen ? TPMKEY_SECRET_LEN : 1;
        info->ulMaxKeySize = gen                               ? TPMKEY_SECRET_LEN
                             : type == CKM_CREDTOKEN_AWS_SIGV4 ? TPM_HMAC_KEY_MAX - 4
                                                               : TPM_HMAC_KEY_MAX;
        break;
    }
    }
    info->flags |= CKF_HW;
    return true;
}
