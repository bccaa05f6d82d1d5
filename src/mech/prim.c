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
    EVP_CIPHER *c = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    int n;
    if (len > INT_MAX || aadlen > INT_MAX) return CKR_FUNCTION_FAILED;
    c = EVP_CIPHER_fetch(ossl_libctx(), "AES-256-GCM", NULL);
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
    EVP_CIPHER_free(c);
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
kdf_run(const char *alg, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_KDF *kdf = EVP_KDF_fetch(ossl_libctx(), alg, NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (ctx != NULL && EVP_KDF_derive(ctx, out, outlen, params) == 1) rv = CKR_OK;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rv == CKR_OK ? rv : ossl_fail(alg, rv);
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
    return kdf_run("HKDF", p, out, outlen);
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
    return kdf_run("PBKDF2", p, out, outlen);
}

CK_RV
prim_sha256(const void *p, size_t n, uint8_t out[32])
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_MD *md = EVP_MD_fetch(ossl_libctx(), "SHA256", NULL);
    unsigned int len = 0;
    if (md != NULL && EVP_Digest(p, n, out, &len, md, NULL) == 1 && len == 32) rv = CKR_OK;
    EVP_MD_free(md);
    return rv == CKR_OK ? rv : ossl_fail("sha256", rv);
}
