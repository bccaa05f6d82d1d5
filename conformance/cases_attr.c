/*
 * cases_attr.c: the attribute policy of PKCS#11 3.0 §4: read-only
 * attributes, CKA_SENSITIVE may only become TRUE and CKA_EXTRACTABLE only
 * FALSE (attribute-table footnotes 11 and 12: "It becomes a read only
 * attribute"), CKA_MODIFIABLE/COPYABLE/DESTROYABLE (§4.4, §5.7) and the
 * template errors of §4.1.1: TEMPLATE_INCOMPLETE, TEMPLATE_INCONSISTENT,
 * ATTRIBUTE_TYPE_INVALID, ATTRIBUTE_VALUE_INVALID, ATTRIBUTE_READ_ONLY.
 */
#include "cases.h"
#include "fixtures.h"

#include <string.h>

#define UNKNOWN_ATTR (CKA_VENDOR_DEFINED | 0x00abcdefUL)

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* ---- read-only attributes of a generated private key (§4.1.2) ---- */

struct ro_attr {
    CK_ATTRIBUTE_TYPE type;
    const char *name;
    CK_ULONG value; /* written as a CK_ULONG or, when len is 1, a CK_BBOOL */
    CK_ULONG len;
};

static const struct ro_attr ro_attrs[] = {
    {CKA_CLASS, "CKA_CLASS", CKO_SECRET_KEY, sizeof(CK_ULONG)},
    {CKA_KEY_TYPE, "CKA_KEY_TYPE", CKK_RSA, sizeof(CK_ULONG)},
    {CKA_LOCAL, "CKA_LOCAL", CK_FALSE, 1},
    {CKA_ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE", CK_FALSE, 1},
    {CKA_NEVER_EXTRACTABLE, "CKA_NEVER_EXTRACTABLE", CK_FALSE, 1},
    {CKA_KEY_GEN_MECHANISM, "CKA_KEY_GEN_MECHANISM", CKM_RSA_PKCS_KEY_PAIR_GEN, sizeof(CK_ULONG)},
};

static void
case_read_only(struct cx *cx, const void *arg)
{
    const struct ro_attr *ra = arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    CK_ULONG ul = ra->value;
    CK_BBOOL b = (CK_BBOOL)ra->value;
    CK_ATTRIBUTE a = {ra->type, ra->len == 1 ? (void *)&b : (void *)&ul, ra->len};
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(s, priv, &a, 1),
          CKR_ATTRIBUTE_READ_ONLY);
}

/* ---- CKA_SENSITIVE only becomes TRUE, CKA_EXTRACTABLE only FALSE ---- */

static void
case_sensitive(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    ct_rv(cx, FN_C_SetAttributeValue, fx_set_bool(cx, s, priv, CKA_SENSITIVE, CK_FALSE),
          CKR_ATTRIBUTE_READ_ONLY);
    CK_OBJECT_HANDLE k = fx_secret_object(cx, s, false, true);
    ct_rv(cx, FN_C_SetAttributeValue, fx_set_bool(cx, s, k, CKA_SENSITIVE, CK_TRUE), CKR_OK);
    ct_check(cx, fx_bool(cx, s, k, CKA_SENSITIVE) == CK_TRUE, "CKA_SENSITIVE did not become TRUE");
    ct_rv(cx, FN_C_SetAttributeValue, fx_set_bool(cx, s, k, CKA_SENSITIVE, CK_FALSE),
          CKR_ATTRIBUTE_READ_ONLY);
    ct_check(cx, fx_bool(cx, s, k, CKA_SENSITIVE) == CK_TRUE, "CKA_SENSITIVE went back to FALSE");
}

static void
case_extractable(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE k = fx_secret_object(cx, s, true, true);
    ct_rv(cx, FN_C_SetAttributeValue, fx_set_bool(cx, s, k, CKA_EXTRACTABLE, CK_FALSE), CKR_OK);
    ct_check(cx, fx_bool(cx, s, k, CKA_EXTRACTABLE) == CK_FALSE,
             "CKA_EXTRACTABLE did not become FALSE");
    ct_rv(cx, FN_C_SetAttributeValue, fx_set_bool(cx, s, k, CKA_EXTRACTABLE, CK_TRUE),
          CKR_ATTRIBUTE_READ_ONLY);
    ct_check(cx, fx_bool(cx, s, k, CKA_EXTRACTABLE) == CK_FALSE,
             "CKA_EXTRACTABLE went back to TRUE");
}

static void
case_copy_sensitive(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE k = fx_secret_object(cx, s, true, true), c;
    /* §4.1.3: "CKA_SENSITIVE attribute can be changed from CK_FALSE to
     * CK_TRUE during the course of a C_CopyObject operation, but not the
     * other way around." */
    CK_ATTRIBUTE t = {CKA_SENSITIVE, &no, sizeof no};
    CK_RV rv = cx->p->C_CopyObject(s, k, &t, 1, &c);
    CT_ANY(cx, FN_C_CopyObject, rv, CKR_ATTRIBUTE_READ_ONLY, CKR_TEMPLATE_INCONSISTENT);
    ct_note(cx, "%s", rv_name(rv));
}

/* ---- CKA_MODIFIABLE / CKA_COPYABLE / CKA_DESTROYABLE (§4.4, §5.7) ---- */

static CK_OBJECT_HANDLE
policy_object(struct cx *cx, CK_SESSION_HANDLE s, CK_ATTRIBUTE_TYPE flag)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_UTF8CHAR label[] = "policy";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_TOKEN, &no, sizeof no},
                        {CKA_PRIVATE, &no, sizeof no},
                        {CKA_LABEL, label, sizeof label - 1},
                        {flag, &no, sizeof no}};
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    ct_ok(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, 5, &o));
    return o;
}

static void
case_modifiable(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE o = policy_object(cx, s, CKA_MODIFIABLE);
    CK_UTF8CHAR other[] = "changed";
    CK_ATTRIBUTE l = {CKA_LABEL, other, sizeof other - 1};
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(s, o, &l, 1),
          CKR_ACTION_PROHIBITED);
    CK_OBJECT_HANDLE m = fx_data(cx, s, false, false, "modifiable");
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(s, m, &l, 1), CKR_OK);
    CK_BYTE back[16];
    CK_ATTRIBUTE g = {CKA_LABEL, back, sizeof back};
    ct_ok(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, m, &g, 1));
    ct_check(cx, g.ulValueLen == 7 && memcmp(back, "changed", 7) == 0, "the label did not change");
}

static void
case_copyable(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE o = policy_object(cx, s, CKA_COPYABLE), c;
    CK_UTF8CHAR label[] = "copy";
    CK_ATTRIBUTE t = {CKA_LABEL, label, sizeof label - 1};
    ct_rv(cx, FN_C_CopyObject, cx->p->C_CopyObject(s, o, &t, 1, &c), CKR_ACTION_PROHIBITED);
}

static void
case_destroyable(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE o = policy_object(cx, s, CKA_DESTROYABLE);
    ct_rv(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, o), CKR_ACTION_PROHIBITED);
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
}

/* ---- §4.1.1 template errors ---- */

static void
case_incomplete(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE no_value[] = {
        {CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_TOKEN, &no, sizeof no}};
    CK_OBJECT_HANDLE o;
    /* CKA_VALUE of a secret key "MUST be specified when object is created
     * with C_CreateObject" (footnote 1). */
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, no_value, 3, &o),
          CKR_TEMPLATE_INCOMPLETE);
    CK_ATTRIBUTE no_class[] = {{CKA_TOKEN, &no, sizeof no}};
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, no_class, 1, &o),
          CKR_TEMPLATE_INCOMPLETE);
}

static void
case_inconsistent(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    ct_need_mech(cx, CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR);
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BYTE oid[sizeof fx_p256_oid];
    memcpy(oid, fx_p256_oid, sizeof oid);
    CK_KEY_TYPE rsa = CKK_RSA;
    CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, oid, sizeof oid}, {CKA_KEY_TYPE, &rsa, sizeof rsa}};
    CK_ATTRIBUTE kt[] = {{CKA_SIGN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE pub, priv;
    /* 5.18.2: "If one of the templates does supply a key type which is
     * inconsistent with the key generation mechanism, C_GenerateKeyPair
     * fails and returns the error code CKR_TEMPLATE_INCONSISTENT." */
    ct_rv(cx, FN_C_GenerateKeyPair, cx->p->C_GenerateKeyPair(s, &m, pt, 2, kt, 1, &pub, &priv),
          CKR_TEMPLATE_INCONSISTENT);
    ct_need_mech(cx, CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE);
    CK_MECHANISM g = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
    CK_OBJECT_CLASS pubcls = CKO_PUBLIC_KEY;
    CK_ULONG len = 32;
    CK_ATTRIBUTE st[] = {{CKA_CLASS, &pubcls, sizeof pubcls}, {CKA_VALUE_LEN, &len, sizeof len}};
    CK_OBJECT_HANDLE k;
    /* 5.18.1: "The CKA_CLASS attribute is treated similarly." */
    ct_rv(cx, FN_C_GenerateKey, cx->p->C_GenerateKey(s, &g, st, 2, &k), CKR_TEMPLATE_INCONSISTENT);
}

static void
case_type_invalid(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ULONG junk = 1;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_TOKEN, &no, sizeof no},
                        {CKA_PRIVATE, &no, sizeof no},
                        {UNKNOWN_ATTR, &junk, sizeof junk}};
    CK_OBJECT_HANDLE o;
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, t, 4, &o), CKR_ATTRIBUTE_TYPE_INVALID);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "type-invalid");
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(s, d, &t[3], 1),
          CKR_ATTRIBUTE_TYPE_INVALID);
}

static void
case_value_invalid(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ULONG wide = CK_TRUE; /* a CK_BBOOL given as a CK_ULONG */
    CK_BYTE narrow = 0;      /* a CK_OBJECT_CLASS given as one byte */
    CK_ATTRIBUTE bad_bool[] = {{CKA_CLASS, &cls, sizeof cls},
                               {CKA_PRIVATE, &no, sizeof no},
                               {CKA_TOKEN, &wide, sizeof wide}};
    CK_ATTRIBUTE bad_class[] = {
        {CKA_CLASS, &narrow, 1}, {CKA_PRIVATE, &no, sizeof no}, {CKA_TOKEN, &no, sizeof no}};
    CK_OBJECT_HANDLE o;
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(s, bad_bool, 3, &o),
          CKR_ATTRIBUTE_VALUE_INVALID);
    /* A class that cannot be read is an invalid value; a module may also
     * find the object unspecified (§4.1.1: "any of the error codes ... that
     * applies"). */
    CK_RV rv = cx->p->C_CreateObject(s, bad_class, 3, &o);
    CT_ANY(cx, FN_C_CreateObject, rv, CKR_ATTRIBUTE_VALUE_INVALID, CKR_TEMPLATE_INCOMPLETE);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "value-invalid");
    CK_ATTRIBUTE set = {CKA_PRIVATE, &wide, sizeof wide};
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(s, d, &set, 1),
          CKR_ATTRIBUTE_VALUE_INVALID);
}

static void
case_create_read_only(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BYTE v[32] = {1};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, v, sizeof v},
                        {CKA_TOKEN, &no, sizeof no},
                        {CKA_LOCAL, &yes, sizeof yes}};
    CK_OBJECT_HANDLE o;
    /* CKA_LOCAL "MUST not be specified when object is created with
     * C_CreateObject" (footnote 2): a read-only attribute (§4.1.1 #3). */
    CK_RV rv = cx->p->C_CreateObject(s, t, 5, &o);
    CT_ANY(cx, FN_C_CreateObject, rv, CKR_ATTRIBUTE_READ_ONLY, CKR_TEMPLATE_INCONSISTENT);
    ct_note(cx, "%s", rv_name(rv));
}

void
cases_attr_register(void)
{
    for (size_t i = 0; i < sizeof ro_attrs / sizeof ro_attrs[0]; i++)
        ct_registerf("4.1.2", case_read_only, &ro_attrs[i],
                     "C_SetAttributeValue(%s) on a private key gives CKR_ATTRIBUTE_READ_ONLY",
                     ro_attrs[i].name);
    ct_register("4.9", "CKA_SENSITIVE only becomes TRUE (TRUE->FALSE: CKR_ATTRIBUTE_READ_ONLY)",
                case_sensitive, NULL);
    ct_register("4.10",
                "CKA_EXTRACTABLE only becomes FALSE (FALSE->TRUE: "
                "CKR_ATTRIBUTE_READ_ONLY)",
                case_extractable, NULL);
    ct_register("4.1.3", "C_CopyObject cannot turn CKA_SENSITIVE back to FALSE",
                case_copy_sensitive, NULL);
    ct_register("5.7.6", "CKA_MODIFIABLE FALSE: C_SetAttributeValue gives CKR_ACTION_PROHIBITED",
                case_modifiable, NULL);
    ct_register("5.7.2", "CKA_COPYABLE FALSE: C_CopyObject gives CKR_ACTION_PROHIBITED",
                case_copyable, NULL);
    ct_register("5.7.3", "CKA_DESTROYABLE FALSE: C_DestroyObject gives CKR_ACTION_PROHIBITED",
                case_destroyable, NULL);
    ct_register("4.1.1", "a template without a required attribute gives CKR_TEMPLATE_INCOMPLETE",
                case_incomplete, NULL);
    ct_register("4.1.1",
                "a key type or class against the mechanism gives "
                "CKR_TEMPLATE_INCONSISTENT",
                case_inconsistent, NULL);
    ct_register("4.1.1", "an unknown attribute type gives CKR_ATTRIBUTE_TYPE_INVALID",
                case_type_invalid, NULL);
    ct_register("4.1.1", "a wrongly sized value gives CKR_ATTRIBUTE_VALUE_INVALID",
                case_value_invalid, NULL);
    ct_register("4.1.1", "CKA_LOCAL on C_CreateObject is refused (read-only)",
                case_create_read_only, NULL);
}
