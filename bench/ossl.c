/*
 * ossl.c: the raw OpenSSL target, signature verification, and the figures'
 * inputs.
 *
 * The raw target does the work one signature needs when an application
 * calls OpenSSL itself: a key parsed once, then a fresh EVP_PKEY_CTX,
 * EVP_MD_CTX or EVP_MAC_CTX per signature. It runs on OpenSSL's default
 * library context.
 */
#include "bench.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

const uint8_t bench_hmac_key[32] = {
    0x62, 0x65, 0x6e, 0x63, 0x68, 0x2d, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30,
    0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x21};
const uint8_t bench_msg[32] = "credtoken benchmark: 32-byte msg";

static uint8_t msg_hash[32];
/* DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1), then the hash. */
static uint8_t digest_info[19 + 32] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static char sha256_name[] = "SHA256";

static struct alg_desc algs[ALG_N] = {
    [ALG_ECDSA] = {"CKM_ECDSA P-256 (pre-hashed)", CKM_ECDSA, KEY_EC, msg_hash, 32},
    [ALG_ECDSA_SHA256] = {"CKM_ECDSA_SHA256 P-256", CKM_ECDSA_SHA256, KEY_EC, bench_msg, 32},
    [ALG_RSA_PKCS] = {"CKM_RSA_PKCS 2048 (DigestInfo)", CKM_RSA_PKCS, KEY_RSA, digest_info, 51},
    [ALG_SHA256_RSA] = {"CKM_SHA256_RSA_PKCS 2048", CKM_SHA256_RSA_PKCS, KEY_RSA, bench_msg, 32},
    [ALG_HMAC] = {"CKM_SHA256_HMAC", CKM_SHA256_HMAC, KEY_HMAC, bench_msg, 32},
    [ALG_EDDSA] = {"CKM_EDDSA Ed25519", CKM_EDDSA, KEY_ED, bench_msg, 32},
};

void
alg_init(void)
{
    unsigned int len = 0;
    EVP_Digest(bench_msg, sizeof bench_msg, msg_hash, &len, EVP_sha256(), NULL);
    memcpy(digest_info + 19, msg_hash, 32);
}

const struct alg_desc *
alg_get(enum alg a)
{
    return &algs[a];
}

/* A key as an application has it: parsed once from its DER encoding. */
static EVP_PKEY *
reparse(EVP_PKEY *gen)
{
    EVP_PKEY *out = NULL;
    unsigned char *der = NULL;
    int n = gen ? i2d_PrivateKey(gen, &der) : -1;
    if (n > 0) {
        const unsigned char *p = der;
        out = d2i_AutoPrivateKey(NULL, &p, n);
    }
    OPENSSL_clear_free(der, n > 0 ? (size_t)n : 0);
    EVP_PKEY_free(gen);
    return out;
}

bool
okeys_init(struct okeys *k)
{
    memset(k, 0, sizeof *k);
    k->pkey[KEY_EC] = reparse(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    k->pkey[KEY_RSA] = reparse(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
    k->pkey[KEY_ED] = reparse(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
    k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    return k->pkey[KEY_EC] && k->pkey[KEY_RSA] && k->pkey[KEY_ED] && k->mac;
}

void
okeys_free(struct okeys *k)
{
    for (int i = 0; i < KEY_N; i++)
        EVP_PKEY_free(k->pkey[i]);
    EVP_MAC_free(k->mac);
    memset(k, 0, sizeof *k);
}

/* CKM_ECDSA and CKM_RSA_PKCS: sign the given bytes as they are. */
static bool
pkey_sign(EVP_PKEY *pkey, bool rsa, const struct alg_desc *d, uint8_t *sig, size_t *siglen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = c != NULL && EVP_PKEY_sign_init(c) > 0 &&
              (!rsa || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0) &&
              EVP_PKEY_sign(c, sig, siglen, d->in, d->inlen) > 0;
    EVP_PKEY_CTX_free(c);
    return ok;
}

EVP_PKEY_CTX *
ossl_ceiling_ctx(const struct okeys *k, enum alg a)
{
    if (a != ALG_ECDSA && a != ALG_RSA_PKCS) return NULL;
    EVP_PKEY *own = EVP_PKEY_dup(k->pkey[algs[a].key]);
    EVP_PKEY_CTX *c = own != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL) : NULL;
    EVP_PKEY_free(own); /* the context holds its own reference */
    if (c == NULL || EVP_PKEY_sign_init(c) <= 0 ||
        (a == ALG_RSA_PKCS && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) <= 0)) {
        EVP_PKEY_CTX_free(c);
        return NULL;
    }
    return c;
}

bool
ossl_ceiling_sign(EVP_PKEY_CTX *c, enum alg a, uint8_t *sig, size_t *siglen)
{
    return EVP_PKEY_sign(c, sig, siglen, algs[a].in, algs[a].inlen) > 0;
}

/* Hash-and-sign, or Ed25519 (md NULL). */
static bool
digest_sign(EVP_PKEY *pkey, const char *md, const struct alg_desc *d, uint8_t *sig, size_t *siglen)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c != NULL && EVP_DigestSignInit_ex(c, NULL, md, NULL, NULL, pkey, NULL) > 0 &&
              EVP_DigestSign(c, sig, siglen, d->in, d->inlen) > 0;
    EVP_MD_CTX_free(c);
    return ok;
}

static bool
mac_sign(EVP_MAC *mac, const struct alg_desc *d, uint8_t *sig, size_t *siglen)
{
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256_name, 0),
                      OSSL_PARAM_construct_end()};
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
    bool ok = c != NULL && EVP_MAC_init(c, bench_hmac_key, sizeof bench_hmac_key, p) &&
              EVP_MAC_update(c, d->in, d->inlen) && EVP_MAC_final(c, sig, siglen, *siglen);
    EVP_MAC_CTX_free(c);
    return ok;
}

bool
ossl_sign(const struct okeys *k, enum alg a, uint8_t *sig, size_t *siglen)
{
    const struct alg_desc *d = &algs[a];
    switch (a) {
    case ALG_ECDSA:
    case ALG_RSA_PKCS:
        return pkey_sign(k->pkey[d->key], a == ALG_RSA_PKCS, d, sig, siglen);
    case ALG_ECDSA_SHA256:
    case ALG_SHA256_RSA:
        return digest_sign(k->pkey[d->key], sha256_name, d, sig, siglen);
    case ALG_EDDSA:
        return digest_sign(k->pkey[d->key], NULL, d, sig, siglen);
    case ALG_HMAC:
        return mac_sign(k->mac, d, sig, siglen);
    case ALG_N:
        break;
    }
    return false;
}

/* PKCS#11 ECDSA signatures are r||s; OpenSSL verifies DER. */
static int
raw_to_der(const uint8_t *sig, size_t len, uint8_t *der, size_t derlen)
{
    if (len != 64) return -1;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    int n = -1;
    if (es != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        if (i2d_ECDSA_SIG(es, NULL) <= (int)derlen) {
            unsigned char *p = der;
            n = i2d_ECDSA_SIG(es, &p);
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return n;
}

static bool
verify_hmac(const struct alg_desc *d, const uint8_t *sig, size_t siglen)
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (EVP_Q_mac(NULL, "HMAC", NULL, sha256_name, NULL, bench_hmac_key, sizeof bench_hmac_key,
                  d->in, d->inlen, mac, sizeof mac, &len) == NULL)
        return false;
    return len == siglen && CRYPTO_memcmp(mac, sig, len) == 0;
}

bool
ossl_verify(EVP_PKEY *pub, enum alg a, const uint8_t *sig, size_t siglen, bool raw)
{
    const struct alg_desc *d = &algs[a];
    if (a == ALG_HMAC) return verify_hmac(d, sig, siglen);
    if (pub == NULL) return false;
    uint8_t der[80];
    if (raw && (a == ALG_ECDSA || a == ALG_ECDSA_SHA256)) {
        int n = raw_to_der(sig, siglen, der, sizeof der);
        if (n <= 0) return false;
        sig = der;
        siglen = (size_t)n;
    }
    bool ok = false;
    if (a == ALG_ECDSA || a == ALG_RSA_PKCS) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
        ok = c != NULL && EVP_PKEY_verify_init(c) > 0 &&
             (a != ALG_RSA_PKCS || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0) &&
             EVP_PKEY_verify(c, sig, siglen, d->in, d->inlen) == 1;
        EVP_PKEY_CTX_free(c);
    } else {
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        const char *md = a == ALG_EDDSA ? NULL : sha256_name;
        ok = c != NULL && EVP_DigestVerifyInit_ex(c, NULL, md, NULL, NULL, pub, NULL) > 0 &&
             EVP_DigestVerify(c, sig, siglen, d->in, d->inlen) == 1;
        EVP_MD_CTX_free(c);
    }
    return ok;
}

/* CKA_EC_POINT is a DER OCTET STRING; some modules give the bare point. */
static const uint8_t *
unwrap_point(const uint8_t *p, size_t *len, size_t want)
{
    if (*len == want + 2 && p[0] == 0x04 && p[1] == want) {
        *len = want;
        return p + 2;
    }
    return p;
}

EVP_PKEY *
ossl_ec_pub(const uint8_t *point, size_t len)
{
    point = unwrap_point(point, &len, 65);
    uint8_t buf[65];
    if (len != sizeof buf) return NULL;
    memcpy(buf, point, len);
    char group[] = "prime256v1";
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, buf, len),
                      OSSL_PARAM_construct_end()};
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (c == NULL || EVP_PKEY_fromdata_init(c) <= 0 ||
        EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(c);
    return pk;
}

EVP_PKEY *
ossl_ed_pub(const uint8_t *point, size_t len)
{
    point = unwrap_point(point, &len, 32);
    if (len != 32) return NULL;
    return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, point, len);
}

EVP_PKEY *
ossl_rsa_pub(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen)
{
    EVP_PKEY *pk = NULL;
    BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *p = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (bn != NULL && be != NULL && bld != NULL && c != NULL &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
        (p = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(c) > 0 &&
        EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
        pk = NULL;
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(c);
    BN_free(bn);
    BN_free(be);
    return pk;
}
