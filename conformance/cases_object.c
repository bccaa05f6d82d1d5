/*
 * cases_object.c: PKCS#11 3.0 §5.7 object management: C_GetAttributeValue's
 * algorithm (it keeps looping past sensitive, invalid and short-buffer
 * attributes), object handles (invalid, destroyed, stale), searches,
 * C_CreateObject/C_CopyObject/C_DestroyObject in R/O sessions,
 * C_GetObjectSize and CKA_UNIQUE_ID (§4.4.1).
 */
#include "cases.h"
#include "fixtures.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define UNKNOWN_ATTR (CKA_VENDOR_DEFINED | 0x00abcdefUL)

/* ---- §5.7.5 C_GetAttributeValue ---- */

static void
case_gav_mixed(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    CK_BYTE value[128], modulus[512], params[1], unknown[16];
    CK_OBJECT_CLASS cls = 0;
    CK_KEY_TYPE kt = 0;
    CK_BBOOL sign = CK_FALSE;
    /* The errors come first: the valid attributes after them must still be
     * returned ("the call MUST nonetheless have processed every attribute"). */
    CK_ATTRIBUTE t[] = {
        {CKA_VALUE, value, sizeof value},        /* sensitive: case 1 */
        {CKA_MODULUS, modulus, sizeof modulus},  /* an EC key has none: case 2 */
        {CKA_EC_PARAMS, params, sizeof params},  /* too short: case 5 */
        {UNKNOWN_ATTR, unknown, sizeof unknown}, /* no such attribute: case 2 */
        {CKA_CLASS, &cls, sizeof cls},           {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_SIGN, &sign, sizeof sign},
    };
    CK_RV rv = cx->p->C_GetAttributeValue(s, priv, t, 7);
    CT_ANY(cx, FN_C_GetAttributeValue, rv, CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID,
           CKR_BUFFER_TOO_SMALL);
    const char *what[] = {"sensitive CKA_VALUE", "absent CKA_MODULUS", "short CKA_EC_PARAMS",
                          "unknown type"};
    for (int i = 0; i < 4; i++)
        ct_check(cx, t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION,
                 "%s: ulValueLen %lu, not CK_UNAVAILABLE_INFORMATION", what[i], t[i].ulValueLen);
    ct_check(cx, cls == CKO_PRIVATE_KEY && t[4].ulValueLen == sizeof cls,
             "CKA_CLASS after the errors was not returned");
    ct_check(cx, kt == CKK_EC && t[5].ulValueLen == sizeof kt,
             "CKA_KEY_TYPE after the errors was not returned");
    ct_check(cx, sign == CK_TRUE && t[6].ulValueLen == sizeof sign,
             "CKA_SIGN after the errors was not returned");
    ct_note(cx, "%s", rv_name(rv));
}

static void
case_gav_each(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    CK_OBJECT_HANDLE pub, priv;
    fx_ec_pair(cx, s, NULL, &pub, &priv);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "gav");
    CK_BYTE buf[256];
    CK_OBJECT_CLASS cls = 0;
    CK_ATTRIBUTE sens[] = {{CKA_VALUE, buf, sizeof buf}, {CKA_CLASS, &cls, sizeof cls}};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, priv, sens, 2),
          CKR_ATTRIBUTE_SENSITIVE);
    ct_check(cx, cls == CKO_PRIVATE_KEY, "CKA_CLASS next to a sensitive attribute not returned");
    CK_ATTRIBUTE inval[] = {{CKA_MODULUS, buf, sizeof buf}, {CKA_CLASS, &cls, sizeof cls}};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, inval, 2),
          CKR_ATTRIBUTE_TYPE_INVALID);
    ct_check(cx, cls == CKO_DATA, "CKA_CLASS next to an invalid attribute not returned");
    CK_ATTRIBUTE shortb[] = {{CKA_VALUE, buf, 4}, {CKA_CLASS, &cls, sizeof cls}};
    cls = 0;
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, shortb, 2),
          CKR_BUFFER_TOO_SMALL);
    ct_check(cx, shortb[0].ulValueLen == CK_UNAVAILABLE_INFORMATION,
             "short buffer: ulValueLen %lu, not CK_UNAVAILABLE_INFORMATION", shortb[0].ulValueLen);
    ct_check(cx, cls == CKO_DATA, "CKA_CLASS next to a short buffer not returned");
}

static void
case_gav_size_query(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "size-query");
    CK_ATTRIBUTE q[] = {{CKA_VALUE, NULL, 0}, {CKA_LABEL, NULL, 999}};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, q, 2), CKR_OK);
    ct_check(cx, q[0].ulValueLen == 11 && q[1].ulValueLen == 10,
             "size query gave %lu and %lu, not 11 and 10", q[0].ulValueLen, q[1].ulValueLen);
    CK_BYTE v[11], l[10];
    CK_ATTRIBUTE g[] = {{CKA_VALUE, v, sizeof v}, {CKA_LABEL, l, sizeof l}};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, g, 2), CKR_OK);
    ct_check(cx, memcmp(v, "conformance", 11) == 0 && memcmp(l, "size-query", 10) == 0,
             "values differ from what was stored");
}

static void
case_gav_unextractable(struct cx *cx, const void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE s = ct_user_session(cx);
    /* "cannot be revealed because the object is sensitive or unextractable" */
    CK_OBJECT_HANDLE k = fx_secret_object(cx, s, false, false);
    CK_BYTE v[64];
    CK_ATTRIBUTE a = {CKA_VALUE, v, sizeof v};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, k, &a, 1),
          CKR_ATTRIBUTE_SENSITIVE);
    ct_check(cx, a.ulValueLen == CK_UNAVAILABLE_INFORMATION, "ulValueLen %lu", a.ulValueLen);
}

static void
case_gav_args(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "args");
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, NULL, 1), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, CK_INVALID_HANDLE, &a, 1),
          CKR_OBJECT_HANDLE_INVALID);
    ct_ok(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, d));
    a.ulValueLen = sizeof cls;
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, &a, 1),
          CKR_OBJECT_HANDLE_INVALID);
    ct_rv(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(s, d), CKR_OBJECT_HANDLE_INVALID);
}

static void
case_stale_object(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "stale");
    ct_ok(cx, FN_C_Finalize, cx->p->C_Finalize(NULL));
    ct_ok(cx, FN_C_Initialize, cx->p->C_Initialize(NULL));
    s = ct_open(cx, true);
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof cls};
    ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, &a, 1),
          CKR_OBJECT_HANDLE_INVALID);
}

/* ---- §5.7.7-5.7.9 searches ---- */

static void
case_find_state(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, false);
    CK_OBJECT_HANDLE h[4];
    CK_ULONG n;
    ct_rv(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
    ct_rv(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
    ct_rv(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, NULL, 1), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, NULL, 0), CKR_OK);
    ct_rv(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, NULL, 0), CKR_OPERATION_ACTIVE);
    ct_rv(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, h, 4, NULL), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s), CKR_OK);
    ct_rv(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
}

static void
case_find_match(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    char label[48];
    snprintf(label, sizeof label, "find-%d", (int)getpid());
    CK_SESSION_HANDLE s = ct_open(cx, true);
    for (int i = 0; i < 3; i++)
        fx_data(cx, s, false, false, label);
    CK_OBJECT_CLASS cert = CKO_CERTIFICATE;
    CK_ATTRIBUTE t[] = {{CKA_LABEL, label, (CK_ULONG)strlen(label)},
                        {CKA_CLASS, &cert, sizeof cert}};
    ct_check(cx, fx_count(cx, s, t, 1) == 3, "3 objects were made, the search disagrees");
    ct_check(cx, fx_count(cx, s, t, 2) == 0, "a certificate search found data objects");
    ct_ok(cx, FN_C_FindObjectsInit, cx->p->C_FindObjectsInit(s, t, 1));
    CK_ULONG got = 0, calls = 0, n = 0;
    do {
        CK_OBJECT_HANDLE h;
        ct_ok(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, &h, 1, &n));
        got += n;
        calls++;
    } while (n != 0 && calls < 10);
    ct_ok(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s));
    ct_check(cx, got == 3 && calls == 4, "one at a time: %lu objects in %lu calls", got, calls);
    CK_ATTRIBUTE unk = {UNKNOWN_ATTR, label, 1};
    CK_RV rv = cx->p->C_FindObjectsInit(s, &unk, 1);
    /* "it can return CKR_ATTRIBUTE_TYPE_INVALID, or ... match no objects" */
    if (CT_ANY(cx, FN_C_FindObjectsInit, rv, CKR_OK, CKR_ATTRIBUTE_TYPE_INVALID) && rv == CKR_OK) {
        CK_OBJECT_HANDLE h;
        ct_ok(cx, FN_C_FindObjects, cx->p->C_FindObjects(s, &h, 1, &n));
        ct_check(cx, n == 0, "an unknown attribute matched %lu objects", n);
        ct_ok(cx, FN_C_FindObjectsFinal, cx->p->C_FindObjectsFinal(s));
    }
}

/* ---- §5.7.1-5.7.4 create, copy, destroy, size ---- */

static void
case_create_ro(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE ro = ct_open(cx, false);
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    /* CKA_PRIVATE's default is token-specific (§4.4): say FALSE. */
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_PRIVATE, &no, sizeof no},
                        {CKA_TOKEN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE o;
    /* "Only session objects can be created during a read-only session." */
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(ro, t, 3, &o), CKR_SESSION_READ_ONLY);
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(ro, t, 2, &o), CKR_OK);
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(ro, t, 2, NULL), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_CreateObject, cx->p->C_CreateObject(ro, NULL, 2, &o), CKR_ARGUMENTS_BAD);
}

static void
case_destroy_ro(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    char label[48];
    snprintf(label, sizeof label, "ro-destroy-%d", (int)getpid());
    CK_SESSION_HANDLE rw = ct_open(cx, true), ro = ct_open(cx, false);
    CK_OBJECT_HANDLE tok = fx_data(cx, rw, true, false, label);
    CK_UTF8CHAR other[] = "other";
    CK_ATTRIBUTE l = {CKA_LABEL, other, sizeof other - 1};
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(ro, tok, &l, 1),
          CKR_SESSION_READ_ONLY);
    ct_rv(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(ro, tok), CKR_SESSION_READ_ONLY);
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE to_token = {CKA_TOKEN, &yes, sizeof yes};
    CK_OBJECT_HANDLE copy;
    CK_OBJECT_HANDLE ses = fx_data(cx, ro, false, false, label);
    ct_rv(cx, FN_C_CopyObject, cx->p->C_CopyObject(ro, ses, &to_token, 1, &copy),
          CKR_SESSION_READ_ONLY);
    ct_rv(cx, FN_C_DestroyObject, cx->p->C_DestroyObject(rw, tok), CKR_OK);
}

static void
case_copy(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "original"), c;
    CK_UTF8CHAR copy_label[] = "the-copy";
    CK_ATTRIBUTE t = {CKA_LABEL, copy_label, sizeof copy_label - 1};
    ct_rv(cx, FN_C_CopyObject, cx->p->C_CopyObject(s, d, &t, 1, &c), CKR_OK);
    CK_BYTE l1[16], l2[16];
    CK_ATTRIBUTE g1 = {CKA_LABEL, l1, sizeof l1}, g2 = {CKA_LABEL, l2, sizeof l2};
    ct_ok(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, d, &g1, 1));
    ct_ok(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, c, &g2, 1));
    ct_check(cx, g1.ulValueLen == 8 && memcmp(l1, "original", 8) == 0, "the original changed");
    ct_check(cx, g2.ulValueLen == 8 && memcmp(l2, "the-copy", 8) == 0, "the copy's label is wrong");
    ct_rv(cx, FN_C_CopyObject, cx->p->C_CopyObject(s, CK_INVALID_HANDLE, &t, 1, &c),
          CKR_OBJECT_HANDLE_INVALID);
}

static void
case_object_size(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE d = fx_data(cx, s, false, false, "size");
    CK_ULONG n = 0;
    ct_rv(cx, FN_C_GetObjectSize, cx->p->C_GetObjectSize(s, d, NULL), CKR_ARGUMENTS_BAD);
    ct_rv(cx, FN_C_GetObjectSize, cx->p->C_GetObjectSize(s, CK_INVALID_HANDLE, &n),
          CKR_OBJECT_HANDLE_INVALID);
    CK_RV rv = cx->p->C_GetObjectSize(s, d, &n);
    CT_ANY(cx, FN_C_GetObjectSize, rv, CKR_OK, CKR_INFORMATION_SENSITIVE,
           CKR_FUNCTION_NOT_SUPPORTED);
    ct_note(cx, "%s, %lu bytes", rv_name(rv), n);
}

static void
case_unique_id(struct cx *cx, const void *arg)
{
    (void)arg;
    ct_init(cx);
    CK_SESSION_HANDLE s = ct_open(cx, true);
    CK_OBJECT_HANDLE a = fx_data(cx, s, false, false, "uid-a"), b, c;
    b = fx_data(cx, s, false, false, "uid-b");
    CK_UTF8CHAR copy_label[] = "uid-c";
    CK_ATTRIBUTE ct = {CKA_LABEL, copy_label, sizeof copy_label - 1};
    ct_ok(cx, FN_C_CopyObject, cx->p->C_CopyObject(s, a, &ct, 1, &c));
    CK_BYTE ua[128], ub[128], uc[128];
    CK_ATTRIBUTE ga = {CKA_UNIQUE_ID, ua, sizeof ua}, gb = {CKA_UNIQUE_ID, ub, sizeof ub},
                 gc = {CKA_UNIQUE_ID, uc, sizeof uc};
    if (!ct_rv(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, a, &ga, 1), CKR_OK))
        return;
    ct_ok(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, b, &gb, 1));
    ct_ok(cx, FN_C_GetAttributeValue, cx->p->C_GetAttributeValue(s, c, &gc, 1));
    ct_check(cx, ga.ulValueLen > 0, "an empty CKA_UNIQUE_ID");
    ct_check(cx, ga.ulValueLen != gb.ulValueLen || memcmp(ua, ub, ga.ulValueLen) != 0,
             "two objects share a CKA_UNIQUE_ID");
    ct_check(cx, ga.ulValueLen != gc.ulValueLen || memcmp(ua, uc, ga.ulValueLen) != 0,
             "a copy kept the original's CKA_UNIQUE_ID");
    ct_rv(cx, FN_C_SetAttributeValue, cx->p->C_SetAttributeValue(s, a, &gb, 1),
          CKR_ATTRIBUTE_READ_ONLY);
}

void
cases_object_register(void)
{
    ct_register("5.7.5",
                "C_GetAttributeValue keeps looping: sensitive, absent, short and unknown "
                "attributes mixed with valid ones",
                case_gav_mixed, NULL);
    ct_register("5.7.5",
                "C_GetAttributeValue: CKR_ATTRIBUTE_SENSITIVE, TYPE_INVALID, "
                "BUFFER_TOO_SMALL each alone",
                case_gav_each, NULL);
    ct_register("5.7.5", "C_GetAttributeValue: NULL pValue gives the exact length",
                case_gav_size_query, NULL);
    ct_register("5.7.5", "C_GetAttributeValue: an unextractable key's value is unavailable",
                case_gav_unextractable, NULL);
    ct_register("5.7.5", "C_GetAttributeValue: NULL template, handle 0, destroyed object",
                case_gav_args, NULL);
    ct_register("5.7.5", "a session object's handle is stale after C_Finalize/C_Initialize",
                case_stale_object, NULL);
    ct_register("5.7.7",
                "searches: FindObjects/Final without Init, Init twice gives "
                "CKR_OPERATION_ACTIVE, NULL arguments",
                case_find_state, NULL);
    ct_register("5.7.8", "searches match exactly and C_FindObjects returns them in parts",
                case_find_match, NULL);
    ct_register("5.7.1",
                "C_CreateObject: token object in a R/O session gives "
                "CKR_SESSION_READ_ONLY; NULL arguments",
                case_create_ro, NULL);
    ct_register("5.7.3", "a R/O session cannot modify, destroy or copy-to a token object",
                case_destroy_ro, NULL);
    ct_register("5.7.2", "C_CopyObject applies its template and leaves the original", case_copy,
                NULL);
    ct_register("5.7.4", "C_GetObjectSize: NULL pulSize, handle 0", case_object_size, NULL);
    ct_register("4.4.1", "CKA_UNIQUE_ID is set, distinct (also for a copy) and read-only",
                case_unique_id, NULL);
}
