#include "mech/prim.h"

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "mech/ossl.h"
#include "util/wipe.h"

/* Fetched once when the library context is made (ossl_init): a fetch walks
 * the provider store under a lock, and the store unseals a record with an
 * HKDF and a GCM on every load. */
static EVP_CIPHER *prim_gcm;
static EVP_KDF *prim_hkdf, *prim_pbkdf2;
static EVP_MD *prim_md_sha256;

void
prim_cleanup(void)
{
    EVP_CIPHER_free(prim_gcm);
    EVP_KDF_free(prim_hkdf);
    EVP_KDF_free(prim_pbkdf2);
    EVP_MD_free(prim_md_sha256);
    prim_gcm = NULL;
    prim_hkdf = prim_pbkdf2 = NULL;
    prim_md_sha256 = NULL;
}

CK_RV
prim_init(void)
{
    OSSL_LIB_CTX *ctx = ossl_libctx();
    prim_gcm = EVP_CIPHER_fetch(ctx, "AES-256-GCM", NULL);
    prim_hkdf = EVP_KDF_fetch(ctx, "HKDF", NULL);
    prim_pbkdf2 = EVP_KDF_fetch(ctx, "PBKDF2", NULL);
    prim_md_sha256 = EVP_MD_fetch(ctx, "SHA256", NULL);
    if (prim_gcm && prim_hkdf && prim_pbkdf2 && prim_md_sha256) return CKR_OK;
    prim_cleanup();
    return ossl_fail("prim_init", CKR_GENERAL_ERROR);
}

CK_RV
prim_random(void *out, size_t len)
{
    if (len == 0) return CKR_OK;
    if (RAND_bytes_ex(ossl_libctx(), out, len, 0) != 1)
        return ossl_fail("random", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

CK_RV
prim_seed(const void *in, size_t len)
{
    EVP_RAND_CTX *drbg = RAND_get0_primary(ossl_libctx());
    if (drbg == NULL || EVP_RAND_reseed(drbg, 0, NULL, 0, in, len) != 1)
        return ossl_fail("seed", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

static CK_RV
gcm_run(int enc, const uint8_t key[32], const uint8_t nonce[PRIM_GCM_NONCE], const uint8_t *aad,
        size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[PRIM_GCM_TAG])
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    const EVP_CIPHER *c = prim_gcm;
    EVP_CIPHER_CTX *ctx = NULL;
    int n;
    if (len > INT_MAX || aadlen > INT_MAX) return CKR_FUNCTION_FAILED;
    ctx = EVP_CIPHER_CTX_new();
    if (c == NULL || ctx == NULL) goto out;
    if (EVP_CipherInit_ex2(ctx, c, key, nonce, enc, NULL) != 1) goto out;
    if (aadlen && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1) goto out;
    if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) goto out;
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, PRIM_GCM_TAG, tag) != 1) goto out;
    if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
        /* On decryption the only expected failure is a tag mismatch. */
        rv = enc ? CKR_FUNCTION_FAILED : CKR_ENCRYPTED_DATA_INVALID;
        if (!enc) wipe(out, len);
        goto out;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, PRIM_GCM_TAG, tag) != 1) goto out;
    rv = CKR_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (rv == CKR_FUNCTION_FAILED) return ossl_fail("aes-gcm", rv);
    return rv;
}

CK_RV
prim_gcm_seal(const uint8_t key[32], const uint8_t nonce[PRIM_GCM_NONCE], const uint8_t *aad,
              size_t aadlen, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t tag[PRIM_GCM_TAG])
{
    return gcm_run(1, key, nonce, aad, aadlen, pt, len, ct, tag);
}

CK_RV
prim_gcm_open(const uint8_t key[32], const uint8_t nonce[PRIM_GCM_NONCE], const uint8_t *aad,
              size_t aadlen, const uint8_t *ct, size_t len, const uint8_t tag[PRIM_GCM_TAG],
              uint8_t *pt)
{
    uint8_t t[PRIM_GCM_TAG];
    memcpy(t, tag, sizeof t);
    CK_RV rv = gcm_run(0, key, nonce, aad, aadlen, ct, len, pt, t);
    return rv;
}

static CK_RV
kdf_run(EVP_KDF *kdf, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (ctx != NULL && EVP_KDF_derive(ctx, out, outlen, params) == 1) rv = CKR_OK;
    EVP_KDF_CTX_free(ctx);
    return rv == CKR_OK ? rv : ossl_fail("kdf", rv);
}

CK_RV
prim_hkdf_sha256(const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen,
                 uint8_t *out, size_t outlen)
{
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm, ikmlen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info, infolen),
        OSSL_PARAM_construct_end(),
    };
    return kdf_run(prim_hkdf, p, out, outlen);
}

CK_RV
prim_pbkdf2_sha256(const uint8_t *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                   uint32_t iterations, uint8_t *out, size_t outlen)
{
    uint64_t iter = iterations;
    /* pkcs5 = 1 lifts SP 800-132's lower bounds, so that short PINs work. */
    int pkcs5 = 1;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)(uintptr_t)pin, pinlen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt, saltlen),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
        OSSL_PARAM_construct_end(),
    };
    return kdf_run(prim_pbkdf2, p, out, outlen);
}

CK_RV
prim_sha256(const void *p, size_t n, uint8_t out[32])
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    unsigned int len = 0;
    if (prim_md_sha256 != NULL && EVP_Digest(p, n, out, &len, prim_md_sha256, NULL) == 1 &&
        len == 32)
        rv = CKR_OK;
    return rv == CKR_OK ? rv : ossl_fail("sha256", rv);
}
