#include "core/objindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct objindex_node {
    uint64_t hash;
    struct object *o;
    struct objindex_node *next;
};

struct objindex {
    struct objindex_node **b; /* nb buckets, a power of two */
    size_t nb, n;
    bool broken;          /* an insertion failed: rebuild before trusting it */
    struct object **cand; /* scratch for lookups */
    size_t ncand_cap;
};

static const CK_ATTRIBUTE_TYPE objindex_keyed[OBJECT_IX_MAX] = {CKA_LABEL, CKA_ID};

/* FNV-1a over (token, type, value): not secret (labels and IDs of visible
 * objects are readable), only a bucket key. */
static uint64_t
objindex_hash(const struct token *tok, CK_ATTRIBUTE_TYPE type, const void *val, CK_ULONG len)
{
    uint64_t h = 1469598103934665603ull;
    const unsigned char *p = val;
    uintptr_t t = (uintptr_t)tok;
    for (size_t i = 0; i < sizeof t; i++)
        h = (h ^ ((t >> (8 * i)) & 0xff)) * 1099511628211ull;
    h = (h ^ (unsigned char)type) * 1099511628211ull;
    for (CK_ULONG i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int
objindex_handle_cmp(const void *a, const void *b)
{
    const struct object *x = *(struct object *const *)a, *y = *(struct object *const *)b;
    return x->handle < y->handle ? -1 : x->handle > y->handle;
}

static void
objindex_clear(struct objindex *x)
{
    for (size_t i = 0; i < x->nb; i++) {
        for (struct objindex_node *e = x->b[i], *next; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
        x->b[i] = NULL;
    }
    x->n = 0;
}

void
objindex_free(struct objindex *x)
{
    if (x == NULL) return;
    objindex_clear(x);
    free(x->b);
    free(x->cand);
    free(x);
}

static struct objindex *
objindex_get(struct library *lib)
{
    if (lib->index == NULL) lib->index = calloc(1, sizeof *lib->index);
    return lib->index;
}

/* Double the buckets when there are more entries than buckets. */
static bool
objindex_grow(struct objindex *x)
{
    if (x->n < x->nb) return true;
    size_t nb = x->nb ? x->nb * 2 : 256;
    struct objindex_node **b = calloc(nb, sizeof *b);
    if (b == NULL) return false;
    for (size_t i = 0; i < x->nb; i++) {
        for (struct objindex_node *e = x->b[i], *next; e != NULL; e = next) {
            next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    }
    free(x->b);
    x->b = b;
    x->nb = nb;
    return true;
}

static bool
objindex_insert(struct objindex *x, struct object *o)
{
    o->ix_n = 0;
    for (size_t k = 0; k < OBJECT_IX_MAX; k++) {
        const struct attr *a = attr_set_find(o->attrs, objindex_keyed[k]);
        if (a == NULL) continue;
        struct objindex_node *e = malloc(sizeof *e);
        if (e == NULL || !objindex_grow(x)) {
            free(e);
            return false;
        }
        e->hash = objindex_hash(o->tok, objindex_keyed[k], a->val, a->len);
        e->o = o;
        e->next = x->b[e->hash & (x->nb - 1)];
        x->b[e->hash & (x->nb - 1)] = e;
        x->n++;
        o->ix_hash[o->ix_n++] = e->hash;
    }
    return true;
}

void
objindex_add(struct library *lib, struct object *o)
{
    struct objindex *x = objindex_get(lib);
    if (x == NULL || x->broken) return;
    if (!objindex_insert(x, o)) x->broken = true;
}

void
objindex_remove(struct library *lib, struct object *o)
{
    struct objindex *x = lib->index;
    if (x == NULL || x->broken || x->nb == 0) return;
    for (size_t k = 0; k < o->ix_n; k++) {
        struct objindex_node **pp = &x->b[o->ix_hash[k] & (x->nb - 1)];
        while (*pp != NULL && (*pp)->o != o)
            pp = &(*pp)->next;
        if (*pp == NULL) continue;
        struct objindex_node *e = *pp;
        *pp = e->next;
        free(e);
        x->n--;
    }
    o->ix_n = 0;
}

/* After a failed insertion: index every object afresh. */
static CK_RV
objindex_rebuild(struct library *lib, struct objindex *x)
{
    objindex_clear(x);
    x->broken = false;
    for (size_t i = 0; i < lib->nobj; i++) {
        if (!objindex_insert(x, lib->objs[i])) {
            x->broken = true;
            return CKR_HOST_MEMORY;
        }
    }
    return CKR_OK;
}

CK_RV
objindex_lookup(struct library *lib, const struct token *tok, CK_ATTRIBUTE_TYPE type,
                const void *val, CK_ULONG len, struct object *const **out, size_t *n)
{
    struct objindex *x = objindex_get(lib);
    if (x == NULL) return CKR_HOST_MEMORY;
    if (x->broken && objindex_rebuild(lib, x) != CKR_OK) return CKR_HOST_MEMORY;
    *out = x->cand;
    *n = 0;
    if (x->nb == 0) return CKR_OK;
    uint64_t h = objindex_hash(tok, type, val, len);
    size_t cnt = 0;
    for (const struct objindex_node *e = x->b[h & (x->nb - 1)]; e != NULL; e = e->next) {
        if (e->hash != h || e->o->tok != tok) continue;
        if (cnt == x->ncand_cap) {
            size_t cap = x->ncand_cap ? x->ncand_cap * 2 : 16;
            struct object **c = realloc(x->cand, cap * sizeof *c);
            if (c == NULL) return CKR_HOST_MEMORY;
            x->cand = c;
            x->ncand_cap = cap;
        }
        x->cand[cnt++] = e->o;
    }
    /* Handle order, as a scan of the object table would give. */
    if (cnt > 1) qsort(x->cand, cnt, sizeof *x->cand, objindex_handle_cmp);
    *out = x->cand;
    *n = cnt;
    return CKR_OK;
}
