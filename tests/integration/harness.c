#include "harness.h"

#include <dlfcn.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

CK_FUNCTION_LIST_3_0 *p11;
CK_FUNCTION_LIST *p11_240;
char h_store[512];

static void *h_dl;
static char h_dir[256];

void
h_setup_with(unsigned max_failures)
{
    h_setup_conf(max_failures, 1);
}

void
h_setup_kdf(unsigned ms)
{
    h_setup_conf(10, ms);
}

void
h_setup_conf(unsigned max_failures, unsigned kdf_ms)
{
    const char *mod = getenv("CREDTOKEN_TEST_MODULE");
    ck_assert_msg(mod != NULL, "CREDTOKEN_TEST_MODULE is not set");
    snprintf(h_dir, sizeof h_dir, "/tmp/ct-it-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(h_dir));
    snprintf(h_store, sizeof h_store, "%s/store", h_dir);
    char conf[400];
    snprintf(conf, sizeof conf, "%s/credtoken.conf", h_dir);
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "store = %s\nkdf_target_ms = %u\nmax_pin_failures = %u\n", h_store, kdf_ms,
            max_failures);
    fclose(f);
    setenv("CREDTOKEN_CONF", conf, 1);
    unsetenv("CREDTOKEN_STORE");
    h_dl = dlopen(mod, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h_dl != NULL, "dlopen: %s", dlerror());
    CK_C_GetInterface gi = (CK_C_GetInterface)dlsym(h_dl, "C_GetInterface");
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(h_dl, "C_GetFunctionList");
    ck_assert_ptr_nonnull(gi);
    ck_assert_ptr_nonnull(gfl);
    CK_INTERFACE *iface = NULL;
    ck_assert_uint_eq(gi(NULL, NULL, &iface, 0), CKR_OK);
    p11 = iface->pFunctionList;
    ck_assert_uint_eq(gfl(&p11_240), CKR_OK);
}

void
h_setup(void)
{
    h_setup_with(10);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
h_teardown(void)
{
    if (p11 != NULL) (void)p11->C_Finalize(NULL);
    if (h_dl != NULL) dlclose(h_dl);
    h_dl = NULL;
    p11 = NULL;
    p11_240 = NULL;
    if (h_dir[0]) nftw(h_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    h_dir[0] = '\0';
}

void
h_init(void)
{
    ck_assert_uint_eq(p11->C_Initialize(NULL), CKR_OK);
}

CK_SLOT_ID
h_free_slot(void)
{
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        ck_assert_uint_eq(p11->C_GetTokenInfo(slots[i], &ti), CKR_OK);
        if (!(ti.flags & CKF_TOKEN_INITIALIZED)) return slots[i];
    }
    ck_abort_msg("no free slot");
    return 0;
}

CK_SLOT_ID
h_token(const char *label)
{
    CK_ULONG n = 0;
    ck_assert_uint_eq(p11->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    CK_SLOT_ID slot = h_free_slot();
    CK_UTF8CHAR lab[32];
    memset(lab, ' ', sizeof lab);
    memcpy(lab, label, strlen(label));
    ck_assert_uint_eq(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), lab), CKR_OK);
    CK_SESSION_HANDLE s;
    ck_assert_uint_eq(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
                      CKR_OK);
    ck_assert_uint_eq(p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
    ck_assert_uint_eq(p11->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
    ck_assert_uint_eq(p11->C_Logout(s), CKR_OK);
    ck_assert_uint_eq(p11->C_CloseSession(s), CKR_OK);
    return slot;
}

CK_SESSION_HANDLE
h_session(CK_SLOT_ID slot, bool rw, bool user)
{
    CK_SESSION_HANDLE s;
    CK_FLAGS fl = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    ck_assert_uint_eq(p11->C_OpenSession(slot, fl, NULL, NULL, &s), CKR_OK);
    if (user)
        ck_assert_uint_eq(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
                          CKR_OK);
    return s;
}

static const CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

void
h_ec_pair(CK_SESSION_HANDLE s, const char *curve, const char *label, CK_OBJECT_HANDLE *pub,
          CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL t = CK_TRUE;
    const CK_BYTE *oid = strcmp(curve, "P-384") == 0 ? oid_p384 : oid_p256;
    CK_ULONG oidlen = strcmp(curve, "P-384") == 0 ? sizeof oid_p384 : sizeof oid_p256;
    CK_ATTRIBUTE pt[] = {
        {CKA_EC_PARAMS, (void *)(uintptr_t)oid, oidlen},
        {CKA_TOKEN, &t, 1},
        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
        {CKA_ID, (void *)(uintptr_t)label, strlen(label)},
    };
    CK_ATTRIBUTE kt[] = {
        {CKA_TOKEN, &t, 1},
        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
        {CKA_ID, (void *)(uintptr_t)label, strlen(label)},
    };
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &m, pt, 4, kt, 3, pub, priv), CKR_OK);
}

void
h_rsa_pair(CK_SESSION_HANDLE s, CK_ULONG bits, const char *label, CK_OBJECT_HANDLE *pub,
           CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL t = CK_TRUE;
    CK_ATTRIBUTE pt[] = {
        {CKA_MODULUS_BITS, &bits, sizeof bits},
        {CKA_TOKEN, &t, 1},
        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
    };
    CK_ATTRIBUTE kt[] = {
        {CKA_TOKEN, &t, 1},
        {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
    };
    ck_assert_uint_eq(p11->C_GenerateKeyPair(s, &m, pt, 3, kt, 2, pub, priv), CKR_OK);
}

CK_ULONG
h_count(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n)
{
    ck_assert_uint_eq(p11->C_FindObjectsInit(s, t, n), CKR_OK);
    CK_ULONG total = 0, got;
    CK_OBJECT_HANDLE h[16];
    do {
        ck_assert_uint_eq(p11->C_FindObjects(s, h, 16, &got), CKR_OK);
        for (CK_ULONG i = 0; i < got; i++) {
            /* The token's own profile objects are not counted
             * (it_objects checks them). */
            CK_OBJECT_CLASS cls = 0;
            CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
            ck_assert_uint_eq(p11->C_GetAttributeValue(s, h[i], &a, 1), CKR_OK);
            if (cls != CKO_PROFILE) total++;
        }
    } while (got > 0);
    ck_assert_uint_eq(p11->C_FindObjectsFinal(s), CKR_OK);
    return total;
}

void *
h_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, CK_ULONG *len)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
    a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1);
    ck_assert_uint_eq(p11->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
    *len = a.ulValueLen;
    return a.pValue;
}

int
h_run(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed;
}
