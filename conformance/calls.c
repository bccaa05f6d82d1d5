/*
 * calls.c: the invocation table (see calls.h). Generated once from the
 * function list; each thunk passes real buffers and a valid mechanism, so
 * only the session, slot or object handle in call_args can be wrong.
 */
#include "calls.h"

#include <string.h>

static CK_UTF8CHAR wrong_pin[] = "00000000";
static CK_UTF8CHAR user_name[] = "conformance";
static CK_BYTE in[32];
static CK_BYTE out[1024];
static CK_BYTE iv[16];
static CK_OBJECT_CLASS data_class = CKO_DATA;
static CK_BBOOL no = CK_FALSE;
static CK_UTF8CHAR new_label[] = "conformance";
static CK_ULONG aes_len = 32;
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_ATTRIBUTE data_tmpl[] = {
    {CKA_CLASS, &data_class, sizeof data_class},
    {CKA_TOKEN, &no, sizeof no},
    {CKA_PRIVATE, &no, sizeof no},
};
static CK_ATTRIBUTE label_tmpl[] = {{CKA_LABEL, new_label, sizeof new_label - 1}};
static CK_ATTRIBUTE aes_tmpl[] = {{CKA_VALUE_LEN, &aes_len, sizeof aes_len}};
static CK_ATTRIBUTE ec_tmpl[] = {{CKA_EC_PARAMS, p256, sizeof p256}};
static CK_GCM_PARAMS gcm = {iv, 12, 96, NULL, 0, 128};
static CK_MECHANISM m_cbc = {CKM_AES_CBC_PAD, iv, sizeof iv};
static CK_MECHANISM m_gcm = {CKM_AES_GCM, &gcm, sizeof gcm};
static CK_MECHANISM m_hmac = {CKM_SHA256_HMAC, NULL, 0};
static CK_MECHANISM m_sha = {CKM_SHA256, NULL, 0};
static CK_MECHANISM m_rsa = {CKM_RSA_PKCS, NULL, 0};
static CK_MECHANISM m_aes_gen = {CKM_AES_KEY_GEN, NULL, 0};
static CK_MECHANISM m_ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};

static CK_RV
t_C_Finalize(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    (void)a;
    return p->C_Finalize(NULL);
}

static CK_RV
t_C_GetInfo(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    (void)a;
    CK_INFO i;
    return p->C_GetInfo(&i);
}

static CK_RV
t_C_GetSlotList(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    (void)a;
    CK_SLOT_ID l[64];
    CK_ULONG n = 64;
    return p->C_GetSlotList(CK_FALSE, l, &n);
}

static CK_RV
t_C_GetSlotInfo(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_SLOT_INFO i;
    return p->C_GetSlotInfo(a->slot, &i);
}

static CK_RV
t_C_GetTokenInfo(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_TOKEN_INFO i;
    return p->C_GetTokenInfo(a->slot, &i);
}

static CK_RV
t_C_GetMechanismList(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_MECHANISM_TYPE l[256];
    CK_ULONG n = 256;
    return p->C_GetMechanismList(a->slot, l, &n);
}

static CK_RV
t_C_GetMechanismInfo(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_MECHANISM_INFO i;
    return p->C_GetMechanismInfo(a->slot, CKM_SHA256, &i);
}

static CK_RV
t_C_InitToken(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_UTF8CHAR label[32];
    memset(label, ' ', sizeof label);
    return p->C_InitToken(a->slot, wrong_pin, sizeof wrong_pin - 1, label);
}

static CK_RV
t_C_InitPIN(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_InitPIN(a->s, wrong_pin, sizeof wrong_pin - 1);
}

static CK_RV
t_C_SetPIN(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SetPIN(a->s, wrong_pin, sizeof wrong_pin - 1, wrong_pin, sizeof wrong_pin - 1);
}

static CK_RV
t_C_OpenSession(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_SESSION_HANDLE s;
    return p->C_OpenSession(a->slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
}

static CK_RV
t_C_CloseSession(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_CloseSession(a->s);
}

static CK_RV
t_C_CloseAllSessions(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_CloseAllSessions(a->slot);
}

static CK_RV
t_C_GetSessionInfo(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_SESSION_INFO i;
    return p->C_GetSessionInfo(a->s, &i);
}

static CK_RV
t_C_GetOperationState(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_GetOperationState(a->s, out, &n);
}

static CK_RV
t_C_SetOperationState(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SetOperationState(a->s, in, sizeof in, 0, 0);
}

static CK_RV
t_C_Login(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_Login(a->s, CKU_USER, wrong_pin, sizeof wrong_pin - 1);
}

static CK_RV
t_C_Logout(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_Logout(a->s);
}

static CK_RV
t_C_CreateObject(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE o;
    return p->C_CreateObject(a->s, data_tmpl, 3, &o);
}

static CK_RV
t_C_CopyObject(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE o;
    return p->C_CopyObject(a->s, a->obj, label_tmpl, 1, &o);
}

static CK_RV
t_C_DestroyObject(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_DestroyObject(a->s, a->obj);
}

static CK_RV
t_C_GetObjectSize(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n;
    return p->C_GetObjectSize(a->s, a->obj, &n);
}

static CK_RV
t_C_GetAttributeValue(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_CLASS c;
    CK_ATTRIBUTE t = {CKA_CLASS, &c, sizeof c};
    return p->C_GetAttributeValue(a->s, a->obj, &t, 1);
}

static CK_RV
t_C_SetAttributeValue(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SetAttributeValue(a->s, a->obj, label_tmpl, 1);
}

static CK_RV
t_C_FindObjectsInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_FindObjectsInit(a->s, NULL, 0);
}

static CK_RV
t_C_FindObjects(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE o[4];
    CK_ULONG n;
    return p->C_FindObjects(a->s, o, 4, &n);
}

static CK_RV
t_C_FindObjectsFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_FindObjectsFinal(a->s);
}

static CK_RV
t_C_EncryptInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_EncryptInit(a->s, &m_cbc, a->obj);
}

static CK_RV
t_C_Encrypt(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_Encrypt(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_EncryptUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_EncryptUpdate(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_EncryptFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_EncryptFinal(a->s, out, &n);
}

static CK_RV
t_C_DecryptInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_DecryptInit(a->s, &m_cbc, a->obj);
}

static CK_RV
t_C_Decrypt(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_Decrypt(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_DecryptUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DecryptUpdate(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_DecryptFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DecryptFinal(a->s, out, &n);
}

static CK_RV
t_C_DigestInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_DigestInit(a->s, &m_sha);
}

static CK_RV
t_C_Digest(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_Digest(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_DigestUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_DigestUpdate(a->s, in, sizeof in);
}

static CK_RV
t_C_DigestKey(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_DigestKey(a->s, a->obj);
}

static CK_RV
t_C_DigestFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DigestFinal(a->s, out, &n);
}

static CK_RV
t_C_SignInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SignInit(a->s, &m_hmac, a->obj);
}

static CK_RV
t_C_Sign(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_Sign(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_SignUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SignUpdate(a->s, in, sizeof in);
}

static CK_RV
t_C_SignFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_SignFinal(a->s, out, &n);
}

static CK_RV
t_C_SignRecoverInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SignRecoverInit(a->s, &m_rsa, a->obj);
}

static CK_RV
t_C_SignRecover(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_SignRecover(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_VerifyInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyInit(a->s, &m_hmac, a->obj);
}

static CK_RV
t_C_Verify(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_Verify(a->s, in, sizeof in, in, 32);
}

static CK_RV
t_C_VerifyUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyUpdate(a->s, in, sizeof in);
}

static CK_RV
t_C_VerifyFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyFinal(a->s, in, 32);
}

static CK_RV
t_C_VerifyRecoverInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyRecoverInit(a->s, &m_rsa, a->obj);
}

static CK_RV
t_C_VerifyRecover(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_VerifyRecover(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_DigestEncryptUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DigestEncryptUpdate(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_DecryptDigestUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DecryptDigestUpdate(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_SignEncryptUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_SignEncryptUpdate(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_DecryptVerifyUpdate(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DecryptVerifyUpdate(a->s, in, sizeof in, out, &n);
}

static CK_RV
t_C_GenerateKey(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE o;
    return p->C_GenerateKey(a->s, &m_aes_gen, aes_tmpl, 1, &o);
}

static CK_RV
t_C_GenerateKeyPair(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE pub, priv;
    return p->C_GenerateKeyPair(a->s, &m_ec_gen, ec_tmpl, 1, NULL, 0, &pub, &priv);
}

static CK_RV
t_C_WrapKey(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_WrapKey(a->s, &m_cbc, a->obj, a->obj, out, &n);
}

static CK_RV
t_C_UnwrapKey(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE o;
    return p->C_UnwrapKey(a->s, &m_cbc, a->obj, in, sizeof in, data_tmpl, 3, &o);
}

static CK_RV
t_C_DeriveKey(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_OBJECT_HANDLE o;
    return p->C_DeriveKey(a->s, &m_sha, a->obj, data_tmpl, 3, &o);
}

static CK_RV
t_C_SeedRandom(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SeedRandom(a->s, in, sizeof in);
}

static CK_RV
t_C_GenerateRandom(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_GenerateRandom(a->s, out, 16);
}

static CK_RV
t_C_GetFunctionStatus(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_GetFunctionStatus(a->s);
}

static CK_RV
t_C_CancelFunction(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_CancelFunction(a->s);
}

static CK_RV
t_C_WaitForSlotEvent(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    (void)a;
    CK_SLOT_ID slot;
    return p->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
}

static CK_RV
t_C_LoginUser(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_LoginUser(a->s, CKU_USER, wrong_pin, sizeof wrong_pin - 1, user_name,
                          sizeof user_name - 1);
}

static CK_RV
t_C_SessionCancel(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SessionCancel(a->s, CKF_SIGN);
}

static CK_RV
t_C_MessageEncryptInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageEncryptInit(a->s, &m_gcm, a->obj);
}

static CK_RV
t_C_EncryptMessage(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_EncryptMessage(a->s, &gcm, sizeof gcm, NULL, 0, in, sizeof in, out, &n);
}

static CK_RV
t_C_EncryptMessageBegin(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_EncryptMessageBegin(a->s, &gcm, sizeof gcm, NULL, 0);
}

static CK_RV
t_C_EncryptMessageNext(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_EncryptMessageNext(a->s, &gcm, sizeof gcm, in, sizeof in, out, &n,
                                   CKF_END_OF_MESSAGE);
}

static CK_RV
t_C_MessageEncryptFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageEncryptFinal(a->s);
}

static CK_RV
t_C_MessageDecryptInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageDecryptInit(a->s, &m_gcm, a->obj);
}

static CK_RV
t_C_DecryptMessage(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DecryptMessage(a->s, &gcm, sizeof gcm, NULL, 0, in, sizeof in, out, &n);
}

static CK_RV
t_C_DecryptMessageBegin(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_DecryptMessageBegin(a->s, &gcm, sizeof gcm, NULL, 0);
}

static CK_RV
t_C_DecryptMessageNext(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_DecryptMessageNext(a->s, &gcm, sizeof gcm, in, sizeof in, out, &n,
                                   CKF_END_OF_MESSAGE);
}

static CK_RV
t_C_MessageDecryptFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageDecryptFinal(a->s);
}

static CK_RV
t_C_MessageSignInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageSignInit(a->s, &m_hmac, a->obj);
}

static CK_RV
t_C_SignMessage(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_SignMessage(a->s, NULL, 0, in, sizeof in, out, &n);
}

static CK_RV
t_C_SignMessageBegin(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_SignMessageBegin(a->s, NULL, 0);
}

static CK_RV
t_C_SignMessageNext(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    CK_ULONG n = sizeof out;
    return p->C_SignMessageNext(a->s, NULL, 0, in, sizeof in, out, &n);
}

static CK_RV
t_C_MessageSignFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageSignFinal(a->s);
}

static CK_RV
t_C_MessageVerifyInit(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageVerifyInit(a->s, &m_hmac, a->obj);
}

static CK_RV
t_C_VerifyMessage(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyMessage(a->s, NULL, 0, in, sizeof in, in, 32);
}

static CK_RV
t_C_VerifyMessageBegin(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyMessageBegin(a->s, NULL, 0);
}

static CK_RV
t_C_VerifyMessageNext(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_VerifyMessageNext(a->s, NULL, 0, in, sizeof in, in, 32);
}

static CK_RV
t_C_MessageVerifyFinal(CK_FUNCTION_LIST_3_0 *p, const struct call_args *a)
{
    return p->C_MessageVerifyFinal(a->s);
}

const struct call calls[] = {
    {FN_C_Finalize, t_C_Finalize},
    {FN_C_GetInfo, t_C_GetInfo},
    {FN_C_GetSlotList, t_C_GetSlotList},
    {FN_C_GetSlotInfo, t_C_GetSlotInfo},
    {FN_C_GetTokenInfo, t_C_GetTokenInfo},
    {FN_C_GetMechanismList, t_C_GetMechanismList},
    {FN_C_GetMechanismInfo, t_C_GetMechanismInfo},
    {FN_C_InitToken, t_C_InitToken},
    {FN_C_InitPIN, t_C_InitPIN},
    {FN_C_SetPIN, t_C_SetPIN},
    {FN_C_OpenSession, t_C_OpenSession},
    {FN_C_CloseSession, t_C_CloseSession},
    {FN_C_CloseAllSessions, t_C_CloseAllSessions},
    {FN_C_GetSessionInfo, t_C_GetSessionInfo},
    {FN_C_GetOperationState, t_C_GetOperationState},
    {FN_C_SetOperationState, t_C_SetOperationState},
    {FN_C_Login, t_C_Login},
    {FN_C_Logout, t_C_Logout},
    {FN_C_CreateObject, t_C_CreateObject},
    {FN_C_CopyObject, t_C_CopyObject},
    {FN_C_DestroyObject, t_C_DestroyObject},
    {FN_C_GetObjectSize, t_C_GetObjectSize},
    {FN_C_GetAttributeValue, t_C_GetAttributeValue},
    {FN_C_SetAttributeValue, t_C_SetAttributeValue},
    {FN_C_FindObjectsInit, t_C_FindObjectsInit},
    {FN_C_FindObjects, t_C_FindObjects},
    {FN_C_FindObjectsFinal, t_C_FindObjectsFinal},
    {FN_C_EncryptInit, t_C_EncryptInit},
    {FN_C_Encrypt, t_C_Encrypt},
    {FN_C_EncryptUpdate, t_C_EncryptUpdate},
    {FN_C_EncryptFinal, t_C_EncryptFinal},
    {FN_C_DecryptInit, t_C_DecryptInit},
    {FN_C_Decrypt, t_C_Decrypt},
    {FN_C_DecryptUpdate, t_C_DecryptUpdate},
    {FN_C_DecryptFinal, t_C_DecryptFinal},
    {FN_C_DigestInit, t_C_DigestInit},
    {FN_C_Digest, t_C_Digest},
    {FN_C_DigestUpdate, t_C_DigestUpdate},
    {FN_C_DigestKey, t_C_DigestKey},
    {FN_C_DigestFinal, t_C_DigestFinal},
    {FN_C_SignInit, t_C_SignInit},
    {FN_C_Sign, t_C_Sign},
    {FN_C_SignUpdate, t_C_SignUpdate},
    {FN_C_SignFinal, t_C_SignFinal},
    {FN_C_SignRecoverInit, t_C_SignRecoverInit},
    {FN_C_SignRecover, t_C_SignRecover},
    {FN_C_VerifyInit, t_C_VerifyInit},
    {FN_C_Verify, t_C_Verify},
    {FN_C_VerifyUpdate, t_C_VerifyUpdate},
    {FN_C_VerifyFinal, t_C_VerifyFinal},
    {FN_C_VerifyRecoverInit, t_C_VerifyRecoverInit},
    {FN_C_VerifyRecover, t_C_VerifyRecover},
    {FN_C_DigestEncryptUpdate, t_C_DigestEncryptUpdate},
    {FN_C_DecryptDigestUpdate, t_C_DecryptDigestUpdate},
    {FN_C_SignEncryptUpdate, t_C_SignEncryptUpdate},
    {FN_C_DecryptVerifyUpdate, t_C_DecryptVerifyUpdate},
    {FN_C_GenerateKey, t_C_GenerateKey},
    {FN_C_GenerateKeyPair, t_C_GenerateKeyPair},
    {FN_C_WrapKey, t_C_WrapKey},
    {FN_C_UnwrapKey, t_C_UnwrapKey},
    {FN_C_DeriveKey, t_C_DeriveKey},
    {FN_C_SeedRandom, t_C_SeedRandom},
    {FN_C_GenerateRandom, t_C_GenerateRandom},
    {FN_C_GetFunctionStatus, t_C_GetFunctionStatus},
    {FN_C_CancelFunction, t_C_CancelFunction},
    {FN_C_WaitForSlotEvent, t_C_WaitForSlotEvent},
    {FN_C_LoginUser, t_C_LoginUser},
    {FN_C_SessionCancel, t_C_SessionCancel},
    {FN_C_MessageEncryptInit, t_C_MessageEncryptInit},
    {FN_C_EncryptMessage, t_C_EncryptMessage},
    {FN_C_EncryptMessageBegin, t_C_EncryptMessageBegin},
    {FN_C_EncryptMessageNext, t_C_EncryptMessageNext},
    {FN_C_MessageEncryptFinal, t_C_MessageEncryptFinal},
    {FN_C_MessageDecryptInit, t_C_MessageDecryptInit},
    {FN_C_DecryptMessage, t_C_DecryptMessage},
    {FN_C_DecryptMessageBegin, t_C_DecryptMessageBegin},
    {FN_C_DecryptMessageNext, t_C_DecryptMessageNext},
    {FN_C_MessageDecryptFinal, t_C_MessageDecryptFinal},
    {FN_C_MessageSignInit, t_C_MessageSignInit},
    {FN_C_SignMessage, t_C_SignMessage},
    {FN_C_SignMessageBegin, t_C_SignMessageBegin},
    {FN_C_SignMessageNext, t_C_SignMessageNext},
    {FN_C_MessageSignFinal, t_C_MessageSignFinal},
    {FN_C_MessageVerifyInit, t_C_MessageVerifyInit},
    {FN_C_VerifyMessage, t_C_VerifyMessage},
    {FN_C_VerifyMessageBegin, t_C_VerifyMessageBegin},
    {FN_C_VerifyMessageNext, t_C_VerifyMessageNext},
    {FN_C_MessageVerifyFinal, t_C_MessageVerifyFinal},
};
const size_t ncalls = sizeof calls / sizeof calls[0];

const struct call *
call_find(enum fn f)
{
    for (size_t i = 0; i < ncalls; i++)
        if (calls[i].fn == f) return &calls[i];
    return NULL;
}
