#include "core/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/library.h"
#include "util/log.h"
#include "util/text.h"
#include "util/wipe.h"

#define TOKEN_MIN_PIN 4
#define TOKEN_MAX_PIN 255

CK_RV
token_new(struct library *lib, struct store_tok *st, CK_SLOT_ID slot_id, struct token **out)
{
    struct token *t = calloc(1, sizeof *t);
    if (t == NULL) return CKR_HOST_MEMORY;
    t->lib = lib;
    t->st = st;
    t->slot_id = slot_id;
    t->user = TOKEN_NOBODY;
    *out = t;
    return CKR_OK;
}

void
token_free(struct token *t)
{
    if (t == NULL) return;
    if (t->st != NULL) store_tok_logout(t->st);
    free(t->objs); /* the objects themselves belong to the library */
    free(t);
}

void
token_slot_info(const struct token *t, CK_SLOT_INFO *info)
{
    char desc[64];
    snprintf(desc, sizeof desc, "credtoken slot %lu%s", (unsigned long)t->slot_id,
             t->st ? "" : " (free)");
    text_pad(info->slotDescription, sizeof info->slotDescription, desc);
    text_pad(info->manufacturerID, sizeof info->manufacturerID, "credtoken");
    info->flags = CKF_TOKEN_PRESENT;
    info->hardwareVersion = (CK_VERSION){0, 1};
    info->firmwareVersion = (CK_VERSION){0, 1};
}

/* CKF_*_PIN_COUNT_LOW / FINAL_TRY / LOCKED from a failure count. */
static CK_FLAGS
pin_flags(unsigned failures, unsigned max, CK_FLAGS low, CK_FLAGS final, CK_FLAGS locked)
{
    if (failures >= max) return locked;
    if (failures + 1 == max) return low | final;
    return failures > 0 ? low : 0;
}

CK_RV
token_info(struct token *t, CK_TOKEN_INFO *out)
{
    /* Built in a local: the caller's structure is written only on success. */
    CK_TOKEN_INFO tmp, *info = &tmp;
    memset(info, 0, sizeof *info);
    text_pad(info->manufacturerID, sizeof info->manufacturerID, "credtoken");
    text_pad(info->model, sizeof info->model, "file store");
    info->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_RESTORE_KEY_NOT_NEEDED;
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxPinLen = TOKEN_MAX_PIN;
    info->ulMinPinLen = TOKEN_MIN_PIN;
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = (CK_VERSION){0, 1};
    info->firmwareVersion = (CK_VERSION){0, 1};
    memset(info->utcTime, ' ', sizeof info->utcTime);
    library_session_count(t->lib, t, &info->ulSessionCount, &info->ulRwSessionCount);
    info->ulSessionCount += info->ulRwSessionCount;
    if (t->st == NULL) {
        text_pad(info->label, sizeof info->label, "");
        text_pad(info->serialNumber, sizeof info->serialNumber, "");
        *out = tmp;
        return CKR_OK;
    }
    struct store_tok_info si;
    CK_RV rv = store_tok_info(t->st, &si);
    if (rv != CKR_OK) return rv;
    memcpy(info->label, si.label, sizeof info->label);
    memcpy(info->serialNumber, si.serial, sizeof info->serialNumber);
    info->flags |= CKF_TOKEN_INITIALIZED;
    if (si.user_pin_set) info->flags |= CKF_USER_PIN_INITIALIZED;
    /* No PIN to type: the TPM opens the token (C_Login with a NULL PIN). */
    if (si.no_pin) info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
    if (si.sealed) text_pad(info->model, sizeof info->model, "file, TPM-sealed");
    if (si.tpm_keys) text_pad(info->model, sizeof info->model, "TPM 2.0");
    if (si.write_protected) info->flags |= CKF_WRITE_PROTECTED;
    info->flags |= pin_flags(si.user_failures, si.max_failures, CKF_USER_PIN_COUNT_LOW,
                             CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
    info->flags |= pin_flags(si.so_failures, si.max_failures, CKF_SO_PIN_COUNT_LOW,
                             CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
    *out = tmp;
    return CKR_OK;
}

/* ---- loading objects from the store ---- */

static int
ref_cmp(const void *a, const void *b)
{
    const struct store_rec_ref *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static CK_RV
rec_load(struct token *t, uint64_t id, struct attr_set **attrs, struct store_rec_ref *ref)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    CK_RV rv = store_rec_get(t->st, id, &blob, &len, ref);
    if (rv != CKR_OK) return rv;
    rv = attr_set_decode(blob, len, attrs);
    wipe_free(blob, len);
    if (rv == CKR_DEVICE_ERROR)
        log_err("record %016llx: malformed attributes", (unsigned long long)id);
    return rv;
}

/* Reload or drop one loaded token object against the store listing. */
static CK_RV
sync_loaded(struct token *t, struct object *o, struct store_rec_ref *refs, size_t n, bool *seen,
            bool want_priv)
{
    struct store_rec_ref key = {.id = o->rec_id};
    struct store_rec_ref *r = bsearch(&key, refs, n, sizeof *refs, ref_cmp);
    if (r == NULL || (r->priv && !want_priv)) {
        library_obj_remove_inlock(t->lib, o);
        return CKR_OK;
    }
    seen[r - refs] = true;
    if (r->ver == o->rec_ver) return CKR_OK;
    struct attr_set *attrs = NULL;
    struct store_rec_ref got;
    CK_RV rv = rec_load(t, r->id, &attrs, &got);
    if (rv == CKR_OBJECT_HANDLE_INVALID) { /* destroyed meanwhile */
        library_obj_remove_inlock(t->lib, o);
        return CKR_OK;
    }
    if (rv != CKR_OK) return rv;
    attr_set_free(o->attrs);
    o->attrs = attrs;
    o->rec_ver = got.ver;
    o->priv = got.priv;
    object_key_drop(o);
    library_obj_changed_inlock(t->lib, o);
    return CKR_OK;
}

static CK_RV
sync_new(struct token *t, const struct store_rec_ref *r)
{
    struct attr_set *attrs = NULL;
    struct store_rec_ref got;
    CK_RV rv = rec_load(t, r->id, &attrs, &got);
    if (rv == CKR_OBJECT_HANDLE_INVALID) return CKR_OK;
    if (rv != CKR_OK) return rv;
    struct object *o;
    rv = object_new_take(t, attrs, &o);
    if (rv != CKR_OK) return rv;
    o->on_token = true;
    o->priv = got.priv;
    o->rec_id = got.id;
    o->rec_ver = got.ver;
    return library_obj_add_inlock(t->lib, o);
}

/* The profiles of 3.0 §4.13 that every credtoken token implements. They
 * are token objects made in memory at the first load, never stored. */
static CK_RV
profiles_add(struct token *t)
{
    static const CK_PROFILE_ID ids[] = {CKP_BASELINE_PROVIDER, CKP_EXTENDED_PROVIDER,
                                        CKP_AUTHENTICATION_TOKEN, CKP_PUBLIC_CERTIFICATES_TOKEN};
    static const char *const labels[] = {"profile: baseline provider", "profile: extended provider",
                                         "profile: authentication token",
                                         "profile: public certificates token"};
    struct store_tok_info si;
    CK_RV rv = store_tok_info(t->st, &si);
    for (size_t i = 0; rv == CKR_OK && i < sizeof ids / sizeof ids[0]; i++) {
        struct attr_set *a = attr_set_new();
        char uid[40];
        int n = snprintf(uid, sizeof uid, "profile-%lu-%.16s", (unsigned long)ids[i], si.serial);
        if (a == NULL) return CKR_HOST_MEMORY;
        rv = attr_set_put_ulong(a, CKA_CLASS, CKO_PROFILE);
        if (rv == CKR_OK) rv = attr_set_put_ulong(a, CKA_PROFILE_ID, ids[i]);
        if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_TOKEN, true);
        if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_PRIVATE, false);
        if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_MODIFIABLE, false);
        if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_COPYABLE, false);
        if (rv == CKR_OK) rv = attr_set_put_bool(a, CKA_DESTROYABLE, false);
        if (rv == CKR_OK) rv = attr_set_put(a, CKA_LABEL, labels[i], (CK_ULONG)strlen(labels[i]));
        if (rv == CKR_OK) rv = attr_set_put(a, CKA_UNIQUE_ID, uid, (CK_ULONG)n);
        struct object *o = NULL;
        if (rv == CKR_OK)
            rv = object_new_take(t, a, &o);
        else
            attr_set_free(a);
        if (rv == CKR_OK) rv = library_obj_add_inlock(t->lib, o);
    }
    if (rv == CKR_OK) t->profiles = true;
    return rv;
}

/* After a full load: give the store a catalog if it has no current one
 * (after a restart, or a write that could not update it), so that the next
 * process finds by label without loading everything. Best effort. */
static void
catalog_rebuild(struct token *t, uint64_t gen, bool want_priv)
{
    if (store_cat_current(t->st, want_priv)) return;
    struct store_cat_item *items = malloc((t->nobjs ? t->nobjs : 1) * sizeof *items);
    if (items == NULL) return;
    size_t n = 0;
    for (size_t i = 0; i < t->nobjs; i++) {
        const struct object *o = t->objs[i];
        if (o->tok != t || !o->on_token || o->rec_id == 0) continue;
        items[n].ref = (struct store_rec_ref){o->rec_id, o->rec_ver, o->priv};
        object_rec_keys(o, &items[n].keys);
        n++;
    }
    CK_RV rv = store_cat_rebuild(t->st, gen, items, n);
    if (rv != CKR_OK) log_debug("catalog not rebuilt: 0x%lx", rv);
    free(items);
}

/* One pass of token_sync_inlock: load, reload and drop against a listing. */
static CK_RV
sync_pass(struct token *t, bool want_priv)
{
    struct store_rec_ref *refs = NULL;
    size_t n = 0;
    bool *seen = NULL;
    CK_RV rv = store_rec_list(t->st, &refs, &n);
    if (rv != CKR_OK) goto out;
    qsort(refs, n, sizeof *refs, ref_cmp);
    seen = calloc(n ? n : 1, sizeof *seen);
    if (seen == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    for (size_t i = t->nobjs; i-- > 0;) {
        if (i >= t->nobjs) continue;
        struct object *o = t->objs[i];
        /* rec_id 0: an object the token made itself (a profile). */
        if (o->tok != t || !o->on_token || o->rec_id == 0) continue;
        CK_RV r1 = sync_loaded(t, o, refs, n, seen, want_priv);
        if (r1 != CKR_OK) rv = r1;
    }
    /* A corrupt record fails the sync but does not stop the others from
     * loading; the token keeps reporting the error until it is repaired. */
    for (size_t i = 0; i < n; i++) {
        if (seen[i] || (refs[i].priv && !want_priv)) continue;
        CK_RV r1 = sync_new(t, &refs[i]);
        if (r1 != CKR_OK) rv = r1;
    }
    if (rv == CKR_OK && !t->profiles) rv = profiles_add(t);
out:
    free(seen);
    free(refs);
    return rv;
}

/* Tries at one consistent view before settling for the last one read. */
#define SYNC_TRIES 8

CK_RV
token_sync_inlock(struct token *t)
{
    if (t->st == NULL) return CKR_OK;
    bool want_priv = t->user == CKU_USER;
    uint64_t gen, after;
    CK_RV rv = store_tok_generation(t->st, &gen);
    if (rv != CKR_OK) return rv;
    if (t->loaded && gen == t->gen_seen && t->priv_loaded == want_priv) return CKR_OK;
    /* A pass that another process's write overlapped may hold a mix of
     * before and after (a replaced credential set: some old records read,
     * the rest gone); the generation moved then, and the pass is redone. */
    for (int i = 0;; i++) {
        if ((rv = sync_pass(t, want_priv)) != CKR_OK) return rv;
        if ((rv = store_tok_generation(t->st, &after)) != CKR_OK) return rv;
        /* If writers kept it moving, gen (read before this pass) makes the
         * next call sync again. */
        if (after == gen || i + 1 == SYNC_TRIES) break;
        gen = after;
    }
    t->gen_seen = gen;
    t->loaded = true;
    t->priv_loaded = want_priv;
    catalog_rebuild(t, gen, want_priv);
    return CKR_OK;
}

bool
token_complete(const struct token *t, bool want_priv)
{
    return t->loaded && (!want_priv || t->priv_loaded);
}

static struct object *
loaded_rec(struct token *t, uint64_t rec_id)
{
    for (size_t i = 0; i < t->nobjs; i++) {
        struct object *o = t->objs[i];
        if (o->tok == t && o->on_token && o->rec_id == rec_id) return o;
    }
    return NULL;
}

/* Load exactly ref into o (or a new object when o is NULL).
 * CKR_OBJECT_HANDLE_INVALID: that version is gone (changed meanwhile). */
static CK_RV
load_ref(struct token *t, struct object *o, const struct store_rec_ref *ref)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    struct attr_set *attrs = NULL;
    CK_RV rv = store_rec_get_ref(t->st, ref, &blob, &len);
    if (rv != CKR_OK) return rv;
    rv = attr_set_decode(blob, len, &attrs);
    wipe_free(blob, len);
    if (rv == CKR_DEVICE_ERROR)
        log_err("record %016llx: malformed attributes", (unsigned long long)ref->id);
    if (rv != CKR_OK) return rv;
    if (o != NULL) {
        attr_set_free(o->attrs);
        o->attrs = attrs;
        o->rec_ver = ref->ver;
        o->priv = ref->priv;
        object_key_drop(o);
        library_obj_changed_inlock(t->lib, o);
        return CKR_OK;
    }
    if ((rv = object_new_take(t, attrs, &o)) != CKR_OK) return rv;
    o->on_token = true;
    o->priv = ref->priv;
    o->rec_id = ref->id;
    o->rec_ver = ref->ver;
    return library_obj_add_inlock(t->lib, o);
}

/* The loaded token objects against the catalog: reload the changed, drop
 * the destroyed. */
static CK_RV
refresh_loaded(struct token *t)
{
    struct library *lib = t->lib;
    for (size_t i = t->nobjs; i-- > 0;) {
        if (i >= t->nobjs) continue;
        struct object *o = t->objs[i];
        if (o->tok != t || !o->on_token || o->rec_id == 0) continue;
        struct store_rec_ref cur;
        CK_RV rv = store_rec_current(t->st, o->rec_id, &cur);
        if (rv == CKR_USER_NOT_LOGGED_IN) return CKR_FUNCTION_NOT_SUPPORTED;
        if (rv == CKR_OBJECT_HANDLE_INVALID) {
            library_obj_remove_inlock(lib, o);
            continue;
        }
        if (rv != CKR_OK) return rv;
        if (cur.ver != o->rec_ver && (rv = load_ref(t, o, &cur)) != CKR_OK)
            return rv == CKR_OBJECT_HANDLE_INVALID ? CKR_FUNCTION_NOT_SUPPORTED : rv;
    }
    return CKR_OK;
}

CK_RV
token_load_keyed_inlock(struct token *t, CK_ATTRIBUTE_TYPE type, const void *val, CK_ULONG len)
{
    bool want_priv = t->user == CKU_USER;
    struct store_rec_ref *refs = NULL;
    uint64_t gen;
    size_t n = 0;
    if (t->st == NULL) return CKR_FUNCTION_NOT_SUPPORTED;
    CK_RV rv = store_tok_generation(t->st, &gen);
    if (rv == CKR_OK && (!t->part_ok || t->part_gen != gen)) rv = refresh_loaded(t);
    if (rv == CKR_OK) rv = store_rec_lookup(t->st, type, val, len, want_priv, &refs, &n);
    for (size_t i = 0; rv == CKR_OK && i < n; i++) {
        struct object *o = loaded_rec(t, refs[i].id);
        if (o != NULL && o->rec_ver == refs[i].ver) continue;
        rv = load_ref(t, o, &refs[i]);
        if (rv == CKR_OBJECT_HANDLE_INVALID)
            rv = CKR_FUNCTION_NOT_SUPPORTED; /* changed meanwhile */
    }
    if (rv == CKR_OK && !t->profiles) rv = profiles_add(t);
    free(refs);
    /* All of it as of one generation, or the full path. */
    uint64_t after;
    if (rv == CKR_OK && (rv = store_tok_generation(t->st, &after)) == CKR_OK && after != gen)
        rv = CKR_FUNCTION_NOT_SUPPORTED;
    /* The store forgot the master key (re-initialized elsewhere): the full
     * path sorts out what the session may still see. */
    if (rv == CKR_USER_NOT_LOGGED_IN) rv = CKR_FUNCTION_NOT_SUPPORTED;
    if (rv != CKR_OK) return rv;
    t->part_gen = gen;
    t->part_ok = true;
    return CKR_OK;
}

/* ---- login ---- */

/* The §5.6.8 state matrix. */
static CK_RV
login_state_check(const struct token *t, CK_USER_TYPE who)
{
    if (who != CKU_SO && who != CKU_USER) return CKR_USER_TYPE_INVALID;
    if (t->st == NULL) return who == CKU_USER ? CKR_USER_PIN_NOT_INITIALIZED : CKR_PIN_INCORRECT;
    if (t->user == who) return CKR_USER_ALREADY_LOGGED_IN;
    if (t->user != TOKEN_NOBODY) return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
    if (who == CKU_SO) {
        CK_ULONG ro, rw;
        library_session_count(t->lib, t, &ro, &rw);
        if (ro > 0) return CKR_SESSION_READ_ONLY_EXISTS;
    }
    return CKR_OK;
}

CK_RV
token_login_begin_inlock(struct token *t, CK_USER_TYPE who, struct store_login **out)
{
    CK_RV rv = login_state_check(t, who);
    if (rv != CKR_OK) return rv;
    return store_tok_login_begin(t->st, who, out);
}

CK_RV
token_login_end_inlock(struct token *t, CK_USER_TYPE who, struct store_login *l, CK_RV run_rv)
{
    /* Finish the attempt whatever happened meanwhile, so that a right PIN
     * clears the failure count it was charged. */
    CK_RV rv = store_tok_login_end(t->st, l, run_rv);
    if (rv != CKR_OK) return rv;
    /* The state may have changed while the PIN was derived without the
     * lock (another login, a new read-only session): check it again. */
    rv = login_state_check(t, who);
    if (rv != CKR_OK) {
        if (t->user == TOKEN_NOBODY) store_tok_logout(t->st);
        return rv;
    }
    /* Nothing is loaded here: finds load what they need. */
    t->user = who;
    return CKR_OK;
}

CK_RV
token_login_inlock(struct token *t, CK_USER_TYPE who, const CK_UTF8CHAR *pin, CK_ULONG len)
{
    struct store_login *l = NULL;
    CK_RV rv = token_login_begin_inlock(t, who, &l);
    if (rv != CKR_OK) return rv;
    return token_login_end_inlock(t, who, l, store_login_run(l, pin, len));
}

CK_RV
token_logout_inlock(struct token *t)
{
    if (t->user == TOKEN_NOBODY) return CKR_USER_NOT_LOGGED_IN;
    struct library *lib = t->lib;
    for (size_t i = t->nobjs; i-- > 0;) {
        if (i >= t->nobjs) continue;
        struct object *o = t->objs[i];
        if (o->tok != t) continue;
        if (o->priv)
            library_obj_remove_inlock(lib, o);
        else
            object_key_drop(o);
    }
    store_tok_logout(t->st);
    t->user = TOKEN_NOBODY;
    t->priv_loaded = false;
    return CKR_OK;
}

const struct tpm_where *
token_tpm(const struct token *t)
{
    return t->st != NULL && store_tok_tpm_keys(t->st) ? &t->lib->tpm_where : NULL;
}
