/*
 * cases_keys.c: PKCS#11 3.0 §5.18 key management (what C_GenerateKey,
 * C_GenerateKeyPair and C_CreateObject set on a key; NULL outputs; R/O
 * sessions; C_WrapKey of an unextractable key), §5.19 random numbers, and
 * the 3.0 message-based functions (§5.9, §5.14).
 */
#include "cases.h"
#include "fixtures.h"

#include <string.h>

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static void
case_key_origin(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    /* 5.18.2: "The key objects created by a successful call to
     * C_GenerateKeyPair will have their CKA_LOCAL attributes set to CK_TRUE." */
    ct_check(cx, fx_bool(cx, s, pub, CKA_LOCAL) && fx_bool(cx, s, priv, CKA_LOCAL),
             "a generated key pair is not CKA_LOCAL");
    ct_check(cx, fx_bool(cx, s, priv, CKA_ALWAYS_SENSITIVE),
             "a key generated sensitive is not CKA_ALWAYS_SENSITIVE");
    ct_check(cx, fx_bool(cx, s, priv, CKA_NEVER_EXTRACTABLE),
             "a key generated unextractable is not CKA_NEVER_EXTRACTABLE");
    CK_OBJECT_HANDLE gen = fx_hmac_key(cx, s, NULL);
    ct_check(cx, fx_bool(cx, s, gen, CKA_LOCAL), "a C_GenerateKey key is not CKA_LOCAL");
    /* 5.7.1: "the key object will have its CKA_LOCAL attribute set to
     * CK_FALSE ... CKA_ALWAYS_SENSITIVE ... CK_FALSE, and the
     * CKA_NEVER_EXTRACTABLE attribute set to CK_FALSE." */
    CK_OBJECT_HANDLE made = fx_secret_object(cx, s, true, false);
    ct_check(cx, !fx_bool(cx, s, made, CKA_LOCAL), "a created key is CKA_LOCAL");
    ct_check(cx, !fx_bool(cx, s, made, CKA_ALWAYS_SENSITIVE),
             "a created key is CKA_ALWAYS_SENSITIVE");
    ct_check(cx, !fx_bool(cx, s, made, CKA_NEVER_EXTRACTABLE),
             "a created key is CKA_NEVER_EXTRACTABLE");
}

static void
case_keygen_args(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR);
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE oid[sizeof fx_p256_oid];
    memcpy(oid, fx_p256_oid, sizeof oid);
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, oid, sizeof oid}, {CKA_TOKEN, &yes, sizeof yes}};
    CK_ATTRIBUTE kt[] = {{CKA_SIGN, &yes, sizeof yes}, {CKA_TOKEN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE pub, priv;
    ct_rv(cx, FN_C_GenerateKeyPair, cx->p->C_GenerateKeyPair(s, &m, pt, 1, kt, 1, &pub, NULL),
          CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_GenerateKeyPair, cx->p->C_GenerateKeyPair(s, NULL, pt, 1, kt, 1, &pub, &priv),
          CKR_ARGUMENTS_BAD);
    CK_SESSION_HANDLE ro = ct_open(cx, false);
    /* token keys from a R/O session */
    ct_rv(cx, FN_C_GenerateKeyPair, cx->p->C_GenerateKeyPair(ro, &m, pt, 2, kt, 2, &pub, &priv),
          CKR_SESSION_READ_ONLY);
    ct_need_mech(cx, CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE);
    CK_MECHANISM g = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE st[] = {{CKA_VALUE_LEN, &len, sizeof len}, {CKA_TOKEN, &no, sizeof no}};
    CK_OBJECT_HANDLE k;
    ct_rv(cx, FN_C_GenerateKey, cx->p->C_GenerateKey(s, &g, st, 2, NULL), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_GenerateKey, cx->p->C_GenerateKey(s, NULL, st, 2, &k), CKR_ARGUMENTS_BAD);
}

static void
case_wrap_unextractable(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_AES_KEY_WRAP, CKF_WRAP);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_BYTE v[32] = {7};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, v, sizeof v},      {CKA_TOKEN, &no, sizeof no},
                        {CKA_WRAP, &yes, sizeof yes},  {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE kek, target;
    ct_ok(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, 6, &kek));
    t[4].type = CKA_ENCRYPT;
    t[5].pValue = &no;
    ct_ok(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, 6, &target));
    CK_MECHANISM m = {CKM_AES_KEY_WRAP, NULL, 0};
    CK_BYTE out[64];
    CK_ULONG n = sizeof out;
    ct_rv(cx, FN_C_WrapKey, cx->p->C_WrapKey(s, &m, kek, target, out, &n), CKR_KEY_UNEXTRACTABLE);
}

/* ---- §5.19 random ---- */

static void
case_random(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    CK_BYTE a[32] = {0}, b[32] = {0}, zero[32] = {0};
    ct_rv(cx, FN_C_GenerateRandom, cx->p->C_GenerateRandom(s, a, sizeof a), CKR_OK);
    ct_rv(cx, FN_C_GenerateRandom, cx->p->C_GenerateRandom(s, b, sizeof b), CKR_OK);
    ct_check(cx, memcmp(a, zero, 32) != 0 && memcmp(a, b, 32) != 0, "the output is not random");
    ct_rv(cx, FN_C_GenerateRandom, cx->p->C_GenerateRandom(s, NULL, 16), CKR_ARGUMENTS_BAD);
    CK_RV rv = cx->p->C_SeedRandom(s, a, sizeof a);
    CT_ANY(cx, FN_C_SeedRandom, rv, CKR_OK, CKR_RANDOM_SEED_NOT_SUPPORTED);
    ct_note(cx, "C_SeedRandom: %s", rv_name(rv));
}

/* ---- 3.0 message-based encryption and signing ---- */

static void
case_message_encrypt(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_need_v3(cx);
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_AES_GCM, CKF_ENCRYPT);
    CK_OBJECT_HANDLE k = fx_aes_key(cx, s, NULL);
    CK_BYTE iv[12] = {9}, tag[16];
    ct_gcm_message_params gp = {iv, sizeof iv, 0, CKG_NO_GENERATE, tag, 128};
    CK_MECHANISM m = {CKM_AES_GCM, NULL, 0};
    CK_RV rv = cx->p->C_MessageEncryptInit(s, &m, k);
    if (rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_MECHANISM_INVALID) {
        ct_allowed(cx, FN_C_MessageEncryptInit, rv);
        ct_skip(cx, "message-based AES-GCM not offered (%s)", rv_name(rv));
    }
    ct_ok(cx, FN_C_MessageEncryptInit, rv);
    ct_rv(cx, FN_C_MessageEncryptInit, cx->p->C_MessageEncryptInit(s, &m, k), CKR_OPERATION_ACTIVE);
    CK_BYTE pt[16] = {1}, ct[32];
    CK_ULONG n = sizeof ct;
    ct_rv(cx, FN_C_EncryptMessage,
          cx->p->C_EncryptMessage(s, &gp, sizeof gp, NULL, 0, pt, sizeof pt, ct, &n), CKR_OK);
    ct_rv(cx, FN_C_MessageEncryptFinal, cx->p->C_MessageEncryptFinal(s), CKR_OK);
    n = sizeof ct;
    ct_rv(cx, FN_C_EncryptMessage,
          cx->p->C_EncryptMessage(s, &gp, sizeof gp, NULL, 0, pt, sizeof pt, ct, &n),
          CKR_OPERATION_NOT_INITIALIZED);
}

static void
case_message_sign(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_need_v3(cx);
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_SHA256_HMAC, CKF_SIGN);
    CK_OBJECT_HANDLE k = fx_hmac_key(cx, s, NULL);
    CK_RV rv = cx->p->C_MessageSignInit(s, &fx_hmac, k);
    if (rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_MECHANISM_INVALID) {
        ct_allowed(cx, FN_C_MessageSignInit, rv);
        ct_skip(cx, "message-based HMAC not offered (%s)", rv_name(rv));
    }
    ct_ok(cx, FN_C_MessageSignInit, rv);
    CK_BYTE data[20] = {3}, mac[64];
    CK_ULONG n = 0;
    ct_rv(cx, FN_C_SignMessage, cx->p->C_SignMessage(s, NULL, 0, data, sizeof data, NULL, &n),
          CKR_OK);
    ct_check(cx, n == 32, "NULL query gave %lu, not 32", n);
    n = sizeof mac;
    ct_rv(cx, FN_C_SignMessage, cx->p->C_SignMessage(s, NULL, 0, data, sizeof data, mac, &n),
          CKR_OK);
    ct_rv(cx, FN_C_MessageSignFinal, cx->p->C_MessageSignFinal(s), CKR_OK);
    ct_rv(cx, FN_C_MessageSignFinal, cx->p->C_MessageSignFinal(s), CKR_OPERATION_NOT_INITIALIZED);
}

void
cases_keys_register(void)
{
    ct_register("5.18.2",
                "generated keys are CKA_LOCAL (ALWAYS_SENSITIVE, NEVER_EXTRACTABLE); "
                "created keys are not (5.7.1)",
                case_key_origin, NULL);
    ct_register("5.18.2",
                "key generation: NULL outputs and mechanism, token keys from a R/O "
                "session",
                case_keygen_args, NULL);
    ct_register("5.18.3", "C_WrapKey of an unextractable key gives CKR_KEY_UNEXTRACTABLE",
                case_wrap_unextractable, NULL);
    ct_register("5.19.2", "C_GenerateRandom: output, NULL buffer; C_SeedRandom", case_random, NULL);
    ct_register("5.9.2", "message-based AES-GCM: Init twice, C_EncryptMessage, Final ends it",
                case_message_encrypt, NULL);
    ct_register("5.14.2", "message-based HMAC: C_SignMessage output convention, Final ends it",
                case_message_sign, NULL);
}
