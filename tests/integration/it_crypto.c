/* it_crypto.c: key generation and every first-set mechanism, with
 * signatures checked independently by OpenSSL from CKA_PUBLIC_KEY_INFO. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "harness.h"

static CK_BBOOL yes = CK_TRUE;
static const char msg[] = "credtoken signs without showing its key";

static EVP_PKEY *
spki(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
    CK_ULONG n;
    unsigned char *der = h_attr(s, o, CKA_PUBLIC_KEY_INFO, &n);
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)n);
    free(der);
    ck_assert_ptr_nonnull(k);
    return k;
}

/* Verify a raw r||s ECDSA signature over msg hashed with md. */
static int
ossl_verify_ecdsa(EVP_PKEY *k, const EVP_MD *md, const CK_BYTE *sig, CK_ULONG n)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)n / 2, NULL), *sv = BN_bin2bn(sig + n / 2, (int)n / 2, NULL);
    ECDSA_SIG_set0(es, r, sv);
    unsigned char *der = NULL;
    int dlen = i2d_ECDSA_SIG(es, &der);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(c, NULL, md, NULL, k) == 1 &&
             EVP_DigestVerify(c, der, (size_t)dlen, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(c);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    return ok;
}

static int
ossl_verify_rsa(EVP_PKEY *k, const EVP_MD *md, int pad, const CK_BYTE *sig, CK_ULONG n)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    int ok = EVP_DigestVerifyInit(c, &pc, md, NULL, k) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(pc, pad) == 1 &&
             (pad != RSA_PKCS1_PSS_PADDING ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) == 1) &&
             EVP_DigestVerify(c, sig, n, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(c);
    return ok;
}

static CK_ULONG
sign(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k, const void *data, CK_ULONG len,
     CK_BYTE *sig)
{
    ck_assert_uint_eq(p11->C_SignInit(s, m, k), CKR_OK);
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)(uintptr_t)data, len, NULL, &n), CKR_OK);
    ck_assert_uint_le(n, 512);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)(uintptr_t)data, len, sig, &n), CKR_OK);
    return n;
}

START_TEST(ecdsa_all_forms)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("ec"), true, true);
    const char *curves[] = {"P-256", "P-384"};
    for (int c = 0; c < 2; c++) {
        CK_OBJECT_HANDLE pub, priv;
        h_ec_pair(s, curves[c], "k", &pub, &priv);
        EVP_PKEY *k = spki(s, pub);
        CK_ULONG flen = c == 0 ? 32 : 48;
        CK_BYTE sig[512];
        CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
        CK_ULONG n = sign(s, &m, priv, msg, strlen(msg), sig);
        ck_assert_uint_eq(n, 2 * flen);
        ck_assert(ossl_verify_ecdsa(k, EVP_sha256(), sig, n));
        m.mechanism = CKM_ECDSA_SHA384;
        n = sign(s, &m, priv, msg, strlen(msg), sig);
        ck_assert(ossl_verify_ecdsa(k, EVP_sha384(), sig, n));
        /* Raw ECDSA over a caller's hash. */
        unsigned char hash[32];
        EVP_Digest(msg, strlen(msg), hash, NULL, EVP_sha256(), NULL);
        m.mechanism = CKM_ECDSA;
        n = sign(s, &m, priv, hash, 32, sig);
        ck_assert(ossl_verify_ecdsa(k, EVP_sha256(), sig, n));
        /* Multi-part, and the token verifies its own signature. */
        m.mechanism = CKM_ECDSA_SHA256;
        ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
        ck_assert_uint_eq(p11->C_SignUpdate(s, (CK_BYTE_PTR)msg, 10), CKR_OK);
        ck_assert_uint_eq(p11->C_SignUpdate(s, (CK_BYTE_PTR)msg + 10, strlen(msg) - 10), CKR_OK);
        n = sizeof sig;
        ck_assert_uint_eq(p11->C_SignFinal(s, sig, &n), CKR_OK);
        ck_assert(ossl_verify_ecdsa(k, EVP_sha256(), sig, n));
        ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
        ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, n), CKR_OK);
        sig[3] ^= 1;
        ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
        ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, n),
                          CKR_SIGNATURE_INVALID);
        ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
        ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, n - 1),
                          CKR_SIGNATURE_LEN_RANGE);
        EVP_PKEY_free(k);
    }
}
END_TEST

START_TEST(rsa_all_forms)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("rsa"), true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_rsa_pair(s, 2048, "r", &pub, &priv);
    EVP_PKEY *k = spki(s, pub);
    CK_BYTE sig[512];
    struct {
        CK_MECHANISM_TYPE mech;
        const EVP_MD *md;
        int pad;
    } cases[] = {
        {CKM_SHA256_RSA_PKCS, EVP_sha256(), RSA_PKCS1_PADDING},
        {CKM_SHA384_RSA_PKCS, EVP_sha384(), RSA_PKCS1_PADDING},
        {CKM_SHA512_RSA_PKCS, EVP_sha512(), RSA_PKCS1_PADDING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CK_MECHANISM m = {cases[i].mech, NULL, 0};
        CK_ULONG n = sign(s, &m, priv, msg, strlen(msg), sig);
        ck_assert_uint_eq(n, 256);
        ck_assert(ossl_verify_rsa(k, cases[i].md, cases[i].pad, sig, n));
    }
    CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
    CK_MECHANISM m = {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss};
    CK_ULONG n = sign(s, &m, priv, msg, strlen(msg), sig);
    ck_assert(ossl_verify_rsa(k, EVP_sha256(), RSA_PKCS1_PSS_PADDING, sig, n));
    /* CKM_RSA_PKCS over a DigestInfo built by the caller. */
    static const CK_BYTE di_prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    CK_BYTE di[sizeof di_prefix + 32];
    memcpy(di, di_prefix, sizeof di_prefix);
    EVP_Digest(msg, strlen(msg), di + sizeof di_prefix, NULL, EVP_sha256(), NULL);
    m = (CK_MECHANISM){CKM_RSA_PKCS, NULL, 0};
    n = sign(s, &m, priv, di, sizeof di, sig);
    ck_assert(ossl_verify_rsa(k, EVP_sha256(), RSA_PKCS1_PADDING, sig, n));
    /* Raw PSS over a hash. */
    CK_BYTE hash[32];
    EVP_Digest(msg, strlen(msg), hash, NULL, EVP_sha256(), NULL);
    m = (CK_MECHANISM){CKM_RSA_PKCS_PSS, &pss, sizeof pss};
    n = sign(s, &m, priv, hash, 32, sig);
    ck_assert(ossl_verify_rsa(k, EVP_sha256(), RSA_PKCS1_PSS_PADDING, sig, n));
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, hash, 31, sig, &n), CKR_DATA_LEN_RANGE);
    /* Raw RSA (X.509) round trip through the public key. */
    m = (CK_MECHANISM){CKM_RSA_X_509, NULL, 0};
    n = sign(s, &m, priv, hash, 32, sig);
    ck_assert_uint_eq(n, 256);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(s, hash, 32, sig, n), CKR_OK);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(rsa_decrypt_pkcs_and_oaep)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("dec"), true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_rsa_pair(s, 2048, "r", &pub, &priv);
    EVP_PKEY *k = spki(s, pub);
    for (int oaep = 0; oaep < 2; oaep++) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
        ck_assert_int_eq(EVP_PKEY_encrypt_init(c), 1);
        EVP_PKEY_CTX_set_rsa_padding(c, oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING);
        if (oaep) {
            EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256());
            EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256());
        }
        unsigned char ct[256];
        size_t ctlen = sizeof ct;
        ck_assert_int_eq(EVP_PKEY_encrypt(c, ct, &ctlen, (const unsigned char *)msg, strlen(msg)),
                         1);
        EVP_PKEY_CTX_free(c);
        CK_RSA_PKCS_OAEP_PARAMS op = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
        CK_MECHANISM m = oaep ? (CK_MECHANISM){CKM_RSA_PKCS_OAEP, &op, sizeof op}
                              : (CK_MECHANISM){CKM_RSA_PKCS, NULL, 0};
        ck_assert_uint_eq(p11->C_DecryptInit(s, &m, priv), CKR_OK);
        /* The size query answers the exact length and keeps the operation. */
        CK_ULONG n = 0;
        ck_assert_uint_eq(p11->C_Decrypt(s, ct, ctlen, NULL, &n), CKR_OK);
        ck_assert_uint_eq(n, strlen(msg));
        CK_BYTE pt[256];
        CK_ULONG small = 3;
        ck_assert_uint_eq(p11->C_Decrypt(s, ct, ctlen, pt, &small), CKR_BUFFER_TOO_SMALL);
        ck_assert_uint_eq(small, strlen(msg));
        n = sizeof pt;
        ck_assert_uint_eq(p11->C_Decrypt(s, ct, ctlen, pt, &n), CKR_OK);
        ck_assert_uint_eq(n, strlen(msg));
        ck_assert_int_eq(memcmp(pt, msg, n), 0);
        /* The operation ended with that success. */
        ck_assert_uint_eq(p11->C_Decrypt(s, ct, ctlen, pt, &n), CKR_OPERATION_NOT_INITIALIZED);
    }
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(digests_known_answers)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("dig"), false, false);
    /* FIPS 180-2 appendix B.1: SHA-256("abc"). */
    static const CK_BYTE want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                     0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                     0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                     0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    CK_MECHANISM m = {CKM_SHA256, NULL, 0};
    CK_BYTE out[64];
    CK_ULONG n = sizeof out;
    ck_assert_uint_eq(p11->C_DigestInit(s, &m), CKR_OK);
    ck_assert_uint_eq(p11->C_Digest(s, (CK_BYTE_PTR) "abc", 3, out, &n), CKR_OK);
    ck_assert_uint_eq(n, 32);
    ck_assert_int_eq(memcmp(out, want, 32), 0);
    ck_assert_uint_eq(p11->C_DigestInit(s, &m), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "a", 1), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "bc", 2), CKR_OK);
    n = sizeof out;
    ck_assert_uint_eq(p11->C_DigestFinal(s, out, &n), CKR_OK);
    ck_assert_int_eq(memcmp(out, want, 32), 0);
    CK_MECHANISM m5 = {CKM_SHA512, NULL, 0};
    ck_assert_uint_eq(p11->C_DigestInit(s, &m5), CKR_OK);
    n = 0;
    ck_assert_uint_eq(p11->C_Digest(s, (CK_BYTE_PTR) "abc", 3, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 64);
}
END_TEST

START_TEST(hmac_rfc4231_case2)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("hmac"), true, true);
    /* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". */
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, "Jefe", 4},
                        {CKA_SIGN, &yes, 1},
                        {CKA_VERIFY, &yes, 1}};
    CK_OBJECT_HANDLE key;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 5, &key), CKR_OK);
    static const CK_BYTE want[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                                     0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                                     0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
                                     0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    const char *data = "what do ya want for nothing?";
    CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE mac[64];
    CK_ULONG n = sign(s, &m, key, data, strlen(data), mac);
    ck_assert_uint_eq(n, 32);
    ck_assert_int_eq(memcmp(mac, want, 32), 0);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, key), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR)data, strlen(data), mac, 32), CKR_OK);
    CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, key, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    /* C_DigestKey hashes the value without revealing it. */
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    unsigned char want_digest[32];
    EVP_Digest("Jefe", 4, want_digest, NULL, EVP_sha256(), NULL);
    ck_assert_uint_eq(p11->C_DigestInit(s, &sha), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestKey(s, key), CKR_OK);
    CK_BYTE d[32];
    CK_ULONG dn = sizeof d;
    ck_assert_uint_eq(p11->C_DigestFinal(s, d, &dn), CKR_OK);
    ck_assert_int_eq(memcmp(d, want_digest, 32), 0);
    ck_assert_uint_eq(p11->C_DigestInit(s, &sha), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestKey(s, 0xdeadbeef), CKR_KEY_HANDLE_INVALID);
    ck_assert_uint_eq(p11->C_DigestFinal(s, d, &dn), CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

START_TEST(aes_gcm_round_trip_and_tamper)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("aes"), true, true);
    CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {
        {CKA_VALUE_LEN, &len, sizeof len}, {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
    CK_OBJECT_HANDLE key;
    ck_assert_uint_eq(p11->C_GenerateKey(s, &gen, t, 3, &key), CKR_OK);
    CK_BYTE iv[12] = {1, 2, 3}, aad[5] = "head";
    CK_GCM_PARAMS gp = {iv, sizeof iv, 96, aad, sizeof aad, 128};
    CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof gp};
    CK_BYTE ct[128], pt[128];
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_EncryptInit(s, &m, key), CKR_OK);
    ck_assert_uint_eq(p11->C_Encrypt(s, (CK_BYTE_PTR)msg, strlen(msg), NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, strlen(msg) + 16);
    ck_assert_uint_eq(p11->C_Encrypt(s, (CK_BYTE_PTR)msg, strlen(msg), ct, &n), CKR_OK);
    CK_ULONG m2 = sizeof pt;
    ck_assert_uint_eq(p11->C_DecryptInit(s, &m, key), CKR_OK);
    ck_assert_uint_eq(p11->C_Decrypt(s, ct, n, pt, &m2), CKR_OK);
    ck_assert_uint_eq(m2, strlen(msg));
    ck_assert_int_eq(memcmp(pt, msg, m2), 0);
    ct[0] ^= 1;
    m2 = sizeof pt;
    ck_assert_uint_eq(p11->C_DecryptInit(s, &m, key), CKR_OK);
    ck_assert_uint_eq(p11->C_Decrypt(s, ct, n, pt, &m2), CKR_ENCRYPTED_DATA_INVALID);
    CK_ULONG bad_tag = 7;
    gp.ulTagBits = bad_tag;
    ck_assert_uint_eq(p11->C_EncryptInit(s, &m, key), CKR_MECHANISM_PARAM_INVALID);
}
END_TEST

START_TEST(operation_state_rules)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("ops"), true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(s, "P-256", "k", &pub, &priv);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE sig[128];
    CK_ULONG n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OPERATION_ACTIVE);
    /* BUFFER_TOO_SMALL keeps the operation and reports the exact size. */
    n = 10;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 64);
    /* An error ends it. */
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, NULL), CKR_ARGUMENTS_BAD);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    /* A NULL mechanism cancels. */
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignInit(s, NULL, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OK);
    /* Precedence: a key type the mechanism cannot use, before the key's
     * own permissions. */
    CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, NULL, 0};
    ck_assert_uint_eq(p11->C_SignInit(s, &rsa, pub), CKR_KEY_TYPE_INCONSISTENT);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, 999999), CKR_KEY_HANDLE_INVALID);
    CK_MECHANISM bogus = {0x7fffffffUL, NULL, 0};
    ck_assert_uint_eq(p11->C_SignInit(s, &bogus, priv), CKR_MECHANISM_INVALID);
    /* C_SessionCancel ends the operations its flags name, and only those. */
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_SessionCancel(s, CKF_SIGN), CKR_OK);
    n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OPERATION_ACTIVE);
    ck_assert_uint_eq(p11->C_SessionCancel(s, CKF_VERIFY), CKR_OK);
    /* Recover-Init with a NULL mechanism: nothing to cancel, CKR_OK (3.0). */
    ck_assert_uint_eq(p11->C_SignRecoverInit(s, NULL, priv), CKR_OK);
    /* Multi-part calls on a single-part mechanism fail and end the operation. */
    CK_MECHANISM raw = {CKM_ECDSA, NULL, 0};
    ck_assert_uint_eq(p11->C_SignInit(s, &raw, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignUpdate(s, (CK_BYTE_PTR)msg, 3), CKR_FUNCTION_FAILED);
    n = sizeof sig;
    ck_assert_uint_eq(p11->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &raw, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyFinal(s, sig, 64), CKR_FUNCTION_FAILED);
    /* Not logged in: the private key is not there. */
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_KEY_HANDLE_INVALID);
}
END_TEST

START_TEST(allowed_mechanisms_enforced)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("allowed"), true, true);
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM_TYPE only[] = {CKM_ECDSA};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_ATTRIBUTE kt[] = {{CKA_ALLOWED_MECHANISMS, only, sizeof only}};
    CK_OBJECT_HANDLE pub, priv;
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, &pub, &priv), CKR_OK);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_MECHANISM_INVALID);
    m.mechanism = CKM_ECDSA;
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
}
END_TEST

START_TEST(random_bytes)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("rnd"), false, false);
    CK_BYTE a[32] = {0}, b[32] = {0};
    ck_assert_uint_eq(p11->C_GenerateRandom(s, a, sizeof a), CKR_OK);
    ck_assert_uint_eq(p11->C_GenerateRandom(s, b, sizeof b), CKR_OK);
    ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
    ck_assert_uint_eq(p11->C_GenerateRandom(s, NULL, 4), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST(rsa_3072_and_4096)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("big"), true, true);
    CK_ULONG sizes[] = {3072, 4096};
    for (int i = 0; i < 2; i++) {
        CK_OBJECT_HANDLE pub, priv;
        h_rsa_pair(s, sizes[i], "big", &pub, &priv);
        EVP_PKEY *k = spki(s, pub);
        ck_assert_int_eq(EVP_PKEY_get_bits(k), (int)sizes[i]);
        CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
        CK_BYTE sig[512];
        CK_ULONG n = sign(s, &m, priv, msg, strlen(msg), sig);
        ck_assert_uint_eq(n, sizes[i] / 8);
        ck_assert(ossl_verify_rsa(k, EVP_sha256(), RSA_PKCS1_PADDING, sig, n));
        EVP_PKEY_free(k);
    }
}
END_TEST

/* An RSA key made by OpenSSL, imported with C_CreateObject (all CRT
 * parts), signs in the token; OpenSSL verifies with its own public key. */
START_TEST(rsa_private_key_import)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("rsaimp"), true, true);
    EVP_PKEY *k = EVP_RSA_gen(2048);
    ck_assert_ptr_nonnull(k);
    const char *names[] = {"n",
                           "e",
                           "d",
                           "rsa-factor1",
                           "rsa-factor2",
                           "rsa-exponent1",
                           "rsa-exponent2",
                           "rsa-coefficient1"};
    CK_ATTRIBUTE_TYPE types[] = {CKA_MODULUS,    CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
                                 CKA_PRIME_1,    CKA_PRIME_2,         CKA_EXPONENT_1,
                                 CKA_EXPONENT_2, CKA_COEFFICIENT};
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_RSA;
    CK_ATTRIBUTE t[12] = {{CKA_CLASS, &cls, sizeof cls},
                          {CKA_KEY_TYPE, &kt, sizeof kt},
                          {CKA_TOKEN, &yes, 1},
                          {CKA_LABEL, "imported-rsa", 12}};
    unsigned char bufs[8][512];
    for (int i = 0; i < 8; i++) {
        BIGNUM *bn = NULL;
        ck_assert_int_eq(EVP_PKEY_get_bn_param(k, names[i], &bn), 1);
        int n = BN_bn2bin(bn, bufs[i]);
        BN_clear_free(bn);
        t[4 + i] = (CK_ATTRIBUTE){types[i], bufs[i], (CK_ULONG)n};
    }
    CK_OBJECT_HANDLE h;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 12, &h), CKR_OK);
    CK_ATTRIBUTE d = {CKA_PRIVATE_EXPONENT, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, h, &d, 1), CKR_ATTRIBUTE_SENSITIVE);
    CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
    CK_BYTE sig[512];
    CK_ULONG n = sign(s, &m, h, msg, strlen(msg), sig);
    ck_assert_uint_eq(n, 256);
    ck_assert(ossl_verify_rsa(k, EVP_sha256(), RSA_PKCS1_PADDING, sig, n));
    /* The public half the token derived is the same key. */
    EVP_PKEY *pub = spki(s, h);
    ck_assert_int_eq(EVP_PKEY_eq(pub, k), 1);
    EVP_PKEY_free(pub);
    /* Without the modulus the key is incomplete. */
    t[4] = (CK_ATTRIBUTE){CKA_SUBJECT, "x", 1};
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 12, &h), CKR_TEMPLATE_INCOMPLETE);
    EVP_PKEY_free(k);
}
END_TEST

/* CKA_ALWAYS_AUTHENTICATE: every use of the key needs a context-specific
 * login after its Init (§5.6.8). */
START_TEST(always_authenticate_needs_context_login)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("auth"), true, true);
    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_ATTRIBUTE kt[] = {{CKA_ALWAYS_AUTHENTICATE, &yes, 1}};
    CK_OBJECT_HANDLE pub, priv;
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, &pub, &priv), CKR_OK);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE sig[128];
    CK_ULONG n = sizeof sig;
    ck_assert_uint_eq(p11->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)USER_PIN, 4),
                      CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_USER_NOT_LOGGED_IN);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "0000", 4),
                      CKR_PIN_INCORRECT);
    ck_assert_uint_eq(p11->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK);
    n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR)msg, 3, sig, n), CKR_OK);
    /* One login, one use. */
    ck_assert_uint_eq(p11->C_SignInit(s, &m, priv), CKR_OK);
    n = sizeof sig;
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR)msg, 3, sig, &n), CKR_USER_NOT_LOGGED_IN);
    /* The session stays logged in as the user throughout. */
    CK_SESSION_INFO si;
    ck_assert_uint_eq(p11->C_GetSessionInfo(s, &si), CKR_OK);
    ck_assert_uint_eq(si.state, CKS_RW_USER_FUNCTIONS);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)USER_PIN, 4),
                      CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

/* Ed25519 (3.0 EdDSA): generated in the token, signed there, verified by
 * OpenSSL from CKA_PUBLIC_KEY_INFO. */
START_TEST(ed25519_sign_verify)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("ed"), true, true);
    static const CK_BYTE oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
    CK_MECHANISM gen = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_OBJECT_HANDLE pub, priv;
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, NULL, 0, &pub, &priv), CKR_OK);
    CK_KEY_TYPE kt = 0;
    CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof kt};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, priv, &a, 1), CKR_OK);
    ck_assert_uint_eq(kt, CKK_EC_EDWARDS);
    CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
    CK_BYTE sig[64];
    CK_ULONG n = sign(s, &m, priv, msg, strlen(msg), sig);
    ck_assert_uint_eq(n, 64);
    EVP_PKEY *k = spki(s, pub);
    ck_assert_int_eq(EVP_PKEY_get_id(k), EVP_PKEY_ED25519);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestVerifyInit(c, NULL, NULL, NULL, k), 1);
    ck_assert_int_eq(EVP_DigestVerify(c, sig, n, (const unsigned char *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(k);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR)msg, strlen(msg), sig, n), CKR_OK);
    /* Edwards keys do not advertise encryption. */
    CK_BBOOL enc = 1;
    CK_ATTRIBUTE e = {CKA_ENCRYPT, &enc, 1};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, pub, &e, 1), CKR_OK);
    ck_assert(!enc);
}
END_TEST

/* §5.13: a part goes through both operations once, size queries included. */
START_TEST(dual_function_digest_encrypt)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("dual"), true, true);
    CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len, sizeof len}};
    CK_OBJECT_HANDLE key;
    ck_assert_uint_eq(p11->C_GenerateKey(s, &gen, t, 1, &key), CKR_OK);
    CK_BYTE iv[12] = {9};
    CK_GCM_PARAMS gp = {iv, sizeof iv, 96, NULL, 0, 128};
    CK_MECHANISM gcm = {CKM_AES_GCM, &gp, sizeof gp}, sha = {CKM_SHA256, NULL, 0};
    ck_assert_uint_eq(p11->C_EncryptInit(s, &gcm, key), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestInit(s, &sha), CKR_OK);
    CK_BYTE ct[256];
    CK_ULONG off = 0, n;
    size_t mlen = strlen(msg);
    for (size_t i = 0; i < mlen; i += 10) {
        CK_ULONG part = (CK_ULONG)(mlen - i < 10 ? mlen - i : 10);
        n = 0; /* the size query must not feed the digest twice */
        ck_assert_uint_eq(p11->C_DigestEncryptUpdate(s, (CK_BYTE_PTR)msg + i, part, NULL, &n),
                          CKR_OK);
        ck_assert_uint_eq(p11->C_DigestEncryptUpdate(s, (CK_BYTE_PTR)msg + i, part, ct + off, &n),
                          CKR_OK);
        off += n;
    }
    n = sizeof ct - off;
    ck_assert_uint_eq(p11->C_EncryptFinal(s, ct + off, &n), CKR_OK);
    off += n;
    CK_BYTE d[32], want[32];
    CK_ULONG dn = sizeof d;
    ck_assert_uint_eq(p11->C_DigestFinal(s, d, &dn), CKR_OK);
    EVP_Digest(msg, mlen, want, NULL, EVP_sha256(), NULL);
    ck_assert_int_eq(memcmp(d, want, 32), 0);
    CK_BYTE pt[256];
    CK_ULONG pn = sizeof pt;
    ck_assert_uint_eq(p11->C_DecryptInit(s, &gcm, key), CKR_OK);
    ck_assert_uint_eq(p11->C_Decrypt(s, ct, off, pt, &pn), CKR_OK);
    ck_assert_uint_eq(pn, mlen);
    ck_assert_int_eq(memcmp(pt, msg, mlen), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("crypto");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, ecdsa_all_forms);
    tcase_add_test(tc, rsa_all_forms);
    tcase_add_test(tc, rsa_decrypt_pkcs_and_oaep);
    tcase_add_test(tc, digests_known_answers);
    tcase_add_test(tc, hmac_rfc4231_case2);
    tcase_add_test(tc, aes_gcm_round_trip_and_tamper);
    tcase_add_test(tc, operation_state_rules);
    tcase_add_test(tc, allowed_mechanisms_enforced);
    tcase_add_test(tc, random_bytes);
    tcase_add_test(tc, rsa_3072_and_4096);
    tcase_add_test(tc, rsa_private_key_import);
    tcase_add_test(tc, always_authenticate_needs_context_login);
    tcase_add_test(tc, dual_function_digest_encrypt);
    tcase_add_test(tc, ed25519_sign_verify);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
