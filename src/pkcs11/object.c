/* object.c: object management, PKCS#11 3.0 §5.7. */
#include <string.h>

#include "core/find.h"
#include "core/manage.h"
#include "pkcs11/entry.h"
#include "pkcs11/gate.h"

/* Copy an application template before taking the lock. */
static CK_RV
template_in(CK_ATTRIBUTE_PTR t, CK_ULONG n, struct attr_set **out)
{
    if (t == NULL && n > 0) return CKR_ARGUMENTS_BAD;
    return attr_set_from_template(t, n, out);
}

CK_RV
ct_C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                  CK_OBJECT_HANDLE_PTR phObject)
{
    /* §5.7.1 */
    if (phObject == NULL) return CKR_ARGUMENTS_BAD;
    struct attr_set *tmpl;
    CK_RV rv = template_in(pTemplate, ulCount, &tmpl);
    if (rv != CKR_OK) return rv;
    struct gate g;
    rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK)
        rv = manage_create(g.lib, g.sess, tmpl, phObject);
    else
        attr_set_free(tmpl);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
    /* §5.7.2 */
    if (phNewObject == NULL) return CKR_ARGUMENTS_BAD;
    struct attr_set *tmpl;
    CK_RV rv = template_in(pTemplate, ulCount, &tmpl);
    if (rv != CKR_OK) return rv;
    struct gate g;
    rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK)
        rv = manage_copy(g.lib, g.sess, hObject, tmpl, phNewObject);
    else
        attr_set_free(tmpl);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    /* §5.7.3 */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) rv = manage_destroy(g.lib, g.sess, hObject);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
    /* §5.7.4 */
    if (pulSize == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) {
        struct object *o = library_obj_lookup(g.lib, g.sess, hObject);
        if (o == NULL)
            rv = CKR_OBJECT_HANDLE_INVALID;
        else
            *pulSize = object_size(o);
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                       CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    /* §5.7.5 */
    if (pTemplate == NULL && ulCount > 0) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK) {
        struct object *o = library_obj_lookup(g.lib, g.sess, hObject);
        if (o == NULL)
            rv = CKR_OBJECT_HANDLE_INVALID;
        else
            rv = object_get_attrs(o, pTemplate, ulCount);
    }
    return gate_leave(&g, rv);
}

CK_RV
ct_C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                       CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    /* §5.7.6 */
    struct attr_set *tmpl;
    CK_RV rv = template_in(pTemplate, ulCount, &tmpl);
    if (rv != CKR_OK) return rv;
    struct gate g;
    rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK)
        rv = manage_set(g.lib, g.sess, hObject, tmpl);
    else
        attr_set_free(tmpl);
    return gate_leave(&g, rv);
}

/* A search template may name a type twice (C_FindObjectsInit may not
 * answer CKR_TEMPLATE_INCONSISTENT): equal values are one condition,
 * different values match nothing (*out = NULL). */
static CK_RV
template_in_find(CK_ATTRIBUTE_PTR t, CK_ULONG n, struct attr_set **out)
{
    if (t == NULL && n > 0) return CKR_ARGUMENTS_BAD;
    struct attr_set *s = attr_set_new();
    if (s == NULL) return CKR_HOST_MEMORY;
    for (CK_ULONG i = 0; i < n; i++) {
        if (t[i].pValue == NULL && t[i].ulValueLen > 0) {
            attr_set_free(s);
            return CKR_ARGUMENTS_BAD;
        }
        const struct attr *a = attr_set_find(s, t[i].type);
        if (a != NULL &&
            (a->len != t[i].ulValueLen || (a->len && memcmp(a->val, t[i].pValue, a->len) != 0))) {
            attr_set_free(s);
            *out = NULL;
            return CKR_OK;
        }
        CK_RV rv = attr_set_put(s, t[i].type, t[i].pValue, t[i].ulValueLen);
        if (rv != CKR_OK) {
            attr_set_free(s);
            return rv;
        }
    }
    *out = s;
    return CKR_OK;
}

CK_RV
ct_C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    /* §5.7.7 */
    struct attr_set *tmpl;
    CK_RV rv = template_in_find(pTemplate, ulCount, &tmpl);
    if (rv != CKR_OK) return rv;
    struct gate g;
    rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK && g.sess->find != NULL) rv = CKR_OPERATION_ACTIVE;
    if (rv == CKR_OK) return gate_leave(&g, find_init_take(g.lib, g.sess, tmpl, &g.sess->find));
    attr_set_free(tmpl);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                 CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
    /* §5.7.8 */
    if (phObject == NULL || pulObjectCount == NULL) return CKR_ARGUMENTS_BAD;
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK && g.sess->find == NULL) rv = CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK)
        find_next(g.lib, g.sess, g.sess->find, phObject, ulMaxObjectCount, pulObjectCount);
    return gate_leave(&g, rv);
}

CK_RV
ct_C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    /* §5.7.9 */
    struct gate g;
    CK_RV rv = GATE_ENTER_SESSION(&g, hSession);
    if (rv == CKR_OK && g.sess->find == NULL) rv = CKR_OPERATION_NOT_INITIALIZED;
    if (rv == CKR_OK) {
        find_free(g.sess->find);
        g.sess->find = NULL;
    }
    return gate_leave(&g, rv);
}
