/*
 * p11.c: loading a module and setting up its token, objects and keys, all
 * through the module's function list.
 */
#include "bench.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS cls_data = CKO_DATA, cls_secret = CKO_SECRET_KEY;
static CK_KEY_TYPE kt_generic = CKK_GENERIC_SECRET;
static const CK_BYTE p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE ed25519_name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                       'd',  's',  '2', '5', '5', '1', '9'};
static CK_BYTE data_value[] = "credtoken bench: the value of a CKO_DATA object";

#define BOOL_ATTR(t, b)                                                                            \
    {                                                                                              \
        (t), (b) ? &yes : &no, sizeof(CK_BBOOL)                                                    \
    }
#define LEN(a) ((CK_ULONG)(sizeof(a) / sizeof((a)[0])))

const char *
rv_name(CK_RV rv)
{
    static const struct {
        CK_RV rv;
        const char *name;
    } names[] = {
        {CKR_OK, "CKR_OK"},
        {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
        {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
        {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
        {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
        {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
        {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
        {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
        {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
        {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
        {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
        {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
        {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
        {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
        {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    };
    static char other[32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].rv == rv) return names[i].name;
    snprintf(other, sizeof other, "CKR 0x%08lx", (unsigned long)rv);
    return other;
}

bool
p11_load(struct module *m, const char *name, const char *path)
{
    memset(m, 0, sizeof *m);
    m->name = name;
    m->path = path;
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (m->dl == NULL) {
        fprintf(stderr, "bench: dlopen %s: %s\n", path, dlerror());
        return false;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
    if (gfl == NULL || gfl(&m->p) != CKR_OK || m->p == NULL) {
        fprintf(stderr, "bench: %s: no C_GetFunctionList\n", path);
        dlclose(m->dl);
        m->dl = NULL;
        return false;
    }
    return true;
}

CK_RV
p11_initialize(struct module *m)
{
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = m->p->C_Initialize(&args);
    CK_INFO info;
    if (rv == CKR_OK && m->p->C_GetInfo(&info) == CKR_OK) m->libver = info.libraryVersion;
    return rv;
}

static void
pad32(CK_UTF8CHAR out[32], const char *s)
{
    memset(out, ' ', 32);
    size_t n = strlen(s);
    memcpy(out, s, n < 32 ? n : 32);
}

/* The first slot whose token is initialized and labelled BENCH_LABEL (want
 * true), or not initialized (want false). */
static CK_RV
slot_pick(const struct module *m, bool want_init, CK_SLOT_ID *out)
{
    CK_SLOT_ID slots[64];
    CK_ULONG n = LEN(slots);
    CK_RV rv = m->p->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK) return rv;
    CK_UTF8CHAR want[32];
    pad32(want, BENCH_LABEL);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (m->p->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
        bool init = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
        if (init == want_init && (!init || memcmp(ti.label, want, 32) == 0)) {
            *out = slots[i];
            return CKR_OK;
        }
    }
    return CKR_TOKEN_NOT_PRESENT;
}

CK_RV
p11_find_token(struct module *m, CK_SLOT_ID *slot)
{
    return slot_pick(m, true, slot);
}

static CK_RV
login(const struct module *m, CK_SESSION_HANDLE s, CK_USER_TYPE who)
{
    const char *pin = who == CKU_SO ? BENCH_SO_PIN : BENCH_PIN;
    CK_UTF8CHAR buf[32];
    size_t n = strlen(pin);
    memcpy(buf, pin, n);
    CK_RV rv = m->p->C_Login(s, who, buf, (CK_ULONG)n);
    return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

CK_RV
p11_new_token(struct module *m)
{
    CK_SLOT_ID slot;
    CK_RV rv = slot_pick(m, false, &slot);
    if (rv != CKR_OK) return rv;
    CK_UTF8CHAR label[32], pin[32];
    pad32(label, BENCH_LABEL);
    size_t n = strlen(BENCH_SO_PIN);
    memcpy(pin, BENCH_SO_PIN, n);
    rv = m->p->C_InitToken(slot, pin, (CK_ULONG)n, label);
    /* softhsm2 moves a new token to a slot of its own: look it up again. */
    if (rv == CKR_OK) rv = p11_find_token(m, &m->slot);
    if (rv == CKR_OK)
        rv = m->p->C_OpenSession(m->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &m->s);
    if (rv == CKR_OK) rv = login(m, m->s, CKU_SO);
    if (rv == CKR_OK) {
        n = strlen(BENCH_PIN);
        memcpy(pin, BENCH_PIN, n);
        rv = m->p->C_InitPIN(m->s, pin, (CK_ULONG)n);
    }
    if (rv == CKR_OK) rv = m->p->C_Logout(m->s);
    if (rv == CKR_OK) rv = login(m, m->s, CKU_USER);
    return rv;
}

CK_RV
p11_open_login(const struct module *m, CK_SESSION_HANDLE *s)
{
    CK_RV rv = m->p->C_OpenSession(m->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
    if (rv == CKR_OK) rv = login(m, *s, CKU_USER);
    return rv;
}

bool
p11_has_mech(const struct module *m, CK_MECHANISM_TYPE mech)
{
    CK_MECHANISM_TYPE list[256];
    CK_ULONG n = LEN(list);
    if (m->p->C_GetMechanismList(m->slot, list, &n) != CKR_OK) return false;
    for (CK_ULONG i = 0; i < n; i++)
        if (list[i] == mech) return true;
    return false;
}

CK_RV
p11_create_data(const struct module *m, CK_SESSION_HANDLE s, const char *label, bool priv)
{
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls_data, sizeof cls_data},
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_PRIVATE, priv),
        {CKA_LABEL, (CK_VOID_PTR)(uintptr_t)label, (CK_ULONG)strlen(label)},
        {CKA_VALUE, data_value, sizeof data_value - 1},
    };
    CK_OBJECT_HANDLE o;
    return m->p->C_CreateObject(s, t, LEN(t), &o);
}

CK_RV
p11_gen_ec(const struct module *m, CK_SESSION_HANDLE s, const char *priv_label,
           const char *pub_label, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_VERIFY, true),
        {CKA_EC_PARAMS, (CK_VOID_PTR)(uintptr_t)p256_oid, sizeof p256_oid},
        {CKA_LABEL, (CK_VOID_PTR)(uintptr_t)pub_label, pub_label ? (CK_ULONG)strlen(pub_label) : 0},
    };
    CK_ATTRIBUTE kt[] = {
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_PRIVATE, true),
        BOOL_ATTR(CKA_SENSITIVE, true),
        BOOL_ATTR(CKA_SIGN, true),
        {CKA_LABEL, (CK_VOID_PTR)(uintptr_t)priv_label,
         priv_label ? (CK_ULONG)strlen(priv_label) : 0},
    };
    return m->p->C_GenerateKeyPair(s, &mech, pt, LEN(pt) - (pub_label ? 0 : 1), kt,
                                   LEN(kt) - (priv_label ? 0 : 1), pub, priv);
}

CK_RV
p11_find_label(const struct module *m, CK_SESSION_HANDLE s, const char *label,
               CK_OBJECT_HANDLE *out)
{
    CK_ATTRIBUTE t = {CKA_LABEL, (CK_VOID_PTR)(uintptr_t)label, (CK_ULONG)strlen(label)};
    CK_OBJECT_HANDLE h[2];
    CK_ULONG got = 0;
    CK_RV rv = m->p->C_FindObjectsInit(s, &t, 1);
    if (rv != CKR_OK) return rv;
    rv = m->p->C_FindObjects(s, h, 2, &got);
    CK_RV rv2 = m->p->C_FindObjectsFinal(s);
    if (rv == CKR_OK) rv = rv2;
    if (rv == CKR_OK && got != 1) rv = CKR_GENERAL_ERROR;
    if (rv == CKR_OK) *out = h[0];
    return rv;
}

/* An attribute's value into buf; len in: capacity, out: length. */
static CK_RV
get_attr(const struct module *m, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, uint8_t *buf,
         size_t *len)
{
    CK_ATTRIBUTE a = {type, buf, (CK_ULONG)*len};
    CK_RV rv = m->p->C_GetAttributeValue(m->s, o, &a, 1);
    if (rv == CKR_OK) *len = a.ulValueLen;
    return rv;
}

static CK_RV
make_rsa(const struct module *m, CK_OBJECT_HANDLE *priv, EVP_PKEY **pub)
{
    CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ULONG bits = 2048;
    CK_BYTE e[] = {0x01, 0x00, 0x01};
    CK_ATTRIBUTE pt[] = {
        {CKA_MODULUS_BITS, &bits, sizeof bits},
        {CKA_PUBLIC_EXPONENT, e, sizeof e},
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_VERIFY, true),
    };
    CK_ATTRIBUTE kt[] = {
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_PRIVATE, true),
        BOOL_ATTR(CKA_SENSITIVE, true),
        BOOL_ATTR(CKA_SIGN, true),
    };
    CK_OBJECT_HANDLE po;
    CK_RV rv = m->p->C_GenerateKeyPair(m->s, &mech, pt, LEN(pt), kt, LEN(kt), &po, priv);
    uint8_t n[512], ex[16];
    size_t nlen = sizeof n, elen = sizeof ex;
    if (rv == CKR_OK) rv = get_attr(m, po, CKA_MODULUS, n, &nlen);
    if (rv == CKR_OK) rv = get_attr(m, po, CKA_PUBLIC_EXPONENT, ex, &elen);
    if (rv == CKR_OK && (*pub = ossl_rsa_pub(n, nlen, ex, elen)) == NULL) rv = CKR_GENERAL_ERROR;
    return rv;
}

static CK_RV
make_ed(const struct module *m, CK_OBJECT_HANDLE *priv, EVP_PKEY **pub)
{
    CK_MECHANISM mech = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pt[] = {
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_VERIFY, true),
        {CKA_EC_PARAMS, (CK_VOID_PTR)(uintptr_t)ed25519_oid, sizeof ed25519_oid},
    };
    CK_ATTRIBUTE kt[] = {
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_PRIVATE, true),
        BOOL_ATTR(CKA_SENSITIVE, true),
        BOOL_ATTR(CKA_SIGN, true),
    };
    CK_OBJECT_HANDLE po;
    CK_RV rv = m->p->C_GenerateKeyPair(m->s, &mech, pt, LEN(pt), kt, LEN(kt), &po, priv);
    if (rv != CKR_OK) {
        /* Some modules name the curve only by its PrintableString. */
        pt[2].pValue = (CK_VOID_PTR)(uintptr_t)ed25519_name;
        pt[2].ulValueLen = sizeof ed25519_name;
        rv = m->p->C_GenerateKeyPair(m->s, &mech, pt, LEN(pt), kt, LEN(kt), &po, priv);
    }
    uint8_t pt_buf[80];
    size_t len = sizeof pt_buf;
    if (rv == CKR_OK) rv = get_attr(m, po, CKA_EC_POINT, pt_buf, &len);
    if (rv == CKR_OK && (*pub = ossl_ed_pub(pt_buf, len)) == NULL) rv = CKR_GENERAL_ERROR;
    return rv;
}

static CK_RV
make_hmac(const struct module *m, CK_OBJECT_HANDLE *priv)
{
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls_secret, sizeof cls_secret},
        {CKA_KEY_TYPE, &kt_generic, sizeof kt_generic},
        {CKA_VALUE, (CK_VOID_PTR)(uintptr_t)bench_hmac_key, sizeof bench_hmac_key},
        BOOL_ATTR(CKA_TOKEN, true),
        BOOL_ATTR(CKA_PRIVATE, true),
        BOOL_ATTR(CKA_SENSITIVE, true),
        BOOL_ATTR(CKA_SIGN, true),
        BOOL_ATTR(CKA_VERIFY, true),
    };
    return m->p->C_CreateObject(m->s, t, LEN(t), priv);
}

CK_RV
p11_make_key(const struct module *m, enum keykind k, CK_OBJECT_HANDLE *priv, EVP_PKEY **pub)
{
    *pub = NULL;
    switch (k) {
    case KEY_EC: {
        CK_OBJECT_HANDLE po;
        CK_RV rv = p11_gen_ec(m, m->s, "ec", "ec-pub", &po, priv);
        uint8_t point[160];
        size_t len = sizeof point;
        if (rv == CKR_OK) rv = get_attr(m, po, CKA_EC_POINT, point, &len);
        if (rv == CKR_OK && (*pub = ossl_ec_pub(point, len)) == NULL) rv = CKR_GENERAL_ERROR;
        return rv;
    }
    case KEY_RSA:
        return make_rsa(m, priv, pub);
    case KEY_HMAC:
        return make_hmac(m, priv);
    case KEY_ED:
        if (!p11_has_mech(m, CKM_EDDSA) || !p11_has_mech(m, CKM_EC_EDWARDS_KEY_PAIR_GEN))
            return CKR_MECHANISM_INVALID;
        return make_ed(m, priv, pub);
    case KEY_N:
        break;
    }
    return CKR_ARGUMENTS_BAD;
}
