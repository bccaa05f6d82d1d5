#include "core/object.h"

#include <stdlib.h>
#include <string.h>

#include "core/library.h"
#include "core/schema.h"
#include "core/tpmkey.h"
#include "util/wipe.h"

CK_RV
object_new_take(struct token *tok, struct attr_set *attrs, struct object **out)
{
    struct object *o = calloc(1, sizeof *o);
    if (o == NULL) {
        attr_set_free(attrs);
        return CKR_HOST_MEMORY;
    }
    o->tok = tok;
    o->attrs = attrs;
    o->cls = CK_UNAVAILABLE_INFORMATION;
    (void)attr_set_get_ulong(attrs, CKA_CLASS, &o->cls);
    /* Token objects the token makes (profiles) have no record: rec_id 0. */
    o->on_token = attr_set_get_bool(attrs, CKA_TOKEN, false);
    o->priv = attr_set_get_bool(attrs, CKA_PRIVATE, false);
    *out = o;
    return CKR_OK;
}

void
object_free(struct object *o)
{
    if (o == NULL) return;
    mech_key_unref(o->key);
    attr_set_free(o->attrs);
    free(o);
}

bool
object_is_key(const struct object *o)
{
    return o->cls == CKO_PRIVATE_KEY || o->cls == CKO_PUBLIC_KEY || o->cls == CKO_SECRET_KEY;
}

bool
object_allows_mech(const struct object *o, CK_MECHANISM_TYPE type)
{
    const struct attr *a = attr_set_find(o->attrs, CKA_ALLOWED_MECHANISMS);
    if (a == NULL || a->len == 0) return true;
    for (CK_ULONG i = 0; i + sizeof type <= a->len; i += sizeof type) {
        CK_MECHANISM_TYPE t;
        memcpy(&t, a->val + i, sizeof t);
        if (t == type) return true;
    }
    return false;
}

CK_RV
object_key_get(struct object *o, struct mech_key **out)
{
    if (!object_is_key(o)) return CKR_KEY_TYPE_INCONSISTENT;
    if (o->key == NULL) {
        CK_RV rv;
        if (o->cls != CKO_PUBLIC_KEY && tpmkey_is(o->attrs)) {
            rv = tpmkey_mech_key(&o->tok->lib->tpm_where, o->attrs, &o->key);
        } else {
            rv = mech_key_new(o->attrs, &o->key);
        }
        if (rv != CKR_OK) return rv;
    }
    *out = mech_key_ref(o->key);
    return CKR_OK;
}

void
object_key_drop(struct object *o)
{
    mech_key_unref(o->key);
    o->key = NULL;
}

CK_RV
object_get_attrs(const struct object *o, CK_ATTRIBUTE *t, CK_ULONG n)
{
    /* §5.7.5: process every attribute; report the last error kind met. */
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < n; i++) {
        const struct attr *a = attr_set_find(o->attrs, t[i].type);
        if (a == NULL && schema_is_secret(o->attrs, t[i].type)) {
            /* A secret part the key has but never shows (a key held by
             * the TPM has its private value only there). */
            t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
            continue;
        }
        if (a == NULL) {
            t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
            continue;
        }
        if (schema_is_secret(o->attrs, t[i].type)) {
            t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
            continue;
        }
        if (t[i].pValue == NULL) {
            t[i].ulValueLen = a->len;
            continue;
        }
        if (t[i].ulValueLen < a->len) {
            t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
            continue;
        }
        if (a->len) memcpy(t[i].pValue, a->val, a->len);
        t[i].ulValueLen = a->len;
    }
    return rv;
}

CK_ULONG
object_size(const struct object *o)
{
    CK_ULONG n = sizeof(uint32_t);
    for (size_t i = 0; i < attr_set_count(o->attrs); i++)
        n += sizeof(uint64_t) + sizeof(uint32_t) + attr_set_at(o->attrs, i)->len;
    return n;
}

void
object_rec_keys(const struct object *o, struct store_rec_keys *k)
{
    const struct attr *l = attr_set_find(o->attrs, CKA_LABEL);
    const struct attr *i = attr_set_find(o->attrs, CKA_ID);
    *k = (struct store_rec_keys){0};
    if (l != NULL)
        *k = (struct store_rec_keys){.label = l->val, .label_len = l->len, .has_label = true};
    if (i != NULL) {
        k->id = i->val;
        k->id_len = i->len;
        k->has_id = true;
    }
}
