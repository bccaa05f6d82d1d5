/* it_transfer.c: wrap, unwrap, derive, operation state and recovery. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "harness.h"

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static CK_OBJECT_HANDLE
aes_key(CK_SESSION_HANDLE s, bool extractable, bool wrap, bool trusted_only)
{
    CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len, sizeof len},
                        {CKA_EXTRACTABLE, extractable ? &yes : &no, 1},
                        {CKA_WRAP, wrap ? &yes : &no, 1},
                        {CKA_UNWRAP, wrap ? &yes : &no, 1},
                        {CKA_ENCRYPT, &yes, 1},
                        {CKA_WRAP_WITH_TRUSTED, trusted_only ? &yes : &no, 1},
                        {CKA_PRIVATE, &no, 1}};
    CK_OBJECT_HANDLE k;
    ck_assert_uint_eq(p11->C_GenerateKey(s, &gen, t, 7, &k), CKR_OK);
    return k;
}

/* The SHA-256 of a secret key's value, computed inside the token. */
static void
key_digest(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, CK_BYTE out[32])
{
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    CK_ULONG n = 32;
    ck_assert_uint_eq(p11->C_DigestInit(s, &sha), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestKey(s, k), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestFinal(s, out, &n), CKR_OK);
}

static CK_OBJECT_HANDLE
unwrap_aes(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE uk, CK_BYTE *w, CK_ULONG n,
           CK_RV want)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    ck_assert_uint_eq(p11->C_UnwrapKey(s, m, uk, w, n, t, 2, &h), want);
    return h;
}

START_TEST(aes_key_wrap_round_trip_and_policy)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("wrap"), true, true);
    CK_OBJECT_HANDLE kek = aes_key(s, false, true, false), k = aes_key(s, true, false, false);
    CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
    CK_BYTE w[64];
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, k, NULL, &n), CKR_OK);
    ck_assert_uint_eq(n, 40); /* RFC 3394: 32 bytes + 8 */
    CK_ULONG small = 8;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, k, w, &small), CKR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(small, 40);
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, k, w, &n), CKR_OK);
    CK_OBJECT_HANDLE back = unwrap_aes(s, &kw, kek, w, n, CKR_OK);
    CK_BYTE d1[32], d2[32];
    key_digest(s, k, d1);
    key_digest(s, back, d2);
    ck_assert_int_eq(memcmp(d1, d2, 32), 0);
    /* The unwrapped key was once outside: neither local nor always sensitive. */
    CK_BBOOL local = 1, as = 1;
    CK_ATTRIBUTE f[] = {{CKA_LOCAL, &local, 1}, {CKA_ALWAYS_SENSITIVE, &as, 1}};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, back, f, 2), CKR_OK);
    ck_assert(!local && !as);
    /* Tampered wrap: refused. */
    w[5] ^= 1;
    unwrap_aes(s, &kw, kek, w, n, CKR_WRAPPED_KEY_INVALID);
    /* Policy: unextractable keys stay in; the wrapping key must allow it. */
    n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, kek, w, &n), CKR_KEY_UNEXTRACTABLE);
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, k, k, w, &n), CKR_KEY_FUNCTION_NOT_PERMITTED);
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, 99999, k, w, &n), CKR_WRAPPING_KEY_HANDLE_INVALID);
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, 99999, w, &n), CKR_KEY_HANDLE_INVALID);
}
END_TEST

START_TEST(wrap_with_trusted_needs_a_trusted_key)
{
    h_init();
    CK_SLOT_ID slot = h_token("trusted");
    CK_SESSION_HANDLE s = h_session(slot, true, true);
    CK_OBJECT_HANDLE kek = aes_key(s, false, true, false), k = aes_key(s, true, false, true);
    CK_MECHANISM kw = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
    CK_BYTE w[64];
    CK_ULONG n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, k, w, &n), CKR_KEY_NOT_WRAPPABLE);
    /* Only the SO may mark a key trusted. */
    CK_ATTRIBUTE tr = {CKA_TRUSTED, &yes, 1};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, kek, &tr, 1), CKR_ATTRIBUTE_READ_ONLY);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, kek, &tr, 1), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK);
    n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, k, w, &n), CKR_OK);
    ck_assert_uint_eq(n, 40); /* RFC 5649 of 32 bytes */
}
END_TEST

START_TEST(rsa_oaep_wraps_aes_and_kwp_wraps_ec_private_key)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("rsawrap"), true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_rsa_pair(s, 2048, "rsa", &pub, &priv);
    CK_ATTRIBUTE wr[] = {{CKA_WRAP, &yes, 1}};
    CK_ATTRIBUTE uw[] = {{CKA_UNWRAP, &yes, 1}};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, pub, wr, 1), CKR_OK);
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, uw, 1), CKR_OK);
    CK_OBJECT_HANDLE k = aes_key(s, true, false, false);
    CK_RSA_PKCS_OAEP_PARAMS op = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_MECHANISM oaep = {CKM_RSA_PKCS_OAEP, &op, sizeof op};
    CK_BYTE w[512];
    CK_ULONG n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &oaep, pub, k, w, &n), CKR_OK);
    ck_assert_uint_eq(n, 256);
    CK_OBJECT_HANDLE back = unwrap_aes(s, &oaep, priv, w, n, CKR_OK);
    CK_BYTE d1[32], d2[32];
    key_digest(s, k, d1);
    key_digest(s, back, d2);
    ck_assert_int_eq(memcmp(d1, d2, 32), 0);

    /* An extractable EC private key travels under AES-KWP and signs after. */
    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_ATTRIBUTE kt[] = {{CKA_EXTRACTABLE, &yes, 1}};
    CK_OBJECT_HANDLE epub, epriv;
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, &epub, &epriv), CKR_OK);
    CK_OBJECT_HANDLE kek = aes_key(s, false, true, false);
    CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
    n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kwp, kek, epriv, w, &n), CKR_OK);
    CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
    CK_KEY_TYPE ec = CKK_EC;
    CK_ATTRIBUTE ut[] = {{CKA_CLASS, &pc, sizeof pc}, {CKA_KEY_TYPE, &ec, sizeof ec}};
    CK_OBJECT_HANDLE epriv2;
    ck_assert_uint_eq(p11->C_UnwrapKey(s, &kwp, kek, w, n, ut, 2, &epriv2), CKR_OK);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE sig[128];
    CK_ULONG sn = sizeof sig;
    ck_assert_uint_eq(p11->C_SignInit(s, &m, epriv2), CKR_OK);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR) "abc", 3, sig, &sn), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, epub), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR) "abc", 3, sig, sn), CKR_OK);
    /* Unwrapped as the wrong key type: refused. */
    CK_KEY_TYPE rsa = CKK_RSA;
    CK_ATTRIBUTE bad[] = {{CKA_CLASS, &pc, sizeof pc}, {CKA_KEY_TYPE, &rsa, sizeof rsa}};
    ck_assert_uint_eq(p11->C_UnwrapKey(s, &kwp, kek, w, n, bad, 2, &epriv2),
                      CKR_WRAPPED_KEY_INVALID);
}
END_TEST

/* CKM_AES_KEY_WRAP takes keys of any length, zero-padded to 8 bytes: a
 * 20-byte secret and an EC private key's PKCS#8 both travel. */
START_TEST(aes_kw_zero_pads)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("kwpad"), true, true);
    CK_OBJECT_HANDLE kek = aes_key(s, false, true, false);
    CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
    CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
    CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &sk, sizeof sk},
                        {CKA_KEY_TYPE, &gs, sizeof gs},
                        {CKA_VALUE, "twenty bytes secret!", 20},
                        {CKA_EXTRACTABLE, &yes, 1}};
    CK_OBJECT_HANDLE k, back;
    ck_assert_uint_eq(p11->C_CreateObject(s, t, 4, &k), CKR_OK);
    CK_BYTE w[512];
    CK_ULONG n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, k, w, &n), CKR_OK);
    ck_assert_uint_eq(n, 32); /* 24 padded + 8 */
    CK_ULONG len = 20;
    CK_ATTRIBUTE ut[] = {{CKA_CLASS, &sk, sizeof sk},
                         {CKA_KEY_TYPE, &gs, sizeof gs},
                         {CKA_VALUE_LEN, &len, sizeof len}};
    ck_assert_uint_eq(p11->C_UnwrapKey(s, &kw, kek, w, n, ut, 3, &back), CKR_OK);
    CK_BYTE d1[32], d2[32];
    key_digest(s, k, d1);
    key_digest(s, back, d2);
    ck_assert_int_eq(memcmp(d1, d2, 32), 0);

    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_ATTRIBUTE kt[] = {{CKA_EXTRACTABLE, &yes, 1}};
    CK_OBJECT_HANDLE epub, epriv, epriv2;
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, &epub, &epriv), CKR_OK);
    n = sizeof w;
    ck_assert_uint_eq(p11->C_WrapKey(s, &kw, kek, epriv, w, &n), CKR_OK);
    CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
    CK_KEY_TYPE ec = CKK_EC;
    CK_ATTRIBUTE et[] = {{CKA_CLASS, &pc, sizeof pc}, {CKA_KEY_TYPE, &ec, sizeof ec}};
    ck_assert_uint_eq(p11->C_UnwrapKey(s, &kw, kek, w, n, et, 2, &epriv2), CKR_OK);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE sig[128];
    CK_ULONG sn = sizeof sig;
    ck_assert_uint_eq(p11->C_SignInit(s, &m, epriv2), CKR_OK);
    ck_assert_uint_eq(p11->C_Sign(s, (CK_BYTE_PTR) "abc", 3, sig, &sn), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyInit(s, &m, epub), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(s, (CK_BYTE_PTR) "abc", 3, sig, sn), CKR_OK);
}
END_TEST

START_TEST(ecdh_both_sides_agree)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("ecdh"), true, true);
    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_ATTRIBUTE kt[] = {{CKA_DERIVE, &yes, 1}};
    CK_OBJECT_HANDLE apub, apriv, bpub, bpriv;
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, &apub, &apriv), CKR_OK);
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, &bpub, &bpriv), CKR_OK);
    CK_ULONG na, nb;
    CK_BYTE *pa = h_attr(s, apub, CKA_EC_POINT, &na), *pb = h_attr(s, bpub, CKA_EC_POINT, &nb);
    CK_ULONG len = 32;
    CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
    CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &sk, sizeof sk},
                        {CKA_KEY_TYPE, &gs, sizeof gs},
                        {CKA_VALUE_LEN, &len, sizeof len}};
    CK_ECDH1_DERIVE_PARAMS p1 = {CKD_NULL, 0, NULL, nb, pb};
    CK_ECDH1_DERIVE_PARAMS p2 = {CKD_SHA256_KDF, 0, NULL, na, pa};
    CK_MECHANISM m1 = {CKM_ECDH1_DERIVE, &p1, sizeof p1};
    CK_OBJECT_HANDLE ka, kb, kc;
    ck_assert_uint_eq(p11->C_DeriveKey(s, &m1, apriv, t, 3, &ka), CKR_OK);
    p1.pPublicData = pa;
    p1.ulPublicDataLen = na;
    ck_assert_uint_eq(p11->C_DeriveKey(s, &m1, bpriv, t, 3, &kb), CKR_OK);
    CK_BYTE da[32], db[32], dc[32];
    key_digest(s, ka, da);
    key_digest(s, kb, db);
    ck_assert_int_eq(memcmp(da, db, 32), 0);
    CK_MECHANISM m2 = {CKM_ECDH1_DERIVE, &p2, sizeof p2};
    ck_assert_uint_eq(p11->C_DeriveKey(s, &m2, bpriv, t, 3, &kc), CKR_OK);
    key_digest(s, kc, dc);
    ck_assert_int_ne(memcmp(dc, da, 32), 0); /* the KDF changes the key */
    /* A key generated without CKA_DERIVE cannot be a base. */
    CK_OBJECT_HANDLE cpub, cpriv;
    h_ec_pair(s, "P-256", "noderive", &cpub, &cpriv);
    ck_assert_uint_eq(p11->C_DeriveKey(s, &m1, cpriv, t, 3, &kc), CKR_KEY_FUNCTION_NOT_PERMITTED);
    free(pa);
    free(pb);
}
END_TEST

/* RFC 5869 test case 1. */
START_TEST(hkdf_rfc5869_case1)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("hkdf"), true, true);
    CK_BYTE ikm[22], salt[13], info[10];
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++)
        salt[i] = (CK_BYTE)i;
    for (int i = 0; i < 10; i++)
        info[i] = (CK_BYTE)(0xf0 + i);
    static const CK_BYTE okm[42] = {
        0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
        0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
        0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
    CK_OBJECT_CLASS sk = CKO_SECRET_KEY, dc = CKO_DATA;
    CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE bt[] = {{CKA_CLASS, &sk, sizeof sk},
                         {CKA_KEY_TYPE, &gs, sizeof gs},
                         {CKA_VALUE, ikm, sizeof ikm},
                         {CKA_DERIVE, &yes, 1}};
    CK_OBJECT_HANDLE base;
    ck_assert_uint_eq(p11->C_CreateObject(s, bt, 4, &base), CKR_OK);
    CK_HKDF_PARAMS hp = {CK_TRUE,     CK_TRUE,           CKM_SHA256, CKF_HKDF_SALT_DATA, salt,
                         sizeof salt, CK_INVALID_HANDLE, info,       sizeof info};
    CK_MECHANISM m = {CKM_HKDF_DATA, &hp, sizeof hp};
    CK_ULONG len = sizeof okm;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &dc, sizeof dc}, {CKA_VALUE_LEN, &len, sizeof len}};
    CK_OBJECT_HANDLE data;
    ck_assert_uint_eq(p11->C_DeriveKey(s, &m, base, t, 2, &data), CKR_OK);
    CK_ULONG n;
    CK_BYTE *v = h_attr(s, data, CKA_VALUE, &n);
    ck_assert_uint_eq(n, sizeof okm);
    ck_assert_int_eq(memcmp(v, okm, n), 0);
    free(v);
    /* The same as a key: its digest is the digest of the OKM. */
    m.mechanism = CKM_HKDF_DERIVE;
    CK_ATTRIBUTE kt[] = {{CKA_CLASS, &sk, sizeof sk},
                         {CKA_KEY_TYPE, &gs, sizeof gs},
                         {CKA_VALUE_LEN, &len, sizeof len}};
    CK_OBJECT_HANDLE k;
    ck_assert_uint_eq(p11->C_DeriveKey(s, &m, base, kt, 3, &k), CKR_OK);
    CK_BYTE d[32], want[32];
    key_digest(s, k, d);
    EVP_Digest(okm, sizeof okm, want, NULL, EVP_sha256(), NULL);
    ck_assert_int_eq(memcmp(d, want, 32), 0);
}
END_TEST

START_TEST(operation_state_duplicates_a_digest)
{
    h_init();
    CK_SLOT_ID slot = h_token("opstate");
    CK_SESSION_HANDLE a = h_session(slot, false, true), b = h_session(slot, false, false);
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    CK_BYTE st[256], d1[32], d2[32], want[32];
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetOperationState(a, NULL, &n), CKR_OPERATION_NOT_INITIALIZED);
    ck_assert_uint_eq(p11->C_DigestInit(a, &sha), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestUpdate(a, (CK_BYTE_PTR) "a", 1), CKR_OK);
    ck_assert_uint_eq(p11->C_GetOperationState(a, NULL, &n), CKR_OK);
    ck_assert_uint_le(n, sizeof st);
    ck_assert_uint_eq(p11->C_GetOperationState(a, st, &n), CKR_OK);
    ck_assert_uint_eq(p11->C_SetOperationState(b, st, n, 0, 0), CKR_OK);
    ck_assert_uint_eq(p11->C_SetOperationState(b, st, n, 7, 0), CKR_KEY_NOT_NEEDED);
    ck_assert_uint_eq(p11->C_DigestUpdate(a, (CK_BYTE_PTR) "bc", 2), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestUpdate(b, (CK_BYTE_PTR) "bc", 2), CKR_OK);
    CK_ULONG l1 = 32, l2 = 32;
    ck_assert_uint_eq(p11->C_DigestFinal(a, d1, &l1), CKR_OK);
    ck_assert_uint_eq(p11->C_DigestFinal(b, d2, &l2), CKR_OK);
    EVP_Digest("abc", 3, want, NULL, EVP_sha256(), NULL);
    ck_assert_int_eq(memcmp(d1, want, 32), 0);
    ck_assert_int_eq(memcmp(d2, want, 32), 0);
    /* A forged or foreign blob is refused. */
    st[n - 1] ^= 1;
    ck_assert_uint_eq(p11->C_SetOperationState(b, st, n, 0, 0), CKR_SAVED_STATE_INVALID);
    /* Encryption cannot be saved. */
    CK_OBJECT_HANDLE k = aes_key(a, false, false, false);
    CK_BYTE iv[12] = {0};
    CK_GCM_PARAMS gp = {iv, 12, 96, NULL, 0, 128};
    CK_MECHANISM gcm = {CKM_AES_GCM, &gp, sizeof gp};
    ck_assert_uint_eq(p11->C_EncryptInit(a, &gcm, k), CKR_OK);
    ck_assert_uint_eq(p11->C_GetOperationState(a, NULL, &n), CKR_STATE_UNSAVEABLE);
}
END_TEST

/* A saved keyed operation stays tied to its key: restoring it after the
 * key is destroyed fails, and an always-authenticate key's operation cannot
 * be saved at all (a copy would be a second use of one login). */
START_TEST(operation_state_follows_its_key)
{
    h_init();
    CK_SLOT_ID slot = h_token("opkey");
    CK_SESSION_HANDLE a = h_session(slot, true, true), b = h_session(slot, false, false);
    CK_OBJECT_HANDLE pub, priv;
    h_ec_pair(a, "P-256", "k", &pub, &priv);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE st[512], sig[128];
    CK_ULONG n = sizeof st, sl = sizeof sig;
    ck_assert_uint_eq(p11->C_SignInit(a, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignUpdate(a, (CK_BYTE_PTR) "ab", 2), CKR_OK);
    ck_assert_uint_eq(p11->C_GetOperationState(a, st, &n), CKR_OK);
    ck_assert_uint_eq(p11->C_SignFinal(a, sig, &sl), CKR_OK);
    sl = sizeof sig;
    /* While the key lives, the state carries on in another session. */
    ck_assert_uint_eq(p11->C_SetOperationState(b, st, n, 0, 0), CKR_OK);
    ck_assert_uint_eq(p11->C_SignUpdate(b, (CK_BYTE_PTR) "c", 1), CKR_OK);
    ck_assert_uint_eq(p11->C_SignFinal(b, sig, &sl), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyInit(a, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_Verify(a, (CK_BYTE_PTR) "abc", 3, sig, sl), CKR_OK);
    /* Once it is destroyed, the saved state is no longer valid. */
    ck_assert_uint_eq(p11->C_DestroyObject(a, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SetOperationState(b, st, n, 0, 0), CKR_SAVED_STATE_INVALID);
    ck_assert_uint_eq(p11->C_SignUpdate(b, (CK_BYTE_PTR) "c", 1), CKR_OPERATION_NOT_INITIALIZED);

    static const CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)(uintptr_t)oid, sizeof oid}};
    CK_ATTRIBUTE kt[] = {{CKA_ALWAYS_AUTHENTICATE, &yes, 1}};
    ck_assert_uint_eq(p11->C_GenerateKeyPair(a, &gen, pt, 1, kt, 1, &pub, &priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignInit(a, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_Login(a, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)USER_PIN, 4), CKR_OK);
    ck_assert_uint_eq(p11->C_SignUpdate(a, (CK_BYTE_PTR) "ab", 2), CKR_OK);
    n = sizeof st;
    ck_assert_uint_eq(p11->C_GetOperationState(a, st, &n), CKR_STATE_UNSAVEABLE);
    sl = sizeof sig;
    ck_assert_uint_eq(p11->C_SignFinal(a, sig, &sl), CKR_OK);
}
END_TEST

START_TEST(sign_and_verify_recover_rsa)
{
    h_init();
    CK_SESSION_HANDLE s = h_session(h_token("recover"), true, true);
    CK_OBJECT_HANDLE pub, priv;
    h_rsa_pair(s, 2048, "r", &pub, &priv);
    CK_ATTRIBUTE sr[] = {{CKA_SIGN_RECOVER, &yes, 1}}, vr[] = {{CKA_VERIFY_RECOVER, &yes, 1}};
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, priv, sr, 1), CKR_OK);
    ck_assert_uint_eq(p11->C_SetAttributeValue(s, pub, vr, 1), CKR_OK);
    CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
    CK_BYTE sig[256], out[256];
    CK_ULONG n = sizeof sig, o = 0;
    ck_assert_uint_eq(p11->C_SignRecoverInit(s, &m, priv), CKR_OK);
    ck_assert_uint_eq(p11->C_SignRecover(s, (CK_BYTE_PTR) "recover me", 10, sig, &n), CKR_OK);
    ck_assert_uint_eq(n, 256);
    ck_assert_uint_eq(p11->C_VerifyRecoverInit(s, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyRecover(s, sig, n, NULL, &o), CKR_OK);
    ck_assert_uint_eq(o, 10); /* the exact size, computed and held */
    ck_assert_uint_eq(p11->C_VerifyRecover(s, sig, n, out, &o), CKR_OK);
    ck_assert_int_eq(memcmp(out, "recover me", 10), 0);
    sig[10] ^= 1;
    o = sizeof out;
    ck_assert_uint_eq(p11->C_VerifyRecoverInit(s, &m, pub), CKR_OK);
    ck_assert_uint_eq(p11->C_VerifyRecover(s, sig, n, out, &o), CKR_SIGNATURE_INVALID);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("transfer");
    TCase *tc = tcase_create("transfer");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, aes_key_wrap_round_trip_and_policy);
    tcase_add_test(tc, wrap_with_trusted_needs_a_trusted_key);
    tcase_add_test(tc, rsa_oaep_wraps_aes_and_kwp_wraps_ec_private_key);
    tcase_add_test(tc, aes_kw_zero_pads);
    tcase_add_test(tc, ecdh_both_sides_agree);
    tcase_add_test(tc, hkdf_rfc5869_case1);
    tcase_add_test(tc, operation_state_duplicates_a_digest);
    tcase_add_test(tc, operation_state_follows_its_key);
    tcase_add_test(tc, sign_and_verify_recover_rsa);
    suite_add_tcase(s, tc);
    return h_run(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
