/*
 * store.c: stores, tokens and records (store.h), over any backend
 * (backend.h). PINs and the master key are in auth.c; byte formats in
 * header.c and record.c.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech/prim.h"
#include "store/record.h"
#include "store/store_int.h"
#include "util/log.h"
#include "util/wipe.h"

#define STORE_WHERE_LEN (PATH_MAX + 64)

/* ---- tokens ---- */

static void
store_tok_free(struct store_tok *t)
{
    if (t == NULL) return;
    store_tok_logout(t);
    t->s->ops->tok_close(t->bt);
    free(t->idx);
    cat_free(t->cat);
    free(t);
}

CK_RV
store_tok_hdr_load(struct store_tok *t)
{
    char where[STORE_WHERE_LEN];
    uint8_t *p = NULL;
    size_t n = 0;
    struct hdr h;
    if (t->removed) return CKR_DEVICE_REMOVED;
    CK_RV rv = t->s->ops->hdr_get(t->bt, &p, &n);
    if (rv != CKR_OK) goto out;
    t->s->ops->describe(t->bt, NULL, where, sizeof where);
    if ((rv = hdr_decode(p, n, where, &h)) != CKR_OK) goto out;
    rv = CKR_DEVICE_ERROR;
    if (memcmp(h.serial, t->name, HDR_SERIAL_LEN) != 0) {
        log_err("%s: serial does not match the token's name", where);
        goto out;
    }
    if (t->loaded && h.slot != t->h.slot) {
        log_err("%s: slot ID changed under us", where);
        goto out;
    }
    if (t->loaded && !ct_eq(h.seed, t->h.seed, sizeof h.seed)) {
        /* Re-initialized by another process: our master key and index are stale. */
        store_tok_logout(t);
        t->idx_ok = false;
    }
    t->h = h;
    t->loaded = true;
    rv = CKR_OK;
out:
    wipe_free(p, n);
    return rv;
}

CK_RV
store_tok_hdr_save(struct store_tok *t, const struct hdr *nh)
{
    uint8_t bytes[HDR_MAX];
    size_t blen = 0;
    CK_RV rv = hdr_encode(nh, bytes, &blen);
    if (rv == CKR_OK) rv = t->s->ops->hdr_put(t->bt, bytes, blen);
    if (rv == CKR_OK) t->h = *nh;
    return rv;
}

/* Why a token cannot be written: removed by another process, or read-only. */
static CK_RV
store_tok_unwritable(struct store_tok *t)
{
    uint64_t gen;
    if (t->removed || t->s->ops->gen_get(t->bt, &gen) == CKR_DEVICE_REMOVED)
        return CKR_DEVICE_REMOVED;
    return CKR_TOKEN_WRITE_PROTECTED;
}

CK_RV
store_tok_begin(struct store_tok *t)
{
    const struct store_backend_ops *ops = t->s->ops;
    if (!ops->writable(t->s->b, t->bt)) return store_tok_unwritable(t);
    CK_RV rv = ops->lock(t->s->b, t->bt);
    if (rv != CKR_OK) return rv;
    if ((rv = store_tok_hdr_load(t)) != CKR_OK) ops->unlock(t->s->b, t->bt);
    return rv;
}

CK_RV
store_tok_begin_rec(struct store_tok *t)
{
    const struct store_backend_ops *ops = t->s->ops;
    uint64_t gen;
    if (!ops->writable(t->s->b, t->bt)) return store_tok_unwritable(t);
    CK_RV rv = ops->lock(t->s->b, t->bt);
    if (rv != CKR_OK) return rv;
    if ((rv = ops->gen_get(t->bt, &gen)) != CKR_OK) goto fail;
    if (t->loaded && t->hdr_gen_ok && gen == t->hdr_gen) return CKR_OK;
    if ((rv = store_tok_hdr_load(t)) != CKR_OK) goto fail;
    t->hdr_gen = gen;
    t->hdr_gen_ok = true;
    return CKR_OK;
fail:
    ops->unlock(t->s->b, t->bt);
    return rv;
}

void
store_tok_end(struct store_tok *t)
{
    t->s->ops->unlock(t->s->b, t->bt);
}

CK_RV
store_kdf_iter(struct store *s, uint32_t *iter)
{
    if (s->kdf_iter == 0) {
        CK_RV rv = hdr_calibrate(s->conf.kdf_target_ms, &s->kdf_iter);
        if (rv != CKR_OK) return rv;
        log_debug("PBKDF2-SHA256: %u iterations for %u ms", s->kdf_iter, s->conf.kdf_target_ms);
    }
    *iter = s->kdf_iter;
    return CKR_OK;
}

static CK_RV
store_tok_load(struct store *s, const char *name, struct store_tok **out)
{
    struct store_tok *t = calloc(1, sizeof *t);
    if (t == NULL) return CKR_HOST_MEMORY;
    t->s = s;
    snprintf(t->name, sizeof t->name, "%s", name);
    CK_RV rv = s->ops->tok_open(s->b, name, &t->bt);
    if (rv == CKR_OK) rv = store_tok_hdr_load(t);
    if (rv != CKR_OK) {
        store_tok_free(t);
        return rv;
    }
    *out = t;
    return CKR_OK;
}

/* A removed token keeps its struct (callers may hold the pointer until
 * their next refresh) but not its key, index or catalog. */
static void
store_tok_forget(struct store_tok *t)
{
    store_tok_logout(t);
    t->removed = true;
    free(t->idx);
    t->idx = NULL;
    t->nidx = 0;
    t->idx_ok = false;
    cat_free(t->cat);
    t->cat = NULL;
}

/* ---- the store ---- */

static bool
store_is_bad(const struct store *s, const char *name)
{
    for (size_t i = 0; i < s->nbad; i++)
        if (strcmp(s->bad[i].s, name) == 0) return true;
    return false;
}

/* Whether name is in use: a serial must be new in this store. */
static bool
store_knows(const struct store *s, const char *name)
{
    for (size_t i = 0; i < s->ntok; i++)
        if (strcmp(s->toks[i]->name, name) == 0) return true;
    return store_is_bad(s, name);
}

static CK_RV
store_reserve(struct store *s)
{
    if (s->ntok < s->captok) return CKR_OK;
    size_t nc = s->captok ? s->captok * 2 : 4;
    struct store_tok **nv = reallocarray(s->toks, nc, sizeof *nv);
    if (nv == NULL) return CKR_HOST_MEMORY;
    s->toks = nv;
    s->captok = nc;
    return CKR_OK;
}

static CK_RV
store_mark_bad(struct store *s, const char *name)
{
    struct store_tok_name *nv = reallocarray(s->bad, s->nbad + 1, sizeof *nv);
    if (nv == NULL) return CKR_HOST_MEMORY;
    s->bad = nv;
    snprintf(s->bad[s->nbad++].s, sizeof nv->s, "%s", name);
    return CKR_OK;
}

static int
store_tok_cmp(const void *a, const void *b)
{
    const struct store_tok *x = *(struct store_tok *const *)a, *y = *(struct store_tok *const *)b;
    if (x->h.slot != y->h.slot) return x->h.slot < y->h.slot ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
store_update_next(struct store *s)
{
    uint64_t seq = 0;
    /* An unreadable sequence is logged by the backend; the token headers
     * still give a safe lower bound. */
    if (s->ops->seq_get(s->b, &seq) != CKR_OK) seq = 0;
    if (seq > s->next_slot) s->next_slot = seq;
    for (size_t i = 0; i < s->ntok; i++)
        if (s->toks[i]->h.slot >= s->next_slot) s->next_slot = s->toks[i]->h.slot + 1;
}

/* Load a token not seen before; unreadable ones are logged and remembered. */
static CK_RV
store_add(struct store *s, const char *name)
{
    struct store_tok *t = NULL;
    CK_RV rv = store_reserve(s);
    if (rv != CKR_OK) return rv;
    rv = store_tok_load(s, name, &t);
    if (rv == CKR_HOST_MEMORY) return rv;
    if (rv != CKR_OK) {
        store_tok_free(t);
        log_err("token %s is unreadable and is not shown", name);
        return store_mark_bad(s, name);
    }
    t->seq = s->seq++;
    s->toks[s->ntok++] = t;
    return CKR_OK;
}

/* s->toks sorted by slot ID: of two tokens claiming one slot, the one
 * known first stays and the other is skipped (checked once per scan, not
 * once per token: a store of 10,000 tokens opens in linear time). */
static CK_RV
store_drop_dup_slots(struct store *s)
{
    size_t keep = 0;
    CK_RV rv = CKR_OK;
    for (size_t i = 0; i < s->ntok; i++) {
        struct store_tok *t = s->toks[i];
        if (keep == 0 || s->toks[keep - 1]->h.slot != t->h.slot) {
            s->toks[keep++] = t;
            continue;
        }
        log_err("token %s: slot ID %llu already used by token %s; skipping it", t->name,
                (unsigned long long)t->h.slot, s->toks[keep - 1]->name);
        log_err("token %s is unreadable and is not shown", t->name);
        CK_RV r1 = store_mark_bad(s, t->name);
        if (r1 != CKR_OK) rv = r1;
        store_tok_free(t);
    }
    s->ntok = keep;
    return rv;
}

static int
store_name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct store_tok_name *)a)->s, ((const struct store_tok_name *)b)->s);
}

static int
store_tok_name_cmp(const void *a, const void *b)
{
    return strcmp((*(struct store_tok *const *)a)->name, (*(struct store_tok *const *)b)->name);
}

static bool
store_name_listed(const struct store_tok_name *names, size_t n, const char *name)
{
    struct store_tok_name key;
    snprintf(key.s, sizeof key.s, "%s", name);
    return n > 0 && bsearch(&key, names, n, sizeof *names, store_name_cmp) != NULL;
}

/* The backend's token names, sorted. */
static CK_RV
store_list_sorted(struct store *s, struct store_tok_name **names, size_t *n)
{
    CK_RV rv = s->ops->tok_list(s->b, names, n);
    if (rv != CKR_OK) return rv == CKR_HOST_MEMORY ? rv : CKR_DEVICE_ERROR;
    /* Sorted names make the choice between two tokens claiming one slot stable. */
    if (*n > 1) qsort(*names, *n, sizeof **names, store_name_cmp);
    return CKR_OK;
}

/* Tokens removed (by any process) leave the list for s->gone: their
 * pointers stay valid until store_close(), but name nothing any more. A
 * token missing from one listing is confirmed by a second, so that a
 * listing racing with a replacement (backend.h, tok_replace_recs) cannot
 * drop it. */
static CK_RV
store_drop_gone(struct store *s, const struct store_tok_name *names, size_t n)
{
    size_t keep = 0, ngone = 0;
    for (size_t i = 0; i < s->ntok; i++)
        if (!store_name_listed(names, n, s->toks[i]->name)) ngone++;
    if (ngone == 0) return CKR_OK;
    struct store_tok_name *again = NULL;
    size_t n2 = 0;
    CK_RV rv = store_list_sorted(s, &again, &n2);
    if (rv != CKR_OK) return rv;
    struct store_tok **nv = reallocarray(s->gone, s->ngone + ngone, sizeof *nv);
    if (nv == NULL) {
        free(again);
        return CKR_HOST_MEMORY;
    }
    s->gone = nv;
    for (size_t i = 0; i < s->ntok; i++) {
        struct store_tok *t = s->toks[i];
        if (store_name_listed(names, n, t->name) || store_name_listed(again, n2, t->name)) {
            s->toks[keep++] = t;
            continue;
        }
        store_tok_forget(t);
        s->gone[s->ngone++] = t;
    }
    s->ntok = keep;
    free(again);
    return CKR_OK;
}

/* Pick up every token not seen yet and drop the removed ones: one listing,
 * sorted, merged against the known tokens sorted by name (no per-token
 * search: a store of 10,000 sets is scanned on every creation).
 * CKR_OK, CKR_HOST_MEMORY, CKR_DEVICE_ERROR. */
static CK_RV
store_scan(struct store *s)
{
    struct store_tok_name *names = NULL;
    struct store_tok **known = NULL;
    size_t n = 0, nknown = s->ntok;
    uint64_t g0 = 0, g1 = 0;
    /* The list generation is odd while a change is under way (or was cut
     * short by a crash): then it says nothing, and every scan lists. */
    bool have = s->ops->list_gen_get != NULL && s->ops->list_gen_get(s->b, &g0) == CKR_OK;
    if (have && s->lgen_ok && g0 == s->lgen && g0 % 2 == 0) return CKR_OK;
    CK_RV rv = store_list_sorted(s, &names, &n);
    if (rv != CKR_OK) return rv;
    if ((rv = store_drop_gone(s, names, n)) != CKR_OK) goto out;
    nknown = s->ntok;
    if (nknown > 0) {
        if ((known = malloc(nknown * sizeof *known)) == NULL) {
            rv = CKR_HOST_MEMORY;
            goto out;
        }
        memcpy(known, s->toks, nknown * sizeof *known);
        qsort(known, nknown, sizeof *known, store_tok_name_cmp);
    }
    for (size_t i = 0, k = 0; i < n && rv == CKR_OK; i++) {
        while (k < nknown && strcmp(known[k]->name, names[i].s) < 0)
            k++;
        if (k < nknown && strcmp(known[k]->name, names[i].s) == 0) continue;
        if (!store_is_bad(s, names[i].s)) rv = store_add(s, names[i].s);
    }
    if (s->ntok > 1) qsort(s->toks, s->ntok, sizeof *s->toks, store_tok_cmp);
    if (rv == CKR_OK) rv = store_drop_dup_slots(s);
    store_update_next(s);
    /* Current only if nothing changed while we listed. */
    s->lgen_ok = rv == CKR_OK && have && g0 % 2 == 0 && s->ops->list_gen_get(s->b, &g1) == CKR_OK &&
                 g1 == g0;
    s->lgen = g0;
out:
    free(known);
    free(names);
    return rv;
}

/* Root lock held, before creating or removing a token: make the list
 * generation odd (and new), so that no process trusts its listing while the
 * list changes. *was_current tells whether our own list was current. */
static CK_RV
store_list_change_begin(struct store *s, uint64_t *gen, bool *was_current)
{
    uint64_t g = 0;
    *gen = 0;
    *was_current = false;
    if (s->ops->list_gen_put == NULL) return CKR_OK;
    /* Unreadable: do not guess (a smaller value could equal one another
     * process trusts); the change waits for a readable store. */
    CK_RV rv = s->ops->list_gen_get(s->b, &g);
    if (rv != CKR_OK) return rv;
    *was_current = s->lgen_ok && g == s->lgen;
    *gen = (g | 1) + 2;
    return s->ops->list_gen_put(s->b, *gen);
}

/* After the change (done or not): even again. Our list is current when it
 * was before and we applied our own change to it. On failure the value
 * stays odd, and every process keeps listing. */
static void
store_list_change_end(struct store *s, uint64_t gen, bool was_current)
{
    if (s->ops->list_gen_put == NULL) return;
    bool ok = s->ops->list_gen_put(s->b, gen + 1) == CKR_OK;
    s->lgen_ok = ok && was_current;
    s->lgen = gen + 1;
}

CK_RV
store_open_backend(const struct store_backend_ops *ops, const char *root, const struct conf *c,
                   struct store **out)
{
    if (ops == NULL || ops->version < STORE_BACKEND_VERSION) {
        log_err("store backend %s: unsupported interface version", ops ? ops->name : "(none)");
        return CKR_GENERAL_ERROR;
    }
    if (c == NULL || out == NULL) return CKR_GENERAL_ERROR;
    struct store *s = calloc(1, sizeof *s);
    if (s == NULL) return CKR_HOST_MEMORY;
    s->ops = ops;
    s->conf = *c;
    CK_RV rv = ops->open(root, &s->b);
    if (rv != CKR_OK) {
        free(s);
        return rv == CKR_HOST_MEMORY ? rv : CKR_GENERAL_ERROR;
    }
    if ((rv = store_scan(s)) != CKR_OK) {
        store_close(s);
        return rv == CKR_HOST_MEMORY ? rv : CKR_GENERAL_ERROR;
    }
    *out = s;
    return CKR_OK;
}

CK_RV
store_open(const struct conf *c, struct store **out)
{
    if (c == NULL) return CKR_GENERAL_ERROR;
    return store_open_backend(store_file_backend(), c->store, c, out);
}

void
store_close(struct store *s)
{
    if (s == NULL) return;
    for (size_t i = 0; i < s->ntok; i++)
        store_tok_free(s->toks[i]);
    for (size_t i = 0; i < s->ngone; i++)
        store_tok_free(s->gone[i]);
    free(s->toks);
    free(s->gone);
    free(s->bad);
    s->ops->close(s->b);
    free(s);
}

CK_RV
store_refresh(struct store *s)
{
    return store_scan(s);
}

size_t
store_tok_count(const struct store *s)
{
    return s->ntok;
}

struct store_tok *
store_tok_at(const struct store *s, size_t i)
{
    return i < s->ntok ? s->toks[i] : NULL;
}

CK_SLOT_ID
store_next_slot_id(const struct store *s)
{
    return (CK_SLOT_ID)s->next_slot;
}

static CK_RV
store_new_serial(const struct store *s, char serial[HDR_SERIAL_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[HDR_SERIAL_LEN / 2];
    do {
        if (prim_random(r, sizeof r) != CKR_OK) return CKR_DEVICE_ERROR;
        for (size_t i = 0; i < sizeof r; i++) {
            serial[2 * i] = hex[r[i] >> 4];
            serial[2 * i + 1] = hex[r[i] & 15];
        }
        serial[HDR_SERIAL_LEN] = '\0';
    } while (store_knows(s, serial));
    return CKR_OK;
}

/* Fill in the first header of a token (h is zeroed, or holds only its
 * seal section): fresh seed and master key (into mk), SO PIN set, and the
 * user PIN when pin is not NULL; sealed is the token secret of a sealed
 * token, else NULL. */
static CK_RV
store_hdr_new(uint64_t slot, const char serial[HDR_SERIAL_LEN], const char label[32],
              const CK_UTF8CHAR *so_pin, CK_ULONG so_pin_len, const CK_UTF8CHAR *pin,
              CK_ULONG pin_len, uint32_t iter, const uint8_t *sealed, struct hdr *h,
              uint8_t mk[HDR_KEY_LEN])
{
    CK_RV rv;
    h->slot = slot;
    memcpy(h->label, label, sizeof h->label);
    memcpy(h->serial, serial, HDR_SERIAL_LEN);
    if (prim_random(h->seed, sizeof h->seed) != CKR_OK) return CKR_DEVICE_ERROR;
    if (prim_random(mk, HDR_KEY_LEN) != CKR_OK) return CKR_DEVICE_ERROR;
    rv = hdr_wrap(h, HDR_SO, so_pin, so_pin_len, iter, sealed, mk);
    if (rv == CKR_OK && pin != NULL) {
        rv = hdr_wrap(h, HDR_USER, pin, pin_len, iter, sealed, mk);
        h->flags |= HDR_FLAG_USER_PIN;
    }
    return rv;
}

/* Seal the first records of a new token (ids fresh and distinct, version 1). */
static CK_RV
store_seal_first(const struct hdr *h, const uint8_t mk[HDR_KEY_LEN],
                 const struct store_rec_new *recs, size_t n, struct store_blob *out)
{
    for (size_t i = 0; i < n; i++) {
        struct store_rec_ref ref = {0, 1, recs[i].priv};
        bool dup;
        do {
            if (prim_random(&ref.id, sizeof ref.id) != CKR_OK) return CKR_DEVICE_ERROR;
            dup = ref.id == 0;
            for (size_t k = 0; k < i && !dup; k++)
                dup = out[k].ref.id == ref.id;
        } while (dup);
        uint8_t *sealed = NULL;
        size_t slen = 0;
        CK_RV rv = rec_seal(ref.priv ? mk : h->seed, h->serial, &ref, recs[i].blob, recs[i].len,
                            &sealed, &slen);
        if (rv != CKR_OK) return rv;
        out[i] = (struct store_blob){ref, sealed, slen};
    }
    return CKR_OK;
}

static void
store_blobs_free(struct store_blob *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        if (v[i].p != NULL) wipe_free((uint8_t *)(uintptr_t)v[i].p, v[i].n);
    free(v);
}

/* The backend's token, with its first records: in one step where the
 * backend can, else created and then filled. */
static CK_RV
store_tok_birth(struct store *s, struct store_tok *t, const uint8_t *bytes, size_t blen,
                const struct store_blob *v, size_t n)
{
    const struct store_backend_ops *ops = s->ops;
    if (ops->tok_create_recs != NULL)
        return ops->tok_create_recs(s->b, t->name, bytes, blen, 1, v, n, &t->bt);
    CK_RV rv = ops->tok_create(s->b, t->name, bytes, blen, 1, &t->bt);
    for (size_t i = 0; rv == CKR_OK && i < n; i++)
        rv = ops->blob_put(t->bt, &v[i].ref, v[i].p, v[i].n);
    return rv;
}

static CK_RV
store_tok_make(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
               CK_ULONG so_pin_len, const CK_UTF8CHAR *pin, CK_ULONG pin_len, uint32_t flags,
               const struct store_seal *seal, const struct store_rec_new *recs, size_t n,
               struct store_tok **out)
{
    static const CK_UTF8CHAR no_pin[1];
    char serial[HDR_SERIAL_LEN + 1];
    uint8_t bytes[HDR_MAX], mk[HDR_KEY_LEN], sk[HDR_SEAL_LEN];
    size_t blen = 0;
    struct hdr h;
    struct store_tok *t = NULL;
    struct store_blob *v = NULL;
    uint32_t iter;
    CK_RV rv;
    memset(&h, 0, sizeof h);
    if (label == NULL || (so_pin == NULL && so_pin_len) || out == NULL) return CKR_ARGUMENTS_BAD;
    if (seal != NULL && seal->no_pin) {
        if (pin != NULL) return CKR_ARGUMENTS_BAD;
        pin = no_pin;
        pin_len = 0;
        flags |= HDR_FLAG_NO_PIN;
    }
    if (seal != NULL && seal->tpm_keys) flags |= HDR_FLAG_TPM_KEYS;
    if (!s->ops->writable(s->b, NULL)) return CKR_TOKEN_WRITE_PROTECTED;
    /* Calibrate and seal before taking the store-wide lock: a few KDF runs
     * and TPM commands. */
    if ((rv = store_kdf_iter(s, &iter)) != CKR_OK) return rv;
    if (seal != NULL) {
        struct tpm_where at;
        tpm_where_get(&s->conf, &at);
        if ((rv = store_seal_new(&at, seal->pcrs, &h, sk)) != CKR_OK) return rv;
    }
    if (n > 0 && (v = calloc(n, sizeof *v)) == NULL) {
        rv = CKR_HOST_MEMORY;
        goto done;
    }
    if ((rv = s->ops->lock(s->b, NULL)) != CKR_OK) goto done;
    /* Under the store lock: see every token, so the slot ID and serial are new. */
    if ((rv = store_scan(s)) != CKR_OK) goto out;
    if ((rv = store_reserve(s)) != CKR_OK) goto out;
    if ((rv = store_new_serial(s, serial)) != CKR_OK) goto out;
    rv = store_hdr_new(s->next_slot, serial, label, so_pin, so_pin_len, pin, pin_len, iter,
                       seal != NULL ? sk : NULL, &h, mk);
    h.flags |= flags;
    if (rv == CKR_OK) rv = hdr_encode(&h, bytes, &blen);
    if (rv == CKR_OK) rv = store_seal_first(&h, mk, recs, n, v);
    if (rv != CKR_OK) goto out;
    rv = CKR_HOST_MEMORY;
    if ((t = calloc(1, sizeof *t)) == NULL) goto out;
    t->s = s;
    memcpy(t->name, serial, sizeof t->name);
    uint64_t lg;
    bool cur;
    if ((rv = store_list_change_begin(s, &lg, &cur)) != CKR_OK) goto out;
    rv = store_tok_birth(s, t, bytes, blen, v, n);
    t->seq = s->seq++;
    if (rv == CKR_OK) s->toks[s->ntok++] = t; /* next_slot exceeds every slot: order kept */
    /* A failure may come after the token appeared (its directory fsync):
     * then our list is not current, and the next scan finds out. */
    store_list_change_end(s, lg, cur && rv == CKR_OK);
    if (rv != CKR_OK) goto out;
    t->h = h;
    t->loaded = true;
    t->idx_ok = n == 0;
    s->next_slot = h.slot + 1;
    /* Failure here is logged and harmless: the header holds the slot ID. */
    (void)s->ops->seq_put(s->b, s->next_slot);
    /* An empty catalog, so the first cold start needs no listing. A token
     * born with records gets one at its first full load. */
    if (n == 0 && s->ops->lock(s->b, t->bt) == CKR_OK) {
        cat_reset(t, 1);
        s->ops->unlock(s->b, t->bt);
    }
    *out = t;
    t = NULL;
out:
    s->ops->unlock(s->b, NULL);
    if (t != NULL && t->bt != NULL) { /* filled only in part (no atomic backend) */
        (void)s->ops->tok_remove(s->b, t->bt);
        s->ops->tok_close(t->bt);
    }
    free(t); /* NULL once it belongs to the store */
done:
    wipe(mk, sizeof mk);
    wipe(sk, sizeof sk);
    store_blobs_free(v, n);
    return rv;
}

CK_RV
store_tok_create(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
                 CK_ULONG so_pin_len, struct store_tok **out)
{
    return store_tok_make(s, label, so_pin, so_pin_len, NULL, 0, 0, NULL, NULL, 0, out);
}

CK_RV
store_tok_create_sealed(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
                        CK_ULONG so_pin_len, const struct store_seal *seal, struct store_tok **out)
{
    if (seal == NULL) return CKR_ARGUMENTS_BAD;
    return store_tok_make(s, label, so_pin, so_pin_len, NULL, 0, 0, seal, NULL, 0, out);
}

CK_RV
store_tok_create_set(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
                     CK_ULONG so_pin_len, const CK_UTF8CHAR *pin, CK_ULONG pin_len, bool store_pins,
                     const struct store_seal *seal, const struct store_rec_new *recs, size_t n,
                     struct store_tok **out)
{
    if (pin == NULL || (recs == NULL && n) || (seal != NULL && seal->no_pin))
        return CKR_ARGUMENTS_BAD;
    return store_tok_make(s, label, so_pin, so_pin_len, pin, pin_len,
                          store_pins ? HDR_FLAG_STORE_PINS : 0, seal, recs, n, out);
}

bool
store_tok_sealed(const struct store_tok *t)
{
    return (t->h.flags & HDR_FLAG_SEALED) != 0;
}

bool
store_tok_no_pin(const struct store_tok *t)
{
    return (t->h.flags & HDR_FLAG_NO_PIN) != 0;
}

bool
store_tok_tpm_keys(const struct store_tok *t)
{
    return (t->h.flags & HDR_FLAG_TPM_KEYS) != 0;
}

bool
store_tok_store_pins(const struct store_tok *t)
{
    return (t->h.flags & HDR_FLAG_STORE_PINS) != 0;
}

/* t leaves the token list for s->gone (its pointer stays valid). False
 * when out of memory: it stays listed until a scan retires it. */
static bool
store_retire(struct store *s, struct store_tok *t)
{
    struct store_tok **nv = reallocarray(s->gone, s->ngone + 1, sizeof *nv);
    if (nv == NULL) return false;
    s->gone = nv;
    for (size_t i = 0; i < s->ntok; i++) {
        if (s->toks[i] != t) continue;
        memmove(&s->toks[i], &s->toks[i + 1], (s->ntok - i - 1) * sizeof *s->toks);
        s->ntok--;
        store_tok_forget(t);
        s->gone[s->ngone++] = t;
        return true;
    }
    return true;
}

CK_RV
store_tok_remove(struct store_tok *t)
{
    struct store *s = t->s;
    const struct store_backend_ops *ops = s->ops;
    if (t->removed) return CKR_DEVICE_REMOVED;
    if (!ops->writable(s->b, NULL)) return CKR_TOKEN_WRITE_PROTECTED;
    if (!ops->writable(s->b, t->bt)) return store_tok_unwritable(t);
    CK_RV rv = ops->lock(s->b, NULL);
    if (rv != CKR_OK) return rv;
    uint64_t lg;
    bool cur;
    if ((rv = store_list_change_begin(s, &lg, &cur)) != CKR_OK) goto out;
    /* The token's lock too: its writers finish first. */
    if ((rv = ops->lock(s->b, t->bt)) == CKR_OK) {
        rv = ops->tok_remove(s->b, t->bt);
        ops->unlock(s->b, t->bt);
    }
    if (rv == CKR_OK || rv == CKR_DEVICE_REMOVED)
        cur = store_retire(s, t) && cur;
    else
        cur = false; /* perhaps removed in part: let the next scan tell */
    store_list_change_end(s, lg, cur);
out:
    ops->unlock(s->b, NULL);
    return rv;
}

CK_RV
store_tok_replace(struct store_tok *t, const struct store_rec_new *recs, size_t n)
{
    struct store *s = t->s;
    const struct store_backend_ops *ops = s->ops;
    struct store_blob *v = NULL;
    uint64_t gen;
    if (recs == NULL && n) return CKR_ARGUMENTS_BAD;
    if (t->removed) return CKR_DEVICE_REMOVED;
    if (ops->tok_replace_recs == NULL) return CKR_FUNCTION_NOT_SUPPORTED;
    if (t->mk == NULL) return CKR_USER_NOT_LOGGED_IN;
    if (!ops->writable(s->b, NULL)) return CKR_TOKEN_WRITE_PROTECTED;
    if (n > 0 && (v = calloc(n, sizeof *v)) == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = ops->lock(s->b, NULL);
    if (rv != CKR_OK) goto out;
    /* Root lock, then the token's (the order of store_tok_make). */
    if ((rv = store_tok_begin(t)) != CKR_OK) goto unlock_root;
    /* The header re-read wipes the master key if the token was
     * re-initialized meanwhile: nothing to seal with then. */
    rv = t->mk == NULL ? CKR_USER_NOT_LOGGED_IN : ops->gen_get(t->bt, &gen);
    if (rv == CKR_OK) rv = store_seal_first(&t->h, t->mk, recs, n, v);
    if (rv != CKR_OK) {
        store_tok_end(t);
        goto unlock_root;
    }
    /* gen + 2: a write that failed after its catalog entry leaves a catalog
     * (and other processes' cached copies of it) ending at gen + 1; none
     * may pass for the new directory's. */
    rv = ops->tok_replace_recs(s->b, t->bt, gen + 2, v, n); /* releases the token lock */
    /* Whatever happened, every cached view of the records is re-read. */
    t->idx_ok = false;
    t->hdr_gen_ok = false;
    t->swept = false;
    cat_free(t->cat);
    t->cat = NULL;
unlock_root:
    ops->unlock(s->b, NULL);
out:
    store_blobs_free(v, n);
    return rv == CKR_HOST_MEMORY || rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_DEVICE_REMOVED ||
                   rv == CKR_TOKEN_WRITE_PROTECTED || rv == CKR_DEVICE_MEMORY || rv == CKR_OK
               ? rv
               : CKR_DEVICE_ERROR;
}

void
store_tok_label(const struct store_tok *t, char out[32])
{
    memcpy(out, t->h.label, 32);
}

CK_SLOT_ID
store_tok_slot(const struct store_tok *t)
{
    return (CK_SLOT_ID)t->h.slot;
}

CK_RV
store_tok_info(struct store_tok *t, struct store_tok_info *out)
{
    CK_RV rv = store_tok_hdr_load(t);
    if (rv != CKR_OK) return rv;
    memset(out, 0, sizeof *out);
    out->slot_id = (CK_SLOT_ID)t->h.slot;
    memcpy(out->label, t->h.label, sizeof out->label);
    memcpy(out->serial, t->h.serial, sizeof out->serial);
    out->user_pin_set = (t->h.flags & HDR_FLAG_USER_PIN) != 0;
    out->sealed = (t->h.flags & HDR_FLAG_SEALED) != 0;
    out->no_pin = (t->h.flags & HDR_FLAG_NO_PIN) != 0;
    out->tpm_keys = (t->h.flags & HDR_FLAG_TPM_KEYS) != 0;
    out->so_failures = t->h.fails[HDR_SO];
    out->user_failures = t->h.fails[HDR_USER];
    out->max_failures = t->s->conf.max_pin_failures;
    out->write_protected = !t->s->ops->writable(t->s->b, t->bt);
    return CKR_OK;
}

CK_RV
store_tok_generation(struct store_tok *t, uint64_t *gen)
{
    if (t->removed) return CKR_DEVICE_REMOVED;
    CK_RV rv = t->s->ops->gen_get(t->bt, gen);
    return rv == CKR_HOST_MEMORY || rv == CKR_OK || rv == CKR_DEVICE_REMOVED ? rv
                                                                             : CKR_DEVICE_ERROR;
}

/* ---- records ---- */

static int
store_ref_cmp(const void *a, const void *b)
{
    const struct store_rec_ref *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    if (x->ver != y->ver) return x->ver < y->ver ? -1 : 1;
    return (int)x->priv - (int)y->priv;
}

/* Rebuild the index from the backend's listing: the highest version of each
 * id wins. With stale != NULL, also return the lower versions (heap), which
 * a crash between writing a new version and unlinking the old one leaves. */
static CK_RV
store_tok_scan(struct store_tok *t, struct store_rec_ref **stale, size_t *nstale)
{
    struct store_rec_ref *raw = NULL, *idx = NULL;
    size_t n = 0, m = 0, k = 0;
    uint64_t gen;
    /* The generation is read before the listing: a change racing with it
     * moves the generation past this value, and the next call rescans. */
    CK_RV rv = t->s->ops->gen_get(t->bt, &gen);
    if (rv == CKR_OK) rv = t->s->ops->blob_list(t->bt, &raw, &n);
    if (rv != CKR_OK)
        return rv == CKR_HOST_MEMORY || rv == CKR_DEVICE_REMOVED ? rv : CKR_DEVICE_ERROR;
    if ((idx = malloc((n ? n : 1) * sizeof *idx)) == NULL) {
        free(raw);
        return CKR_HOST_MEMORY;
    }
    if (n > 1) qsort(raw, n, sizeof *raw, store_ref_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && raw[i + 1].id == raw[i].id)
            raw[k++] = raw[i]; /* k <= i: compacting in place reads ahead of writes */
        else
            idx[m++] = raw[i];
    }
    free(t->idx);
    t->idx = idx;
    t->nidx = m;
    t->idx_ok = true;
    t->idx_gen = gen;
    if (stale != NULL) {
        *stale = raw;
        *nstale = k;
    } else {
        free(raw);
    }
    return CKR_OK;
}

/* The index, rescanned only when the generation says another writer (or
 * a re-initialization) changed the records since it was built: every
 * writer bumps the generation under the token lock. No stale versions are
 * reported without a scan. */
static CK_RV
store_tok_index(struct store_tok *t, struct store_rec_ref **stale, size_t *nstale, bool locked)
{
    uint64_t gen;
    if (stale != NULL) {
        *stale = NULL;
        *nstale = 0;
    }
    /* The first write of this handle scans under the lock once, which
     * sweeps what crashed writers left behind. */
    bool sweep = locked && !t->swept;
    if (!sweep && t->idx_ok && t->s->ops->gen_get(t->bt, &gen) == CKR_OK && gen == t->idx_gen)
        return CKR_OK;
    CK_RV rv = store_tok_scan(t, stale, nstale);
    if (rv == CKR_OK && locked) t->swept = true;
    return rv;
}

/* After our own generation bump (lock held): an index that was current
 * before it is current after it, for it already has our change. */
static void
store_idx_bumped(struct store_tok *t, uint64_t gen)
{
    if (t->idx_ok && t->idx_gen + 1 == gen) t->idx_gen = gen;
    if (t->hdr_gen_ok && t->hdr_gen + 1 == gen) t->hdr_gen = gen;
}

static struct store_rec_ref *
store_idx_find(const struct store_tok *t, uint64_t id)
{
    size_t lo = 0, hi = t->nidx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->idx[mid].id == id) return &t->idx[mid];
        if (t->idx[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Record a write in the index; if memory is short, just rescan next time. */
static void
store_idx_upsert(struct store_tok *t, const struct store_rec_ref *ref)
{
    struct store_rec_ref *r = store_idx_find(t, ref->id);
    if (r != NULL) {
        *r = *ref;
        return;
    }
    struct store_rec_ref *nv = reallocarray(t->idx, t->nidx + 1, sizeof *nv);
    if (nv == NULL) {
        t->idx_ok = false;
        return;
    }
    t->idx = nv;
    size_t i = t->nidx;
    while (i > 0 && nv[i - 1].id > ref->id) {
        nv[i] = nv[i - 1];
        i--;
    }
    nv[i] = *ref;
    t->nidx++;
}

static void
store_idx_remove(struct store_tok *t, uint64_t id)
{
    struct store_rec_ref *r = store_idx_find(t, id);
    if (r == NULL) return;
    size_t i = (size_t)(r - t->idx);
    memmove(r, r + 1, (t->nidx - i - 1) * sizeof *r);
    t->nidx--;
}

CK_RV
store_rec_list(struct store_tok *t, struct store_rec_ref **out, size_t *n)
{
    /* The header read notices a re-initialization by another process. */
    CK_RV rv = store_tok_hdr_load(t);
    if (rv == CKR_OK) rv = store_tok_index(t, NULL, NULL, false);
    if (rv != CKR_OK) return rv;
    struct store_rec_ref *v = malloc((t->nidx ? t->nidx : 1) * sizeof *v);
    if (v == NULL) return CKR_HOST_MEMORY;
    if (t->nidx) memcpy(v, t->idx, t->nidx * sizeof *v);
    *out = v;
    *n = t->nidx;
    return CKR_OK;
}

static CK_RV
store_tok_reindex(struct store_tok *t)
{
    CK_RV rv = store_tok_hdr_load(t);
    return rv == CKR_OK ? store_tok_scan(t, NULL, NULL) : rv;
}

static CK_RV
store_rec_unseal(struct store_tok *t, const struct store_rec_ref *ref, const uint8_t *p, size_t n,
                 uint8_t **blob, size_t *len)
{
    char where[STORE_WHERE_LEN];
    t->s->ops->describe(t->bt, ref, where, sizeof where);
    return rec_open(ref->priv ? t->mk : t->h.seed, t->h.serial, ref, p, n, where, blob, len);
}

CK_RV
store_rec_get(struct store_tok *t, uint64_t id, uint8_t **blob, size_t *len,
              struct store_rec_ref *ref)
{
    bool fresh = false;
    CK_RV rv;
    if (blob == NULL || len == NULL) return CKR_ARGUMENTS_BAD;
    if (id == 0) return CKR_OBJECT_HANDLE_INVALID;
    for (;;) {
        const struct store_rec_ref *r = t->idx_ok ? store_idx_find(t, id) : NULL;
        if (r == NULL && !fresh) {
            /* Maybe written by another process since our last scan. */
            if ((rv = store_tok_reindex(t)) != CKR_OK) return rv;
            fresh = true;
            continue;
        }
        if (r == NULL) return CKR_OBJECT_HANDLE_INVALID;
        struct store_rec_ref cur = *r;
        if (cur.priv && t->mk == NULL) return CKR_USER_NOT_LOGGED_IN;
        uint8_t *p = NULL;
        size_t n = 0;
        rv = t->s->ops->blob_get(t->bt, &cur, &p, &n);
        if (rv == CKR_OBJECT_HANDLE_INVALID && !fresh) {
            /* Replaced or deleted by another process since our last scan. */
            if ((rv = store_tok_reindex(t)) != CKR_OK) return rv;
            fresh = true;
            continue;
        }
        if (rv == CKR_OK) rv = store_rec_unseal(t, &cur, p, n, blob, len);
        wipe_free(p, n);
        if (rv == CKR_OK && ref != NULL) *ref = cur;
        return rv;
    }
}

CK_RV
store_tok_hdr_fresh(struct store_tok *t, uint64_t gen)
{
    if (t->loaded && t->hdr_gen_ok && gen == t->hdr_gen) return CKR_OK;
    CK_RV rv = store_tok_hdr_load(t);
    if (rv != CKR_OK) return rv;
    t->hdr_gen = gen;
    t->hdr_gen_ok = true;
    return CKR_OK;
}

CK_RV
store_rec_get_ref(struct store_tok *t, const struct store_rec_ref *ref, uint8_t **blob, size_t *len)
{
    uint8_t *p = NULL;
    size_t n = 0;
    uint64_t gen;
    if (ref == NULL || blob == NULL || len == NULL) return CKR_ARGUMENTS_BAD;
    CK_RV rv = t->s->ops->gen_get(t->bt, &gen);
    if (rv == CKR_OK) rv = store_tok_hdr_fresh(t, gen);
    if (rv != CKR_OK)
        return rv == CKR_HOST_MEMORY || rv == CKR_DEVICE_REMOVED ? rv : CKR_DEVICE_ERROR;
    if (ref->priv && t->mk == NULL) return CKR_USER_NOT_LOGGED_IN;
    rv = t->s->ops->blob_get(t->bt, ref, &p, &n);
    if (rv == CKR_OK) rv = store_rec_unseal(t, ref, p, n, blob, len);
    wipe_free(p, n);
    return rv;
}

static CK_RV
store_new_id(const struct store_tok *t, uint64_t *id)
{
    uint64_t v;
    do {
        if (prim_random(&v, sizeof v) != CKR_OK) return CKR_DEVICE_ERROR;
    } while (v == 0 || store_idx_find(t, v) != NULL);
    *id = v;
    return CKR_OK;
}

/* Delete superseded versions (writer lock held). Failures leave harmless
 * debris that the next writer retries, so they are only logged. */
static void
store_del_stale(struct store_tok *t, const struct store_rec_ref *stale, size_t n)
{
    for (size_t i = 0; i < n; i++)
        (void)t->s->ops->blob_del(t->bt, &stale[i]);
}

/* Seal and write ref (writer lock held), then bump the generation; if the
 * bump fails, the new version is removed again so nothing changed. */
static CK_RV
store_rec_write(struct store_tok *t, const struct store_rec_ref *ref, const uint8_t *blob,
                size_t len, uint64_t *gen_out)
{
    const struct store_backend_ops *ops = t->s->ops;
    uint8_t *sealed = NULL;
    size_t slen = 0;
    uint64_t gen;
    CK_RV rv = rec_seal(ref->priv ? t->mk : t->h.seed, t->h.serial, ref, blob, len, &sealed, &slen);
    if (rv != CKR_OK) goto out;
    if ((rv = ops->blob_put(t->bt, ref, sealed, slen)) != CKR_OK) goto out;
    if ((rv = ops->gen_bump(t->bt, &gen)) != CKR_OK) (void)ops->blob_del(t->bt, ref);
    if (rv == CKR_OK) *gen_out = gen;
out:
    wipe_free(sealed, slen);
    return rv;
}

CK_RV
store_rec_put(struct store_tok *t, uint64_t *id, bool priv, const uint8_t *blob, size_t len,
              const struct store_rec_keys *keys)
{
    struct store_rec_ref *stale = NULL, ref = {0, 1, priv}, old = {0, 0, false};
    size_t nstale = 0;
    CK_RV rv;
    if (id == NULL || (blob == NULL && len)) return CKR_ARGUMENTS_BAD;
    if (priv && t->mk == NULL) return CKR_USER_NOT_LOGGED_IN;
    if (len > REC_BODY_MAX) return CKR_DEVICE_MEMORY;
    if ((rv = store_tok_begin_rec(t)) != CKR_OK) return rv;
    if (priv && t->mk == NULL) { /* re-initialized elsewhere: logged out */
        rv = CKR_USER_NOT_LOGGED_IN;
        goto out;
    }
    if ((rv = store_tok_index(t, &stale, &nstale, true)) != CKR_OK) goto out;
    if (*id == 0) {
        rv = store_new_id(t, &ref.id);
    } else {
        const struct store_rec_ref *cur = store_idx_find(t, *id);
        /* Destroyed by another process: do not resurrect it. */
        rv = cur == NULL ? CKR_OBJECT_HANDLE_INVALID : CKR_OK;
        if (cur != NULL) {
            old = *cur;
            ref.id = cur->id;
            ref.ver = cur->ver + 1;
        }
    }
    uint64_t gen = 0;
    /* The catalog learns of the write before any record file changes, so
     * that a writer killed in between leaves it ahead of the generation,
     * never current and wrong (catalog.h). */
    bool noted = rv == CKR_OK && keys != NULL;
    if (noted) cat_note_write(t, t->idx_gen + 1, &ref, keys);
    if (rv == CKR_OK) rv = store_rec_write(t, &ref, blob, len, &gen);
    if (rv != CKR_OK) {
        if (noted) cat_note_failed(t);
        goto out;
    }
    /* The new version is durable and announced: now the old ones can go.
     * If one cannot, the next write rescans and retries. */
    if (old.id != 0 && t->s->ops->blob_del(t->bt, &old) != CKR_OK) t->swept = t->idx_ok = false;
    store_del_stale(t, stale, nstale);
    store_idx_upsert(t, &ref);
    store_idx_bumped(t, gen);
    *id = ref.id;
out:
    store_tok_end(t);
    free(stale);
    return rv;
}

CK_RV
store_rec_del(struct store_tok *t, uint64_t id)
{
    struct store_rec_ref *stale = NULL, *cur;
    size_t nstale = 0;
    uint64_t gen;
    bool locked = false;
    CK_RV rv = store_tok_begin_rec(t);
    if (rv != CKR_OK) goto out;
    locked = true;
    if ((rv = store_tok_index(t, &stale, &nstale, true)) != CKR_OK) goto out;
    if (id == 0 || (cur = store_idx_find(t, id)) == NULL) goto out; /* already gone */
    cat_note_write(t, t->idx_gen + 1, cur, NULL);                   /* first, as in store_rec_put */
    /* Lower versions first: a crash must not leave an older version visible. */
    for (size_t i = 0; i < nstale && rv == CKR_OK; i++)
        if (stale[i].id == id) rv = t->s->ops->blob_del(t->bt, &stale[i]);
    if (rv == CKR_OK) rv = t->s->ops->blob_del(t->bt, cur);
    if (rv == CKR_OK) rv = t->s->ops->gen_bump(t->bt, &gen);
    if (rv == CKR_OK) {
        store_idx_remove(t, id);
        store_del_stale(t, stale, nstale);
        store_idx_bumped(t, gen);
    } else {
        cat_note_failed(t);
    }
out:
    if (locked) store_tok_end(t);
    free(stale);
    /* store.h promises only these; a full disk or short memory is a device error here. */
    if (rv != CKR_OK && rv != CKR_TOKEN_WRITE_PROTECTED) rv = CKR_DEVICE_ERROR;
    return rv;
}

CK_RV
store_tok_purge_inlock(struct store_tok *t)
{
    struct store_rec_ref *stale = NULL;
    size_t nstale = 0;
    CK_RV rv = store_tok_scan(t, &stale, &nstale);
    for (size_t i = 0; i < nstale && rv == CKR_OK; i++)
        rv = t->s->ops->blob_del(t->bt, &stale[i]);
    for (size_t i = 0; i < t->nidx && rv == CKR_OK; i++)
        rv = t->s->ops->blob_del(t->bt, &t->idx[i]);
    free(stale);
    if (rv == CKR_OK) t->nidx = 0;
    t->idx_ok = rv == CKR_OK;
    return rv;
}
