/*
 * prim_tpm.c: the primitives a TPM 2.0 duplication blob is made of (tpm.h:
 * keys imported into the TPM), on the module's private library context
 * like the rest of prim.h: no OpenSSL engine or application provider is
 * ever asked, so an import works in a process where the libp11 engine
 * took over EC keys.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mech/ossl.h"
#include "mech/prim.h"

CK_RV
prim_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t len, uint8_t out[32])
{
    size_t n = 0;
    if (EVP_Q_mac(ossl_libctx(), "HMAC", NULL, "SHA256", NULL, key, klen, data, len, out, 32, &n) ==
            NULL ||
        n != 32)
        return ossl_fail("hmac-sha256", CKR_FUNCTION_FAILED);
    return CKR_OK;
}

CK_RV
prim_aes128_cfb_encrypt(const uint8_t key[16], uint8_t *buf, size_t len)
{
    static const uint8_t iv[16] = {0};
    CK_RV rv = CKR_FUNCTION_FAILED;
    int n = 0, fin = 0;
    if (len > INT_MAX) return rv;
    EVP_CIPHER *c = EVP_CIPHER_fetch(ossl_libctx(), "AES-128-CFB", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (c != NULL && ctx != NULL && EVP_EncryptInit_ex2(ctx, c, key, iv, NULL) == 1 &&
        EVP_EncryptUpdate(ctx, buf, &n, buf, (int)len) == 1 &&
        EVP_EncryptFinal_ex(ctx, buf + n, &fin) == 1 && (size_t)(n + fin) == len)
        rv = CKR_OK;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return rv == CKR_OK ? rv : ossl_fail("aes-128-cfb", rv);
}

/* The P-256 public key at point (uncompressed); NULL when it is not one. */
static EVP_PKEY *
ecdh_peer(const uint8_t point[PRIM_P256_POINT])
{
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t) "P-256",
                                         0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)point,
                                          PRIM_P256_POINT),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *fc = EVP_PKEY_CTX_new_from_name(ossl_libctx(), "EC", NULL);
    if (fc == NULL || EVP_PKEY_fromdata_init(fc) != 1 ||
        EVP_PKEY_fromdata(fc, &k, EVP_PKEY_PUBLIC_KEY, p) != 1)
        k = NULL;
    EVP_PKEY_CTX_free(fc);
    return k;
}

CK_RV
prim_ecdh_p256(const uint8_t peer[PRIM_P256_POINT], uint8_t eph[PRIM_P256_POINT], uint8_t z[32])
{
    CK_RV rv = CKR_FUNCTION_FAILED;
    size_t zlen = 32, elen = 0;
    EVP_PKEY_CTX *dc = NULL;
    EVP_PKEY *theirs = ecdh_peer(peer), *mine = NULL;
    if (theirs == NULL) return ossl_fail("ecdh peer", CKR_ARGUMENTS_BAD);
    mine = EVP_PKEY_Q_keygen(ossl_libctx(), NULL, "EC", "P-256");
    if (mine == NULL) goto out;
    dc = EVP_PKEY_CTX_new_from_pkey(ossl_libctx(), mine, NULL);
    if (dc != NULL && EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer(dc, theirs) == 1 &&
        EVP_PKEY_derive(dc, z, &zlen) == 1 && zlen == 32 &&
        EVP_PKEY_get_octet_string_param(mine, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, eph,
                                        PRIM_P256_POINT, &elen) == 1 &&
        elen == PRIM_P256_POINT && eph[0] == 0x04)
        rv = CKR_OK;
out:
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(theirs);
    return rv == CKR_OK ? rv : ossl_fail("ecdh p-256", rv);
}
