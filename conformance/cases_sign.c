/*
 * cases_sign.c: PKCS#11 3.0 §5.12 digest, §5.13 sign, §5.15 verify, and the
 * rules every operation shares: the §5.2 variable-length output convention
 * (a NULL query gives the length, CKR_BUFFER_TOO_SMALL reports it, both keep
 * the operation), any other error ends the operation, a second Init gives
 * CKR_OPERATION_ACTIVE, Update/Final without Init give
 * CKR_OPERATION_NOT_INITIALIZED, Init with a NULL mechanism cancels (3.0),
 * and the §5.1.6 precedences KEY_TYPE_INCONSISTENT > KEY_FUNCTION_NOT_PERMITTED,
 * DATA_LEN_RANGE > DATA_INVALID, SIGNATURE_LEN_RANGE > SIGNATURE_INVALID.
 */
#include "calls.h"
#include "cases.h"
#include "fixtures.h"

#include <string.h>

#define BOGUS_MECH (CKM_VENDOR_DEFINED | 0x00c0ffeeUL)

enum key_kind { K_EC, K_RSA, K_HMAC };

struct alg {
    const char *name;
    CK_MECHANISM_TYPE mech;
    enum key_kind kind;
    CK_ULONG siglen;  /* fixed by the mechanism: 2*nLen, k, or the hash size */
    CK_ULONG datalen; /* one-shot input (a hash for the raw mechanisms) */
    bool multipart;
};

static const struct alg algs[] = {
    {"CKM_ECDSA", CKM_ECDSA, K_EC, 64, 32, false},
    {"CKM_ECDSA_SHA256", CKM_ECDSA_SHA256, K_EC, 64, 100, true},
    {"CKM_RSA_PKCS", CKM_RSA_PKCS, K_RSA, 256, 32, false},
    {"CKM_SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, K_RSA, 256, 100, true},
    {"CKM_SHA256_HMAC", CKM_SHA256_HMAC, K_HMAC, 32, 100, true},
};
#define NALGS (sizeof algs / sizeof algs[0])

struct kit {
    CK_SESSION_HANDLE s;
    CK_MECHANISM m;
    CK_OBJECT_HANDLE sk, vk; /* signing and verification key */
    CK_BYTE data[100];
};

static void
kit_keys(struct cx *cx, const struct alg *a, struct kit *k, const struct fx_key *o)
{
    k->m = (CK_MECHANISM){a->mech, NULL, 0};
    memset(k->data, 0x5a, sizeof k->data);
    if (a->kind == K_EC)
        fx_ec_pair(cx, k->s, o, &k->vk, &k->sk);
    else if (a->kind == K_RSA)
        fx_rsa_pair(cx, k->s, o, &k->vk, &k->sk);
    else
        k->sk = k->vk = fx_hmac_key(cx, k->s, o);
}

static void
kit_session(struct cx *cx, struct kit *k)
{
    ct_init(cx);
    k->s = ct_open(cx, true);
    ct_login(cx, k->s, CKU_USER);
}

/* Keys for the algorithm a (skip the case if the token lacks it). */
static void
kit_make(struct cx *cx, const struct alg *a, struct kit *k, const struct fx_key *o)
{
    kit_session(cx, k);
    ct_need_mech(cx, a->mech, CKF_SIGN | CKF_VERIFY);
    kit_keys(cx, a, k, o);
}

/* Keys for the first multi-part algorithm the token lists, for the cases
 * about operations in general. */
static const struct alg *
kit_any(struct cx *cx, struct kit *k)
{
    static const size_t prefer[] = {1, 4, 3}; /* ECDSA-SHA256, HMAC, SHA256-RSA */
    kit_session(cx, k);
    for (size_t i = 0; i < sizeof prefer / sizeof prefer[0]; i++) {
        const struct alg *a = &algs[prefer[i]];
        if (!ct_has_mech(cx, a->mech, CKF_SIGN | CKF_VERIFY)) continue;
        kit_keys(cx, a, k, NULL);
        ct_note(cx, "with %s", a->name);
        return a;
    }
    ct_skip(cx, "the token lists none of CKM_ECDSA_SHA256, CKM_SHA256_HMAC, CKM_SHA256_RSA_PKCS");
}

/* ---- §5.2 + §5.13.2 single-part ---- */

static void
case_sign_output(struct cx *cx, const void *arg)
{
    const struct alg *a = arg;
    struct kit k;
    kit_make(cx, a, &k, NULL);
    CK_BYTE sig[512];
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk));
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, a->datalen, NULL, &n), CKR_OK);
    ct_check(cx, n == a->siglen, "NULL query gave %lu, not %lu", n, a->siglen);
    n = 1;
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, a->datalen, sig, &n), CKR_BUFFER_TOO_SMALL);
    ct_check(cx, n == a->siglen, "CKR_BUFFER_TOO_SMALL reported %lu, not %lu", n, a->siglen);
    n = sizeof sig;
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, a->datalen, sig, &n), CKR_OK);
    ct_check(cx, n == a->siglen, "the signature has %lu bytes, not %lu", n, a->siglen);
    CK_ULONG again = sizeof sig;
    CK_BYTE other[512];
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, a->datalen, other, &again),
          CKR_OPERATION_NOT_INITIALIZED);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, a->datalen, sig, n), CKR_OK);
}

/* ---- §5.2 + §5.13.3-4 multi-part ---- */

static void
case_sign_multipart(struct cx *cx, const void *arg)
{
    const struct alg *a = arg;
    struct kit k;
    kit_make(cx, a, &k, NULL);
    CK_BYTE sig[512];
    CK_ULONG n = 0;
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk));
    ct_rv(cx, FN_C_SignUpdate, cx->p->C_SignUpdate(k.s, k.data, 40), CKR_OK);
    ct_rv(cx, FN_C_SignUpdate, cx->p->C_SignUpdate(k.s, k.data + 40, 60), CKR_OK);
    ct_rv(cx, FN_C_SignFinal, cx->p->C_SignFinal(k.s, NULL, &n), CKR_OK);
    ct_check(cx, n == a->siglen, "NULL query gave %lu, not %lu", n, a->siglen);
    n = a->siglen - 1;
    ct_rv(cx, FN_C_SignFinal, cx->p->C_SignFinal(k.s, sig, &n), CKR_BUFFER_TOO_SMALL);
    ct_check(cx, n == a->siglen, "CKR_BUFFER_TOO_SMALL reported %lu, not %lu", n, a->siglen);
    n = sizeof sig;
    ct_rv(cx, FN_C_SignFinal, cx->p->C_SignFinal(k.s, sig, &n), CKR_OK);
    CK_ULONG m = sizeof sig;
    ct_rv(cx, FN_C_SignFinal, cx->p->C_SignFinal(k.s, sig, &m), CKR_OPERATION_NOT_INITIALIZED);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_VerifyUpdate, cx->p->C_VerifyUpdate(k.s, k.data, 100), CKR_OK);
    ct_rv(cx, FN_C_VerifyFinal, cx->p->C_VerifyFinal(k.s, sig, n), CKR_OK);
    ct_rv(cx, FN_C_VerifyFinal, cx->p->C_VerifyFinal(k.s, sig, n), CKR_OPERATION_NOT_INITIALIZED);
}

/* ---- a second Init ---- */

static void
case_init_twice(struct cx *cx, const void *arg)
{
    (void)arg;
    struct kit k;
    const struct alg *a = kit_any(cx, &k);
    CK_BYTE sig[512], dig[32];
    CK_ULONG n = sizeof sig;
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk));
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk), CKR_OPERATION_ACTIVE);
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, a->datalen, sig, &n), CKR_OK);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk), CKR_OPERATION_ACTIVE);
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, a->datalen, sig, n), CKR_OK);
    ct_need_mech(cx, CKM_SHA256, CKF_DIGEST);
    ct_ok(cx, FN_C_DigestInit, cx->p->C_DigestInit(k.s, &fx_sha256));
    ct_rv(cx, FN_C_DigestInit, cx->p->C_DigestInit(k.s, &fx_sha256), CKR_OPERATION_ACTIVE);
    n = sizeof dig;
    ct_rv(cx, FN_C_Digest, cx->p->C_Digest(k.s, k.data, 100, dig, &n), CKR_OK);
}

/* ---- any error other than CKR_BUFFER_TOO_SMALL ends the operation ---- */

static void
case_error_ends_sign(struct cx *cx, const void *arg)
{
    (void)arg;
    struct kit k;
    const struct alg *a = kit_any(cx, &k);
    CK_BYTE sig[512], bad[512] = {0};
    CK_ULONG n = sizeof sig;
    /* 5.13.2: "A call to C_Sign always terminates the active signing
     * operation unless it returns CKR_BUFFER_TOO_SMALL or is a successful
     * call ... to determine the length" */
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk));
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, 100, sig, NULL), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, k.data, 100, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    /* 5.13.3: "A call to C_SignUpdate which results in an error terminates
     * the current signature operation." */
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk));
    ct_rv(cx, FN_C_SignUpdate, cx->p->C_SignUpdate(k.s, NULL, 10), CKR_ARGUMENTS_BAD);
    n = sizeof sig;
    ct_rv(cx, FN_C_SignFinal, cx->p->C_SignFinal(k.s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    /* 5.15.2: "A call to C_Verify always terminates the active verification
     * operation." */
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, 100, bad, a->siglen),
          CKR_SIGNATURE_INVALID);
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, 100, bad, a->siglen),
          CKR_OPERATION_NOT_INITIALIZED);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_ok(cx, FN_C_VerifyUpdate, cx->p->C_VerifyUpdate(k.s, k.data, 100));
    ct_rv(cx, FN_C_VerifyFinal, cx->p->C_VerifyFinal(k.s, bad, a->siglen), CKR_SIGNATURE_INVALID);
    ct_rv(cx, FN_C_VerifyUpdate, cx->p->C_VerifyUpdate(k.s, k.data, 100),
          CKR_OPERATION_NOT_INITIALIZED);
}

static void
case_error_ends_data(struct cx *cx, const void *arg)
{
    (void)arg;
    struct kit k;
    kit_make(cx, &algs[2], &k, NULL);
    CK_BYTE big[250], sig[256];
    memset(big, 0x11, sizeof big);
    CK_ULONG n = sizeof sig;
    /* CKM_RSA_PKCS signs at most k-11 bytes: 250 > 245 (DATA_LEN_RANGE). */
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &k.m, k.sk));
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, big, sizeof big, sig, &n), CKR_DATA_LEN_RANGE);
    n = sizeof sig;
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, big, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    ct_need_mech(cx, CKM_SHA256, CKF_DIGEST);
    /* 5.12.3: "A call to C_DigestUpdate which results in an error terminates
     * the current digest operation." */
    ct_ok(cx, FN_C_DigestInit, cx->p->C_DigestInit(k.s, &fx_sha256));
    ct_rv(cx, FN_C_DigestUpdate, cx->p->C_DigestUpdate(k.s, NULL, 10), CKR_ARGUMENTS_BAD);
    n = sizeof sig;
    ct_rv(cx, FN_C_DigestFinal, cx->p->C_DigestFinal(k.s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
}

/* ---- §5.1.6 precedences ---- */

static void
case_prec_key(struct cx *cx, const void *arg)
{
    (void)arg;
    struct kit k;
    const struct fx_key nosign = {.no_sign = true};
    kit_make(cx, &algs[0], &k, &nosign);
    ct_need_mech(cx, CKM_SHA256_RSA_PKCS, CKF_SIGN);
    /* An EC key without CKA_SIGN, for an RSA mechanism: both apply;
     * "CKR_KEY_TYPE_INCONSISTENT ... has a higher priority than
     * CKR_KEY_FUNCTION_NOT_PERMITTED". */
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &fx_sha256_rsa, k.sk),
          CKR_KEY_TYPE_INCONSISTENT);
    ct_rv(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &fx_sha256_rsa, k.vk),
          CKR_KEY_TYPE_INCONSISTENT);
    /* The right type without the flag: KEY_FUNCTION_NOT_PERMITTED alone. */
    ct_rv(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &fx_ecdsa, k.sk),
          CKR_KEY_FUNCTION_NOT_PERMITTED);
    ct_rv(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &fx_ecdsa, k.vk),
          CKR_KEY_FUNCTION_NOT_PERMITTED);
}

static void
case_prec_data(struct cx *cx, const void *arg)
{
    (void)arg;
    struct kit k;
    kit_make(cx, &algs[2], &k, NULL);
    ct_need_mech(cx, CKM_RSA_X_509, CKF_SIGN);
    /* sig is far larger than n says: a module that writes past n must not
     * take the case process down with it. */
    CK_BYTE big[257], sig[4096];
    memset(big, 0xff, sizeof big);
    CK_ULONG n = 256;
    /* 257 bytes of 0xff for a 2048-bit key: too long, and (as a number) not
     * below the modulus. "CKR_DATA_INVALID ... has lower priority than
     * CKR_DATA_LEN_RANGE." */
    ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(k.s, &fx_rsa_x509, k.sk));
    ct_rv(cx, FN_C_Sign, cx->p->C_Sign(k.s, big, sizeof big, sig, &n), CKR_DATA_LEN_RANGE);
}

static void
case_prec_signature(struct cx *cx, const void *arg)
{
    const struct alg *a = arg;
    struct kit k;
    kit_make(cx, a, &k, NULL);
    CK_BYTE bad[512];
    memset(bad, 0, sizeof bad);
    /* Wrong length and wrong content: "CKR_SIGNATURE_LEN_RANGE ... has
     * higher priority than CKR_SIGNATURE_INVALID". */
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, a->datalen, bad, a->siglen - 1),
          CKR_SIGNATURE_LEN_RANGE);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, a->datalen, bad, a->siglen + 1),
          CKR_SIGNATURE_LEN_RANGE);
    ct_ok(cx, FN_C_VerifyInit, cx->p->C_VerifyInit(k.s, &k.m, k.vk));
    ct_rv(cx, FN_C_Verify, cx->p->C_Verify(k.s, k.data, a->datalen, bad, a->siglen),
          CKR_SIGNATURE_INVALID);
}

void
cases_sign_register(void)
{
    for (size_t i = 0; i < NALGS; i++)
        ct_registerf("5.2", case_sign_output, &algs[i],
                     "C_Sign %s: NULL query and CKR_BUFFER_TOO_SMALL give the exact length and "
                     "keep the operation; success ends it",
                     algs[i].name);
    for (size_t i = 0; i < NALGS; i++)
        if (algs[i].multipart)
            ct_registerf("5.13.4", case_sign_multipart, &algs[i],
                         "C_SignUpdate/C_SignFinal %s: output convention; Final ends the "
                         "operation; C_VerifyFinal too",
                         algs[i].name);
    ct_register("5.13.1",
                "a second C_SignInit/C_VerifyInit/C_DigestInit gives "
                "CKR_OPERATION_ACTIVE and leaves the active one",
                case_init_twice, NULL);
    ct_register("5.13.2",
                "an error ends the operation: C_Sign, C_SignUpdate, C_Verify, "
                "C_VerifyFinal",
                case_error_ends_sign, NULL);
    ct_register("5.13.2", "an error ends the operation: CKR_DATA_LEN_RANGE, C_DigestUpdate",
                case_error_ends_data, NULL);
    ct_register("5.1.6", "CKR_KEY_TYPE_INCONSISTENT before CKR_KEY_FUNCTION_NOT_PERMITTED",
                case_prec_key, NULL);
    ct_register("5.1.6", "CKR_DATA_LEN_RANGE before CKR_DATA_INVALID (CKM_RSA_X_509)",
                case_prec_data, NULL);
    for (size_t i = 0; i < NALGS; i++)
        ct_registerf("5.1.6", case_prec_signature, &algs[i],
                     "C_Verify %s: CKR_SIGNATURE_LEN_RANGE before CKR_SIGNATURE_INVALID",
                     algs[i].name);
}
