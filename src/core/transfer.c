#include "core/transfer.h"

#include <string.h>

#include "core/manage.h"
#include "core/mechlist.h"
#include "core/schema.h"
#include "core/tpmkey.h"
#include "util/wipe.h"

void
transfer_cleanup(struct transfer *x)
{
    mech_key_unref(x->key);
    wipe_free(x->blob, x->blob_len);
    memset(x, 0, sizeof *x);
}

/* The key doing the work: found, of a type the mechanism takes, allowed to
 * do it (purpose attribute), and the mechanism allowed for it. bad_handle
 * and bad_type are the function's own codes for the first two. */
static CK_RV
worker_key(struct library *lib, struct session *s, const CK_MECHANISM *m, CK_OBJECT_HANDLE h,
           CK_FLAGS fn, CK_ATTRIBUTE_TYPE purpose, CK_RV bad_handle, CK_RV bad_type,
           struct transfer *x, struct object **out)
{
    CK_RV rv = mechlist_find(s->tok, m->mechanism, &x->d);
    if (rv != CKR_OK) return rv;
    if (x->d == NULL || !(x->d->info.flags & fn)) return CKR_MECHANISM_INVALID;
    struct object *o = library_obj_lookup(lib, s, h);
    CK_KEY_TYPE kt;
    if (o == NULL || !object_is_key(o)) return bad_handle;
    if (attr_set_get_ulong(o->attrs, CKA_KEY_TYPE, &kt) != CKR_OK || !mech_key_type_ok(x->d, kt))
        return bad_type;
    if (!attr_set_get_bool(o->attrs, purpose, false)) return CKR_KEY_FUNCTION_NOT_PERMITTED;
    if (!object_allows_mech(o, m->mechanism)) return CKR_MECHANISM_INVALID;
    if (out != NULL) *out = o;
    return object_key_get(o, &x->key);
}

CK_RV
transfer_wrap_begin(struct library *lib, struct session *s, const CK_MECHANISM *m,
                    CK_OBJECT_HANDLE hwrap, CK_OBJECT_HANDLE hkey, struct transfer *x)
{
    struct object *w = NULL;
    memset(x, 0, sizeof *x);
    CK_RV rv = worker_key(lib, s, m, hwrap, CKF_WRAP, CKA_WRAP, CKR_WRAPPING_KEY_HANDLE_INVALID,
                          CKR_WRAPPING_KEY_TYPE_INCONSISTENT, x, &w);
    if (rv != CKR_OK) return rv;
    struct object *k = library_obj_lookup(lib, s, hkey);
    if (k == NULL || !object_is_key(k)) return CKR_KEY_HANDLE_INVALID;
    if (k->cls == CKO_PUBLIC_KEY) return CKR_KEY_NOT_WRAPPABLE;
    if (!attr_set_get_bool(k->attrs, CKA_EXTRACTABLE, false)) return CKR_KEY_UNEXTRACTABLE;
    /* §4.9/§4.10: such a key travels only under a key the SO marked trusted. */
    if (attr_set_get_bool(k->attrs, CKA_WRAP_WITH_TRUSTED, false) &&
        !attr_set_get_bool(w->attrs, CKA_TRUSTED, false))
        return CKR_KEY_NOT_WRAPPABLE;
    return mech_key_export(k->attrs, &x->blob, &x->blob_len);
}

/* Class and key type a new key's template must name (or get defaults). */
static CK_RV
template_kind(struct attr_set *t, CK_OBJECT_CLASS dflt_cls, CK_KEY_TYPE dflt_kt,
              CK_OBJECT_CLASS *cls)
{
    CK_RV rv = attr_set_get_ulong(t, CKA_CLASS, cls);
    if (rv == CKR_TEMPLATE_INCOMPLETE && dflt_cls != CK_UNAVAILABLE_INFORMATION) {
        *cls = dflt_cls;
        rv = attr_set_put_ulong(t, CKA_CLASS, dflt_cls);
    }
    if (rv != CKR_OK || *cls == CKO_DATA) return rv;
    CK_KEY_TYPE kt;
    rv = attr_set_get_ulong(t, CKA_KEY_TYPE, &kt);
    if (rv == CKR_TEMPLATE_INCOMPLETE && dflt_kt != CK_UNAVAILABLE_INFORMATION)
        rv = attr_set_put_ulong(t, CKA_KEY_TYPE, dflt_kt);
    return rv;
}

static bool
is_so(const struct session *s)
{
    return s->tok->user == CKU_SO;
}

CK_RV
transfer_unwrap_begin(struct library *lib, struct session *s, const CK_MECHANISM *m,
                      CK_OBJECT_HANDLE hunwrap, struct attr_set *tmpl, struct transfer *x)
{
    memset(x, 0, sizeof *x);
    CK_RV rv =
        worker_key(lib, s, m, hunwrap, CKF_UNWRAP, CKA_UNWRAP, CKR_UNWRAPPING_KEY_HANDLE_INVALID,
                   CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, x, NULL);
    CK_OBJECT_CLASS cls;
    if (rv == CKR_OK)
        rv = template_kind(tmpl, CK_UNAVAILABLE_INFORMATION, CK_UNAVAILABLE_INFORMATION, &cls);
    if (rv == CKR_OK && cls != CKO_SECRET_KEY && cls != CKO_PRIVATE_KEY)
        rv = CKR_TEMPLATE_INCONSISTENT;
    if (rv == CKR_OK) rv = schema_check(SCHEMA_UNWRAP, tmpl, NULL, is_so(s), 0);
    return rv;
}

CK_RV
transfer_unwrap_end(struct library *lib, struct session *s, struct attr_set *tmpl,
                    const uint8_t *material, size_t len, CK_OBJECT_HANDLE *out)
{
    CK_OBJECT_CLASS cls = 0;
    CK_KEY_TYPE kt = 0;
    CK_ULONG given = 0;
    bool has_len = attr_set_get_ulong(tmpl, CKA_VALUE_LEN, &given) == CKR_OK;
    (void)attr_set_get_ulong(tmpl, CKA_CLASS, &cls);
    (void)attr_set_get_ulong(tmpl, CKA_KEY_TYPE, &kt);
    CK_RV rv = mech_key_import(cls, kt, material, len, tmpl);
    CK_ULONG got = 0;
    /* A length the caller asked for must be the length that arrived. */
    if (rv == CKR_OK && has_len && cls == CKO_SECRET_KEY &&
        (attr_set_get_ulong(tmpl, CKA_VALUE_LEN, &got) != CKR_OK || got != given))
        rv = CKR_TEMPLATE_INCONSISTENT;
    /* On a TPM token the unwrapped key goes into the TPM. */
    const struct tpm_where *tpm = token_tpm(s->tok);
    if (rv == CKR_OK && tpm != NULL) rv = tpmkey_import(tpm, cls, tmpl, NULL);
    if (rv != CKR_OK) {
        attr_set_free(tmpl);
        return rv;
    }
    return manage_publish(lib, s, tmpl, out);
}

CK_RV
transfer_derive_begin(struct library *lib, struct session *s, const CK_MECHANISM *m,
                      CK_OBJECT_HANDLE hbase, struct attr_set *tmpl, struct transfer *x)
{
    struct object *b = NULL;
    memset(x, 0, sizeof *x);
    CK_RV rv = worker_key(lib, s, m, hbase, CKF_DERIVE, CKA_DERIVE, CKR_KEY_HANDLE_INVALID,
                          CKR_KEY_TYPE_INCONSISTENT, x, &b);
    CK_OBJECT_CLASS cls;
    if (rv == CKR_OK) rv = template_kind(tmpl, CKO_SECRET_KEY, CKK_GENERIC_SECRET, &cls);
    if (rv != CKR_OK) return rv;
    CK_ULONG want = 0;
    if (attr_set_get_ulong(tmpl, CKA_VALUE_LEN, &want) == CKR_OK) {
        x->want = want;
        /* CKM_HKDF_DATA makes a data object: the length is the request's. */
        if (cls == CKO_DATA) attr_set_del(tmpl, CKA_VALUE_LEN);
    } else if (cls == CKO_DATA) {
        return CKR_TEMPLATE_INCOMPLETE; /* a data object has no natural size */
    }
    if (cls != CKO_SECRET_KEY && cls != CKO_DATA) return CKR_TEMPLATE_INCONSISTENT;
    if ((cls == CKO_DATA) != (m->mechanism == CKM_HKDF_DATA)) return CKR_TEMPLATE_INCONSISTENT;
    x->base_as = attr_set_get_bool(b->attrs, CKA_ALWAYS_SENSITIVE, false);
    x->base_ne = attr_set_get_bool(b->attrs, CKA_NEVER_EXTRACTABLE, false);
    return schema_check(SCHEMA_DERIVE, tmpl, NULL, is_so(s), 0);
}

CK_RV
transfer_derive_end(struct library *lib, struct session *s, struct attr_set *tmpl,
                    const struct transfer *x, const uint8_t *material, size_t len,
                    CK_OBJECT_HANDLE *out)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    (void)attr_set_get_ulong(tmpl, CKA_CLASS, &cls);
    (void)attr_set_get_ulong(tmpl, CKA_KEY_TYPE, &kt);
    CK_RV rv = attr_set_put(tmpl, CKA_VALUE, material, (CK_ULONG)len);
    if (rv == CKR_OK && cls == CKO_SECRET_KEY) {
        attr_set_del(tmpl, CKA_VALUE_LEN);
        rv = mech_key_complete(cls, kt, tmpl);
        if (rv == CKR_ATTRIBUTE_VALUE_INVALID) rv = CKR_TEMPLATE_INCONSISTENT;
        /* §4.10: a derived key keeps its base key's history. */
        bool sens = attr_set_get_bool(tmpl, CKA_SENSITIVE, true);
        bool extr = attr_set_get_bool(tmpl, CKA_EXTRACTABLE, false);
        if (rv == CKR_OK) rv = attr_set_put_bool(tmpl, CKA_ALWAYS_SENSITIVE, x->base_as && sens);
        if (rv == CKR_OK) rv = attr_set_put_bool(tmpl, CKA_NEVER_EXTRACTABLE, x->base_ne && !extr);
    }
    if (rv != CKR_OK) {
        attr_set_free(tmpl);
        return rv;
    }
    return manage_publish(lib, s, tmpl, out);
}
