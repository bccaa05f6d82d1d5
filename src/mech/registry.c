/*
 * registry.c: the mechanism table, the algorithm objects fetched once, and
 * the mech_op dispatchers in front of every family.
 */
#include "mech/mech.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "mech/family.h"
#include "mech/ossl.h"
#include "util/log.h"

/* clang-format off */
#define NO_KEY CKK_VENDOR_DEFINED
#define KEYS0 {NO_KEY, NO_KEY, NO_KEY}
#define KEYS1(a) {(a), NO_KEY, NO_KEY}
#define KEYS_HMAC(a) {CKK_GENERIC_SECRET, (a), NO_KEY}
#define KEYS_HKDF {CKK_GENERIC_SECRET, CKK_HKDF, NO_KEY}
#define SV (CKF_SIGN | CKF_VERIFY)
#define ED (CKF_ENCRYPT | CKF_DECRYPT)
#define SVR (CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER)
#define WU (CKF_WRAP | CKF_UNWRAP)
/* PKCS#11 3.0 current mechanisms §2.3; CKF_EC_OID is the 2.40 bit
 * CKF_EC_NAMEDCURVE. */
#ifndef CKF_EC_CURVENAME
#define CKF_EC_CURVENAME 0x04000000UL
#endif
#define EC_F (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
/* Edwards public keys are one compressed coordinate; CKA_EC_PARAMS may
 * name the curve by OID or by name. */
#define ED_F (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_CURVENAME | CKF_EC_COMPRESS)
/* Operations accept RSA keys from 1024 bits so that imported legacy keys
 * still verify and decrypt; generation insists on 2048 (see the table). */
#define RSA_MIN 1024
#define RSA_MAX 4096
#define RSA_INFO(flags) {RSA_MIN, RSA_MAX, (flags)}
#define EC_INFO(flags) {256, 384, (flags) | EC_F}
/* The field size of edwards25519, as §2.3 counts EdDSA key sizes. */
#define EDDSA_INFO(flags) {ED25519_BITS, ED25519_BITS, (flags) | ED_F}
#define AES_INFO(flags) {16, 32, (flags)}
#define HMAC_INFO {MECH_SECRET_MIN, MECH_SECRET_MAX, SV}
#define DIGEST_INFO {0, 0, CKF_DIGEST}
#define SECRET_GEN_INFO {MECH_SECRET_MIN, MECH_SECRET_MAX, CKF_GENERATE}
#define HKDF_INFO {MECH_SECRET_MIN, MECH_SECRET_MAX, CKF_DERIVE}
/* clang-format on */

/* Sorted by type: mech_find() bisects it, and the unit test checks it. */
static const struct mech_desc registry_table[] = {
    {CKM_RSA_PKCS_KEY_PAIR_GEN, {2048, RSA_MAX, CKF_GENERATE_KEY_PAIR}, KEYS1(CKK_RSA), NULL},
    {CKM_RSA_PKCS, RSA_INFO(SV | ED | SVR | WU), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_RSA_X_509, RSA_INFO(SV | ED | SVR), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA1_RSA_PKCS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_RSA_PKCS_OAEP, RSA_INFO(ED | WU), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_RSA_PKCS_PSS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA1_RSA_PKCS_PSS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA256_RSA_PKCS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA384_RSA_PKCS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA512_RSA_PKCS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA256_RSA_PKCS_PSS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA384_RSA_PKCS_PSS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA512_RSA_PKCS_PSS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA224_RSA_PKCS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA224_RSA_PKCS_PSS, RSA_INFO(SV), KEYS1(CKK_RSA), &rsa_ops},
    {CKM_SHA_1, DIGEST_INFO, KEYS0, &digest_ops},
    {CKM_SHA_1_HMAC, HMAC_INFO, KEYS_HMAC(CKK_SHA_1_HMAC), &hmac_ops},
    {CKM_SHA256, DIGEST_INFO, KEYS0, &digest_ops},
    {CKM_SHA256_HMAC, HMAC_INFO, KEYS_HMAC(CKK_SHA256_HMAC), &hmac_ops},
    {CKM_SHA224, DIGEST_INFO, KEYS0, &digest_ops},
    {CKM_SHA224_HMAC, HMAC_INFO, KEYS_HMAC(CKK_SHA224_HMAC), &hmac_ops},
    {CKM_SHA384, DIGEST_INFO, KEYS0, &digest_ops},
    {CKM_SHA384_HMAC, HMAC_INFO, KEYS_HMAC(CKK_SHA384_HMAC), &hmac_ops},
    {CKM_SHA512, DIGEST_INFO, KEYS0, &digest_ops},
    {CKM_SHA512_HMAC, HMAC_INFO, KEYS_HMAC(CKK_SHA512_HMAC), &hmac_ops},
    {CKM_GENERIC_SECRET_KEY_GEN, SECRET_GEN_INFO, KEYS1(CKK_GENERIC_SECRET), NULL},
    {CKM_EC_KEY_PAIR_GEN, EC_INFO(CKF_GENERATE_KEY_PAIR), KEYS1(CKK_EC), NULL},
    {CKM_ECDSA, EC_INFO(SV), KEYS1(CKK_EC), &ec_ecdsa_ops},
    {CKM_ECDSA_SHA1, EC_INFO(SV), KEYS1(CKK_EC), &ec_ecdsa_ops},
    {CKM_ECDSA_SHA224, EC_INFO(SV), KEYS1(CKK_EC), &ec_ecdsa_ops},
    {CKM_ECDSA_SHA256, EC_INFO(SV), KEYS1(CKK_EC), &ec_ecdsa_ops},
    {CKM_ECDSA_SHA384, EC_INFO(SV), KEYS1(CKK_EC), &ec_ecdsa_ops},
    {CKM_ECDSA_SHA512, EC_INFO(SV), KEYS1(CKK_EC), &ec_ecdsa_ops},
    {CKM_ECDH1_DERIVE, EC_INFO(CKF_DERIVE), KEYS1(CKK_EC), NULL},
    {CKM_EC_EDWARDS_KEY_PAIR_GEN, EDDSA_INFO(CKF_GENERATE_KEY_PAIR), KEYS1(CKK_EC_EDWARDS), NULL},
    {CKM_EDDSA, EDDSA_INFO(SV), KEYS1(CKK_EC_EDWARDS), &eddsa_ops},
    {CKM_AES_KEY_GEN, {16, 32, CKF_GENERATE}, KEYS1(CKK_AES), NULL},
    {CKM_AES_ECB, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_block_ops},
    {CKM_AES_CBC, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_block_ops},
    {CKM_AES_CBC_PAD, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_block_ops},
    {CKM_AES_CTR, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_block_ops},
    {CKM_AES_GCM, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_gcm_ops},
    {CKM_AES_CMAC, AES_INFO(SV), KEYS1(CKK_AES), &cmac_ops},
    {CKM_AES_CMAC_GENERAL, AES_INFO(SV), KEYS1(CKK_AES), &cmac_ops},
    {CKM_AES_KEY_WRAP, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_kw_ops},
    {CKM_AES_KEY_WRAP_PAD, AES_INFO(ED | WU), KEYS1(CKK_AES), &aes_kw_ops},
    {CKM_HKDF_DERIVE, HKDF_INFO, KEYS_HKDF, NULL},
    {CKM_HKDF_DATA, HKDF_INFO, KEYS_HKDF, NULL},
    /* Vendor-defined mechanisms sort last. */
    {CKM_CREDTOKEN_AWS_SIGV4, HMAC_INFO, KEYS1(CKK_GENERIC_SECRET), &aws_sigv4_ops},
};

#define REGISTRY_N (sizeof registry_table / sizeof registry_table[0])

/* ---- algorithm objects, fetched once ---- */

static const struct {
    CK_MECHANISM_TYPE hash;
    const char *name;
} registry_md_names[] = {
    {CKM_SHA_1, "SHA1"},    {CKM_SHA224, "SHA224"}, {CKM_SHA256, "SHA256"},
    {CKM_SHA384, "SHA384"}, {CKM_SHA512, "SHA512"},
};
#define REGISTRY_NMD (sizeof registry_md_names / sizeof registry_md_names[0])

/* Mode suffixes in enum registry_aes order; 128/192/256 are prefixed. */
static const char *const registry_aes_modes[REG_AES_NMODES] = {"ECB", "CBC",  "CTR",
                                                               "GCM", "WRAP", "WRAP-PAD"};
#define REGISTRY_NAES_KEYS 3

static EVP_MD *registry_mds[REGISTRY_NMD];
static EVP_CIPHER *registry_ciphers[REG_AES_NMODES][REGISTRY_NAES_KEYS];
static EVP_MAC *registry_mac, *registry_mac_cmac;
static EVP_KDF *registry_kdf_hkdf, *registry_kdf_x963;

static CK_RV
registry_fetch_aes(OSSL_LIB_CTX *ctx)
{
    static const int bits[REGISTRY_NAES_KEYS] = {128, 192, 256};
    char name[32];
    for (size_t m = 0; m < REG_AES_NMODES; m++) {
        for (size_t k = 0; k < REGISTRY_NAES_KEYS; k++) {
            snprintf(name, sizeof name, "AES-%d-%s", bits[k], registry_aes_modes[m]);
            registry_ciphers[m][k] = EVP_CIPHER_fetch(ctx, name, NULL);
            if (registry_ciphers[m][k] == NULL) return CKR_GENERAL_ERROR;
        }
    }
    return CKR_OK;
}

CK_RV
mech_init(void)
{
    OSSL_LIB_CTX *ctx = ossl_libctx();
    if (ctx == NULL) return CKR_GENERAL_ERROR;
    if (registry_kdf_x963 != NULL) return CKR_OK;
    /* Fetching walks the provider store under a lock: doing it once here
     * keeps it off every operation's path. */
    for (size_t i = 0; i < REGISTRY_NMD; i++) {
        registry_mds[i] = EVP_MD_fetch(ctx, registry_md_names[i].name, NULL);
        if (registry_mds[i] == NULL) goto fail;
    }
    if (registry_fetch_aes(ctx) != CKR_OK) goto fail;
    registry_mac = EVP_MAC_fetch(ctx, "HMAC", NULL);
    registry_mac_cmac = EVP_MAC_fetch(ctx, "CMAC", NULL);
    registry_kdf_hkdf = EVP_KDF_fetch(ctx, "HKDF", NULL);
    registry_kdf_x963 = EVP_KDF_fetch(ctx, "X963KDF", NULL);
    if (registry_mac == NULL || registry_mac_cmac == NULL || registry_kdf_hkdf == NULL ||
        registry_kdf_x963 == NULL)
        goto fail;
    return CKR_OK;
fail:
    mech_cleanup();
    log_err("mechanism algorithms unavailable in the private OpenSSL context");
    return ossl_fail("mech_init", CKR_GENERAL_ERROR);
}

void
mech_cleanup(void)
{
    for (size_t i = 0; i < REGISTRY_NMD; i++) {
        EVP_MD_free(registry_mds[i]);
        registry_mds[i] = NULL;
    }
    for (size_t m = 0; m < REG_AES_NMODES; m++) {
        for (size_t k = 0; k < REGISTRY_NAES_KEYS; k++) {
            EVP_CIPHER_free(registry_ciphers[m][k]);
            registry_ciphers[m][k] = NULL;
        }
    }
    EVP_MAC_free(registry_mac);
    EVP_MAC_free(registry_mac_cmac);
    EVP_KDF_free(registry_kdf_hkdf);
    EVP_KDF_free(registry_kdf_x963);
    registry_mac = registry_mac_cmac = NULL;
    registry_kdf_hkdf = registry_kdf_x963 = NULL;
}

const EVP_MD *
registry_md(CK_MECHANISM_TYPE hash)
{
    for (size_t i = 0; i < REGISTRY_NMD; i++)
        if (registry_md_names[i].hash == hash) return registry_mds[i];
    return NULL;
}

EVP_MAC *
registry_hmac(void)
{
    return registry_mac;
}

EVP_MAC *
registry_cmac(void)
{
    return registry_mac_cmac;
}

EVP_KDF *
registry_hkdf(void)
{
    return registry_kdf_hkdf;
}

EVP_KDF *
registry_x963(void)
{
    return registry_kdf_x963;
}

const EVP_CIPHER *
registry_aes(enum registry_aes mode, size_t key_len)
{
    if ((unsigned)mode >= REG_AES_NMODES) return NULL;
    switch (key_len) {
    case 16:
        return registry_ciphers[mode][0];
    case 24:
        return registry_ciphers[mode][1];
    case 32:
        return registry_ciphers[mode][2];
    default:
        return NULL;
    }
}

CK_RV
registry_param_none(const CK_MECHANISM *m)
{
    if (m == NULL) return CKR_OK;
    if (m->pParameter != NULL || m->ulParameterLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    return CKR_OK;
}

/* ---- the table ---- */

size_t
mech_count(void)
{
    return REGISTRY_N;
}

const struct mech_desc *
mech_at(size_t i)
{
    return i < REGISTRY_N ? &registry_table[i] : NULL;
}

static int
registry_cmp(const void *key, const void *elem)
{
    CK_MECHANISM_TYPE t = *(const CK_MECHANISM_TYPE *)key;
    const struct mech_desc *d = elem;
    return t < d->type ? -1 : t > d->type ? 1 : 0;
}

const struct mech_desc *
mech_find(CK_MECHANISM_TYPE type)
{
    return bsearch(&type, registry_table, REGISTRY_N, sizeof registry_table[0], registry_cmp);
}

bool
mech_key_type_ok(const struct mech_desc *d, CK_KEY_TYPE kt)
{
    if (d == NULL || kt == NO_KEY) return false;
    for (size_t i = 0; i < sizeof d->key_types / sizeof d->key_types[0]; i++)
        if (d->key_types[i] == kt) return true;
    return false;
}

CK_FLAGS
mech_fn_flag(enum mech_fn fn)
{
    switch (fn) {
    case MECH_SIGN:
        return CKF_SIGN;
    case MECH_VERIFY:
        return CKF_VERIFY;
    case MECH_ENCRYPT:
        return CKF_ENCRYPT;
    case MECH_DECRYPT:
        return CKF_DECRYPT;
    case MECH_DIGEST:
        return CKF_DIGEST;
    case MECH_SIGN_RECOVER:
        return CKF_SIGN_RECOVER;
    case MECH_VERIFY_RECOVER:
        return CKF_VERIFY_RECOVER;
    }
    return 0;
}

/* ---- operations ---- */

struct mech_op {
    const struct mech_desc *desc;
    enum mech_fn fn;
    const struct mech_ops *ops;
    void *state;
    struct mech_key *key; /* our reference; NULL for digests */
    bool multi;           /* an update happened: one-shot calls are over */
    bool done;            /* output was produced (or refused): no copies */
};

/* The key must suit the mechanism (type) and the function (class): sign,
 * sign-recover and decrypt need the private half; verify, verify-recover
 * and encrypt accept either half, because a private EVP_PKEY carries its
 * public part. */
static CK_RV
registry_check_key(const struct mech_desc *d, enum mech_fn fn, const struct mech_key *key)
{
    bool keyless = d->key_types[0] == NO_KEY;
    if (keyless) return key == NULL ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
    if (key == NULL || !mech_key_type_ok(d, mech_key_type(key))) return CKR_KEY_TYPE_INCONSISTENT;
    CK_OBJECT_CLASS cls = mech_key_class(key);
    if (cls == CKO_SECRET_KEY)
        return mech_key_pkey(key) == NULL ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
    if (cls == CKO_PRIVATE_KEY) return CKR_OK;
    if (cls == CKO_PUBLIC_KEY &&
        (fn == MECH_VERIFY || fn == MECH_VERIFY_RECOVER || fn == MECH_ENCRYPT))
        return CKR_OK;
    return CKR_KEY_TYPE_INCONSISTENT;
}

CK_RV
mech_op_new(const struct mech_desc *d, enum mech_fn fn, const CK_MECHANISM *m, struct mech_key *key,
            struct mech_op **out)
{
    if (d == NULL || d->ops == NULL || d->ops->init == NULL) return CKR_MECHANISM_INVALID;
    if ((d->info.flags & mech_fn_flag(fn)) == 0) return CKR_MECHANISM_INVALID;
    CK_RV rv = registry_check_key(d, fn, key);
    if (rv != CKR_OK) return rv;
    struct mech_op *op = calloc(1, sizeof *op);
    if (op == NULL) return CKR_HOST_MEMORY;
    op->desc = d;
    op->fn = fn;
    op->ops = d->ops;
    if (key != NULL) op->key = mech_key_ref(key);
    rv = d->ops->init(d, fn, m, op->key, &op->state);
    if (rv != CKR_OK) goto out;
    /* After init: a bad parameter outranks a bad key size (mech.h). */
    if (key != NULL) {
        CK_ULONG size = mech_key_size(key);
        if (size < d->info.ulMinKeySize || size > d->info.ulMaxKeySize) rv = CKR_KEY_SIZE_RANGE;
    }
out:
    if (rv != CKR_OK) {
        mech_op_free(op);
        return rv;
    }
    *out = op;
    return CKR_OK;
}

void
mech_op_free(struct mech_op *op)
{
    if (op == NULL) return;
    if (op->state != NULL && op->ops->free != NULL) op->ops->free(op->state);
    mech_key_unref(op->key);
    free(op);
}

CK_RV
mech_op_out_len(struct mech_op *op, CK_ULONG in_len, bool final, CK_ULONG *out_len, bool *exact)
{
    if (op->ops->out_len == NULL) return CKR_FUNCTION_FAILED;
    CK_ULONG n = 0;
    bool ex = true;
    CK_RV rv = op->ops->out_len(op->state, in_len, final, &n, &ex);
    if (rv != CKR_OK) return rv;
    *out_len = n;
    *exact = ex;
    return CKR_OK;
}

CK_RV
mech_op_oneshot(struct mech_op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
                CK_ULONG *out_len)
{
    static const CK_BYTE empty[1];
    if (op->fn == MECH_VERIFY || op->multi || op->ops->oneshot == NULL) return CKR_FUNCTION_FAILED;
    op->done = true;
    return op->ops->oneshot(op->state, in != NULL ? in : empty, in_len, out, out_len);
}

/* A multi-part call on a single-part mechanism. The spec lists no specific
 * code for it in the Update/Final functions (CKR_MECHANISM_INVALID is not
 * theirs to return), so it is a plain failure, which ends the operation. */
static CK_RV
mech_single_part_only(CK_RV rv)
{
    return rv == CKR_MECHANISM_INVALID ? CKR_FUNCTION_FAILED : rv;
}

CK_RV
mech_op_update(struct mech_op *op, const CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out,
               CK_ULONG *out_len)
{
    static const CK_BYTE empty[1];
    CK_ULONG scratch = 0;
    if (op->ops->update == NULL) return CKR_FUNCTION_FAILED;
    bool crypt = op->fn == MECH_ENCRYPT || op->fn == MECH_DECRYPT;
    if (crypt && (out == NULL || out_len == NULL)) return CKR_FUNCTION_FAILED;
    CK_RV rv = op->ops->update(op->state, in != NULL ? in : empty, in_len, out,
                               out_len != NULL ? out_len : &scratch);
    if (rv == CKR_OK) op->multi = true;
    return mech_single_part_only(rv);
}

CK_RV
mech_op_final(struct mech_op *op, CK_BYTE *out, CK_ULONG *out_len)
{
    if (op->fn == MECH_VERIFY) return CKR_FUNCTION_FAILED;
    if (op->ops->final == NULL) return CKR_FUNCTION_FAILED;
    op->done = true;
    return mech_single_part_only(op->ops->final(op->state, out, out_len));
}

CK_RV
mech_op_verify(struct mech_op *op, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
               CK_ULONG sig_len)
{
    /* data == NULL tells the family "end of a multi-part verify": a
     * one-shot over empty data must never look like that. */
    static const CK_BYTE empty[1];
    if (op->fn != MECH_VERIFY || op->multi || op->ops->verify == NULL) return CKR_FUNCTION_FAILED;
    op->done = true;
    return op->ops->verify(op->state, data != NULL ? data : empty, data_len, sig, sig_len);
}

CK_RV
mech_op_verify_final(struct mech_op *op, const CK_BYTE *sig, CK_ULONG sig_len)
{
    if (op->fn != MECH_VERIFY || op->ops->verify == NULL) return CKR_FUNCTION_FAILED;
    if (op->ops->update == NULL) return CKR_FUNCTION_FAILED;
    op->done = true;
    return mech_single_part_only(op->ops->verify(op->state, NULL, 0, sig, sig_len));
}

CK_RV
mech_op_dup(const struct mech_op *op, struct mech_op **out)
{
    /* A finished hash or MAC context cannot be resumed: refuse it rather
     * than hand out a copy that would compute garbage. */
    if (op->done || op->ops->dup == NULL) return CKR_STATE_UNSAVEABLE;
    struct mech_op *c = calloc(1, sizeof *c);
    if (c == NULL) return CKR_HOST_MEMORY;
    *c = *op;
    c->state = NULL;
    c->key = NULL;
    CK_RV rv = op->ops->dup(op->state, &c->state);
    if (rv != CKR_OK) {
        free(c);
        return rv;
    }
    if (op->key != NULL) c->key = mech_key_ref(op->key);
    *out = c;
    return CKR_OK;
}

const struct mech_desc *
mech_op_desc(const struct mech_op *op)
{
    return op->desc;
}

enum mech_fn
mech_op_fn(const struct mech_op *op)
{
    return op->fn;
}
