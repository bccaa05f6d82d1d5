#include "core/library.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/find.h"
#include "core/objindex.h"
#include "core/opstate.h"
#include "util/log.h"

/* Handles are process-wide counters, never reset: a handle from before a
 * C_Finalize/C_Initialize cycle can never name a new session or object. */
static CK_SESSION_HANDLE library_next_sess = 1;
static CK_OBJECT_HANDLE library_next_obj = 1;

static void
toks_free(struct token **toks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        token_free(toks[i]);
    free(toks);
}

/* Find an existing token object for a store token, to keep its state.
 * Both lists are sorted by slot ID and walked once in that order: *cur
 * only moves forward, so a refresh is linear in the number of tokens. */
static struct token *
toks_take(struct library *lib, const struct store_tok *st, size_t *cur, size_t *from)
{
    CK_SLOT_ID id = store_tok_slot(st);
    while (*cur < lib->ntok && (lib->toks[*cur] == NULL || lib->toks[*cur]->st == NULL ||
                                lib->toks[*cur]->slot_id < id))
        ++*cur;
    if (*cur == lib->ntok || lib->toks[*cur]->st != st) return NULL;
    *from = *cur;
    struct token *t = lib->toks[*cur];
    lib->toks[(*cur)++] = NULL;
    return t;
}

CK_RV
library_refresh_inlock(struct library *lib)
{
    CK_RV rv = store_refresh(lib->store);
    if (rv != CKR_OK) return rv;
    size_t n = store_tok_count(lib->store);
    struct token **toks = calloc(n + 1, sizeof *toks);
    if (toks == NULL) return CKR_HOST_MEMORY;
    /* from[i]: where toks[i] was taken from, to put it back on failure. */
    size_t *from = calloc(n + 1, sizeof *from);
    if (from == NULL) {
        free(toks);
        return CKR_HOST_MEMORY;
    }
    size_t built = 0, cur = 0;
    for (; built < n; built++) {
        struct store_tok *st = store_tok_at(lib->store, built);
        from[built] = SIZE_MAX;
        struct token *t = toks_take(lib, st, &cur, &from[built]);
        if (t == NULL && (rv = token_new(lib, st, store_tok_slot(st), &t)) != CKR_OK) goto fail;
        toks[built] = t;
    }
    /* The free slot keeps its token object only while it is still free:
     * its ID follows the largest slot ID ever used. */
    CK_SLOT_ID free_id = store_next_slot_id(lib->store);
    struct token *free_tok = NULL;
    for (size_t i = 0; i < lib->ntok; i++) {
        struct token *t = lib->toks[i];
        if (t != NULL && t->st == NULL && t->slot_id == free_id) {
            free_tok = t;
            lib->toks[i] = NULL;
            from[built] = i;
        }
    }
    if (free_tok == NULL) {
        from[built] = SIZE_MAX;
        rv = token_new(lib, NULL, free_id, &free_tok);
        if (rv != CKR_OK) goto fail;
    }
    toks[built++] = free_tok;
    /* Tokens that vanished (or a free slot that got initialized elsewhere)
     * lose their sessions. */
    for (size_t i = 0; i < lib->ntok; i++) {
        struct token *gone = lib->toks[i];
        if (gone == NULL) continue;
        library_session_close_all_inlock(lib, gone);
        opstate_forget_token(lib, gone);
        while (gone->nobjs > 0)
            library_obj_remove_inlock(lib, gone->objs[gone->nobjs - 1]);
    }
    toks_free(lib->toks, lib->ntok);
    free(from);
    lib->toks = toks;
    lib->ntok = built;
    return CKR_OK;
fail:
    /* Put back what was taken, where it was, so the old list stays whole. */
    for (size_t i = 0; i < built; i++) {
        if (from[i] == SIZE_MAX) continue;
        lib->toks[from[i]] = toks[i];
        toks[i] = NULL;
    }
    toks_free(toks, built);
    free(from);
    return rv;
}

CK_RV
library_new(const struct conf *c, struct library **out)
{
    struct store *st;
    CK_RV rv = store_open(c, &st);
    if (rv != CKR_OK) return rv;
    return library_new_take(c, st, out);
}

CK_RV
library_new_take(const struct conf *c, struct store *st, struct library **out)
{
    struct library *lib = calloc(1, sizeof *lib);
    if (lib == NULL) {
        store_close(st);
        return CKR_HOST_MEMORY;
    }
    lib->conf = *c;
    tpm_where_get(c, &lib->tpm_where);
    lib->store = st;
    if (opstate_init(lib) != CKR_OK) {
        library_free(lib);
        return CKR_HOST_MEMORY;
    }
    CK_RV rv = library_refresh_inlock(lib);
    if (rv != CKR_OK) {
        library_free(lib);
        return rv;
    }
    *out = lib;
    return CKR_OK;
}

void
library_free(struct library *lib)
{
    if (lib == NULL) return;
    for (size_t i = 0; i < lib->nsess; i++) {
        session_ops_free(lib->sess[i]);
        free(lib->sess[i]);
    }
    free(lib->sess);
    for (size_t i = 0; i < lib->nobj; i++)
        object_free(lib->objs[i]);
    free(lib->objs);
    opstate_free_all(lib);
    objindex_free(lib->index);
    /* The process's TPM connection, if a TPM token or a sealed one kept it. */
    tpm_use_release();
    toks_free(lib->toks, lib->ntok);
    store_close(lib->store);
    free(lib);
}

struct token *
library_token(const struct library *lib, CK_SLOT_ID id)
{
    /* Sorted by slot ID: the store's order, then the free slot, whose ID
     * follows every other. */
    size_t lo = 0, hi = lib->ntok;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lib->toks[mid]->slot_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < lib->ntok && lib->toks[lo]->slot_id == id ? lib->toks[lo] : NULL;
}

static bool
label_taken(const struct library *lib, const struct token *self, const CK_UTF8CHAR label[32])
{
    for (size_t i = 0; i < lib->ntok; i++) {
        const struct token *t = lib->toks[i];
        struct store_tok_info info;
        if (t == self || t->st == NULL || store_tok_info(t->st, &info) != CKR_OK) continue;
        if (memcmp(info.label, label, 32) == 0) return true;
    }
    return false;
}

CK_RV
library_init_token_inlock(struct library *lib, struct token *tok, const CK_UTF8CHAR *pin,
                          CK_ULONG len, const CK_UTF8CHAR label[32])
{
    return library_init_token_sealed_inlock(lib, tok, pin, len, label, NULL);
}

CK_RV
library_init_token_sealed_inlock(struct library *lib, struct token *tok, const CK_UTF8CHAR *pin,
                                 CK_ULONG len, const CK_UTF8CHAR label[32],
                                 const struct store_seal *seal)
{
    CK_ULONG ro, rw;
    library_session_count(lib, tok, &ro, &rw);
    if (ro + rw > 0) return CKR_SESSION_EXISTS;
    /* Another process may have created tokens since the caller looked: the
     * refresh can free tok (a free slot that got initialized elsewhere), so
     * find the slot again by its ID. */
    CK_SLOT_ID id = tok->slot_id;
    CK_RV rv = library_refresh_inlock(lib);
    if (rv != CKR_OK) return rv;
    tok = library_token(lib, id);
    if (tok == NULL) return CKR_SLOT_ID_INVALID;
    if (label_taken(lib, tok, label)) {
        log_err("C_InitToken: another token already has the label '%.32s'", (const char *)label);
        return CKR_ARGUMENTS_BAD;
    }
    if (tok->st != NULL && seal != NULL) {
        log_err("a token's sealing is chosen when it is created: slot %lu has a token already",
                (unsigned long)id);
        return CKR_ARGUMENTS_BAD;
    }
    if (tok->st != NULL) {
        rv = store_tok_reinit(tok->st, pin, len, (const char *)label);
        if (rv != CKR_OK) return rv;
        opstate_forget_token(lib, tok);
        /* Every object of the old token is gone. */
        while (tok->nobjs > 0)
            library_obj_remove_inlock(lib, tok->objs[tok->nobjs - 1]);
        tok->loaded = tok->priv_loaded = tok->profiles = tok->part_ok = false;
        tok->gen_seen = 0;
        tok->user = TOKEN_NOBODY;
        return CKR_OK;
    }
    struct store_tok *st;
    rv = seal != NULL
             ? store_tok_create_sealed(lib->store, (const char *)label, pin, len, seal, &st)
             : store_tok_create(lib->store, (const char *)label, pin, len, &st);
    if (rv != CKR_OK) return rv;
    return library_refresh_inlock(lib);
}

/* ---- sessions ---- */

static size_t
sess_index(const struct library *lib, CK_SESSION_HANDLE h, bool *found)
{
    size_t lo = 0, hi = lib->nsess;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lib->sess[mid]->handle < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < lib->nsess && lib->sess[lo]->handle == h;
    return lo;
}

CK_RV
library_session_open_inlock(struct library *lib, struct token *tok, CK_FLAGS flags,
                            CK_SESSION_HANDLE *out)
{
    if (lib->nsess == lib->capsess) {
        size_t cap = lib->capsess ? lib->capsess * 2 : 16;
        struct session **v = realloc(lib->sess, cap * sizeof *v);
        if (v == NULL) return CKR_HOST_MEMORY;
        lib->sess = v;
        lib->capsess = cap;
    }
    struct session *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->handle = library_next_sess++;
    s->tok = tok;
    s->flags = flags;
    lib->sess[lib->nsess++] = s;
    *out = s->handle;
    return CKR_OK;
}

struct session *
library_session_get(const struct library *lib, CK_SESSION_HANDLE h)
{
    bool found;
    size_t i = sess_index(lib, h, &found);
    return found ? lib->sess[i] : NULL;
}

void
library_session_close_inlock(struct library *lib, struct session *s)
{
    struct token *st = s->tok;
    for (size_t i = st->nobjs; i-- > 0;)
        if (i < st->nobjs && st->objs[i]->owner == s->handle)
            library_obj_remove_inlock(lib, st->objs[i]);
    bool found;
    size_t i = sess_index(lib, s->handle, &found);
    if (found) {
        memmove(&lib->sess[i], &lib->sess[i + 1], (lib->nsess - i - 1) * sizeof *lib->sess);
        lib->nsess--;
    }
    struct token *tok = s->tok;
    session_ops_free(s);
    free(s);
    CK_ULONG ro, rw;
    library_session_count(lib, tok, &ro, &rw);
    /* §5.6.7: closing the last session logs the application out. */
    if (ro + rw == 0 && tok->user != TOKEN_NOBODY) (void)token_logout_inlock(tok);
}

void
library_session_close_all_inlock(struct library *lib, struct token *tok)
{
    for (size_t i = lib->nsess; i-- > 0;)
        if (i < lib->nsess && lib->sess[i]->tok == tok)
            library_session_close_inlock(lib, lib->sess[i]);
}

void
library_session_count(const struct library *lib, const struct token *tok, CK_ULONG *ro,
                      CK_ULONG *rw)
{
    *ro = *rw = 0;
    for (size_t i = 0; i < lib->nsess; i++) {
        if (lib->sess[i]->tok != tok) continue;
        if (session_is_rw(lib->sess[i]))
            (*rw)++;
        else
            (*ro)++;
    }
}

/* ---- objects ---- */

/* Where handle h is (or would go) in v[0..n), sorted by handle. */
static size_t
obj_index(struct object *const *v, size_t n, CK_OBJECT_HANDLE h, bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid]->handle < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < n && v[lo]->handle == h;
    return lo;
}

static bool
obj_reserve(struct object ***v, size_t n, size_t *cap)
{
    if (n < *cap) return true;
    size_t nc = *cap ? *cap * 2 : 8;
    struct object **nv = realloc(*v, nc * sizeof *nv);
    if (nv == NULL) return false;
    *v = nv;
    *cap = nc;
    return true;
}

/* Remove v[i] (found by obj_index), keeping the order. */
static void
obj_drop(struct object **v, size_t *n, CK_OBJECT_HANDLE h)
{
    bool found;
    size_t i = obj_index(v, *n, h, &found);
    if (!found) return;
    memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof *v);
    (*n)--;
}

CK_RV
library_obj_add_inlock(struct library *lib, struct object *o)
{
    struct token *t = o->tok;
    if (!obj_reserve(&lib->objs, lib->nobj, &lib->capobj) ||
        !obj_reserve(&t->objs, t->nobjs, &t->capobjs)) {
        object_free(o);
        return CKR_HOST_MEMORY;
    }
    /* Handles only grow: appending keeps both tables sorted. */
    o->handle = library_next_obj++;
    lib->objs[lib->nobj++] = o;
    t->objs[t->nobjs++] = o;
    objindex_add(lib, o);
    return CKR_OK;
}

struct object *
library_obj_get(const struct library *lib, CK_OBJECT_HANDLE h)
{
    bool found;
    size_t i = obj_index(lib->objs, lib->nobj, h, &found);
    return found ? lib->objs[i] : NULL;
}

void
library_obj_changed_inlock(struct library *lib, struct object *o)
{
    objindex_remove(lib, o);
    objindex_add(lib, o);
}

void
library_obj_remove_inlock(struct library *lib, struct object *o)
{
    objindex_remove(lib, o);
    obj_drop(o->tok->objs, &o->tok->nobjs, o->handle);
    obj_drop(lib->objs, &lib->nobj, o->handle);
    object_free(o);
}

bool
library_obj_visible(const struct session *s, const struct object *o)
{
    if (o->tok != s->tok) return false;
    if (o->priv && s->tok->user != CKU_USER) return false;
    return true;
}

struct object *
library_obj_lookup(const struct library *lib, const struct session *s, CK_OBJECT_HANDLE h)
{
    struct object *o = library_obj_get(lib, h);
    return o != NULL && library_obj_visible(s, o) ? o : NULL;
}
