/*
 * key.c: struct mech_key, the parsed and reference-counted form of a key
 * object, built once per login and shared by every operation on it.
 */
#include "mech/mech.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/log.h"
#include "util/wipe.h"

/* Signing contexts kept for reuse per key (mech_key_sign_ctx_take): threads
 * signing with one key each find one. (Slots on cache lines of their own,
 * each thread starting at its own, measured no faster.) */
#define MECH_KEY_SPARES 4

struct mech_key {
    atomic_ulong refs;
    _Atomic(EVP_PKEY_CTX *) spare[MECH_KEY_SPARES];
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE kt;
    CK_ULONG size;  /* bits for asymmetric keys, bytes for secret keys */
    EVP_PKEY *pkey; /* asymmetric keys */
    uint8_t *secret;
    size_t secret_len;
    const struct mech_ext *ext; /* private operations done elsewhere (a TPM), or NULL */
    void *ext_ctx;
};

bool
mech_secret_type(CK_KEY_TYPE kt)
{
    switch (kt) {
    case CKK_GENERIC_SECRET:
    case CKK_AES:
    case CKK_SHA_1_HMAC:
    case CKK_SHA224_HMAC:
    case CKK_SHA256_HMAC:
    case CKK_SHA384_HMAC:
    case CKK_SHA512_HMAC:
    case CKK_HKDF:
        return true;
    default:
        return false;
    }
}

static CK_RV
key_load_secret(const struct attr_set *attrs, struct mech_key *k)
{
    const struct attr *v = attr_set_find(attrs, CKA_VALUE);
    if (v == NULL || v->len == 0) return CKR_FUNCTION_FAILED;
    k->secret = malloc(v->len);
    if (k->secret == NULL) return CKR_HOST_MEMORY;
    memcpy(k->secret, v->val, v->len);
    k->secret_len = v->len;
    k->size = v->len;
    return CKR_OK;
}

static CK_RV
key_load(const struct attr_set *attrs, struct mech_key *k)
{
    bool asym = k->cls == CKO_PUBLIC_KEY || k->cls == CKO_PRIVATE_KEY;
    CK_RV rv;
    if (k->kt == CKK_EC && asym) {
        rv = ec_key_load(attrs, k->cls, &k->pkey, &k->size);
    } else if (k->kt == CKK_RSA && asym) {
        rv = rsa_key_load(attrs, k->cls, &k->pkey, &k->size);
    } else if (k->kt == CKK_EC_EDWARDS && asym) {
        rv = ed_key_load(attrs, k->cls, &k->pkey, &k->size);
    } else if (mech_secret_type(k->kt) && k->cls == CKO_SECRET_KEY) {
        rv = key_load_secret(attrs, k);
    } else {
        return CKR_KEY_TYPE_INCONSISTENT;
    }
    /* The material was validated when the object was created; anything
     * that no longer parses is a broken object, not the caller's mistake. */
    if (rv != CKR_OK && rv != CKR_HOST_MEMORY) {
        log_err("key object unusable: its material does not parse (0x%lx)", rv);
        rv = CKR_FUNCTION_FAILED;
    }
    return rv;
}

CK_RV
mech_key_new(const struct attr_set *attrs, struct mech_key **out)
{
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE kt;
    if (attr_set_get_ulong(attrs, CKA_CLASS, &cls) != CKR_OK ||
        attr_set_get_ulong(attrs, CKA_KEY_TYPE, &kt) != CKR_OK)
        return CKR_FUNCTION_FAILED;
    struct mech_key *k = calloc(1, sizeof *k);
    if (k == NULL) return CKR_HOST_MEMORY;
    atomic_init(&k->refs, 1);
    k->cls = cls;
    k->kt = kt;
    CK_RV rv = key_load(attrs, k);
    if (rv != CKR_OK) {
        mech_key_unref(k);
        return rv;
    }
    *out = k;
    return CKR_OK;
}

CK_RV
mech_key_new_ext(const struct attr_set *attrs, const struct mech_ext *ext, void *ctx,
                 struct mech_key **out)
{
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE kt;
    CK_ULONG len = 0;
    bool ec = false, rsa = false, secret = false;
    if (attr_set_get_ulong(attrs, CKA_CLASS, &cls) == CKR_OK &&
        attr_set_get_ulong(attrs, CKA_KEY_TYPE, &kt) == CKR_OK) {
        ec = cls == CKO_PRIVATE_KEY && kt == CKK_EC;
        rsa = cls == CKO_PRIVATE_KEY && kt == CKK_RSA;
        secret = cls == CKO_SECRET_KEY && kt != CKK_AES && kt != CKK_HKDF && mech_secret_type(kt) &&
                 attr_set_get_ulong(attrs, CKA_VALUE_LEN, &len) == CKR_OK;
    }
    struct mech_key *k = (ec || rsa || secret) ? calloc(1, sizeof *k) : NULL;
    if (k == NULL) {
        if (ext->free != NULL) ext->free(ctx);
        return ec || rsa || secret ? CKR_HOST_MEMORY : CKR_KEY_TYPE_INCONSISTENT;
    }
    atomic_init(&k->refs, 1);
    k->kt = kt;
    k->ext = ext;
    k->ext_ctx = ctx;
    CK_RV rv = CKR_OK;
    if (ec || rsa) {
        /* The public half is parsed from the private key object's public
         * attributes (CKA_EC_PARAMS and CKA_EC_POINT, or CKA_MODULUS and
         * CKA_PUBLIC_EXPONENT): public operations and sizes use it; the
         * private half stays with ext. */
        k->cls = CKO_PUBLIC_KEY;
        rv = key_load(attrs, k);
    } else {
        k->size = len;
    }
    k->cls = cls;
    if (rv != CKR_OK) {
        mech_key_unref(k);
        return rv;
    }
    *out = k;
    return CKR_OK;
}

const struct mech_ext *
mech_key_ext(const struct mech_key *k, void **ctx)
{
    *ctx = k->ext_ctx;
    return k->ext;
}

struct mech_key *
mech_key_ref(struct mech_key *k)
{
    /* Relaxed suffices: taking a reference publishes nothing. */
    atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
    return k;
}

void
mech_key_unref(struct mech_key *k)
{
    if (k == NULL) return;
    /* acq_rel: every thread's last use happens before the free. */
    if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < MECH_KEY_SPARES; i++)
        EVP_PKEY_CTX_free(atomic_load_explicit(&k->spare[i], memory_order_relaxed));
    EVP_PKEY_free(k->pkey);
    wipe_free(k->secret, k->secret_len);
    if (k->ext != NULL && k->ext->free != NULL) k->ext->free(k->ext_ctx);
    wipe(k, sizeof *k);
    free(k);
}

CK_KEY_TYPE
mech_key_type(const struct mech_key *k)
{
    return k->kt;
}

CK_OBJECT_CLASS
mech_key_class(const struct mech_key *k)
{
    return k->cls;
}

CK_ULONG
mech_key_size(const struct mech_key *k)
{
    return k->size;
}

EVP_PKEY *
mech_key_pkey(const struct mech_key *k)
{
    return k->pkey;
}

/* Lock-free: each slot is taken or filled by one atomic exchange, so a
 * context is never in two hands; acquire/release order its contents. */
EVP_PKEY_CTX *
mech_key_sign_ctx_take(struct mech_key *k)
{
    for (size_t i = 0; i < MECH_KEY_SPARES; i++) {
        if (atomic_load_explicit(&k->spare[i], memory_order_relaxed) == NULL) continue;
        EVP_PKEY_CTX *c = atomic_exchange_explicit(&k->spare[i], NULL, memory_order_acquire);
        if (c != NULL) return c;
    }
    return NULL;
}

void
mech_key_sign_ctx_give(struct mech_key *k, EVP_PKEY_CTX *c)
{
    for (size_t i = 0; c != NULL && i < MECH_KEY_SPARES; i++) {
        EVP_PKEY_CTX *none = NULL;
        if (atomic_compare_exchange_strong_explicit(&k->spare[i], &none, c, memory_order_release,
                                                    memory_order_relaxed))
            return;
    }
    EVP_PKEY_CTX_free(c);
}

const uint8_t *
mech_key_secret(const struct mech_key *k, size_t *len)
{
    *len = k->secret_len;
    return k->secret;
}

unsigned long
mech_key_refs(const struct mech_key *k)
{
    return atomic_load(&k->refs);
}

CK_RV
mech_key_put_spki(EVP_PKEY *pkey, struct attr_set *a)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pkey, &der);
    if (n <= 0) return ossl_fail("spki", CKR_FUNCTION_FAILED);
    CK_RV rv = attr_set_put(a, CKA_PUBLIC_KEY_INFO, der, (CK_ULONG)n);
    OPENSSL_free(der);
    return rv;
}

CK_RV
mech_key_put_bn(struct attr_set *a, CK_ATTRIBUTE_TYPE type, const BIGNUM *bn, size_t pad)
{
    size_t n = pad != 0 ? pad : (size_t)BN_num_bytes(bn);
    if (n == 0) n = 1; /* zero is one byte, never an empty value */
    if (n > INT_MAX) return CKR_FUNCTION_FAILED;
    uint8_t *buf = malloc(n);
    if (buf == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = CKR_FUNCTION_FAILED;
    if (BN_bn2binpad(bn, buf, (int)n) == (int)n) rv = attr_set_put(a, type, buf, n);
    wipe_free(buf, n);
    return rv;
}

EVP_PKEY_CTX *
mech_pkey_ctx_for(const char *alg)
{
    /* Name the key manager by its OID. A name OpenSSL maps to a NID ("EC",
     * "RSA") sends the context to any ENGINE the application set as default
     * for that key type (libp11 under `openssl -engine pkcs11`, mosquitto
     * --tls-engine), whose legacy methods cannot build or generate keys
     * from parameters. The OID has no NID mapping, so the provider in our
     * library context is used. */
    const char *by_oid = strcmp(alg, "EC") == 0        ? "1.2.840.10045.2.1"
                         : strcmp(alg, "RSA") == 0     ? "1.2.840.113549.1.1.1"
                         : strcmp(alg, "ED25519") == 0 ? "1.3.101.112"
                                                       : alg;
    return EVP_PKEY_CTX_new_from_name(ossl_libctx(), by_oid, NULL);
}

CK_RV
mech_key_fromdata(const char *alg, int selection, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
    CK_RV rv = CKR_HOST_MEMORY;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = mech_pkey_ctx_for(alg);
    EVP_PKEY *pkey = NULL;
    if (params == NULL || ctx == NULL) goto out;
    rv = CKR_ATTRIBUTE_VALUE_INVALID;
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
        goto out;
    *out = pkey;
    rv = CKR_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    /* Frees (and clears) the secure block that holds private BIGNUMs. */
    OSSL_PARAM_free(params);
    return rv == CKR_OK ? rv : ossl_fail(alg, rv);
}
