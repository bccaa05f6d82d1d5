/*
 * setimport.c: a credential set becomes a token (setimport.h).
 */
#include "core/setimport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/manage.h"
#include "core/object.h"
#include "core/schema.h"
#include "core/tpmkey.h"
#include "mech/mech.h"
#include "util/wipe.h"

#define SETIMPORT_PIN_MIN 4
#define SETIMPORT_PIN_MAX 255

static bool
is_vendor(CK_ATTRIBUTE_TYPE t)
{
    return t >= CKA_CREDTOKEN_SET_ID && t <= CKA_CREDTOKEN_NOT_AFTER;
}

/* schema_check() without the set's vendor attributes, which only an import
 * may set (no C_CreateObject template can carry them). */
static CK_RV
check_without_vendor(enum schema_op op, struct attr_set *a)
{
    struct attr_set *v = attr_set_new();
    if (v == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = CKR_OK;
    for (size_t i = 0; rv == CKR_OK && i < attr_set_count(a);) {
        const struct attr *x = attr_set_at(a, i);
        if (!is_vendor(x->type)) {
            i++;
            continue;
        }
        rv = attr_set_put(v, x->type, x->val, x->len);
        if (rv == CKR_OK) attr_set_del(a, x->type);
    }
    if (rv == CKR_OK) rv = schema_check(op, a, NULL, false, CK_UNAVAILABLE_INFORMATION);
    if (rv == CKR_OK) rv = attr_set_merge(a, v);
    attr_set_free(v);
    return rv;
}

/* A public key object's material, from its private key's attributes. */
static CK_RV
copy_public(const struct attr_set *priv, struct attr_set *pub)
{
    static const CK_ATTRIBUTE_TYPE parts[] = {CKA_EC_PARAMS, CKA_EC_POINT, CKA_MODULUS,
                                              CKA_PUBLIC_EXPONENT};
    CK_RV rv = CKR_OK;
    for (size_t i = 0; rv == CKR_OK && i < sizeof parts / sizeof parts[0]; i++) {
        const struct attr *x = attr_set_find(priv, parts[i]);
        if (x != NULL) rv = attr_set_put(pub, x->type, x->val, x->len);
    }
    return rv;
}

/* One object of the set, complete: material, defaults, derived values. */
static CK_RV
complete_one(const struct credset_obj *co, const struct attr_set *last_priv, struct attr_set **out)
{
    struct attr_set *a = NULL;
    CK_OBJECT_CLASS cls = 0;
    CK_KEY_TYPE kt = 0;
    CK_RV rv = attr_set_dup(co->tmpl, &a);
    if (rv != CKR_OK) return rv;
    (void)attr_set_get_ulong(a, CKA_CLASS, &cls);
    (void)attr_set_get_ulong(a, CKA_KEY_TYPE, &kt);
    if (cls == CKO_PRIVATE_KEY) {
        /* As an unwrap: the material comes from the PKCS#8 form. */
        rv = check_without_vendor(SCHEMA_UNWRAP, a);
        if (rv == CKR_OK) rv = mech_key_import(cls, kt, co->pkcs8, co->pkcs8_len, a);
    } else {
        if (cls == CKO_PUBLIC_KEY)
            rv = last_priv != NULL ? copy_public(last_priv, a) : CKR_GENERAL_ERROR;
        if (rv == CKR_OK) rv = check_without_vendor(SCHEMA_CREATE, a);
        if (rv == CKR_OK && (cls == CKO_PUBLIC_KEY || cls == CKO_SECRET_KEY))
            rv = mech_key_complete(cls, kt, a);
    }
    if (rv == CKR_OK) rv = manage_unique_id_put(a);
    if (rv != CKR_OK) {
        attr_set_free(a);
        return rv;
    }
    *out = a;
    return CKR_OK;
}

/* A set's key put into the TPM (a set of the TPM backend): what the TPM
 * cannot hold is the set's key that does not fit, CKR_ATTRIBUTE_VALUE_INVALID. */
static CK_RV
into_tpm(const struct tpm_where *tpm, enum credset_type type, struct attr_set *a, size_t i,
         char err[CREDSET_ERR_LEN])
{
    CK_OBJECT_CLASS cls = 0;
    CK_RV rv = CKR_OK;
    (void)attr_set_get_ulong(a, CKA_CLASS, &cls);
    if (type == CREDSET_AWS && cls == CKO_SECRET_KEY) {
        /* For SigV4 only: the TPM keeps "AWS4" || secret (tpmkey_aws4). */
        static const CK_MECHANISM_TYPE sigv4[] = {CKM_CREDTOKEN_AWS_SIGV4};
        rv = attr_set_put(a, CKA_ALLOWED_MECHANISMS, sigv4, sizeof sigv4);
        if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DERIVE, false);
        if (rv != CKR_OK) return rv;
    }
    char why[TPMKEY_WHY_LEN] = "";
    rv = tpmkey_import(tpm, cls, a, why);
    if (rv == CKR_OK) return rv;
    const struct attr *l = attr_set_find(a, CKA_LABEL);
    snprintf(err, CREDSET_ERR_LEN, "the TPM cannot hold the set's object %zu, \"%.*s\": %s", i + 1,
             l != NULL ? (int)l->len : 0, l != NULL ? (const char *)l->val : "",
             why[0] ? why : "the TPM refused it");
    switch (rv) {
    case CKR_HOST_MEMORY:
    case CKR_DEVICE_MEMORY:
    case CKR_DEVICE_ERROR:
        return rv;
    default:
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
}

/* Every object encoded as a record; keys go into the TPM at tpm unless it
 * is NULL. */
static CK_RV
encode_all(const struct credset *c, const struct tpm_where *tpm, struct store_rec_new *recs,
           char err[CREDSET_ERR_LEN])
{
    struct attr_set *last_priv = NULL;
    CK_RV rv = CKR_OK;
    for (size_t i = 0; rv == CKR_OK && i < c->nobj; i++) {
        struct attr_set *a = NULL;
        rv = complete_one(&c->objs[i], last_priv, &a);
        if (rv != CKR_OK) {
            snprintf(err, CREDSET_ERR_LEN, "the set's object %zu was refused (0x%lx)", i + 1, rv);
            break;
        }
        if (tpm != NULL && (rv = into_tpm(tpm, c->type, a, i, err)) != CKR_OK) {
            attr_set_free(a);
            break;
        }
        uint8_t *blob = NULL;
        size_t len = 0;
        rv = attr_set_encode(a, &blob, &len);
        recs[i] = (struct store_rec_new){attr_set_get_bool(a, CKA_PRIVATE, true), blob, len};
        CK_OBJECT_CLASS cls = 0;
        (void)attr_set_get_ulong(a, CKA_CLASS, &cls);
        if (cls == CKO_PRIVATE_KEY) {
            attr_set_free(last_priv);
            last_priv = a;
        } else {
            attr_set_free(a);
        }
    }
    attr_set_free(last_priv);
    return rv;
}

static void free_recs(struct store_rec_new *recs, size_t n);

static void
pad_label(const char *id, char out[32])
{
    size_t n = strlen(id);
    memset(out, ' ', 32);
    memcpy(out, id, n < 32 ? n : 32);
}

/* Sets share the store's PINs unless created with their own: the PINs of
 * the first set that shares them. Checked like logins (failures count), so
 * creating a set is no way around the lockout. CKR_OK when they match or no
 * set shares PINs yet (these become the store's). */
static CK_RV
check_store_pins(struct library *lib, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                 const CK_UTF8CHAR *pin, CK_ULONG pin_len, char err[CREDSET_ERR_LEN])
{
    struct store_tok *ref = NULL;
    for (size_t i = 0, n = store_tok_count(lib->store); i < n && ref == NULL; i++)
        if (store_tok_store_pins(store_tok_at(lib->store, i))) ref = store_tok_at(lib->store, i);
    if (ref == NULL) return CKR_OK;
    CK_RV rv = store_tok_check_pin(ref, CKU_SO, so_pin, so_len);
    const char *who = "SO PIN";
    if (rv == CKR_OK) {
        rv = store_tok_check_pin(ref, CKU_USER, pin, pin_len);
        who = "user PIN";
    }
    if (rv == CKR_PIN_INCORRECT)
        snprintf(err, CREDSET_ERR_LEN,
                 "the %s is not the store's (the PINs its sets share); give the store's PINs, "
                 "or let the set have its own",
                 who);
    else if (rv == CKR_PIN_LOCKED)
        snprintf(err, CREDSET_ERR_LEN, "the store's %s is locked", who);
    return rv;
}

/* Whether the TPM can hold a set made with o: CKR_OK, or
 * CKR_ARGUMENTS_BAD with err saying why. */
static CK_RV
tpm_fits(const struct credset_opts *o, char err[CREDSET_ERR_LEN])
{
    if (o->exportable) {
        snprintf(err, CREDSET_ERR_LEN, "a set whose keys live in the TPM cannot be exportable");
        return CKR_ARGUMENTS_BAD;
    }
    return CKR_OK;
}

CK_RV
setimport_create(struct library *lib, const char *id, const uint8_t *body, size_t len,
                 const struct credset_opts *o, bool own_pins, bool tpm_keys,
                 const CK_UTF8CHAR *so_pin, CK_ULONG so_len, const CK_UTF8CHAR *pin,
                 CK_ULONG pin_len, CK_SLOT_ID *slot, char err[CREDSET_ERR_LEN])
{
    struct credset *c = NULL;
    struct store_rec_new *recs = NULL;
    struct store_tok *st = NULL;
    char label[32];
    err[0] = '\0';
    if (so_len < SETIMPORT_PIN_MIN || so_len > SETIMPORT_PIN_MAX || pin_len < SETIMPORT_PIN_MIN ||
        pin_len > SETIMPORT_PIN_MAX) {
        snprintf(err, CREDSET_ERR_LEN, "PINs have %d to %d characters", SETIMPORT_PIN_MIN,
                 SETIMPORT_PIN_MAX);
        return CKR_PIN_LEN_RANGE;
    }
    CK_RV rv = credset_parse(id, body, len, o, &c, err);
    if (rv != CKR_OK) return rv;
    if (tpm_keys && (rv = tpm_fits(o, err)) != CKR_OK) goto out;
    /* The ID is the label: it names one token. The count includes every
     * token of the store. */
    pad_label(id, label);
    if ((rv = library_refresh_inlock(lib)) != CKR_OK) goto out;
    size_t n = store_tok_count(lib->store);
    for (size_t i = 0; i < n; i++) {
        /* Cached labels: reading 10,000 headers per creation would make
         * filling a store quadratic. */
        char have[32];
        store_tok_label(store_tok_at(lib->store, i), have);
        if (memcmp(have, label, 32) == 0) {
            snprintf(err, CREDSET_ERR_LEN, "a set with ID \"%s\" exists", id);
            rv = CKR_DATA_INVALID;
            goto out;
        }
    }
    if (n >= lib->conf.max_sets) {
        snprintf(err, CREDSET_ERR_LEN, "the store holds %zu sets, its limit (max_sets = %u)", n,
                 lib->conf.max_sets);
        rv = CKR_DEVICE_MEMORY;
        goto out;
    }
    if (!own_pins && (rv = check_store_pins(lib, so_pin, so_len, pin, pin_len, err)) != CKR_OK)
        goto out;
    rv = CKR_HOST_MEMORY;
    if ((recs = calloc(c->nobj ? c->nobj : 1, sizeof *recs)) == NULL) goto out;
    /* A set of the TPM backend: its keys go into the TPM, and its header
     * is sealed to it, as credtoken init --backend tpm does. */
    const struct store_seal seal = {.tpm_keys = true};
    if ((rv = encode_all(c, tpm_keys ? &lib->tpm_where : NULL, recs, err)) != CKR_OK) goto out;
    rv = store_tok_create_set(lib->store, label, so_pin, so_len, pin, pin_len, !own_pins,
                              tpm_keys ? &seal : NULL, recs, c->nobj, &st);
    if (rv != CKR_OK) {
        snprintf(err, CREDSET_ERR_LEN, "the store refused the set (0x%lx)", rv);
        goto out;
    }
    if ((rv = library_refresh_inlock(lib)) != CKR_OK) goto out;
    struct store_tok_info inf;
    if ((rv = store_tok_info(st, &inf)) != CKR_OK) goto out;
    *slot = inf.slot_id;
out:
    free_recs(recs, c != NULL ? c->nobj : 0);
    credset_free(c);
    if (rv != CKR_OK && err[0] == '\0') snprintf(err, CREDSET_ERR_LEN, "failed (0x%lx)", rv);
    return rv;
}

/* What an existing set says about itself: its type and creation time, from
 * the vendor attributes of its objects (loaded first). CKR_OK, or
 * CKR_TOKEN_NOT_RECOGNIZED when the token is not a credential set. */
static CK_RV
set_identity(struct token *tok, char type[64], time_t *created)
{
    CK_RV rv = token_sync_inlock(tok);
    if (rv != CKR_OK) return rv;
    for (size_t i = 0; i < tok->nobjs; i++) {
        const struct object *o = tok->objs[i];
        if (o->tok != tok || !o->on_token) continue;
        const struct attr *ty = attr_set_find(o->attrs, CKA_CREDTOKEN_SET_TYPE);
        const struct attr *cr = attr_set_find(o->attrs, CKA_CREDTOKEN_CREATED);
        if (ty == NULL || cr == NULL || ty->len >= 64 || cr->len >= 32) continue;
        char when[32];
        struct tm tm = {0};
        memcpy(type, ty->val, ty->len);
        type[ty->len] = '\0';
        memcpy(when, cr->val, cr->len);
        when[cr->len] = '\0';
        const char *end = strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        *created = end != NULL && *end == '\0' ? timegm(&tm) : 0;
        return CKR_OK;
    }
    return CKR_TOKEN_NOT_RECOGNIZED;
}

static void
free_recs(struct store_rec_new *recs, size_t n)
{
    for (size_t i = 0; recs != NULL && i < n; i++)
        if (recs[i].blob != NULL) wipe_free((uint8_t *)(uintptr_t)recs[i].blob, recs[i].len);
    free(recs);
}

CK_RV
setimport_update(struct session *s, const uint8_t *body, size_t len,
                 const struct credset_opts *opts, char err[CREDSET_ERR_LEN])
{
    struct token *tok = s->tok;
    struct credset *c = NULL;
    struct store_rec_new *recs = NULL;
    struct credset_opts o = *opts;
    char label[33], type[64];
    err[0] = '\0';
    if (!session_is_rw(s)) {
        snprintf(err, CREDSET_ERR_LEN, "the session is read-only");
        return CKR_SESSION_READ_ONLY;
    }
    if (tok->user != CKU_USER) {
        snprintf(err, CREDSET_ERR_LEN, "log in as the set's user first");
        return CKR_USER_NOT_LOGGED_IN;
    }
    CK_RV rv = set_identity(tok, type, &o.created);
    if (rv == CKR_TOKEN_NOT_RECOGNIZED)
        snprintf(err, CREDSET_ERR_LEN, "the token is not a credential set");
    if (rv != CKR_OK) goto out;
    /* The set keeps its ID, the token's label. */
    store_tok_label(tok->st, label);
    size_t n = 32;
    while (n > 0 && label[n - 1] == ' ')
        n--;
    label[n] = '\0';
    if ((rv = credset_parse(label, body, len, &o, &c, err)) != CKR_OK) goto out;
    if (strcmp(credset_type_name(c->type), type) != 0) {
        snprintf(err, CREDSET_ERR_LEN, "set \"%s\" is of type %s; an update keeps the type", label,
                 type);
        rv = CKR_DATA_INVALID;
        goto out;
    }
    const struct tpm_where *tpm = token_tpm(tok);
    if (tpm != NULL && (rv = tpm_fits(&o, err)) != CKR_OK) goto out;
    rv = CKR_HOST_MEMORY;
    if ((recs = calloc(c->nobj ? c->nobj : 1, sizeof *recs)) == NULL) goto out;
    if ((rv = encode_all(c, tpm, recs, err)) != CKR_OK) goto out;
    rv = store_tok_replace(tok->st, recs, c->nobj);
    if (rv != CKR_OK) {
        snprintf(err, CREDSET_ERR_LEN, "the store refused the update (0x%lx)", rv);
        goto out;
    }
    /* The old objects' handles go now, not at the next find. */
    (void)token_sync_inlock(tok);
out:
    free_recs(recs, c != NULL ? c->nobj : 0);
    credset_free(c);
    if (rv != CKR_OK && err[0] == '\0') snprintf(err, CREDSET_ERR_LEN, "failed (0x%lx)", rv);
    return rv;
}

CK_RV
setimport_delete(struct library *lib, CK_SLOT_ID slot, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                 char err[CREDSET_ERR_LEN])
{
    char type[64];
    time_t created;
    CK_ULONG ro, rw;
    err[0] = '\0';
    CK_RV rv = library_refresh_inlock(lib);
    if (rv != CKR_OK) goto out;
    struct token *tok = library_token(lib, slot);
    if (tok == NULL) {
        snprintf(err, CREDSET_ERR_LEN, "no slot %lu", (unsigned long)slot);
        return CKR_SLOT_ID_INVALID;
    }
    library_session_count(lib, tok, &ro, &rw);
    if (ro + rw > 0) {
        snprintf(err, CREDSET_ERR_LEN, "close this application's sessions on the set first");
        return CKR_SESSION_EXISTS;
    }
    rv = tok->st != NULL ? set_identity(tok, type, &created) : CKR_TOKEN_NOT_RECOGNIZED;
    if (rv == CKR_TOKEN_NOT_RECOGNIZED)
        snprintf(err, CREDSET_ERR_LEN, "the token in slot %lu is not a credential set",
                 (unsigned long)slot);
    if (rv != CKR_OK) goto out;
    /* The SO's right, checked as a login is (failures count). */
    rv = store_tok_check_pin(tok->st, CKU_SO, so_pin, so_len);
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED) {
        snprintf(err, CREDSET_ERR_LEN, "%s",
                 rv == CKR_PIN_LOCKED ? "the SO PIN is locked" : "the SO PIN is incorrect");
        goto out;
    }
    if (rv == CKR_OK) rv = store_tok_remove(tok->st);
    if (rv == CKR_OK) rv = library_refresh_inlock(lib);
out:
    if (rv != CKR_OK && err[0] == '\0') snprintf(err, CREDSET_ERR_LEN, "failed (0x%lx)", rv);
    return rv;
}
