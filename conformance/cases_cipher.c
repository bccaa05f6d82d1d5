/*
 * cases_cipher.c: PKCS#11 3.0 §5.8 encryption and §5.10 decryption (AES-GCM,
 * AES-CBC-PAD, RSA PKCS#1 v1.5), §5.9/§5.11/§5.14 message-based functions,
 * §5.18 key management and §5.19 random numbers.
 */
#include "cases.h"
#include "fixtures.h"

#include <string.h>

static CK_BYTE iv12[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static CK_BYTE iv16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

struct aes_kit {
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE k;
};

static void
aes_kit(struct cx *cx, struct aes_kit *a, CK_MECHANISM_TYPE mech)
{
    ct_init(cx);
    a->s = ct_open(cx, true);
    ct_login(cx, a->s, CKU_USER);
    ct_need_mech(cx, mech, CKF_ENCRYPT | CKF_DECRYPT);
    a->k = fx_aes_key(cx, a->s, NULL);
}

/* ---- AES-GCM ---- */

static void
case_gcm(struct cx *cx, const void *arg)
{
    (void)arg;
    struct aes_kit a;
    aes_kit(cx, &a, CKM_AES_GCM);
    CK_GCM_PARAMS gp = {iv12, sizeof iv12, 96, NULL, 0, 128};
    CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof gp};
    CK_BYTE pt[40], ct[128], back[128];
    memset(pt, 0x42, sizeof pt);
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(a.s, &m, a.k));
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(a.s, pt, sizeof pt, NULL, &n), CKR_OK);
    ct_check(cx, n == sizeof pt + 16, "NULL query gave %lu, not %zu", n, sizeof pt + 16);
    n = 10;
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(a.s, pt, sizeof pt, ct, &n), CKR_BUFFER_TOO_SMALL);
    ct_check(cx, n == sizeof pt + 16, "CKR_BUFFER_TOO_SMALL reported %lu", n);
    n = sizeof ct;
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(a.s, pt, sizeof pt, ct, &n), CKR_OK);
    CK_ULONG clen = n;
    CK_ULONG b = sizeof back;
    ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(a.s, &m, a.k));
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(a.s, ct, clen, back, &b), CKR_OK);
    ct_check(cx, b == sizeof pt && memcmp(back, pt, sizeof pt) == 0, "the round trip differs");
    ct[clen - 1] ^= 1;
    b = sizeof back;
    ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(a.s, &m, a.k));
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(a.s, ct, clen, back, &b), CKR_ENCRYPTED_DATA_INVALID);
    b = sizeof back;
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(a.s, ct, clen, back, &b),
          CKR_OPERATION_NOT_INITIALIZED);
}

static void
case_gcm_params(struct cx *cx, const void *arg)
{
    (void)arg;
    struct aes_kit a;
    aes_kit(cx, &a, CKM_AES_GCM);
    CK_MECHANISM none = {CKM_AES_GCM, NULL, 0};
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(a.s, &none, a.k), CKR_MECHANISM_PARAM_INVALID);
    CK_GCM_PARAMS gp = {iv12, sizeof iv12, 96, NULL, 0, 200};
    CK_MECHANISM bad_tag = {CKM_AES_GCM, &gp, sizeof gp};
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(a.s, &bad_tag, a.k),
          CKR_MECHANISM_PARAM_INVALID);
    gp.ulTagBits = 128;
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(a.s, &bad_tag, a.k), CKR_OK);
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(a.s, &bad_tag, a.k), CKR_OPERATION_ACTIVE);
    CK_SESSION_HANDLE d = ct_open(cx, true);
    ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(d, &bad_tag, a.k));
    ct_rv(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(d, &bad_tag, a.k), CKR_OPERATION_ACTIVE);
}

static void
case_cipher_keys(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_AES_GCM, CKF_ENCRYPT);
    CK_GCM_PARAMS gp = {iv12, sizeof iv12, 96, NULL, 0, 128};
    CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof gp};
    CK_OBJECT_HANDLE noenc = fx_aes_key(cx, s, &(struct fx_key){.no_sign = true}), pub, priv;
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(s, &m, noenc), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ct_rv(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(s, &m, noenc), CKR_KEY_FUNCTION_NOT_PERMITTED);
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(s, &m, pub), CKR_KEY_TYPE_INCONSISTENT);
    ct_rv(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(s, &m, CK_INVALID_HANDLE),
          CKR_KEY_HANDLE_INVALID);
}

/* ---- AES-CBC-PAD ---- */

static void
case_cbc_pad(struct cx *cx, const void *arg)
{
    (void)arg;
    struct aes_kit a;
    aes_kit(cx, &a, CKM_AES_CBC_PAD);
    CK_MECHANISM m = {CKM_AES_CBC_PAD, iv16, sizeof iv16};
    CK_BYTE pt[20], ct[64], back[64];
    memset(pt, 0x33, sizeof pt);
    CK_ULONG n = 0, total;
    ct_ok(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(a.s, &m, a.k));
    ct_rv(cx, FN_C_EncryptUpdate, cx->p->C_EncryptUpdate(a.s, pt, 20, NULL, &n), CKR_OK);
    ct_check(cx, n >= 16, "NULL query for 20 bytes gave %lu", n);
    n = sizeof ct;
    ct_rv(cx, FN_C_EncryptUpdate, cx->p->C_EncryptUpdate(a.s, pt, 20, ct, &n), CKR_OK);
    total = n;
    CK_ULONG f = 0;
    ct_rv(cx, FN_C_EncryptFinal, cx->p->C_EncryptFinal(a.s, NULL, &f), CKR_OK);
    ct_check(cx, total + f == 32, "CBC-PAD of 20 bytes: %lu + %lu bytes, not 32", total, f);
    f = sizeof ct - total;
    ct_rv(cx, FN_C_EncryptFinal, cx->p->C_EncryptFinal(a.s, ct + total, &f), CKR_OK);
    total += f;
    CK_ULONG b = sizeof back;
    ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(a.s, &m, a.k));
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(a.s, ct, total, back, &b), CKR_OK);
    ct_check(cx, b == 20 && memcmp(back, pt, 20) == 0, "the round trip differs");
    /* A ciphertext that is not a whole number of blocks: LEN_RANGE, and the
     * error ends the operation. */
    b = sizeof back;
    ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(a.s, &m, a.k));
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(a.s, ct, 15, back, &b), CKR_ENCRYPTED_DATA_LEN_RANGE);
    b = sizeof back;
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(a.s, ct, total, back, &b),
          CKR_OPERATION_NOT_INITIALIZED);
}

/* ---- RSA PKCS#1 v1.5 encryption ---- */

static void
case_rsa_encrypt(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_RSA_PKCS, CKF_ENCRYPT | CKF_DECRYPT);
    CK_OBJECT_HANDLE pub, priv;
    fx_rsa_pair(cx, s, NULL, &pub, &priv);
    CK_BYTE pt[32], ct[256], back[256], big[246];
    memset(pt, 0x21, sizeof pt);
    memset(big, 0x21, sizeof big);
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(s, &fx_rsa_pkcs, pub));
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(s, pt, sizeof pt, NULL, &n), CKR_OK);
    ct_check(cx, n == 256, "NULL query gave %lu, not 256", n);
    n = sizeof ct;
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(s, pt, sizeof pt, ct, &n), CKR_OK);
    CK_ULONG b = 0;
    ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(s, &fx_rsa_pkcs, priv));
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(s, ct, n, NULL, &b), CKR_OK);
    ct_check(cx, b >= sizeof pt, "decrypt NULL query gave %lu, less than the plaintext", b);
    b = sizeof back;
    ct_rv(cx, FN_C_Decrypt, cx->p->C_Decrypt(s, ct, n, back, &b), CKR_OK);
    ct_check(cx, b == sizeof pt && memcmp(back, pt, sizeof pt) == 0, "the round trip differs");
    /* At most k-11 = 245 bytes. */
    ct_ok(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(s, &fx_rsa_pkcs, pub));
    n = sizeof ct;
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(s, big, sizeof big, ct, &n), CKR_DATA_LEN_RANGE);
    n = sizeof ct;
    ct_rv(cx, FN_C_Encrypt, cx->p->C_Encrypt(s, pt, sizeof pt, ct, &n),
          CKR_OPERATION_NOT_INITIALIZED);
}

void
cases_cipher_register(void)
{
    ct_register("5.8.2",
                "C_Encrypt/C_Decrypt AES-GCM: output convention, round trip, a bad tag "
                "gives CKR_ENCRYPTED_DATA_INVALID and ends the operation",
                case_gcm, NULL);
    ct_register("5.8.1",
                "AES-GCM parameters give CKR_MECHANISM_PARAM_INVALID; a second "
                "C_EncryptInit/C_DecryptInit gives CKR_OPERATION_ACTIVE",
                case_gcm_params, NULL);
    ct_register("5.8.1",
                "C_EncryptInit: CKR_KEY_FUNCTION_NOT_PERMITTED, "
                "CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_HANDLE_INVALID",
                case_cipher_keys, NULL);
    ct_register("5.10.2",
                "AES-CBC-PAD multi-part; a partial block gives "
                "CKR_ENCRYPTED_DATA_LEN_RANGE and ends the operation",
                case_cbc_pad, NULL);
    ct_register("5.8.2",
                "CKM_RSA_PKCS encryption: output convention, round trip, "
                "CKR_DATA_LEN_RANGE ends the operation",
                case_rsa_encrypt, NULL);
}
