/*
 * catalog.c: a token's record catalog (catalog.h has the design and the
 * format; store.h the public calls).
 */
#include "store/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "mech/prim.h"
#include "store/store_int.h"
#include "util/boot.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

#define CAT_UNIT 48
#define CAT_MAGIC "CTCAT001"
#define CAT_PUT 1
#define CAT_DEL 2
#define CAT_F_PRIV 1u
#define CAT_F_LABEL 2u
#define CAT_F_ID 4u
#define CAT_F_UNTAGGED 8u
#define CAT_H_PRIV_TAGGED 1u

struct cat_ent {
    uint64_t id, ver, gen, label_tag, id_tag;
    uint8_t kind, flags;
};

struct cat {
    const struct store_backend_ops *ops;
    const uint8_t *buf;    /* the blob, mapped: header, base, deltas */
    size_t len;            /* mapped bytes */
    size_t units;          /* bytes in whole units */
    bool ok;               /* header and every delta parsed */
    uint64_t gen;          /* the generation the catalog ends at */
    uint32_t nbase, flags; /* base entries stay raw in buf, sorted by id */
    struct cat_ent *delta;
    size_t ndelta, capdelta;
    struct cat_ent *last; /* the last delta of each id, sorted by id */
    size_t nlast;
    bool last_ok;
};

static void cat_drop(struct cat *c);

void
cat_free(struct cat *c)
{
    if (c == NULL) return;
    cat_drop(c);
    free(c);
}

/* ---- encoding ---- */

static uint64_t
cat_check(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: catches torn appends, not attacks */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* The check of a delta: over every byte but its own four (4..7). */
static uint32_t
cat_ent_check(const uint8_t u[CAT_UNIT])
{
    return (uint32_t)(cat_check(u, 4) ^ cat_check(u + 8, CAT_UNIT - 8));
}

static void
cat_ent_encode(const struct cat_ent *e, uint8_t u[CAT_UNIT])
{
    memset(u, 0, CAT_UNIT);
    u[0] = e->kind;
    u[1] = e->flags;
    store_be64(u + 8, e->id);
    store_be64(u + 16, e->ver);
    store_be64(u + 24, e->gen);
    store_be64(u + 32, e->label_tag);
    store_be64(u + 40, e->id_tag);
    store_be32(u + 4, cat_ent_check(u));
}

/* Base entries come from a whole-file replace and are not checked one by
 * one (10,000 of them are read at every cold start); deltas are appended
 * in place, so a reader racing an append must not take half of one. */
static bool
cat_ent_decode(const uint8_t u[CAT_UNIT], bool checked, struct cat_ent *e)
{
    if (checked && load_be32(u + 4) != cat_ent_check(u)) return false;
    e->kind = u[0];
    e->flags = u[1];
    e->id = load_be64(u + 8);
    e->ver = load_be64(u + 16);
    e->gen = load_be64(u + 24);
    e->label_tag = load_be64(u + 32);
    e->id_tag = load_be64(u + 40);
    return (e->kind == CAT_PUT || e->kind == CAT_DEL) && e->id != 0;
}

static void
cat_hdr_encode(uint64_t gen, uint32_t nbase, uint32_t flags, uint8_t u[CAT_UNIT])
{
    memcpy(u, CAT_MAGIC, 8);
    if (!boot_id(u + 8)) memset(u + 8, 0, 16);
    store_be64(u + 24, gen);
    store_be32(u + 32, nbase);
    store_be32(u + 36, flags);
    store_be64(u + 40, cat_check(u, 40));
}

/* ---- tags ---- */

static CK_RV
cat_tag(const uint8_t *key, size_t keylen, CK_ATTRIBUTE_TYPE type, const void *val, size_t len,
        uint64_t *out)
{
    static const char what[] = "credtoken catalog tag";
    uint8_t info[sizeof what - 1 + 8 + 32], t[8];
    memcpy(info, what, sizeof what - 1);
    store_be64(info + sizeof what - 1, (uint64_t)type);
    CK_RV rv = prim_sha256(val, len, info + sizeof what - 1 + 8);
    if (rv == CKR_OK) rv = prim_hkdf_sha256(key, keylen, info, sizeof info, t, sizeof t);
    if (rv == CKR_OK) *out = load_be64(t);
    wipe(t, sizeof t);
    return rv;
}

/* The tag key of a record: the master key for private ones (NULL when
 * logged out), the header seed for public ones. */
static const uint8_t *
cat_key(const struct store_tok *t, bool priv, size_t *len)
{
    *len = priv ? HDR_KEY_LEN : sizeof t->h.seed;
    return priv ? t->mk : t->h.seed;
}

static CK_RV
cat_ent_tags(const struct store_tok *t, const struct store_rec_keys *k, struct cat_ent *e)
{
    size_t klen;
    const uint8_t *key = cat_key(t, e->flags & CAT_F_PRIV, &klen);
    CK_RV rv = CKR_OK;
    if (key == NULL) return CKR_USER_NOT_LOGGED_IN;
    if (k->has_label) {
        e->flags |= CAT_F_LABEL;
        rv = cat_tag(key, klen, CKA_LABEL, k->label, k->label_len, &e->label_tag);
    }
    if (rv == CKR_OK && k->has_id) {
        e->flags |= CAT_F_ID;
        rv = cat_tag(key, klen, CKA_ID, k->id, k->id_len, &e->id_tag);
    }
    return rv;
}

/* ---- the cached copy ---- */

static void
cat_drop(struct cat *c)
{
    const struct store_backend_ops *ops = c->ops;
    if (c->buf != NULL) ops->cat_unmap(c->buf, c->len);
    free(c->delta);
    free(c->last);
    memset(c, 0, sizeof *c);
    c->ops = ops;
}

/* Parse whole units of c->buf from byte off on (the header when off is 0). */
static bool
cat_parse(struct cat *c, size_t off)
{
    uint8_t now[16];
    if (off == 0) {
        const uint8_t *u = c->buf;
        if (c->units < CAT_UNIT || memcmp(u, CAT_MAGIC, 8) != 0 ||
            load_be64(u + 40) != cat_check(u, 40))
            return false;
        /* Appends of an earlier boot may have been lost with the page cache. */
        if (!boot_id(now) || memcmp(u + 8, now, sizeof now) != 0) return false;
        c->gen = load_be64(u + 24);
        c->nbase = load_be32(u + 32);
        c->flags = load_be32(u + 36);
        if (c->nbase > (c->units - CAT_UNIT) / CAT_UNIT) return false;
        /* Base entries are decoded when used: a cold start reads 10,000 of
         * them to look at one or two. */
        off = CAT_UNIT * (1 + (size_t)c->nbase);
    }
    for (; off + CAT_UNIT <= c->units; off += CAT_UNIT) {
        struct cat_ent e;
        if (!cat_ent_decode(c->buf + off, true, &e)) return false;
        if (c->ndelta == c->capdelta) {
            size_t nc = c->capdelta ? c->capdelta * 2 : 32;
            struct cat_ent *nv = reallocarray(c->delta, nc, sizeof *nv);
            if (nv == NULL) return false;
            c->delta = nv;
            c->capdelta = nc;
        }
        c->delta[c->ndelta++] = e;
        c->gen = e.gen;
    }
    c->last_ok = false;
    return true;
}

/* Map the blob afresh and parse it. Leaves c->ok false when there is no
 * usable catalog. */
static CK_RV
cat_load(struct store_tok *t)
{
    const struct store_backend_ops *ops = t->s->ops;
    if (ops->version < 2 || ops->cat_map == NULL) return CKR_FUNCTION_NOT_SUPPORTED;
    if (t->cat == NULL && (t->cat = calloc(1, sizeof *t->cat)) == NULL) return CKR_HOST_MEMORY;
    struct cat *c = t->cat;
    c->ops = ops;
    cat_drop(c);
    CK_RV rv = ops->cat_map(t->bt, &c->buf, &c->len);
    if (rv != CKR_OK) {
        c->buf = NULL;
        /* A cache that cannot be read is a cache that is not there. */
        return rv == CKR_HOST_MEMORY ? rv : CKR_FUNCTION_NOT_SUPPORTED;
    }
    c->units = c->len - c->len % CAT_UNIT; /* an append in progress: taken next time */
    c->ok = cat_parse(c, 0);
    if (!c->ok) cat_drop(c);
    return c->ok ? CKR_OK : CKR_FUNCTION_NOT_SUPPORTED;
}

static int
cat_ent_cmp(const void *a, const void *b)
{
    const struct cat_ent *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct cat_order {
    struct cat_ent e;
    size_t seq;
};

static int
cat_order_cmp(const void *a, const void *b)
{
    const struct cat_order *x = a, *y = b;
    if (x->e.id != y->e.id) return x->e.id < y->e.id ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The last delta of each id, sorted by id (built once per change). */
static CK_RV
cat_last(struct cat *c)
{
    if (c->last_ok) return CKR_OK;
    size_t n = c->ndelta ? c->ndelta : 1;
    struct cat_order *o = malloc(n * sizeof *o);
    struct cat_ent *v = malloc(n * sizeof *v);
    if (o == NULL || v == NULL) {
        free(o);
        free(v);
        return CKR_HOST_MEMORY;
    }
    for (size_t i = 0; i < c->ndelta; i++)
        o[i] = (struct cat_order){c->delta[i], i};
    qsort(o, c->ndelta, sizeof *o, cat_order_cmp);
    size_t m = 0;
    for (size_t i = 0; i < c->ndelta; i++)
        if (i + 1 == c->ndelta || o[i + 1].e.id != o[i].e.id) v[m++] = o[i].e;
    free(o);
    free(c->last);
    c->last = v;
    c->nlast = m;
    c->last_ok = true;
    return CKR_OK;
}

static const struct cat_ent *
cat_find(const struct cat_ent *v, size_t n, uint64_t id)
{
    struct cat_ent key = {.id = id};
    return bsearch(&key, v, n, sizeof *v, cat_ent_cmp);
}

static const uint8_t *
cat_base_unit(const struct cat *c, size_t i)
{
    return c->buf + CAT_UNIT * (1 + i);
}

/* Base entry i, decoded. */
static bool
cat_base_at(const struct cat *c, size_t i, struct cat_ent *e)
{
    return cat_ent_decode(cat_base_unit(c, i), false, e);
}

/* The base entry of id, by binary search over the raw units. */
static bool
cat_base_find(const struct cat *c, uint64_t id, struct cat_ent *e)
{
    size_t lo = 0, hi = c->nbase;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t v = load_be64(cat_base_unit(c, mid) + 8);
        if (v == id) return cat_base_at(c, mid, e);
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* A current catalog for gen, with its delta view ready. A copy that was
 * current at gen still is: appends move the generation, and a replace
 * under an unchanged generation says the same thing sorted. A copy that
 * was not current when read is dropped, never kept: one ahead of the store
 * (a write that failed after its entry) would pass for current once the
 * generation caught up with it. */
static CK_RV
cat_current(struct store_tok *t, uint64_t gen)
{
    if (t->cat != NULL && t->cat->ok && t->cat->gen == gen) return cat_last(t->cat);
    CK_RV rv = cat_load(t);
    if (rv != CKR_OK) return rv;
    if (t->cat->gen != gen) {
        cat_drop(t->cat);
        return CKR_FUNCTION_NOT_SUPPORTED;
    }
    return cat_last(t->cat);
}

/* The present entry of id: false when there is no such record. */
static bool
cat_present(const struct cat *c, uint64_t id, struct cat_ent *out)
{
    const struct cat_ent *e = cat_find(c->last, c->nlast, id);
    if (e != NULL)
        *out = *e;
    else if (!cat_base_find(c, id, out))
        return false;
    return out->kind == CAT_PUT;
}

/* ---- the store.h calls ---- */

static CK_RV
cat_gen(struct store_tok *t, uint64_t *gen)
{
    CK_RV rv = t->s->ops->gen_get(t->bt, gen);
    return rv == CKR_OK || rv == CKR_HOST_MEMORY ? rv : CKR_DEVICE_ERROR;
}

bool
store_cat_current(struct store_tok *t, bool want_priv)
{
    uint64_t gen;
    if (cat_gen(t, &gen) != CKR_OK || cat_current(t, gen) != CKR_OK) return false;
    return !want_priv || (t->cat->flags & CAT_H_PRIV_TAGGED);
}

static bool
cat_matches(const struct cat_ent *e, unsigned flag, uint64_t tag, uint64_t ptag, bool want_priv)
{
    if (e->kind != CAT_PUT || !(e->flags & flag)) return false;
    if (e->flags & CAT_F_PRIV) {
        if (!want_priv) return false;
        return (flag == CAT_F_LABEL ? e->label_tag : e->id_tag) == ptag;
    }
    return (flag == CAT_F_LABEL ? e->label_tag : e->id_tag) == tag;
}

static CK_RV
cat_push(struct store_rec_ref **v, size_t *n, size_t *cap, const struct cat_ent *e)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct store_rec_ref *nv = reallocarray(*v, nc, sizeof *nv);
        if (nv == NULL) return CKR_HOST_MEMORY;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (struct store_rec_ref){e->id, e->ver, (e->flags & CAT_F_PRIV) != 0};
    return CKR_OK;
}

CK_RV
store_rec_lookup(struct store_tok *t, CK_ATTRIBUTE_TYPE type, const void *val, size_t len,
                 bool want_priv, struct store_rec_ref **out, size_t *nout)
{
    uint64_t gen, tag = 0, ptag = 0;
    size_t klen, n = 0, cap = 0;
    struct store_rec_ref *v = NULL;
    unsigned flag = type == CKA_LABEL ? CAT_F_LABEL : CAT_F_ID;
    if (type != CKA_LABEL && type != CKA_ID) return CKR_FUNCTION_NOT_SUPPORTED;
    CK_RV rv = cat_gen(t, &gen);
    if (rv == CKR_OK) rv = store_tok_hdr_fresh(t, gen); /* a re-initialization changes the keys */
    if (rv == CKR_OK && want_priv && t->mk == NULL) return CKR_USER_NOT_LOGGED_IN;
    if (rv == CKR_OK) rv = cat_current(t, gen);
    if (rv != CKR_OK) return rv;
    const struct cat *c = t->cat;
    if (want_priv && !(c->flags & CAT_H_PRIV_TAGGED)) return CKR_FUNCTION_NOT_SUPPORTED;
    const uint8_t *k = cat_key(t, false, &klen);
    rv = cat_tag(k, klen, type, val, len, &tag);
    if (rv == CKR_OK && want_priv) {
        k = cat_key(t, true, &klen);
        rv = cat_tag(k, klen, type, val, len, &ptag);
    }
    /* The raw tag field of each base unit first: one load per entry. */
    size_t tag_off = flag == CAT_F_LABEL ? 32 : 40;
    for (uint32_t i = 0; rv == CKR_OK && i < c->nbase; i++) {
        uint64_t got = load_be64(cat_base_unit(c, i) + tag_off);
        struct cat_ent e;
        if ((got != tag && got != ptag) || !cat_base_at(c, i, &e)) continue;
        if (cat_matches(&e, flag, tag, ptag, want_priv) &&
            cat_find(c->last, c->nlast, e.id) == NULL)
            rv = cat_push(&v, &n, &cap, &e);
    }
    for (size_t i = 0; rv == CKR_OK && i < c->nlast; i++)
        if (cat_matches(&c->last[i], flag, tag, ptag, want_priv))
            rv = cat_push(&v, &n, &cap, &c->last[i]);
    if (rv != CKR_OK) {
        free(v);
        return rv;
    }
    *out = v;
    *nout = n;
    return CKR_OK;
}

CK_RV
store_rec_current(struct store_tok *t, uint64_t id, struct store_rec_ref *ref)
{
    uint64_t gen;
    CK_RV rv = cat_gen(t, &gen);
    if (rv == CKR_OK) rv = store_tok_hdr_fresh(t, gen);
    if (rv == CKR_OK) rv = cat_current(t, gen);
    if (rv != CKR_OK) return rv;
    struct cat_ent e;
    if (!cat_present(t->cat, id, &e)) return CKR_OBJECT_HANDLE_INVALID;
    *ref = (struct store_rec_ref){e.id, e.ver, (e.flags & CAT_F_PRIV) != 0};
    return CKR_OK;
}

/* ---- writing ---- */

/* Replace the blob with header + base (writer lock held). */
static CK_RV
cat_write(struct store_tok *t, uint64_t gen, const struct cat_ent *base, size_t n, uint32_t flags)
{
    const struct store_backend_ops *ops = t->s->ops;
    if (ops->version < 2 || ops->cat_replace == NULL) return CKR_FUNCTION_NOT_SUPPORTED;
    if (n > UINT32_MAX) return CKR_DEVICE_MEMORY;
    size_t len = CAT_UNIT * (1 + n);
    uint8_t *p = malloc(len);
    if (p == NULL) return CKR_HOST_MEMORY;
    cat_hdr_encode(gen, (uint32_t)n, flags, p);
    for (size_t i = 0; i < n; i++) {
        struct cat_ent e = base[i];
        e.gen = gen;
        cat_ent_encode(&e, p + CAT_UNIT * (1 + i));
    }
    CK_RV rv = ops->cat_replace(t->bt, p, len);
    free(p);
    if (t->cat != NULL) cat_drop(t->cat); /* mapped afresh on next use */
    return rv;
}

void
cat_note_failed(struct store_tok *t)
{
    cat_reset(t, 0);
}

void
cat_reset(struct store_tok *t, uint64_t gen)
{
    CK_RV rv = cat_write(t, gen, NULL, 0, CAT_H_PRIV_TAGGED);
    if (rv != CKR_OK && rv != CKR_FUNCTION_NOT_SUPPORTED) log_debug("catalog: reset: 0x%lx", rv);
}

/* Fold the deltas into a new sorted base (writer lock held). */
static CK_RV
cat_compact(struct store_tok *t)
{
    struct cat *c = t->cat;
    CK_RV rv = cat_last(c);
    if (rv != CKR_OK) return rv;
    struct cat_ent *v = malloc(((size_t)c->nbase + c->nlast + 1) * sizeof *v);
    if (v == NULL) return CKR_HOST_MEMORY;
    size_t n = 0, i = 0, j = 0;
    struct cat_ent b;
    bool have_b = c->nbase > 0 && cat_base_at(c, 0, &b);
    while (have_b || j < c->nlast) {
        struct cat_ent e;
        if (j == c->nlast || (have_b && b.id < c->last[j].id)) {
            e = b;
            have_b = ++i < c->nbase && cat_base_at(c, i, &b);
        } else {
            if (have_b && b.id == c->last[j].id) /* superseded */
                have_b = ++i < c->nbase && cat_base_at(c, i, &b);
            e = c->last[j++];
        }
        if (e.kind == CAT_PUT) v[n++] = e;
    }
    rv = cat_write(t, c->gen, v, n, c->flags);
    free(v);
    return rv;
}

void
cat_note_write(struct store_tok *t, uint64_t gen, const struct store_rec_ref *ref,
               const struct store_rec_keys *keys)
{
    const struct store_backend_ops *ops = t->s->ops;
    struct cat_ent e = {.id = ref->id, .ver = ref->ver, .gen = gen};
    uint8_t u[CAT_UNIT];
    CK_RV rv = CKR_OK;
    if (t->cat == NULL || !t->cat->ok || t->cat->gen + 1 != gen) rv = cat_load(t);
    if (rv == CKR_OK && t->cat->gen + 1 != gen && t->cat->gen < gen) {
        cat_drop(t->cat); /* behind: not kept (see cat_current) */
        goto out;
    }
    if (rv == CKR_OK && t->cat->gen >= gen) {
        /* Ahead of the store: a writer died (or failed) between its entry
         * and its generation bump. Once the generation reaches it, that
         * catalog would pass for current without this write: retire it
         * (generation 0 is never the store's), and a full load rebuilds. */
        cat_reset(t, 0);
        goto out;
    }
    if (rv != CKR_OK || t->cat->gen + 1 != gen) goto out; /* stale before us */
    rv = CKR_FUNCTION_NOT_SUPPORTED;
    if (ops->cat_append == NULL) goto out;
    e.kind = CAT_DEL;
    if (keys != NULL) {
        e.kind = CAT_PUT;
        e.flags = ref->priv ? CAT_F_PRIV : 0;
        if ((rv = cat_ent_tags(t, keys, &e)) != CKR_OK) goto out;
    }
    cat_ent_encode(&e, u);
    if ((rv = ops->cat_append(t->bt, u, sizeof u)) != CKR_OK) goto out;
    /* Known without reading it back: the copy stays current. */
    struct cat *c = t->cat;
    if (c->ndelta == c->capdelta) {
        size_t nc = c->capdelta ? c->capdelta * 2 : 32;
        struct cat_ent *nv = reallocarray(c->delta, nc, sizeof *nv);
        if (nv == NULL) {
            cat_drop(c);
            rv = CKR_HOST_MEMORY;
            goto out;
        }
        c->delta = nv;
        c->capdelta = nc;
    }
    c->delta[c->ndelta++] = e;
    c->gen = gen;
    c->last_ok = false;
    if (c->ndelta > 128 + c->nbase / 64) rv = cat_compact(t);
out:
    if (rv != CKR_OK) log_debug("catalog: not updated (0x%lx); it is rebuilt later", rv);
}

static int
cat_item_cmp(const void *a, const void *b)
{
    const struct store_cat_item *x = *(const struct store_cat_item *const *)a;
    const struct store_cat_item *y = *(const struct store_cat_item *const *)b;
    return x->ref.id < y->ref.id ? -1 : x->ref.id > y->ref.id;
}

CK_RV
store_cat_rebuild(struct store_tok *t, uint64_t gen, const struct store_cat_item *items, size_t n)
{
    const struct store_backend_ops *ops = t->s->ops;
    uint64_t now;
    if (ops->version < 2 || ops->cat_replace == NULL) return CKR_FUNCTION_NOT_SUPPORTED;
    CK_RV rv = store_tok_begin_rec(t);
    if (rv != CKR_OK) return rv;
    struct cat_ent *v = NULL;
    struct store_rec_ref *refs = NULL;
    const struct store_cat_item **by_id = NULL;
    size_t nrefs = 0;
    uint32_t flags = CAT_H_PRIV_TAGGED;
    /* Only if nothing changed since the caller's view was taken. */
    if ((rv = cat_gen(t, &now)) != CKR_OK) goto out;
    rv = CKR_FUNCTION_FAILED;
    if (now != gen) goto out;
    if ((rv = store_rec_list(t, &refs, &nrefs)) != CKR_OK) goto out;
    rv = CKR_DEVICE_MEMORY; /* more records than a catalog can list: do without */
    if ((uint64_t)(nrefs + 1) * CAT_UNIT > STORE_BLOB_MAX) goto out;
    v = calloc(nrefs ? nrefs : 1, sizeof *v);
    by_id = malloc((n ? n : 1) * sizeof *by_id);
    rv = CKR_HOST_MEMORY;
    if (v == NULL || by_id == NULL) goto out;
    for (size_t i = 0; i < n; i++)
        by_id[i] = &items[i];
    qsort(by_id, n, sizeof *by_id, cat_item_cmp);
    for (size_t i = 0; i < nrefs; i++) {
        struct store_cat_item key = {.ref = refs[i]};
        const struct store_cat_item *kp = &key, *const * hit;
        hit = bsearch(&kp, by_id, n, sizeof *by_id, cat_item_cmp);
        v[i] = (struct cat_ent){.kind = CAT_PUT, .id = refs[i].id, .ver = refs[i].ver};
        v[i].flags = refs[i].priv ? CAT_F_PRIV : 0;
        rv = CKR_FUNCTION_FAILED;
        if (hit != NULL && (*hit)->ref.ver != refs[i].ver) goto out; /* the caller's copy is old */
        if (hit == NULL && !refs[i].priv) goto out;                  /* a public record unseen */
        if (hit == NULL) {
            v[i].flags |= CAT_F_UNTAGGED;
            flags &= ~CAT_H_PRIV_TAGGED;
            continue;
        }
        if ((rv = cat_ent_tags(t, &(*hit)->keys, &v[i])) != CKR_OK) goto out;
    }
    rv = cat_write(t, gen, v, nrefs, flags);
out:
    store_tok_end(t);
    free(by_id);
    free(refs);
    free(v);
    return rv;
}
