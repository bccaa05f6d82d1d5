/*
 * cases_null.c: NULL output pointers. Every function that writes a result
 * through a pointer answers CKR_ARGUMENTS_BAD when that pointer is NULL
 * (§5.1.6: "the arguments supplied to the Cryptoki function were in some way
 * not appropriate"), in a state where nothing else is wrong: the operation
 * the call continues is active. Functions whose list has no
 * CKR_ARGUMENTS_BAD are not in this table.
 */
#include "cases.h"
#include "fixtures.h"

#include <string.h>

/* What the call needs before it runs. */
enum need { N_NONE, N_SESSION, N_FIND, N_DIGEST, N_SIGN, N_ENCRYPT, N_DECRYPT };

struct null_ctx {
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE obj;
};

struct null_case {
    enum fn fn;
    const char *what;
    enum need need;
    CK_RV (*call)(struct cx *cx, const struct null_ctx *c);
};

static CK_BYTE data[32] = {1};
static CK_BYTE out[512];
static CK_BBOOL no = CK_FALSE;
static CK_OBJECT_CLASS data_class = CKO_DATA;
static CK_ATTRIBUTE data_tmpl[] = {{CKA_CLASS, &data_class, sizeof data_class},
                                   {CKA_TOKEN, &no, sizeof no},
                                   {CKA_PRIVATE, &no, sizeof no}};

static CK_RV
n_slot_list(struct cx *cx, const struct null_ctx *c)
{
    (void)c;
    CK_SLOT_ID l[4];
    return cx->p->C_GetSlotList(CK_TRUE, l, NULL);
}

static CK_RV
n_slot_info(struct cx *cx, const struct null_ctx *c)
{
    (void)c;
    return cx->p->C_GetSlotInfo(cx->slot, NULL);
}

static CK_RV
n_token_info(struct cx *cx, const struct null_ctx *c)
{
    (void)c;
    return cx->p->C_GetTokenInfo(cx->slot, NULL);
}

static CK_RV
n_mech_list(struct cx *cx, const struct null_ctx *c)
{
    (void)c;
    return cx->p->C_GetMechanismList(cx->slot, NULL, NULL);
}

static CK_RV
n_mech_info(struct cx *cx, const struct null_ctx *c)
{
    (void)c;
    return cx->p->C_GetMechanismInfo(cx->slot, CKM_SHA256, NULL);
}

static CK_RV
n_open(struct cx *cx, const struct null_ctx *c)
{
    (void)c;
    return cx->p->C_OpenSession(cx->slot, CKF_SERIAL_SESSION, NULL, NULL, NULL);
}

static CK_RV
n_session_info(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_GetSessionInfo(c->s, NULL);
}

static CK_RV
n_create(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_CreateObject(c->s, data_tmpl, 3, NULL);
}

static CK_RV
n_copy(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_CopyObject(c->s, c->obj, data_tmpl + 1, 1, NULL);
}

static CK_RV
n_object_size(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_GetObjectSize(c->s, c->obj, NULL);
}

static CK_RV
n_find(struct cx *cx, const struct null_ctx *c)
{
    CK_OBJECT_HANDLE h[4];
    return cx->p->C_FindObjects(c->s, h, 4, NULL);
}

static CK_RV
n_digest(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_Digest(c->s, data, sizeof data, out, NULL);
}

static CK_RV
n_digest_final(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_DigestFinal(c->s, out, NULL);
}

static CK_RV
n_sign(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_Sign(c->s, data, sizeof data, out, NULL);
}

static CK_RV
n_sign_final(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_SignFinal(c->s, out, NULL);
}

static CK_RV
n_encrypt(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_Encrypt(c->s, data, sizeof data, out, NULL);
}

static CK_RV
n_decrypt(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_Decrypt(c->s, out, 48, data, NULL);
}

static CK_RV
n_generate_key(struct cx *cx, const struct null_ctx *c)
{
    CK_MECHANISM m = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len, sizeof len}, {CKA_TOKEN, &no, sizeof no}};
    return cx->p->C_GenerateKey(c->s, &m, t, 2, NULL);
}

static CK_RV
n_generate_pair(struct cx *cx, const struct null_ctx *c)
{
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE oid[sizeof fx_p256_oid];
    memcpy(oid, fx_p256_oid, sizeof oid);
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, oid, sizeof oid}};
    CK_OBJECT_HANDLE priv;
    return cx->p->C_GenerateKeyPair(c->s, &m, pt, 1, NULL, 0, NULL, &priv);
}

static CK_RV
n_random(struct cx *cx, const struct null_ctx *c)
{
    return cx->p->C_GenerateRandom(c->s, NULL, 16);
}

static const struct null_case null_cases[] = {
    {FN_C_GetSlotList, "pulCount", N_NONE, n_slot_list},
    {FN_C_GetSlotInfo, "pInfo", N_NONE, n_slot_info},
    {FN_C_GetTokenInfo, "pInfo", N_NONE, n_token_info},
    {FN_C_GetMechanismList, "pulCount", N_NONE, n_mech_list},
    {FN_C_GetMechanismInfo, "pInfo", N_NONE, n_mech_info},
    {FN_C_OpenSession, "phSession", N_NONE, n_open},
    {FN_C_GetSessionInfo, "pInfo", N_SESSION, n_session_info},
    {FN_C_CreateObject, "phObject", N_SESSION, n_create},
    {FN_C_CopyObject, "phNewObject", N_SESSION, n_copy},
    {FN_C_GetObjectSize, "pulSize", N_SESSION, n_object_size},
    {FN_C_FindObjects, "pulObjectCount", N_FIND, n_find},
    {FN_C_Digest, "pulDigestLen", N_DIGEST, n_digest},
    {FN_C_DigestFinal, "pulDigestLen", N_DIGEST, n_digest_final},
    {FN_C_Sign, "pulSignatureLen", N_SIGN, n_sign},
    {FN_C_SignFinal, "pulSignatureLen", N_SIGN, n_sign_final},
    {FN_C_Encrypt, "pulEncryptedDataLen", N_ENCRYPT, n_encrypt},
    {FN_C_Decrypt, "pulDataLen", N_DECRYPT, n_decrypt},
    {FN_C_GenerateKey, "phKey", N_SESSION, n_generate_key},
    {FN_C_GenerateKeyPair, "phPublicKey", N_SESSION, n_generate_pair},
    {FN_C_GenerateRandom, "pRandomData", N_SESSION, n_random},
};

/* Start the operation the call continues. */
static void
null_prepare(struct cx *cx, const struct null_case *nc, struct null_ctx *c)
{
    static CK_BYTE iv[12];
    static CK_GCM_PARAMS gp = {iv, sizeof iv, 96, NULL, 0, 128};
    CK_MECHANISM gcm = {CKM_AES_GCM, &gp, sizeof gp};
    c->s = ct_open(cx, true);
    ct_login(cx, c->s, CKU_USER);
    c->obj = fx_data(cx, c->s, false, false, "null-output");
    if (nc->fn == FN_C_GenerateKey) ct_need_mech(cx, CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE);
    if (nc->fn == FN_C_GenerateKeyPair)
        ct_need_mech(cx, CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR);
    switch (nc->need) {
    case N_FIND:
        ct_ok(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(c->s, NULL, 0));
        break;
    case N_DIGEST:
        ct_need_mech(cx, CKM_SHA256, CKF_DIGEST);
        ct_ok(cx, FN_C_DigestInit, cx->p->C_DigestInit(c->s, &fx_sha256));
        break;
    case N_SIGN:
        ct_need_mech(cx, CKM_SHA256_HMAC, CKF_SIGN);
        ct_ok(cx, FN_C_SignInit, cx->p->C_SignInit(c->s, &fx_hmac, fx_hmac_key(cx, c->s, NULL)));
        break;
    case N_ENCRYPT:
    case N_DECRYPT: {
        ct_need_mech(cx, CKM_AES_GCM, CKF_ENCRYPT | CKF_DECRYPT);
        CK_OBJECT_HANDLE k = fx_aes_key(cx, c->s, NULL);
        if (nc->need == N_ENCRYPT)
            ct_ok(cx, FN_C_EncryptInit, cx->p->C_EncryptInit(c->s, &gcm, k));
        else
            ct_ok(cx, FN_C_DecryptInit, cx->p->C_DecryptInit(c->s, &gcm, k));
        break;
    }
    default:
        break;
    }
}

static void
case_null_output(struct cx *cx, const void *arg)
{
    const struct null_case *nc = arg;
    struct null_ctx c = {0};
    ct_init(cx);
    if (nc->need != N_NONE) null_prepare(cx, nc, &c);
    ct_rv(cx, nc->fn, nc->call(cx, &c), CKR_ARGUMENTS_BAD);
}

void
cases_null_register(void)
{
    for (size_t i = 0; i < sizeof null_cases / sizeof null_cases[0]; i++)
        ct_registerf(fn_section(null_cases[i].fn), case_null_output, &null_cases[i],
                     "%s with a NULL %s gives CKR_ARGUMENTS_BAD", fn_name(null_cases[i].fn),
                     null_cases[i].what);
}
