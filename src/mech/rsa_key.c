/*
 * rsa_key.c: RSA key material. Attributes to EVP_PKEY (mech_key_new),
 * validation and derived attributes (C_CreateObject), and key pair
 * generation (CKM_RSA_PKCS_KEY_PAIR_GEN).
 *
 * Private BIGNUMs live in BN_secure_new memory with BN_FLG_CONSTTIME and
 * are released with BN_clear_free.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "mech/family.h"
#include "mech/ossl.h"

/* Sizes accepted on import; generation insists on RSA_GEN_MIN. */
#define RSA_IMPORT_MIN 1024
#define RSA_GEN_MIN 2048
#define RSA_MAX_BITS 4096
/* OpenSSL refuses public exponents above 64 bits for large moduli. */
#define RSA_MAX_E_BYTES 8

static const struct {
    CK_ATTRIBUTE_TYPE type;
    const char *param;
} rsa_parts[] = {
    {CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N},
    {CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E},
    {CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D},
    {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},
    {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
    {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},
    {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
    {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
};
#define RSA_NPARTS (sizeof rsa_parts / sizeof rsa_parts[0])
#define RSA_NPUB 2  /* n, e */
#define RSA_NPRIV 3 /* n, e, d */
enum { RN, RE, RD, RP, RQ, RDP, RDQ, RQINV };

/* The parts of a key: RSA_NPUB, RSA_NPRIV or RSA_NPARTS of them. */
struct rsa_bns {
    BIGNUM *v[RSA_NPARTS];
    size_t count;
};

static void
rsa_bns_cleanup(struct rsa_bns *b)
{
    for (size_t i = 0; i < RSA_NPARTS; i++) {
        BN_clear_free(b->v[i]);
        b->v[i] = NULL;
    }
    b->count = 0;
}

static CK_RV
rsa_bn_from(const struct attr *at, bool secret, BIGNUM **out)
{
    if (at->len == 0 || at->len > RSA_MAX_BITS / 8 + 1) return CKR_ATTRIBUTE_VALUE_INVALID;
    BIGNUM *bn = secret ? BN_secure_new() : BN_new();
    if (bn == NULL) return CKR_HOST_MEMORY;
    if (secret) BN_set_flags(bn, BN_FLG_CONSTTIME);
    if (BN_bin2bn(at->val, (int)at->len, bn) == NULL) {
        BN_clear_free(bn);
        return ossl_fail("rsa bn", CKR_HOST_MEMORY);
    }
    *out = bn;
    return CKR_OK;
}

/* n and e for both classes, d for private keys, and the five CRT values
 * all or none (an empty value counts as absent). */
static CK_RV
rsa_bns_get(const struct attr_set *a, CK_OBJECT_CLASS cls, struct rsa_bns *b)
{
    size_t need = cls == CKO_PRIVATE_KEY ? RSA_NPRIV : RSA_NPUB, crt = 0;
    CK_RV rv = CKR_OK;
    memset(b, 0, sizeof *b);
    for (size_t i = RSA_NPRIV; cls == CKO_PRIVATE_KEY && i < RSA_NPARTS; i++) {
        const struct attr *at = attr_set_find(a, rsa_parts[i].type);
        if (at != NULL && at->len != 0) crt++;
    }
    if (crt != 0 && crt != RSA_NPARTS - RSA_NPRIV) return CKR_ATTRIBUTE_VALUE_INVALID;
    size_t count = crt != 0 ? RSA_NPARTS : need;
    for (size_t i = 0; i < count && rv == CKR_OK; i++) {
        const struct attr *at = attr_set_find(a, rsa_parts[i].type);
        rv = at == NULL ? CKR_TEMPLATE_INCOMPLETE : rsa_bn_from(at, i >= RSA_NPUB, &b->v[i]);
    }
    if (rv != CKR_OK) {
        rsa_bns_cleanup(b);
        return rv;
    }
    b->count = count;
    return CKR_OK;
}

/* count parts of b (RSA_NPUB for the public half only). */
static CK_RV
rsa_key_build(const struct rsa_bns *b, size_t count, EVP_PKEY **out)
{
    CK_RV rv = CKR_HOST_MEMORY;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld == NULL) goto out;
    for (size_t i = 0; i < count; i++)
        if (OSSL_PARAM_BLD_push_BN(bld, rsa_parts[i].param, b->v[i]) != 1) goto out;
    rv = mech_key_fromdata("RSA", count > RSA_NPUB ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, bld,
                           out);
out:
    OSSL_PARAM_BLD_free(bld);
    return rv;
}

CK_RV
rsa_key_load(const struct attr_set *a, CK_OBJECT_CLASS cls, EVP_PKEY **out, CK_ULONG *bits)
{
    struct rsa_bns b;
    CK_RV rv = rsa_bns_get(a, cls, &b);
    if (rv != CKR_OK) return rv;
    rv = rsa_key_build(&b, b.count, out);
    if (rv == CKR_OK) *bits = (CK_ULONG)EVP_PKEY_get_bits(*out);
    rsa_bns_cleanup(&b);
    return rv;
}

static bool
rsa_check_public(const BIGNUM *n, const BIGNUM *e)
{
    int bits = BN_num_bits(n);
    return bits >= RSA_IMPORT_MIN && bits <= RSA_MAX_BITS && BN_is_odd(n) && BN_is_odd(e) &&
           !BN_is_one(e) && BN_num_bytes(e) <= RSA_MAX_E_BYTES;
}

/* d inverts e: (x^e)^d == x (mod n) for a random x. One exponentiation
 * catches any d that does not belong to (n, e). */
static bool
rsa_check_private(const struct rsa_bns *b, BN_CTX *ctx)
{
    const BIGNUM *n = b->v[RN], *e = b->v[RE], *d = b->v[RD];
    if (BN_is_zero(d) || BN_cmp(d, n) >= 0) return false;
    BN_CTX_start(ctx);
    BIGNUM *x = BN_CTX_get(ctx), *c = BN_CTX_get(ctx), *y = BN_CTX_get(ctx);
    bool ok = y != NULL && BN_rand_range_ex(x, n, 0, ctx) == 1 &&
              BN_mod_exp(c, x, e, n, ctx) == 1 &&
              BN_mod_exp_mont_consttime(y, c, d, n, ctx, NULL) == 1 && BN_cmp(x, y) == 0;
    BN_CTX_end(ctx);
    return ok;
}

/* p q = n, dP = d mod (p-1), dQ = d mod (q-1), qInv q = 1 (mod p)
 * (RFC 8017 §3.2). Cheap, unlike a primality test. */
static bool
rsa_check_crt(const struct rsa_bns *b, BN_CTX *ctx)
{
    BIGNUM *const *v = b->v;
    BN_CTX_start(ctx);
    BIGNUM *t = BN_CTX_get(ctx), *pm1 = BN_CTX_get(ctx), *qm1 = BN_CTX_get(ctx);
    bool ok = qm1 != NULL && BN_mul(t, v[RP], v[RQ], ctx) == 1 && BN_cmp(t, v[RN]) == 0 &&
              BN_sub(pm1, v[RP], BN_value_one()) == 1 && BN_sub(qm1, v[RQ], BN_value_one()) == 1 &&
              BN_mod(t, v[RD], pm1, ctx) == 1 && BN_cmp(t, v[RDP]) == 0 &&
              BN_mod(t, v[RD], qm1, ctx) == 1 && BN_cmp(t, v[RDQ]) == 0 &&
              BN_mod_mul(t, v[RQINV], v[RQ], v[RP], ctx) == 1 && BN_is_one(t);
    BN_CTX_end(ctx);
    return ok;
}

static CK_RV
rsa_check(const struct rsa_bns *b)
{
    if (!rsa_check_public(b->v[RN], b->v[RE])) return CKR_ATTRIBUTE_VALUE_INVALID;
    if (b->count == RSA_NPUB) return CKR_OK;
    BN_CTX *ctx = BN_CTX_secure_new_ex(ossl_libctx());
    if (ctx == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = CKR_OK;
    if (!rsa_check_private(b, ctx) || (b->count == RSA_NPARTS && !rsa_check_crt(b, ctx)))
        rv = ossl_fail("rsa key check", CKR_ATTRIBUTE_VALUE_INVALID);
    BN_CTX_free(ctx);
    return rv;
}

CK_RV
rsa_key_complete(CK_OBJECT_CLASS cls, struct attr_set *a)
{
    struct rsa_bns b;
    EVP_PKEY *pub = NULL;
    CK_RV rv = rsa_bns_get(a, cls, &b);
    if (rv != CKR_OK) return rv;
    rv = rsa_check(&b);
    if (rv == CKR_OK && cls == CKO_PUBLIC_KEY)
        rv = attr_set_put_ulong(a, CKA_MODULUS_BITS, (CK_ULONG)BN_num_bits(b.v[RN]));
    /* CKA_PUBLIC_KEY_INFO needs only the public half. */
    if (rv == CKR_OK) rv = rsa_key_build(&b, RSA_NPUB, &pub);
    if (rv == CKR_OK) rv = mech_key_put_spki(pub, a);
    EVP_PKEY_free(pub);
    rsa_bns_cleanup(&b);
    return rv;
}

/* CKA_PUBLIC_EXPONENT of the public template, or 65537. Odd and above 1. */
static CK_RV
rsa_gen_exponent(const struct attr_set *pub, BIGNUM **e)
{
    const struct attr *at = attr_set_find(pub, CKA_PUBLIC_EXPONENT);
    *e = BN_new();
    if (*e == NULL) return CKR_HOST_MEMORY;
    if (at == NULL) return BN_set_word(*e, RSA_F4) == 1 ? CKR_OK : CKR_HOST_MEMORY;
    if (at->len == 0 || at->len > RSA_MAX_E_BYTES) return CKR_ATTRIBUTE_VALUE_INVALID;
    if (BN_bin2bn(at->val, (int)at->len, *e) == NULL) return CKR_HOST_MEMORY;
    if (!BN_is_odd(*e) || BN_is_one(*e)) return CKR_ATTRIBUTE_VALUE_INVALID;
    return CKR_OK;
}

static CK_RV
rsa_gen_pkey(CK_ULONG bits, BIGNUM *e, EVP_PKEY **out)
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_PKEY_CTX *ctx = mech_pkey_ctx_for("RSA");
    if (ctx == NULL) return ossl_fail("rsa keygen", CKR_HOST_MEMORY);
    if (EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) == 1 &&
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) == 1 && EVP_PKEY_generate(ctx, out) == 1)
        rv = CKR_OK;
    EVP_PKEY_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail("rsa keygen", rv);
}

CK_RV
rsa_key_export(EVP_PKEY *pkey, struct attr_set *pub, struct attr_set *priv, CK_RV missing)
{
    CK_RV rv = CKR_OK;
    for (size_t i = 0; i < RSA_NPARTS && rv == CKR_OK; i++) {
        BIGNUM *bn = BN_secure_new();
        if (bn == NULL) return CKR_HOST_MEMORY;
        rv = missing;
        if (EVP_PKEY_get_bn_param(pkey, rsa_parts[i].param, &bn) == 1)
            rv = mech_key_put_bn(priv, rsa_parts[i].type, bn, 0);
        if (rv == CKR_OK && pub != NULL && i < RSA_NPUB)
            rv = mech_key_put_bn(pub, rsa_parts[i].type, bn, 0);
        BN_clear_free(bn);
    }
    return rv;
}

CK_RV
rsa_key_generate(struct attr_set *pub, struct attr_set *priv)
{
    CK_ULONG bits;
    BIGNUM *e = NULL;
    EVP_PKEY *pkey = NULL;
    CK_RV rv = attr_set_get_ulong(pub, CKA_MODULUS_BITS, &bits);
    if (rv != CKR_OK) return rv;
    if (bits < RSA_GEN_MIN || bits > RSA_MAX_BITS) return CKR_KEY_SIZE_RANGE;
    rv = rsa_gen_exponent(pub, &e);
    if (rv == CKR_OK) rv = rsa_gen_pkey(bits, e, &pkey);
    if (rv == CKR_OK) rv = rsa_key_export(pkey, pub, priv, CKR_FUNCTION_FAILED);
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, pub);
    if (rv == CKR_OK) rv = mech_key_put_spki(pkey, priv);
    BN_free(e);
    EVP_PKEY_free(pkey);
    return rv == CKR_FUNCTION_FAILED ? ossl_fail("rsa keygen", rv) : rv;
}
