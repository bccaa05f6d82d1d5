#include "core/manage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mechlist.h"
#include "core/schema.h"
#include "core/tpmkey.h"
#include "mech/prim.h"
#include "util/log.h"
#include "util/wipe.h"

/* May this session create or change an object with these properties? */
static CK_RV
access_check(const struct session *s, bool on_token, bool priv)
{
    if (on_token && !session_is_rw(s)) return CKR_SESSION_READ_ONLY;
    if (priv && s->tok->user != CKU_USER) return CKR_USER_NOT_LOGGED_IN;
    return CKR_OK;
}

/* CKA_UNIQUE_ID (3.0 §4.4.1): 128 random bits in hex, set once. */
CK_RV
manage_unique_id_put(struct attr_set *attrs)
{
    uint8_t rnd[16];
    char hex[33];
    CK_RV rv = prim_random(rnd, sizeof rnd);
    if (rv != CKR_OK) return rv;
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    return attr_set_put(attrs, CKA_UNIQUE_ID, hex, 32);
}

static CK_RV
persist(struct object *o)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    CK_RV rv = attr_set_encode(o->attrs, &blob, &len);
    if (rv != CKR_OK) return rv;
    struct store_rec_keys keys;
    object_rec_keys(o, &keys);
    rv = store_rec_put(o->tok->st, &o->rec_id, o->priv, blob, len, &keys);
    wipe_free(blob, len);
    return rv;
}

CK_RV
manage_publish(struct library *lib, struct session *s, struct attr_set *attrs,
               CK_OBJECT_HANDLE *out)
{
    struct object *o = NULL;
    CK_RV rv = manage_unique_id_put(attrs);
    if (rv != CKR_OK) {
        attr_set_free(attrs);
        return rv;
    }
    rv = object_new_take(s->tok, attrs, &o);
    if (rv != CKR_OK) return rv;
    rv = access_check(s, o->on_token, o->priv);
    if (rv == CKR_OK && o->on_token) rv = persist(o);
    if (rv != CKR_OK) {
        object_free(o);
        return rv;
    }
    if (!o->on_token) o->owner = s->handle;
    rv = library_obj_add_inlock(lib, o);
    if (rv == CKR_OK) *out = o->handle;
    return rv;
}

static bool
is_so(const struct session *s)
{
    return s->tok->user == CKU_SO;
}

CK_RV
manage_create(struct library *lib, struct session *s, struct attr_set *tmpl, CK_OBJECT_HANDLE *out)
{
    CK_RV rv = schema_check(SCHEMA_CREATE, tmpl, NULL, is_so(s), CK_UNAVAILABLE_INFORMATION);
    if (rv != CKR_OK) goto fail;
    /* Fail cheaply before any key math. */
    rv = access_check(s, attr_set_get_bool(tmpl, CKA_TOKEN, false),
                      attr_set_get_bool(tmpl, CKA_PRIVATE, false));
    if (rv != CKR_OK) goto fail;
    CK_OBJECT_CLASS cls = 0;
    CK_KEY_TYPE kt = 0;
    (void)attr_set_get_ulong(tmpl, CKA_CLASS, &cls);
    if (cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) {
        (void)attr_set_get_ulong(tmpl, CKA_KEY_TYPE, &kt);
        rv = mech_key_complete(cls, kt, tmpl);
        if (rv != CKR_OK) goto fail;
    }
    /* On a TPM token a key goes into the TPM (a few TPM commands, under
     * the lock). */
    const struct tpm_where *tpm = token_tpm(s->tok);
    if (tpm != NULL && (rv = tpmkey_import(tpm, cls, tmpl, NULL)) != CKR_OK) goto fail;
    return manage_publish(lib, s, tmpl, out);
fail:
    attr_set_free(tmpl);
    return rv;
}

CK_RV
manage_copy(struct library *lib, struct session *s, CK_OBJECT_HANDLE h, struct attr_set *tmpl,
            CK_OBJECT_HANDLE *out)
{
    struct attr_set *attrs = NULL;
    struct object *o = library_obj_lookup(lib, s, h);
    CK_RV rv = CKR_OBJECT_HANDLE_INVALID;
    if (o == NULL) goto out;
    rv = CKR_ACTION_PROHIBITED;
    if (!attr_set_get_bool(o->attrs, CKA_COPYABLE, true)) goto out;
    rv = attr_set_dup(o->attrs, &attrs);
    if (rv != CKR_OK) goto out;
    rv = schema_check(SCHEMA_COPY, attrs, tmpl, is_so(s), CK_UNAVAILABLE_INFORMATION);
    if (rv != CKR_OK) goto out;
    rv = manage_publish(lib, s, attrs, out);
    attrs = NULL;
out:
    attr_set_free(attrs);
    attr_set_free(tmpl);
    return rv;
}

CK_RV
manage_destroy(struct library *lib, struct session *s, CK_OBJECT_HANDLE h)
{
    struct object *o = library_obj_lookup(lib, s, h);
    if (o == NULL) return CKR_OBJECT_HANDLE_INVALID;
    if (o->on_token && !session_is_rw(s)) return CKR_SESSION_READ_ONLY;
    if (!attr_set_get_bool(o->attrs, CKA_DESTROYABLE, true)) return CKR_ACTION_PROHIBITED;
    if (o->on_token) {
        CK_RV rv = store_rec_del(o->tok->st, o->rec_id);
        if (rv != CKR_OK) return rv;
    }
    library_obj_remove_inlock(lib, o);
    return CKR_OK;
}

CK_RV
manage_set(struct library *lib, struct session *s, CK_OBJECT_HANDLE h, struct attr_set *tmpl)
{
    struct attr_set *next = NULL;
    struct object *o = library_obj_lookup(lib, s, h);
    CK_RV rv = CKR_OBJECT_HANDLE_INVALID;
    if (o == NULL) goto out;
    rv = CKR_SESSION_READ_ONLY;
    if (o->on_token && !session_is_rw(s)) goto out;
    rv = schema_check_set(o->attrs, tmpl, is_so(s));
    if (rv != CKR_OK) goto out;
    rv = attr_set_dup(o->attrs, &next);
    if (rv == CKR_OK) rv = attr_set_merge(next, tmpl);
    if (rv != CKR_OK) goto out;
    struct attr_set *old = o->attrs;
    o->attrs = next;
    if (o->on_token && (rv = persist(o)) != CKR_OK) {
        o->attrs = old; /* the store keeps the old version: so do we */
        goto out;
    }
    next = old;
    object_key_drop(o);
    library_obj_changed_inlock(lib, o);
out:
    attr_set_free(next);
    attr_set_free(tmpl);
    return rv;
}

/* ---- key generation ---- */

/* Fix the class and key type a generation mechanism implies; a template
 * that says otherwise is inconsistent. */
static CK_RV
force_ulong(struct attr_set *t, CK_ATTRIBUTE_TYPE type, CK_ULONG want)
{
    CK_ULONG have;
    CK_RV rv = attr_set_get_ulong(t, type, &have);
    if (rv == CKR_TEMPLATE_INCOMPLETE) return attr_set_put_ulong(t, type, want);
    if (rv != CKR_OK) return CKR_TEMPLATE_INCONSISTENT;
    return have == want ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

static CK_RV
gen_prepare(struct session *s, struct attr_set *t, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt,
            CK_MECHANISM_TYPE mech)
{
    CK_RV rv = force_ulong(t, CKA_CLASS, cls);
    if (rv == CKR_OK) rv = force_ulong(t, CKA_KEY_TYPE, kt);
    if (rv == CKR_OK) rv = schema_check(SCHEMA_GENERATE, t, NULL, is_so(s), mech);
    if (rv == CKR_OK)
        rv = access_check(s, attr_set_get_bool(t, CKA_TOKEN, false),
                          attr_set_get_bool(t, CKA_PRIVATE, false));
    return rv;
}

CK_RV
manage_gen_prepare(struct session *s, const CK_MECHANISM *m, struct attr_set *pub,
                   struct attr_set *priv)
{
    const struct mech_desc *d;
    CK_RV rv = mechlist_find(s->tok, m->mechanism, &d);
    CK_FLAGS need = pub ? CKF_GENERATE_KEY_PAIR : CKF_GENERATE;
    if (rv != CKR_OK) return rv;
    if (d == NULL || !(d->info.flags & need)) return CKR_MECHANISM_INVALID;
    if (pub == NULL) {
        CK_KEY_TYPE kt = m->mechanism == CKM_AES_KEY_GEN ? CKK_AES : CKK_GENERIC_SECRET;
        return gen_prepare(s, priv, CKO_SECRET_KEY, kt, m->mechanism);
    }
    CK_KEY_TYPE kt = m->mechanism == CKM_EC_KEY_PAIR_GEN           ? CKK_EC
                     : m->mechanism == CKM_EC_EDWARDS_KEY_PAIR_GEN ? CKK_EC_EDWARDS
                                                                   : CKK_RSA;
    rv = gen_prepare(s, pub, CKO_PUBLIC_KEY, kt, m->mechanism);
    if (rv == CKR_OK) rv = gen_prepare(s, priv, CKO_PRIVATE_KEY, kt, m->mechanism);
    return rv;
}

CK_RV
manage_gen_publish(struct library *lib, struct session *s, struct attr_set *pub,
                   struct attr_set *priv, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
    CK_OBJECT_HANDLE hp = CK_INVALID_HANDLE;
    CK_RV rv = manage_publish(lib, s, priv, &hp);
    if (rv != CKR_OK || pub == NULL) {
        attr_set_free(pub);
        if (rv == CKR_OK) *hpriv = hp;
        return rv;
    }
    rv = manage_publish(lib, s, pub, hpub);
    if (rv != CKR_OK) {
        /* All or nothing (§5.1): take the private key back, whatever its
         * CKA_DESTROYABLE says, for it was never handed out. */
        struct object *o = library_obj_get(lib, hp);
        if (o != NULL && o->on_token && store_rec_del(o->tok->st, o->rec_id) != CKR_OK)
            log_err("C_GenerateKeyPair: could not remove the half-made private key");
        if (o != NULL) library_obj_remove_inlock(lib, o);
        return rv;
    }
    *hpriv = hp;
    return CKR_OK;
}

/* ---- crypto operation init ---- */

static const CK_ATTRIBUTE_TYPE purpose_attr[OP_KINDS] = {
    CKA_SIGN, CKA_VERIFY, CKA_ENCRYPT, CKA_DECRYPT, 0, CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER};

/* Operations done with the private half of a pair. */
static bool
kind_is_private(enum op_kind kind)
{
    return kind == OP_SIGN || kind == OP_DECRYPT || kind == OP_SIGN_RECOVER;
}

static bool
class_fits(enum op_kind kind, CK_OBJECT_CLASS cls)
{
    if (cls == CKO_SECRET_KEY) return true;
    return cls == (kind_is_private(kind) ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY);
}

static CK_RV
key_check(const struct mech_desc *d, enum op_kind kind, struct object *o)
{
    CK_KEY_TYPE kt = 0;
    if (!object_is_key(o) || attr_set_get_ulong(o->attrs, CKA_KEY_TYPE, &kt) != CKR_OK)
        return CKR_KEY_TYPE_INCONSISTENT;
    /* Precedence: the key type against the mechanism first, then what the
     * key may be used for. */
    if (!mech_key_type_ok(d, kt)) return CKR_KEY_TYPE_INCONSISTENT;
    if (!class_fits(kind, o->cls)) return CKR_KEY_FUNCTION_NOT_PERMITTED;
    if (!attr_set_get_bool(o->attrs, purpose_attr[kind], false))
        return CKR_KEY_FUNCTION_NOT_PERMITTED;
    if (!object_allows_mech(o, d->type)) return CKR_MECHANISM_INVALID;
    return CKR_OK;
}

CK_RV
manage_key_usable(struct library *lib, struct session *s, enum op_kind kind, CK_MECHANISM_TYPE mech,
                  CK_OBJECT_HANDLE hkey)
{
    if (kind == OP_DIGEST) return CKR_OK;
    const struct mech_desc *d;
    CK_RV rv = mechlist_find(s->tok, mech, &d);
    if (rv != CKR_OK) return rv;
    struct object *o = library_obj_lookup(lib, s, hkey);
    if (d == NULL || o == NULL) return CKR_KEY_HANDLE_INVALID;
    return key_check(d, kind, o);
}

CK_RV
manage_op_init(struct library *lib, struct session *s, enum op_kind kind, const CK_MECHANISM *m,
               CK_OBJECT_HANDLE hkey)
{
    if (s->ops[kind] != NULL) return CKR_OPERATION_ACTIVE;
    enum mech_fn fn = op_kind_fn(kind);
    const struct mech_desc *d;
    CK_RV rv = mechlist_find(s->tok, m->mechanism, &d);
    if (rv != CKR_OK) return rv;
    if (d == NULL || !(d->info.flags & mech_fn_flag(fn))) return CKR_MECHANISM_INVALID;
    struct mech_key *key = NULL;
    bool always_auth = false;
    if (kind != OP_DIGEST) {
        struct object *o = library_obj_lookup(lib, s, hkey);
        /* §5.1.6: "a valid handle for an object which is not a key" is
         * CKR_KEY_HANDLE_INVALID. */
        if (o == NULL || !object_is_key(o)) return CKR_KEY_HANDLE_INVALID;
        rv = key_check(d, kind, o);
        if (rv == CKR_OK) rv = object_key_get(o, &key);
        if (rv != CKR_OK) return rv;
        always_auth = kind_is_private(kind) && o->cls == CKO_PRIVATE_KEY &&
                      attr_set_get_bool(o->attrs, CKA_ALWAYS_AUTHENTICATE, false);
    }
    struct mech_op *mop = NULL;
    rv = mech_op_new(d, fn, m, key, &mop);
    mech_key_unref(key);
    if (rv == CKR_OK) rv = op_new_take(kind, mop, &s->ops[kind]);
    if (rv == CKR_OK) {
        s->ops[kind]->needs_auth = s->ops[kind]->always_auth = always_auth;
        s->ops[kind]->key = kind == OP_DIGEST ? CK_INVALID_HANDLE : hkey;
        s->ops[kind]->mech = m->mechanism;
    }
    return rv;
}

CK_RV
manage_digest_key(struct library *lib, struct session *s, CK_OBJECT_HANDLE hkey)
{
    struct op *op = s->ops[OP_DIGEST];
    if (op == NULL) return CKR_OPERATION_NOT_INITIALIZED;
    struct object *o = library_obj_lookup(lib, s, hkey);
    const struct attr *v = o != NULL ? attr_set_find(o->attrs, CKA_VALUE) : NULL;
    CK_RV rv = CKR_KEY_HANDLE_INVALID;
    if (o != NULL && !object_is_key(o))
        rv = CKR_KEY_HANDLE_INVALID;
    else if (o != NULL && (o->cls != CKO_SECRET_KEY || v == NULL))
        rv = CKR_KEY_INDIGESTIBLE;
    else if (o != NULL)
        rv = op_update(op, v->val, v->len, NULL, NULL);
    return rv;
}
