/*
 * test_pkcs11.c: the C_* entry points in-process, through the module's own
 * 3.0 function list (lists_30()), on a file store in a fresh mkdtemp
 * directory named by a temporary CREDTOKEN_CONF.
 *
 * The heart is one table with a call per function of the 3.0 list (checked
 * against the list itself), driven in several states: before C_Initialize,
 * after C_Finalize, and with invalid, closed and stale session handles.
 * Further tables cover NULL pointers and unsupported functions.
 */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/rmtree.h"
#include "credtoken/pkcs11.h"
#include "pkcs11/lists.h"

#include "unit.h"

/* PKCS#11 3.0 §5.19: the last part of a multi-part message. */
#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE 0x00000001UL
#endif

static CK_UTF8CHAR so_pin[] = "so-secret";
static CK_UTF8CHAR user_pin[] = "user-1234";
#define SO_PIN so_pin, (CK_ULONG)(sizeof so_pin - 1)
#define USER_PIN user_pin, (CK_ULONG)(sizeof user_pin - 1)

static const CK_FUNCTION_LIST_3_0 *f;
static char basedir[64];
static char tmpdir[96];
static char confpath[128];

/* One directory per test case run (unchecked fixture, in the parent
 * process), one fresh directory inside it per test: a test that fails in a
 * forked child exits without its teardown, and the case teardown still
 * removes what it left. */
static void
base_setup(void)
{
    snprintf(basedir, sizeof basedir, "/tmp/ct-p11-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(basedir));
}

static void
base_teardown(void)
{
    rmtree(basedir);
}

static void
setup(void)
{
    f = lists_30();
    ck_assert_ptr_nonnull(f);
    snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", basedir);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(confpath, sizeof confpath, "%s/credtoken.conf", tmpdir);
    FILE *fp = fopen(confpath, "w");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "# test_pkcs11\nstore = %s/store\nkdf_target_ms = 1\nmax_pin_failures = 5\n",
            tmpdir);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(setenv("CREDTOKEN_CONF", confpath, 1), 0);
    ck_assert_int_eq(unsetenv("CREDTOKEN_STORE"), 0);
}

static void
teardown(void)
{
    /* Tests may leave the library initialized (or not): either is fine. */
    CK_RV rv = f->C_Finalize(NULL);
    ck_assert(rv == CKR_OK || rv == CKR_CRYPTOKI_NOT_INITIALIZED);
    rmtree(tmpdir);
    unsetenv("CREDTOKEN_CONF");
}

/* ---- a ready token ---- */

struct ctx {
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE h;  /* R/W, user logged in */
    CK_OBJECT_HANDLE obj; /* a session data object */
    CK_OBJECT_HANDLE aes; /* AES-128 session key (GCM) */
    CK_OBJECT_HANDLE mac; /* generic secret session key (HMAC) */
};

static CK_OBJECT_CLASS o_data = CKO_DATA, o_sec = CKO_SECRET_KEY;
static CK_KEY_TYPE k_aes = CKK_AES, k_gen = CKK_GENERIC_SECRET;
static CK_BBOOL yes = CK_TRUE;
static CK_ULONG len16 = 16;
static CK_BYTE key16[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                            0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_ATTRIBUTE data_tmpl[] = {{CKA_CLASS, &o_data, sizeof o_data}};
static CK_ATTRIBUTE aesgen_tmpl[] = {{CKA_VALUE_LEN, &len16, sizeof len16}};
static CK_ATTRIBUTE ecpub_tmpl[] = {{CKA_EC_PARAMS, oid_p256, sizeof oid_p256}};
static CK_ATTRIBUTE ecpriv_tmpl[] = {{CKA_SIGN, &yes, sizeof yes}};

static CK_BYTE bbuf[1024], bbuf2[1024];
static CK_ULONG blen;
static CK_BYTE data5[5] = {'h', 'e', 'l', 'l', 'o'};
static CK_BYTE gcm_iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static CK_GCM_PARAMS gcm_p = {gcm_iv, sizeof gcm_iv, 96, NULL, 0, 128};
static CK_MECHANISM m_gcm = {CKM_AES_GCM, &gcm_p, sizeof gcm_p};
static CK_MECHANISM m_sha = {CKM_SHA256, NULL, 0};
static CK_MECHANISM m_hmac = {CKM_SHA256_HMAC, NULL, 0};
static CK_MECHANISM m_aesgen = {CKM_AES_KEY_GEN, NULL, 0};
static CK_MECHANISM m_ecgen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
static CK_MECHANISM m_wrap = {CKM_AES_KEY_WRAP, NULL, 0};
static CK_MECHANISM m_derive = {CKM_ECDH1_DERIVE, NULL, 0};

static void
mklabel(CK_UTF8CHAR out[32], const char *s)
{
    memset(out, ' ', 32);
    memcpy(out, s, strlen(s) < 32 ? strlen(s) : 32);
}

static CK_OBJECT_HANDLE
create(CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG n)
{
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    ck_assert_rv(f->C_CreateObject(h, t, n, &o), CKR_OK);
    ck_assert_uint_ne(o, CK_INVALID_HANDLE);
    return o;
}

/* C_Initialize, one token with a user PIN, a R/W session with the user
 * logged in, and three session objects. */
static void
ready(struct ctx *c)
{
    CK_SLOT_ID slots[8];
    CK_ULONG n = NELEM(slots);
    CK_UTF8CHAR label[32];
    memset(c, 0, sizeof *c);
    ck_assert_rv(f->C_Initialize(NULL), CKR_OK);
    ck_assert_rv(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    ck_assert_uint_eq(n, 1);
    c->slot = slots[0];
    mklabel(label, "test_pkcs11");
    ck_assert_rv(f->C_InitToken(c->slot, SO_PIN, label), CKR_OK);
    ck_assert_rv(f->C_OpenSession(c->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &c->h),
                 CKR_OK);
    ck_assert_rv(f->C_Login(c->h, CKU_SO, SO_PIN), CKR_OK);
    ck_assert_rv(f->C_InitPIN(c->h, USER_PIN), CKR_OK);
    ck_assert_rv(f->C_Logout(c->h), CKR_OK);
    ck_assert_rv(f->C_Login(c->h, CKU_USER, USER_PIN), CKR_OK);
    CK_ATTRIBUTE aes_t[] = {{CKA_CLASS, &o_sec, sizeof o_sec},
                            {CKA_KEY_TYPE, &k_aes, sizeof k_aes},
                            {CKA_VALUE, key16, sizeof key16}};
    CK_ATTRIBUTE mac_t[] = {{CKA_CLASS, &o_sec, sizeof o_sec},
                            {CKA_KEY_TYPE, &k_gen, sizeof k_gen},
                            {CKA_VALUE, key16, sizeof key16}};
    c->obj = create(c->h, data_tmpl, NELEM(data_tmpl));
    c->aes = create(c->h, aes_t, NELEM(aes_t));
    c->mac = create(c->h, mac_t, NELEM(mac_t));
}

/* ---- one call per function of the 3.0 list ---- */

/* With valid arguments except, possibly, the handles in c. */
#define T(name) static CK_RV t_##name(const struct ctx *c)

T(C_Initialize)
{
    (void)c;
    return f->C_Initialize(NULL);
}
T(C_Finalize)
{
    (void)c;
    return f->C_Finalize(NULL);
}
T(C_GetInfo)
{
    CK_INFO i;
    (void)c;
    return f->C_GetInfo(&i);
}
T(C_GetFunctionList)
{
    CK_FUNCTION_LIST_PTR l = NULL;
    (void)c;
    return f->C_GetFunctionList(&l);
}
T(C_GetSlotList)
{
    CK_ULONG n = 0;
    (void)c;
    return f->C_GetSlotList(CK_TRUE, NULL, &n);
}
T(C_GetSlotInfo)
{
    CK_SLOT_INFO i;
    return f->C_GetSlotInfo(c->slot, &i);
}
T(C_GetTokenInfo)
{
    CK_TOKEN_INFO i;
    return f->C_GetTokenInfo(c->slot, &i);
}
T(C_GetMechanismList)
{
    CK_ULONG n = 0;
    return f->C_GetMechanismList(c->slot, NULL, &n);
}
T(C_GetMechanismInfo)
{
    CK_MECHANISM_INFO i;
    return f->C_GetMechanismInfo(c->slot, CKM_SHA256, &i);
}
T(C_InitToken)
{
    CK_UTF8CHAR l[32];
    mklabel(l, "another");
    return f->C_InitToken(c->slot, SO_PIN, l);
}
T(C_InitPIN)
{
    return f->C_InitPIN(c->h, USER_PIN);
}
T(C_SetPIN)
{
    return f->C_SetPIN(c->h, USER_PIN, USER_PIN);
}
T(C_OpenSession)
{
    CK_SESSION_HANDLE h;
    return f->C_OpenSession(c->slot, CKF_SERIAL_SESSION, NULL, NULL, &h);
}
T(C_CloseSession)
{
    return f->C_CloseSession(c->h);
}
T(C_CloseAllSessions)
{
    return f->C_CloseAllSessions(c->slot);
}
T(C_GetSessionInfo)
{
    CK_SESSION_INFO i;
    return f->C_GetSessionInfo(c->h, &i);
}
T(C_GetOperationState)
{
    CK_ULONG n = 0;
    return f->C_GetOperationState(c->h, NULL, &n);
}
T(C_SetOperationState)
{
    return f->C_SetOperationState(c->h, bbuf, 16, CK_INVALID_HANDLE, CK_INVALID_HANDLE);
}
T(C_Login)
{
    return f->C_Login(c->h, CKU_USER, USER_PIN);
}
T(C_Logout)
{
    return f->C_Logout(c->h);
}
T(C_CreateObject)
{
    CK_OBJECT_HANDLE o;
    return f->C_CreateObject(c->h, data_tmpl, NELEM(data_tmpl), &o);
}
T(C_CopyObject)
{
    CK_OBJECT_HANDLE o;
    return f->C_CopyObject(c->h, c->obj, NULL, 0, &o);
}
T(C_DestroyObject)
{
    return f->C_DestroyObject(c->h, c->obj);
}
T(C_GetObjectSize)
{
    CK_ULONG n;
    return f->C_GetObjectSize(c->h, c->obj, &n);
}
T(C_GetAttributeValue)
{
    CK_ATTRIBUTE a = {CKA_LABEL, NULL, 0};
    return f->C_GetAttributeValue(c->h, c->obj, &a, 1);
}
T(C_SetAttributeValue)
{
    CK_ATTRIBUTE a = {CKA_LABEL, "x", 1};
    return f->C_SetAttributeValue(c->h, c->obj, &a, 1);
}
T(C_FindObjectsInit)
{
    return f->C_FindObjectsInit(c->h, NULL, 0);
}
T(C_FindObjects)
{
    CK_OBJECT_HANDLE o[4];
    CK_ULONG n;
    return f->C_FindObjects(c->h, o, 4, &n);
}
T(C_FindObjectsFinal)
{
    return f->C_FindObjectsFinal(c->h);
}
T(C_EncryptInit)
{
    return f->C_EncryptInit(c->h, &m_gcm, c->aes);
}
T(C_Encrypt)
{
    blen = sizeof bbuf;
    return f->C_Encrypt(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_EncryptUpdate)
{
    blen = sizeof bbuf;
    return f->C_EncryptUpdate(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_EncryptFinal)
{
    blen = sizeof bbuf;
    return f->C_EncryptFinal(c->h, bbuf, &blen);
}
T(C_DecryptInit)
{
    return f->C_DecryptInit(c->h, &m_gcm, c->aes);
}
T(C_Decrypt)
{
    blen = sizeof bbuf;
    return f->C_Decrypt(c->h, bbuf2, 21, bbuf, &blen);
}
T(C_DecryptUpdate)
{
    blen = sizeof bbuf;
    return f->C_DecryptUpdate(c->h, bbuf2, 21, bbuf, &blen);
}
T(C_DecryptFinal)
{
    blen = sizeof bbuf;
    return f->C_DecryptFinal(c->h, bbuf, &blen);
}
T(C_DigestInit)
{
    return f->C_DigestInit(c->h, &m_sha);
}
T(C_Digest)
{
    blen = sizeof bbuf;
    return f->C_Digest(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_DigestUpdate)
{
    return f->C_DigestUpdate(c->h, data5, sizeof data5);
}
T(C_DigestKey)
{
    return f->C_DigestKey(c->h, c->mac);
}
T(C_DigestFinal)
{
    blen = sizeof bbuf;
    return f->C_DigestFinal(c->h, bbuf, &blen);
}
T(C_SignInit)
{
    return f->C_SignInit(c->h, &m_hmac, c->mac);
}
T(C_Sign)
{
    blen = sizeof bbuf;
    return f->C_Sign(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_SignUpdate)
{
    return f->C_SignUpdate(c->h, data5, sizeof data5);
}
T(C_SignFinal)
{
    blen = sizeof bbuf;
    return f->C_SignFinal(c->h, bbuf, &blen);
}
T(C_SignRecoverInit)
{
    return f->C_SignRecoverInit(c->h, &m_hmac, c->mac);
}
T(C_SignRecover)
{
    blen = sizeof bbuf;
    return f->C_SignRecover(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_VerifyInit)
{
    return f->C_VerifyInit(c->h, &m_hmac, c->mac);
}
T(C_Verify)
{
    return f->C_Verify(c->h, data5, sizeof data5, bbuf2, 32);
}
T(C_VerifyUpdate)
{
    return f->C_VerifyUpdate(c->h, data5, sizeof data5);
}
T(C_VerifyFinal)
{
    return f->C_VerifyFinal(c->h, bbuf2, 32);
}
T(C_VerifyRecoverInit)
{
    return f->C_VerifyRecoverInit(c->h, &m_hmac, c->mac);
}
T(C_VerifyRecover)
{
    blen = sizeof bbuf;
    return f->C_VerifyRecover(c->h, bbuf2, 32, bbuf, &blen);
}
T(C_DigestEncryptUpdate)
{
    blen = sizeof bbuf;
    return f->C_DigestEncryptUpdate(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_DecryptDigestUpdate)
{
    blen = sizeof bbuf;
    return f->C_DecryptDigestUpdate(c->h, bbuf2, 16, bbuf, &blen);
}
T(C_SignEncryptUpdate)
{
    blen = sizeof bbuf;
    return f->C_SignEncryptUpdate(c->h, data5, sizeof data5, bbuf, &blen);
}
T(C_DecryptVerifyUpdate)
{
    blen = sizeof bbuf;
    return f->C_DecryptVerifyUpdate(c->h, bbuf2, 16, bbuf, &blen);
}
T(C_GenerateKey)
{
    CK_OBJECT_HANDLE k;
    return f->C_GenerateKey(c->h, &m_aesgen, aesgen_tmpl, NELEM(aesgen_tmpl), &k);
}
T(C_GenerateKeyPair)
{
    CK_OBJECT_HANDLE pub, priv;
    return f->C_GenerateKeyPair(c->h, &m_ecgen, ecpub_tmpl, NELEM(ecpub_tmpl), ecpriv_tmpl,
                                NELEM(ecpriv_tmpl), &pub, &priv);
}
T(C_WrapKey)
{
    blen = sizeof bbuf;
    return f->C_WrapKey(c->h, &m_wrap, c->aes, c->mac, bbuf, &blen);
}
T(C_UnwrapKey)
{
    CK_OBJECT_HANDLE k;
    return f->C_UnwrapKey(c->h, &m_wrap, c->aes, bbuf2, 24, data_tmpl, NELEM(data_tmpl), &k);
}
T(C_DeriveKey)
{
    CK_OBJECT_HANDLE k;
    return f->C_DeriveKey(c->h, &m_derive, c->aes, data_tmpl, NELEM(data_tmpl), &k);
}
T(C_SeedRandom)
{
    return f->C_SeedRandom(c->h, bbuf2, 8);
}
T(C_GenerateRandom)
{
    return f->C_GenerateRandom(c->h, bbuf, 8);
}
T(C_GetFunctionStatus)
{
    return f->C_GetFunctionStatus(c->h);
}
T(C_CancelFunction)
{
    return f->C_CancelFunction(c->h);
}
T(C_WaitForSlotEvent)
{
    CK_SLOT_ID s;
    (void)c;
    return f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, NULL);
}
T(C_GetInterfaceList)
{
    CK_ULONG n = 0;
    (void)c;
    return f->C_GetInterfaceList(NULL, &n);
}
T(C_GetInterface)
{
    CK_INTERFACE_PTR i = NULL;
    (void)c;
    return f->C_GetInterface(NULL, NULL, &i, 0);
}
T(C_LoginUser)
{
    return f->C_LoginUser(c->h, CKU_USER, USER_PIN, (CK_UTF8CHAR_PTR) "user", 4);
}
T(C_SessionCancel)
{
    return f->C_SessionCancel(c->h, CKF_ENCRYPT);
}
T(C_MessageEncryptInit)
{
    return f->C_MessageEncryptInit(c->h, &m_gcm, c->aes);
}
T(C_EncryptMessage)
{
    blen = sizeof bbuf;
    return f->C_EncryptMessage(c->h, &gcm_p, sizeof gcm_p, NULL, 0, data5, sizeof data5, bbuf,
                               &blen);
}
T(C_EncryptMessageBegin)
{
    return f->C_EncryptMessageBegin(c->h, &gcm_p, sizeof gcm_p, NULL, 0);
}
T(C_EncryptMessageNext)
{
    blen = sizeof bbuf;
    return f->C_EncryptMessageNext(c->h, &gcm_p, sizeof gcm_p, data5, sizeof data5, bbuf, &blen,
                                   CKF_END_OF_MESSAGE);
}
T(C_MessageEncryptFinal)
{
    return f->C_MessageEncryptFinal(c->h);
}
T(C_MessageDecryptInit)
{
    return f->C_MessageDecryptInit(c->h, &m_gcm, c->aes);
}
T(C_DecryptMessage)
{
    blen = sizeof bbuf;
    return f->C_DecryptMessage(c->h, &gcm_p, sizeof gcm_p, NULL, 0, bbuf2, 21, bbuf, &blen);
}
T(C_DecryptMessageBegin)
{
    return f->C_DecryptMessageBegin(c->h, &gcm_p, sizeof gcm_p, NULL, 0);
}
T(C_DecryptMessageNext)
{
    blen = sizeof bbuf;
    return f->C_DecryptMessageNext(c->h, &gcm_p, sizeof gcm_p, bbuf2, 21, bbuf, &blen,
                                   CKF_END_OF_MESSAGE);
}
T(C_MessageDecryptFinal)
{
    return f->C_MessageDecryptFinal(c->h);
}
T(C_MessageSignInit)
{
    return f->C_MessageSignInit(c->h, &m_hmac, c->mac);
}
T(C_SignMessage)
{
    blen = sizeof bbuf;
    return f->C_SignMessage(c->h, NULL, 0, data5, sizeof data5, bbuf, &blen);
}
T(C_SignMessageBegin)
{
    return f->C_SignMessageBegin(c->h, NULL, 0);
}
T(C_SignMessageNext)
{
    blen = sizeof bbuf;
    return f->C_SignMessageNext(c->h, NULL, 0, data5, sizeof data5, bbuf, &blen);
}
T(C_MessageSignFinal)
{
    return f->C_MessageSignFinal(c->h);
}
T(C_MessageVerifyInit)
{
    return f->C_MessageVerifyInit(c->h, &m_hmac, c->mac);
}
T(C_VerifyMessage)
{
    return f->C_VerifyMessage(c->h, NULL, 0, data5, sizeof data5, bbuf2, 32);
}
T(C_VerifyMessageBegin)
{
    return f->C_VerifyMessageBegin(c->h, NULL, 0);
}
T(C_VerifyMessageNext)
{
    return f->C_VerifyMessageNext(c->h, NULL, 0, data5, sizeof data5, bbuf2, 32);
}
T(C_MessageVerifyFinal)
{
    return f->C_MessageVerifyFinal(c->h);
}

enum {
    F_SESS = 1 << 0,    /* takes a session handle */
    F_PREINIT = 1 << 1, /* answers before C_Initialize (§5.4) */
    F_INIT = 1 << 2,    /* C_Initialize itself */
    F_UNSUP = 1 << 3,   /* not offered: CKR_FUNCTION_NOT_SUPPORTED on a valid session */
};

struct call {
    size_t off; /* the function's slot in CK_FUNCTION_LIST_3_0 */
    const char *name;
    unsigned flags;
    CK_RV (*fn)(const struct ctx *c);
};

#define E(fn, fl)                                                                                  \
    {                                                                                              \
        offsetof(CK_FUNCTION_LIST_3_0, fn), #fn, (fl), t_##fn                                      \
    }
#define S F_SESS
#define SU (F_SESS | F_UNSUP)

static const struct call calls[] = {
    E(C_Initialize, F_INIT),
    E(C_Finalize, 0),
    E(C_GetInfo, 0),
    E(C_GetFunctionList, F_PREINIT),
    E(C_GetSlotList, 0),
    E(C_GetSlotInfo, 0),
    E(C_GetTokenInfo, 0),
    E(C_GetMechanismList, 0),
    E(C_GetMechanismInfo, 0),
    E(C_InitToken, 0),
    E(C_InitPIN, S),
    E(C_SetPIN, S),
    E(C_OpenSession, 0),
    E(C_CloseSession, S),
    E(C_CloseAllSessions, 0),
    E(C_GetSessionInfo, S),
    E(C_GetOperationState, S),
    E(C_SetOperationState, S),
    E(C_Login, S),
    E(C_Logout, S),
    E(C_CreateObject, S),
    E(C_CopyObject, S),
    E(C_DestroyObject, S),
    E(C_GetObjectSize, S),
    E(C_GetAttributeValue, S),
    E(C_SetAttributeValue, S),
    E(C_FindObjectsInit, S),
    E(C_FindObjects, S),
    E(C_FindObjectsFinal, S),
    E(C_EncryptInit, S),
    E(C_Encrypt, S),
    E(C_EncryptUpdate, S),
    E(C_EncryptFinal, S),
    E(C_DecryptInit, S),
    E(C_Decrypt, S),
    E(C_DecryptUpdate, S),
    E(C_DecryptFinal, S),
    E(C_DigestInit, S),
    E(C_Digest, S),
    E(C_DigestUpdate, S),
    E(C_DigestKey, S),
    E(C_DigestFinal, S),
    E(C_SignInit, S),
    E(C_Sign, S),
    E(C_SignUpdate, S),
    E(C_SignFinal, S),
    E(C_SignRecoverInit, S),
    E(C_SignRecover, S),
    E(C_VerifyInit, S),
    E(C_Verify, S),
    E(C_VerifyUpdate, S),
    E(C_VerifyFinal, S),
    E(C_VerifyRecoverInit, S),
    E(C_VerifyRecover, S),
    E(C_DigestEncryptUpdate, S),
    E(C_DecryptDigestUpdate, S),
    E(C_SignEncryptUpdate, S),
    E(C_DecryptVerifyUpdate, S),
    E(C_GenerateKey, S),
    E(C_GenerateKeyPair, S),
    E(C_WrapKey, S),
    E(C_UnwrapKey, S),
    E(C_DeriveKey, S),
    E(C_SeedRandom, S),
    E(C_GenerateRandom, S),
    E(C_GetFunctionStatus, S),
    E(C_CancelFunction, S),
    E(C_WaitForSlotEvent, 0),
    E(C_GetInterfaceList, F_PREINIT),
    E(C_GetInterface, F_PREINIT),
    E(C_LoginUser, S),
    E(C_SessionCancel, S),
    E(C_MessageEncryptInit, SU),
    E(C_EncryptMessage, SU),
    E(C_EncryptMessageBegin, SU),
    E(C_EncryptMessageNext, SU),
    E(C_MessageEncryptFinal, SU),
    E(C_MessageDecryptInit, SU),
    E(C_DecryptMessage, SU),
    E(C_DecryptMessageBegin, SU),
    E(C_DecryptMessageNext, SU),
    E(C_MessageDecryptFinal, SU),
    E(C_MessageSignInit, SU),
    E(C_SignMessage, SU),
    E(C_SignMessageBegin, SU),
    E(C_SignMessageNext, SU),
    E(C_MessageSignFinal, SU),
    E(C_MessageVerifyInit, SU),
    E(C_VerifyMessage, SU),
    E(C_VerifyMessageBegin, SU),
    E(C_VerifyMessageNext, SU),
    E(C_MessageVerifyFinal, SU),
};

#undef S
#undef SU

/* The table names every function of the list exactly once, and the list
 * has no empty slot. */
START_TEST(test_table_covers_the_list)
{
    const size_t first = offsetof(CK_FUNCTION_LIST_3_0, C_Initialize);
    const size_t width = sizeof(CK_C_Initialize);
    const size_t nslots = (sizeof(CK_FUNCTION_LIST_3_0) - first) / width;
    bool seen[128] = {false};
    ck_assert_uint_eq(nslots, 92); /* 68 from 2.40, 24 new in 3.0 */
    ck_assert_uint_eq(NELEM(calls), nslots);
    for (size_t i = 0; i < NELEM(calls); i++) {
        size_t slot = (calls[i].off - first) / width;
        ck_assert_msg((calls[i].off - first) % width == 0 && slot < nslots, "%s", calls[i].name);
        ck_assert_msg(!seen[slot], "%s is in the table twice", calls[i].name);
        seen[slot] = true;
        void (*fp)(void) = NULL;
        memcpy(&fp, (const char *)f + calls[i].off, sizeof fp);
        ck_assert_msg(fp != NULL, "%s is NULL in the 3.0 list", calls[i].name);
    }
    ck_assert_uint_eq(f->version.major, 3);
    ck_assert_uint_eq(f->version.minor, 0);
}
END_TEST

static void
expect_not_initialized(const struct ctx *c, const char *when)
{
    for (size_t i = 0; i < NELEM(calls); i++) {
        if (calls[i].flags & F_INIT) continue;
        CK_RV want = (calls[i].flags & F_PREINIT) ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
        CK_RV rv = calls[i].fn(c);
        ck_assert_msg(rv == want, "%s %s: 0x%lx, expected 0x%lx", calls[i].name, when, rv, want);
    }
}

START_TEST(test_not_initialized)
{
    struct ctx c = {.slot = 0, .h = 1, .obj = 1, .aes = 2, .mac = 3};
    expect_not_initialized(&c, "before C_Initialize");
    ck_assert_rv(f->C_Initialize(NULL), CKR_OK);
    ck_assert_rv(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    ck_assert_rv(f->C_Finalize(NULL), CKR_OK);
    expect_not_initialized(&c, "after C_Finalize");

    /* Again, with real handles from a library that was then finalized. */
    struct ctx r;
    ready(&r);
    ck_assert_rv(f->C_Finalize(NULL), CKR_OK);
    expect_not_initialized(&r, "after C_Finalize with a ready token");
    ck_assert_rv(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}
END_TEST

/* The handle states of test_session_handles. */
enum { H_INVALID, H_ZERO, H_CLOSED, H_CLOSED_ALL, H_REINIT, H_MODES };

START_TEST(test_session_handles)
{
    static const char *const what[H_MODES] = {
        "never opened", "zero", "closed", "closed by C_CloseAllSessions", "from before C_Finalize"};
    struct ctx c;
    ready(&c);
    struct ctx bad = c;
    CK_SESSION_HANDLE other = CK_INVALID_HANDLE;
    switch (_i) {
    case H_INVALID:
        bad.h = c.h + 1000;
        break;
    case H_ZERO:
        bad.h = CK_INVALID_HANDLE;
        break;
    case H_CLOSED:
        /* Another session stays open: the lookup must be exact. */
        ck_assert_rv(f->C_OpenSession(c.slot, CKF_SERIAL_SESSION, NULL, NULL, &other), CKR_OK);
        ck_assert_rv(f->C_CloseSession(other), CKR_OK);
        bad.h = other;
        break;
    case H_CLOSED_ALL:
        ck_assert_rv(f->C_OpenSession(c.slot, CKF_SERIAL_SESSION, NULL, NULL, &other), CKR_OK);
        ck_assert_rv(f->C_CloseAllSessions(c.slot), CKR_OK);
        bad.h = other;
        break;
    case H_REINIT:
        ck_assert_rv(f->C_Finalize(NULL), CKR_OK);
        ck_assert_rv(f->C_Initialize(NULL), CKR_OK);
        break;
    }
    for (size_t i = 0; i < NELEM(calls); i++) {
        if (!(calls[i].flags & F_SESS)) continue;
        CK_RV rv = calls[i].fn(&bad);
        ck_assert_msg(rv == CKR_SESSION_HANDLE_INVALID, "%s with a session handle %s: 0x%lx",
                      calls[i].name, what[_i], rv);
    }
    if (_i == H_CLOSED) {
        /* ... and the good session was not touched. */
        CK_SESSION_INFO si;
        ck_assert_rv(f->C_GetSessionInfo(c.h, &si), CKR_OK);
        ck_assert_uint_eq(si.state, CKS_RW_USER_FUNCTIONS);
    }
}
END_TEST

START_TEST(test_unsupported_functions)
{
    struct ctx c;
    ready(&c);
    for (size_t i = 0; i < NELEM(calls); i++) {
        if (!(calls[i].flags & F_UNSUP)) continue;
        CK_RV rv = calls[i].fn(&c);
        ck_assert_msg(rv == CKR_FUNCTION_NOT_SUPPORTED, "%s: 0x%lx", calls[i].name, rv);
    }
    /* Operation state: nothing active, nothing to save; garbage is not a
     * saved state. */
    CK_ULONG sn = 0;
    ck_assert_rv(f->C_GetOperationState(c.h, NULL, &sn), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_rv(f->C_SetOperationState(c.h, bbuf, 16, CK_INVALID_HANDLE, CK_INVALID_HANDLE),
                 CKR_SAVED_STATE_INVALID);
    /* A dual-function call missing one of its two operations does not
     * disturb the other. */
    ck_assert_rv(f->C_DigestInit(c.h, &m_sha), CKR_OK);
    blen = sizeof bbuf;
    ck_assert_rv(f->C_DigestEncryptUpdate(c.h, data5, 5, bbuf, &blen),
                 CKR_OPERATION_NOT_INITIALIZED);
    blen = sizeof bbuf;
    ck_assert_rv(f->C_Digest(c.h, data5, 5, bbuf, &blen), CKR_OK);
    ck_assert_uint_eq(blen, 32);

    /* C_SessionCancel (3.0 §5.6.4) is optional; when offered it ends the
     * operations its flags name, and only those. */
    ck_assert_rv(f->C_DigestInit(c.h, &m_sha), CKR_OK);
    ck_assert_rv(f->C_SignInit(c.h, &m_hmac, c.mac), CKR_OK);
    CK_RV rv = f->C_SessionCancel(c.h, CKF_DIGEST);
    if (rv == CKR_OK) {
        ck_assert_rv(f->C_DigestFinal(c.h, NULL, &blen), CKR_OPERATION_NOT_INITIALIZED);
        ck_assert_rv(f->C_SignFinal(c.h, NULL, &blen), CKR_OK);
    } else {
        ck_assert_rv(rv, CKR_FUNCTION_NOT_SUPPORTED);
    }
    ck_assert_rv(f->C_SignInit(c.h, NULL, c.mac), CKR_OK);

    CK_SLOT_ID s = 12345;
    ck_assert_rv(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, NULL), CKR_NO_EVENT);
    ck_assert_rv(f->C_WaitForSlotEvent(0, &s, NULL), CKR_FUNCTION_NOT_SUPPORTED);
    ck_assert_rv(f->C_SeedRandom(c.h, bbuf2, 8), CKR_OK); /* mixed in as additional input */
    ck_assert_rv(f->C_GetFunctionStatus(c.h), CKR_FUNCTION_NOT_PARALLEL);
    ck_assert_rv(f->C_CancelFunction(c.h), CKR_FUNCTION_NOT_PARALLEL);
}
END_TEST

/* ---- NULL pointers ---- */

/* Start an operation the NULL call will meet, and after it check the
 * operation ended (§5.2: every return but a size query or
 * CKR_BUFFER_TOO_SMALL ends it). */
enum opk { K_NONE, K_ENC, K_DEC, K_DIGEST, K_SIGN, K_VERIFY, K_FIND };

static void
op_begin(const struct ctx *c, enum opk k)
{
    switch (k) {
    case K_NONE:
        break;
    case K_ENC:
        ck_assert_rv(f->C_EncryptInit(c->h, &m_gcm, c->aes), CKR_OK);
        break;
    case K_DEC:
        ck_assert_rv(f->C_DecryptInit(c->h, &m_gcm, c->aes), CKR_OK);
        break;
    case K_DIGEST:
        ck_assert_rv(f->C_DigestInit(c->h, &m_sha), CKR_OK);
        break;
    case K_SIGN:
        ck_assert_rv(f->C_SignInit(c->h, &m_hmac, c->mac), CKR_OK);
        break;
    case K_VERIFY:
        ck_assert_rv(f->C_VerifyInit(c->h, &m_hmac, c->mac), CKR_OK);
        break;
    case K_FIND:
        ck_assert_rv(f->C_FindObjectsInit(c->h, NULL, 0), CKR_OK);
        break;
    }
}

static void
op_ended(const struct ctx *c, enum opk k, const char *name)
{
    CK_ULONG n = 0;
    CK_RV rv = CKR_OK;
    switch (k) {
    case K_NONE:
        return;
    case K_ENC:
        rv = f->C_EncryptFinal(c->h, NULL, &n);
        break;
    case K_DEC:
        rv = f->C_DecryptFinal(c->h, NULL, &n);
        break;
    case K_DIGEST:
        rv = f->C_DigestFinal(c->h, NULL, &n);
        break;
    case K_SIGN:
        rv = f->C_SignFinal(c->h, NULL, &n);
        break;
    case K_VERIFY:
        rv = f->C_VerifyFinal(c->h, bbuf2, 32);
        break;
    case K_FIND:
        /* Searches end with C_FindObjectsFinal only (§5.7.9): close it. */
        (void)f->C_FindObjectsFinal(c->h);
        return;
    }
    ck_assert_msg(rv == CKR_OPERATION_NOT_INITIALIZED, "%s left the operation active: 0x%lx", name,
                  rv);
}

#define N(name) static CK_RV n_##name(const struct ctx *c)

N(GetInfo)
{
    (void)c;
    return f->C_GetInfo(NULL);
}
N(GetFunctionList)
{
    (void)c;
    return f->C_GetFunctionList(NULL);
}
N(GetSlotList)
{
    CK_SLOT_ID s[8];
    (void)c;
    return f->C_GetSlotList(CK_TRUE, s, NULL);
}
N(GetSlotInfo)
{
    return f->C_GetSlotInfo(c->slot, NULL);
}
N(GetTokenInfo)
{
    return f->C_GetTokenInfo(c->slot, NULL);
}
N(GetMechanismList)
{
    CK_MECHANISM_TYPE m[64];
    return f->C_GetMechanismList(c->slot, m, NULL);
}
N(GetMechanismInfo)
{
    return f->C_GetMechanismInfo(c->slot, CKM_SHA256, NULL);
}
N(OpenSession)
{
    return f->C_OpenSession(c->slot, CKF_SERIAL_SESSION, NULL, NULL, NULL);
}
N(GetSessionInfo)
{
    return f->C_GetSessionInfo(c->h, NULL);
}
N(GetOperationState)
{
    return f->C_GetOperationState(c->h, bbuf, NULL);
}
N(CreateObject)
{
    return f->C_CreateObject(c->h, data_tmpl, NELEM(data_tmpl), NULL);
}
N(CopyObject)
{
    return f->C_CopyObject(c->h, c->obj, NULL, 0, NULL);
}
N(GetObjectSize)
{
    return f->C_GetObjectSize(c->h, c->obj, NULL);
}
N(GetAttributeValue)
{
    return f->C_GetAttributeValue(c->h, c->obj, NULL, 1);
}
N(FindObjects_handles)
{
    CK_ULONG n;
    return f->C_FindObjects(c->h, NULL, 4, &n);
}
N(FindObjects_count)
{
    CK_OBJECT_HANDLE o[4];
    return f->C_FindObjects(c->h, o, 4, NULL);
}
N(Encrypt)
{
    return f->C_Encrypt(c->h, data5, sizeof data5, bbuf, NULL);
}
N(EncryptUpdate)
{
    return f->C_EncryptUpdate(c->h, data5, sizeof data5, bbuf, NULL);
}
N(EncryptFinal)
{
    return f->C_EncryptFinal(c->h, bbuf, NULL);
}
N(Decrypt)
{
    return f->C_Decrypt(c->h, bbuf2, 21, bbuf, NULL);
}
N(DecryptUpdate)
{
    return f->C_DecryptUpdate(c->h, bbuf2, 21, bbuf, NULL);
}
N(DecryptFinal)
{
    return f->C_DecryptFinal(c->h, bbuf, NULL);
}
N(Digest)
{
    return f->C_Digest(c->h, data5, sizeof data5, bbuf, NULL);
}
N(DigestFinal)
{
    return f->C_DigestFinal(c->h, bbuf, NULL);
}
N(Sign)
{
    return f->C_Sign(c->h, data5, sizeof data5, bbuf, NULL);
}
N(SignFinal)
{
    return f->C_SignFinal(c->h, bbuf, NULL);
}
N(GenerateKey)
{
    return f->C_GenerateKey(c->h, &m_aesgen, aesgen_tmpl, NELEM(aesgen_tmpl), NULL);
}
N(GenerateKeyPair_pub)
{
    CK_OBJECT_HANDLE priv;
    return f->C_GenerateKeyPair(c->h, &m_ecgen, ecpub_tmpl, NELEM(ecpub_tmpl), ecpriv_tmpl,
                                NELEM(ecpriv_tmpl), NULL, &priv);
}
N(GenerateKeyPair_priv)
{
    CK_OBJECT_HANDLE pub;
    return f->C_GenerateKeyPair(c->h, &m_ecgen, ecpub_tmpl, NELEM(ecpub_tmpl), ecpriv_tmpl,
                                NELEM(ecpriv_tmpl), &pub, NULL);
}
N(WrapKey)
{
    return f->C_WrapKey(c->h, &m_wrap, c->aes, c->mac, bbuf, NULL);
}
N(UnwrapKey)
{
    return f->C_UnwrapKey(c->h, &m_wrap, c->aes, bbuf2, 24, data_tmpl, NELEM(data_tmpl), NULL);
}
N(GenerateRandom)
{
    return f->C_GenerateRandom(c->h, NULL, 16);
}
N(WaitForSlotEvent)
{
    (void)c;
    return f->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL);
}
N(GetInterfaceList)
{
    CK_INTERFACE l[4];
    (void)c;
    return f->C_GetInterfaceList(l, NULL);
}
N(GetInterface)
{
    (void)c;
    return f->C_GetInterface(NULL, NULL, NULL, 0);
}
/* NULL input pointers with a non-zero length. */
N(Finalize_reserved)
{
    (void)c;
    return f->C_Finalize(bbuf);
}
N(InitToken_pin)
{
    CK_UTF8CHAR l[32];
    mklabel(l, "x");
    return f->C_InitToken(c->slot, NULL, 9, l);
}
N(InitToken_label)
{
    return f->C_InitToken(c->slot, SO_PIN, NULL);
}
N(InitPIN)
{
    return f->C_InitPIN(c->h, NULL, 9);
}
N(SetPIN)
{
    return f->C_SetPIN(c->h, NULL, 9, USER_PIN);
}
N(Login)
{
    return f->C_Login(c->h, CKU_SO, NULL, 9);
}
N(CreateObject_template)
{
    CK_OBJECT_HANDLE o;
    return f->C_CreateObject(c->h, NULL, 1, &o);
}
N(SetAttributeValue)
{
    return f->C_SetAttributeValue(c->h, c->obj, NULL, 1);
}
N(FindObjectsInit)
{
    return f->C_FindObjectsInit(c->h, NULL, 1);
}
N(DigestUpdate)
{
    return f->C_DigestUpdate(c->h, NULL, 5);
}
N(SignUpdate)
{
    return f->C_SignUpdate(c->h, NULL, 5);
}
N(Verify)
{
    return f->C_Verify(c->h, NULL, 5, bbuf2, 32);
}
N(VerifyFinal)
{
    return f->C_VerifyFinal(c->h, NULL, 32);
}
N(SeedRandom)
{
    return f->C_SeedRandom(c->h, NULL, 8);
}

struct ncall {
    const char *name;
    enum opk op;
    CK_RV (*fn)(const struct ctx *c);
};

#define NE(name, op)                                                                               \
    {                                                                                              \
        "C_" #name, (op), n_##name                                                                 \
    }

/*
 * Not here: C_SignRecover and C_VerifyRecover (no mechanism can start
 * them, so they answer CKR_OPERATION_NOT_INITIALIZED first), C_DeriveKey
 * (phKey is NULL_PTR by design for some mechanisms, §5.14.5), the
 * dual-function and message functions (not supported at all).
 */
static const struct ncall ncalls[] = {
    NE(GetInfo, K_NONE),
    NE(GetFunctionList, K_NONE),
    NE(GetSlotList, K_NONE),
    NE(GetSlotInfo, K_NONE),
    NE(GetTokenInfo, K_NONE),
    NE(GetMechanismList, K_NONE),
    NE(GetMechanismInfo, K_NONE),
    NE(OpenSession, K_NONE),
    NE(GetSessionInfo, K_NONE),
    NE(GetOperationState, K_NONE),
    NE(CreateObject, K_NONE),
    NE(CopyObject, K_NONE),
    NE(GetObjectSize, K_NONE),
    NE(GetAttributeValue, K_NONE),
    NE(FindObjects_handles, K_FIND),
    NE(FindObjects_count, K_FIND),
    NE(Encrypt, K_ENC),
    NE(EncryptUpdate, K_ENC),
    NE(EncryptFinal, K_ENC),
    NE(Decrypt, K_DEC),
    NE(DecryptUpdate, K_DEC),
    NE(DecryptFinal, K_DEC),
    NE(Digest, K_DIGEST),
    NE(DigestFinal, K_DIGEST),
    NE(Sign, K_SIGN),
    NE(SignFinal, K_SIGN),
    NE(GenerateKey, K_NONE),
    NE(GenerateKeyPair_pub, K_NONE),
    NE(GenerateKeyPair_priv, K_NONE),
    NE(WrapKey, K_NONE),
    NE(UnwrapKey, K_NONE),
    NE(GenerateRandom, K_NONE),
    NE(WaitForSlotEvent, K_NONE),
    NE(GetInterfaceList, K_NONE),
    NE(GetInterface, K_NONE),
    NE(Finalize_reserved, K_NONE),
    NE(InitToken_pin, K_NONE),
    NE(InitToken_label, K_NONE),
    NE(InitPIN, K_NONE),
    NE(SetPIN, K_NONE),
    NE(Login, K_NONE),
    NE(CreateObject_template, K_NONE),
    NE(SetAttributeValue, K_NONE),
    NE(FindObjectsInit, K_NONE),
    NE(DigestUpdate, K_DIGEST),
    NE(SignUpdate, K_SIGN),
    NE(Verify, K_VERIFY),
    NE(VerifyFinal, K_VERIFY),
    NE(SeedRandom, K_NONE),
};

START_TEST(test_null_pointers)
{
    const struct ncall *n = &ncalls[_i];
    struct ctx c;
    CK_OBJECT_HANDLE objs[64];
    CK_ULONG before = 0, after = 0;
    ready(&c);
    ck_assert_rv(f->C_FindObjectsInit(c.h, NULL, 0), CKR_OK);
    ck_assert_rv(f->C_FindObjects(c.h, objs, NELEM(objs), &before), CKR_OK);
    ck_assert_rv(f->C_FindObjectsFinal(c.h), CKR_OK);

    op_begin(&c, n->op);
    CK_RV rv = n->fn(&c);
    ck_assert_msg(rv == CKR_ARGUMENTS_BAD, "%s with a NULL pointer: 0x%lx", n->name, rv);
    op_ended(&c, n->op, n->name);

    /* Nothing was created, nothing changed hands: the library still works. */
    CK_SESSION_INFO si;
    ck_assert_rv(f->C_GetSessionInfo(c.h, &si), CKR_OK);
    ck_assert_uint_eq(si.state, CKS_RW_USER_FUNCTIONS);
    ck_assert_rv(f->C_FindObjectsInit(c.h, NULL, 0), CKR_OK);
    ck_assert_rv(f->C_FindObjects(c.h, objs, NELEM(objs), &after), CKR_OK);
    ck_assert_rv(f->C_FindObjectsFinal(c.h), CKR_OK);
    ck_assert_uint_eq(after, before);
}
END_TEST

/* ---- object and key handles ---- */

START_TEST(test_object_handles)
{
    struct ctx c;
    ready(&c);
    CK_BBOOL tru = CK_TRUE;
    CK_ATTRIBUTE priv_t[] = {{CKA_CLASS, &o_data, sizeof o_data}, {CKA_PRIVATE, &tru, sizeof tru}};
    CK_OBJECT_HANDLE gone = create(c.h, data_tmpl, NELEM(data_tmpl));
    CK_OBJECT_HANDLE priv = create(c.h, priv_t, NELEM(priv_t));
    ck_assert_rv(f->C_DestroyObject(c.h, gone), CKR_OK);
    const CK_OBJECT_HANDLE bad[] = {CK_INVALID_HANDLE, 0xdeadbeef, gone, priv};

    for (size_t i = 0; i < NELEM(bad); i++) {
        if (bad[i] == priv) {
            /* Private objects vanish at logout; their handles stay invalid. */
            ck_assert_rv(f->C_Logout(c.h), CKR_OK);
        }
        CK_OBJECT_HANDLE o = bad[i], n;
        CK_ULONG sz;
        char lab[8];
        CK_ATTRIBUTE get = {CKA_LABEL, lab, sizeof lab}, set = {CKA_LABEL, "x", 1};
        ck_assert_rv(f->C_GetAttributeValue(c.h, o, &get, 1), CKR_OBJECT_HANDLE_INVALID);
        ck_assert_rv(f->C_SetAttributeValue(c.h, o, &set, 1), CKR_OBJECT_HANDLE_INVALID);
        ck_assert_rv(f->C_GetObjectSize(c.h, o, &sz), CKR_OBJECT_HANDLE_INVALID);
        ck_assert_rv(f->C_CopyObject(c.h, o, NULL, 0, &n), CKR_OBJECT_HANDLE_INVALID);
        ck_assert_rv(f->C_DestroyObject(c.h, o), CKR_OBJECT_HANDLE_INVALID);
        ck_assert_rv(f->C_EncryptInit(c.h, &m_gcm, o), CKR_KEY_HANDLE_INVALID);
        ck_assert_rv(f->C_DecryptInit(c.h, &m_gcm, o), CKR_KEY_HANDLE_INVALID);
        ck_assert_rv(f->C_SignInit(c.h, &m_hmac, o), CKR_KEY_HANDLE_INVALID);
        ck_assert_rv(f->C_VerifyInit(c.h, &m_hmac, o), CKR_KEY_HANDLE_INVALID);
    }
    /* After logout the (private) session keys are gone too. */
    ck_assert_rv(f->C_SignInit(c.h, &m_hmac, c.mac), CKR_KEY_HANDLE_INVALID);
    ck_assert_rv(f->C_EncryptInit(c.h, &m_gcm, c.aes), CKR_KEY_HANDLE_INVALID);
}
END_TEST

/*
 * C_DigestKey (§5.10.4) lists CKR_KEY_HANDLE_INVALID: a handle that names
 * no key is not an "indigestible" key.
 */
START_TEST(test_digest_key_handle_invalid)
{
    struct ctx c;
    ready(&c);
    ck_assert_rv(f->C_DigestInit(c.h, &m_sha), CKR_OK);
    ck_assert_rv(f->C_DigestKey(c.h, 0xdeadbeef), CKR_KEY_HANDLE_INVALID);
}
END_TEST

/* A data object is no key: the spec's description of CKR_KEY_HANDLE_INVALID
 * names this case (§5.1.6). */
START_TEST(test_data_object_as_key)
{
    struct ctx c;
    ready(&c);
    ck_assert_rv(f->C_SignInit(c.h, &m_hmac, c.obj), CKR_KEY_HANDLE_INVALID);
    ck_assert_rv(f->C_EncryptInit(c.h, &m_gcm, c.obj), CKR_KEY_HANDLE_INVALID);
}
END_TEST

/* §5.2 through the entry points: a size query and CKR_BUFFER_TOO_SMALL keep
 * the operation, with exact sizes even for decryption; delivery ends it. */
START_TEST(test_size_queries)
{
    struct ctx c;
    CK_BYTE ct[64], pt[64];
    CK_ULONG n = 0, ctlen;
    ready(&c);
    ck_assert_rv(f->C_EncryptInit(c.h, &m_gcm, c.aes), CKR_OK);
    ck_assert_rv(f->C_Encrypt(c.h, data5, 5, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 21);
    n = 20;
    ck_assert_rv(f->C_Encrypt(c.h, data5, 5, ct, &n), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 21);
    n = sizeof ct;
    ck_assert_rv(f->C_Encrypt(c.h, data5, 5, ct, &n), CKR_OK);
    ck_assert_uint_eq(n, 21);
    ctlen = n;
    ck_assert_rv(f->C_Encrypt(c.h, data5, 5, ct, &n), CKR_OPERATION_NOT_INITIALIZED);

    ck_assert_rv(f->C_DecryptInit(c.h, &m_gcm, c.aes), CKR_OK);
    ck_assert_rv(f->C_Decrypt(c.h, ct, ctlen, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 5);
    n = 4;
    ck_assert_rv(f->C_Decrypt(c.h, ct, ctlen, pt, &n), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 5);
    n = sizeof pt;
    ck_assert_rv(f->C_Decrypt(c.h, ct, ctlen, pt, &n), CKR_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(pt, data5, 5);
    ck_assert_rv(f->C_Decrypt(c.h, ct, ctlen, pt, &n), CKR_OPERATION_NOT_INITIALIZED);

    /* A failed tag fails the size query and ends the operation. */
    ct[ctlen - 1] ^= 1;
    ck_assert_rv(f->C_DecryptInit(c.h, &m_gcm, c.aes), CKR_OK);
    CK_RV rv = f->C_Decrypt(c.h, ct, ctlen, NULL, &n);
    ck_assert_msg(rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_AEAD_DECRYPT_FAILED,
                  "C_Decrypt with a bad tag: 0x%lx", rv);
    ck_assert_rv(f->C_Decrypt(c.h, ct, ctlen, NULL, &n), CKR_OPERATION_NOT_INITIALIZED);

    /* Init with a NULL mechanism cancels (3.0 §5.2). */
    ck_assert_rv(f->C_SignInit(c.h, &m_hmac, c.mac), CKR_OK);
    ck_assert_rv(f->C_SignInit(c.h, &m_hmac, c.mac), CKR_OPERATION_ACTIVE);
    ck_assert_rv(f->C_SignInit(c.h, NULL, c.mac), CKR_OK);
    ck_assert_rv(f->C_Sign(c.h, data5, 5, NULL, &n), CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

/* ---- the lists themselves ---- */

START_TEST(test_interfaces)
{
    CK_INTERFACE_PTR i = NULL;
    CK_FUNCTION_LIST_PTR l = NULL;
    CK_INTERFACE list[4];
    CK_ULONG n = 0;
    CK_VERSION v240 = {2, 40};
    ck_assert_rv(f->C_GetInterface(NULL, NULL, &i, 0), CKR_OK);
    ck_assert_ptr_eq(i->pFunctionList, f); /* the default is 3.0 */
    ck_assert_rv(f->C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &i, 0), CKR_OK);
    ck_assert_uint_eq(((CK_VERSION *)i->pFunctionList)->major, 2);
    ck_assert_rv(f->C_GetFunctionList(&l), CKR_OK);
    ck_assert_ptr_eq(l, i->pFunctionList);
    ck_assert_uint_eq(l->version.minor, 40);
    ck_assert_rv(f->C_GetInterfaceList(NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 4); /* 3.0, 2.40, "credtoken credsets" and "credtoken tokens" */
    n = 1;
    ck_assert_rv(f->C_GetInterfaceList(list, &n), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 4);

    CK_INFO info;
    ck_assert_rv(f->C_Initialize(NULL), CKR_OK);
    ck_assert_rv(f->C_GetInfo(&info), CKR_OK);
    ck_assert_uint_eq(info.cryptokiVersion.major, 3);
    ck_assert_rv(l->C_GetInfo(&info), CKR_OK);
    ck_assert_uint_eq(info.cryptokiVersion.major, 2);
    ck_assert_uint_eq(info.cryptokiVersion.minor, 40);
    /* Both lists drive the same library. */
    ck_assert_rv(l->C_Finalize(NULL), CKR_OK);
    ck_assert_rv(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);

    /* C_Initialize arguments (§5.4.1). */
    CK_C_INITIALIZE_ARGS args = {0};
    args.pReserved = bbuf;
    ck_assert_rv(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
    args.pReserved = NULL;
    args.flags = CKF_OS_LOCKING_OK;
    ck_assert_rv(f->C_Initialize(&args), CKR_OK);
}
END_TEST

/* ---- suite ---- */

static Suite *
pkcs11_suite(void)
{
    Suite *su = suite_create("pkcs11");
    TCase *tc = tcase_create("entry points");
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_table_covers_the_list);
    tcase_add_test(tc, test_not_initialized);
    tcase_add_loop_test(tc, test_session_handles, 0, H_MODES);
    tcase_add_test(tc, test_unsupported_functions);
    tcase_add_loop_test(tc, test_null_pointers, 0, (int)NELEM(ncalls));
    tcase_add_test(tc, test_object_handles);
    tcase_add_test(tc, test_digest_key_handle_invalid);
    tcase_add_test(tc, test_data_object_as_key);
    tcase_add_test(tc, test_size_queries);
    tcase_add_test(tc, test_interfaces);
    suite_add_tcase(su, tc);
    return su;
}

int
main(void)
{
    SRunner *sr = srunner_create(pkcs11_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
