/*
 * cases_ops.c: rules shared by the cryptographic functions of PKCS#11 3.0
 * §5.8-5.17: every Update/Final/single-part function without its Init gives
 * CKR_OPERATION_NOT_INITIALIZED; key handles (0, destroyed, not a key) give
 * CKR_KEY_HANDLE_INVALID (§5.1.6); unknown or misused mechanisms give
 * CKR_MECHANISM_INVALID; §5.12 digests (known answer, output convention).
 */
#include "calls.h"
#include "cases.h"
#include "fixtures.h"

#include <string.h>

#define BOGUS_MECH (CKM_VENDOR_DEFINED | 0x00c0ffeeUL)

/* The functions that continue or finish an operation. */
static const enum fn need_init[] = {
    FN_C_Encrypt,
    FN_C_EncryptUpdate,
    FN_C_EncryptFinal,
    FN_C_Decrypt,
    FN_C_DecryptUpdate,
    FN_C_DecryptFinal,
    FN_C_Digest,
    FN_C_DigestUpdate,
    FN_C_DigestFinal,
    FN_C_Sign,
    FN_C_SignUpdate,
    FN_C_SignFinal,
    FN_C_SignRecover,
    FN_C_Verify,
    FN_C_VerifyUpdate,
    FN_C_VerifyFinal,
    FN_C_VerifyRecover,
    FN_C_DigestEncryptUpdate,
    FN_C_DecryptDigestUpdate,
    FN_C_SignEncryptUpdate,
    FN_C_DecryptVerifyUpdate,
    FN_C_EncryptMessage,
    FN_C_EncryptMessageBegin,
    FN_C_EncryptMessageNext,
    FN_C_MessageEncryptFinal,
    FN_C_DecryptMessage,
    FN_C_DecryptMessageBegin,
    FN_C_DecryptMessageNext,
    FN_C_MessageDecryptFinal,
    FN_C_SignMessage,
    FN_C_SignMessageBegin,
    FN_C_SignMessageNext,
    FN_C_MessageSignFinal,
    FN_C_VerifyMessage,
    FN_C_VerifyMessageBegin,
    FN_C_VerifyMessageNext,
    FN_C_MessageVerifyFinal,
};

static void
case_without_init(struct cx *cx, const void *arg)
{
    const enum fn *f = arg;
    const struct call *c = call_find(*f);
    if (c == NULL) ct_fail(cx, "no call for %s", fn_name(*f));
    if (fn_is_v3(*f)) ct_need_v3(cx);
    CK_SESSION_HANDLE s = ct_user_session(cx);
    struct call_args a = {.s = s, .slot = cx->slot, .obj = CK_INVALID_HANDLE};
    CK_RV rv = c->call(cx->p, &a);
    if (rv == CKR_FUNCTION_NOT_SUPPORTED) {
        ct_allowed(cx, *f, rv);
        ct_note(cx, "a stub (CKR_FUNCTION_NOT_SUPPORTED, 5.1.6)");
        return;
    }
    ct_rv(cx, *f, rv, CKR_OPERATION_NOT_INITIALIZED);
}

/* ---- key handles ---- */

static void
case_key_handles(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_ECDSA, CKF_SIGN);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    CK_OBJECT_HANDLE data = fx_data(cx, s, false, false, "not-a-key");
    /* "We reiterate here that 0 is never a valid key handle." */
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_ecdsa, CK_INVALID_HANDLE),
          CKR_KEY_HANDLE_INVALID);
    /* "the specified handle is a valid handle for an object which is not a key" */
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_ecdsa, data), CKR_KEY_HANDLE_INVALID);
    ct_rv(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(s, &fx_ecdsa, data), CKR_KEY_HANDLE_INVALID);
    ct_ok(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, priv));
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_ecdsa, priv), CKR_KEY_HANDLE_INVALID);
    /* A public key cannot sign: it has no CKA_SIGN. */
    CK_RV rv = cx->p->C_SignInit(s, &fx_ecdsa, pub);
    CT_ANY(cx, FN_C_SignInit, rv, CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_TYPE_INCONSISTENT);
    ct_note(cx, "signing with a public key: %s", rv_name(rv));
}

static void
case_mech_invalid(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    CK_MECHANISM bogus = {BOGUS_MECH, NULL, 0};
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &bogus, priv), CKR_MECHANISM_INVALID);
    ct_rv(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(s, &bogus, pub), CKR_MECHANISM_INVALID);
    ct_rv(cx, FN_C_DigestInit, cx->p->C_DigestInit(s, &bogus), CKR_MECHANISM_INVALID);
    /* "or if the mechanism specified cannot be used ... with the selected
     * function" */
    ct_rv(cx, FN_C_DigestInit, cx->p->C_DigestInit(s, &fx_ecdsa), CKR_MECHANISM_INVALID);
    if (ct_has_mech(cx, CKM_SHA256, CKF_DIGEST) && !ct_has_mech(cx, CKM_SHA256, CKF_SIGN))
        ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(s, &fx_sha256, priv), CKR_MECHANISM_INVALID);
}

/* ---- §5.12 digest ---- */

static const CK_BYTE sha256_abc[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

static void
case_digest(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    ct_need_mech(cx, CKM_SHA256, CKF_DIGEST);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    CK_BYTE abc[] = "abc", d[64];
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_DigestInit, cx->p->C_DigestInit(s, &fx_sha256));
    ct_rv(cx, FN_C_Digest, cx->p->C_Digest(s, abc, 3, NULL, &n), CKR_OK);
    ct_check(cx, n == 32, "NULL query gave %lu, not 32", n);
    n = 31;
    ct_rv(cx, FN_C_Digest, cx->p->C_Digest(s, abc, 3, d, &n), CKR_BUFFER_TOO_SMALL);
    ct_check(cx, n == 32, "CKR_BUFFER_TOO_SMALL reported %lu, not 32", n);
    n = sizeof d;
    ct_rv(cx, FN_C_Digest, cx->p->C_Digest(s, abc, 3, d, &n), CKR_OK);
    ct_check(cx, n == 32 && memcmp(d, sha256_abc, 32) == 0, "SHA-256(\"abc\") is wrong");
    ct_ok(cx, FN_C_DigestInit, cx->p->C_DigestInit(s, &fx_sha256));
    ct_rv(cx, FN_C_DigestUpdate, cx->p->C_DigestUpdate(s, abc, 1), CKR_OK);
    ct_rv(cx, FN_C_DigestUpdate, cx->p->C_DigestUpdate(s, abc + 1, 2), CKR_OK);
    n = 0;
    ct_rv(cx, FN_C_DigestFinal, cx->p->C_DigestFinal(s, NULL, &n), CKR_OK);
    ct_check(cx, n == 32, "DigestFinal NULL query gave %lu", n);
    n = sizeof d;
    ct_rv(cx, FN_C_DigestFinal, cx->p->C_DigestFinal(s, d, &n), CKR_OK);
    ct_check(cx, n == 32 && memcmp(d, sha256_abc, 32) == 0, "multi-part SHA-256 is wrong");
    ct_rv(cx, FN_C_DigestFinal, cx->p->C_DigestFinal(s, d, &n), CKR_OPERATION_NOT_INITIALIZED);
}

static void
case_digest_key(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    ct_need_mech(cx, CKM_SHA256, CKF_DIGEST);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    ct_login(cx, s, CKU_USER);
    CK_OBJECT_HANDLE k = fx_secret_object(cx, s, true, true), pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    ct_ok(cx, FN_C_DigestInit, cx->p->C_DigestInit(s, &fx_sha256));
    CK_RV rv = cx->p->C_DigestKey(s, k);
    if (rv == CKR_FUNCTION_NOT_SUPPORTED) ct_skip(cx, "C_DigestKey is a stub");
    ct_rv(cx, FN_C_DigestKey, rv, CKR_OK);
    /* "perhaps the key isn't a secret key" */
    ct_rv(cx, FN_C_DigestKey, cx->p->C_DigestKey(s, priv), CKR_KEY_INDIGESTIBLE);
}

/* ---- 3.0: Init with a NULL mechanism cancels the active operation ---- */

struct cancel_case {
    enum fn init, next;
};

static const struct cancel_case cancel_cases[] = {
    {FN_C_SignInit, FN_C_SignUpdate},       {FN_C_VerifyInit, FN_C_VerifyUpdate},
    {FN_C_DigestInit, FN_C_DigestUpdate},   {FN_C_EncryptInit, FN_C_EncryptUpdate},
    {FN_C_DecryptInit, FN_C_DecryptUpdate},
};

/* Init through f with mechanism m (NULL to cancel). */
static CK_RV
cancel_init(struct cx *cx, enum fn f, CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k)
{
    switch (f) {
    case FN_C_SignInit:
        return cx->p->C_SignInit(s, m, k);
    case FN_C_VerifyInit:
        return cx->p->C_VerifyInit(s, m, k);
    case FN_C_DigestInit:
        return cx->p->C_DigestInit(s, m);
    case FN_C_EncryptInit:
        return cx->p->C_EncryptInit(s, m, k);
    default:
        return cx->p->C_DecryptInit(s, m, k);
    }
}

static CK_RV
cancel_next(struct cx *cx, enum fn f, CK_SESSION_HANDLE s)
{
    static CK_BYTE in[16], out[64];
    CK_ULONG n = sizeof out;
    switch (f) {
    case FN_C_SignUpdate:
        return cx->p->C_SignUpdate(s, in, sizeof in);
    case FN_C_VerifyUpdate:
        return cx->p->C_VerifyUpdate(s, in, sizeof in);
    case FN_C_DigestUpdate:
        return cx->p->C_DigestUpdate(s, in, sizeof in);
    case FN_C_EncryptUpdate:
        return cx->p->C_EncryptUpdate(s, in, sizeof in, out, &n);
    default:
        return cx->p->C_DecryptUpdate(s, in, sizeof in, out, &n);
    }
}

static void
case_null_cancels(struct cx *cx, const void *arg)
{
    const struct cancel_case *cc = arg;
    static CK_BYTE iv[16];
    static CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof iv};
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_MECHANISM *m = &fx_hmac;
    CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
    if (cc->init == FN_C_DigestInit) {
        ct_need_mech(cx, CKM_SHA256, CKF_DIGEST);
        m = &fx_sha256;
    } else if (cc->init == FN_C_SignInit || cc->init == FN_C_VerifyInit) {
        ct_need_mech(cx, CKM_SHA256_HMAC, CKF_SIGN | CKF_VERIFY);
        k = fx_hmac_key(cx, s, NULL);
    } else {
        ct_need_mech(cx, CKM_AES_CBC_PAD, CKF_ENCRYPT | CKF_DECRYPT);
        m = &cbc;
        k = fx_aes_key(cx, s, NULL);
    }
    ct_ok(cx, cc->init, cancel_init(cx, cc->init, s, m, k));
    /* "can be called with pMechanism set to NULL_PTR to terminate an active
     * ... operation" (3.0, §5.8.1, 5.10.1, 5.12.1, 5.13.1, 5.15.1) */
    ct_rv(cx, cc->init, cancel_init(cx, cc->init, s, NULL, k), CKR_OK);
    ct_rv(cx, cc->next, cancel_next(cx, cc->next, s), CKR_OPERATION_NOT_INITIALIZED);
    ct_rv(cx, cc->init, cancel_init(cx, cc->init, s, m, k), CKR_OK);
}

void
cases_ops_register(void)
{
    for (size_t i = 0; i < sizeof need_init / sizeof need_init[0]; i++)
        ct_registerf(fn_section(need_init[i]), case_without_init, &need_init[i],
                     "%s without its Init gives CKR_OPERATION_NOT_INITIALIZED",
                     fn_name(need_init[i]));
    ct_register("5.1.6",
                "key handles: 0, a data object, a destroyed key give "
                "CKR_KEY_HANDLE_INVALID; a public key cannot sign",
                case_key_handles, NULL);
    ct_register("5.1.6", "unknown or misused mechanisms give CKR_MECHANISM_INVALID",
                case_mech_invalid, NULL);
    for (size_t i = 0; i < sizeof cancel_cases / sizeof cancel_cases[0]; i++)
        ct_registerf(fn_section(cancel_cases[i].init), case_null_cancels, &cancel_cases[i],
                     "%s with a NULL mechanism cancels the active operation (3.0)",
                     fn_name(cancel_cases[i].init));
    ct_register("5.12.2", "C_Digest/C_DigestFinal SHA-256: known answer and output convention",
                case_digest, NULL);
    ct_register("5.12.4",
                "C_DigestKey digests a secret key; a private key is "
                "CKR_KEY_INDIGESTIBLE",
                case_digest_key, NULL);
}
