/*
 * prim.h: the crypto primitives the store needs (sealing, KDFs, randomness)
 * and those a key imported into the TPM is wrapped with (prim_tpm.c).
 *
 * All of them run on the module's private OSSL_LIB_CTX (ossl.h), so an
 * application whose OpenSSL config loads a PKCS#11 provider pointing back at
 * credtoken cannot recurse into us. Thread-safe once ossl_init() succeeded.
 * Every function returns CKR_OK or CKR_FUNCTION_FAILED (OpenSSL failure,
 * logged), unless stated otherwise.
 */
#ifndef CT_MECH_PRIM_H
#define CT_MECH_PRIM_H

#include <stddef.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"

#define PRIM_GCM_NONCE 12
#define PRIM_GCM_TAG 16

/* Fetch (and release) the algorithms below once; ossl_init()/ossl_cleanup()
 * call these. */
CK_RV prim_init(void);
void prim_cleanup(void);

CK_RV prim_random(void *out, size_t len);
/* Mix caller-supplied bytes into the DRBG as additional input (C_SeedRandom).
 * They add to, never replace, the operating system's entropy. */
CK_RV prim_seed(const void *in, size_t len);

/* AES-256-GCM. ct may equal pt. */
CK_RV prim_gcm_seal(const uint8_t key[32], const uint8_t nonce[PRIM_GCM_NONCE], const uint8_t *aad,
                    size_t aadlen, const uint8_t *pt, size_t len, uint8_t *ct,
                    uint8_t tag[PRIM_GCM_TAG]);
/* CKR_OK, or CKR_ENCRYPTED_DATA_INVALID when the tag does not verify (pt is
 * then wiped), or CKR_FUNCTION_FAILED. */
CK_RV prim_gcm_open(const uint8_t key[32], const uint8_t nonce[PRIM_GCM_NONCE], const uint8_t *aad,
                    size_t aadlen, const uint8_t *ct, size_t len, const uint8_t tag[PRIM_GCM_TAG],
                    uint8_t *pt);

/* HKDF-SHA256 (RFC 5869) with an empty salt. */
CK_RV prim_hkdf_sha256(const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen,
                       uint8_t *out, size_t outlen);

/* PBKDF2-HMAC-SHA256. */
CK_RV prim_pbkdf2_sha256(const uint8_t *pin, size_t pinlen, const uint8_t *salt, size_t saltlen,
                         uint32_t iterations, uint8_t *out, size_t outlen);

CK_RV prim_sha256(const void *p, size_t n, uint8_t out[32]);

/* ---- for the TPM layer (tpm/dup.c) ---- */

CK_RV prim_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t len,
                       uint8_t out[32]);
/* AES-128-CFB with a zero IV, in place (the TPM's object protection). */
CK_RV prim_aes128_cfb_encrypt(const uint8_t key[16], uint8_t *buf, size_t len);
/* ECDH on P-256 with a fresh ephemeral key against peer (an uncompressed
 * point): eph receives the ephemeral public point (uncompressed), z the
 * shared point's x-coordinate. CKR_OK; CKR_ARGUMENTS_BAD (peer is not a
 * point of P-256); CKR_FUNCTION_FAILED. */
#define PRIM_P256_POINT 65
CK_RV prim_ecdh_p256(const uint8_t peer[PRIM_P256_POINT], uint8_t eph[PRIM_P256_POINT],
                     uint8_t z[32]);

#endif
