#include "core/objindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct objindex_entry {
    uint64_t hash;
    struct object *o;
};

struct objindex {
    unsigned long version; /* lib->objs_version it was built at */
    struct objindex_entry *e;
    size_t n;
    struct object **cand; /* scratch for lookups */
    size_t ncand_cap;
};

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
objindex_cmp(const void *a, const void *b)
{
    const struct objindex_entry *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->o->handle < y->o->handle ? -1 : x->o->handle > y->o->handle;
}

void
objindex_free(struct objindex *x)
{
    if (x == NULL) return;
    free(x->e);
    free(x->cand);
    free(x);
}

static CK_RV
objindex_build(struct library *lib, struct objindex *x)
{
    static const CK_ATTRIBUTE_TYPE keyed[] = {CKA_LABEL, CKA_ID};
    struct objindex_entry *e = malloc((2 * lib->nobj + 1) * sizeof *e);
    if (e == NULL) return CKR_HOST_MEMORY;
    size_t n = 0;
    for (size_t i = 0; i < lib->nobj; i++) {
        struct object *o = lib->objs[i];
        for (size_t k = 0; k < 2; k++) {
            const struct attr *a = attr_set_find(o->attrs, keyed[k]);
            if (a == NULL) continue;
            e[n++] = (struct objindex_entry){objindex_hash(o->tok, keyed[k], a->val, a->len), o};
        }
    }
    qsort(e, n, sizeof *e, objindex_cmp);
    free(x->e);
    x->e = e;
    x->n = n;
    x->version = lib->objs_version;
    return CKR_OK;
}

CK_RV
objindex_lookup(struct library *lib, const struct token *tok, CK_ATTRIBUTE_TYPE type,
                const void *val, CK_ULONG len, struct object *const **out, size_t *n)
{
    struct objindex *x = lib->index;
    if (x == NULL) {
        if ((x = calloc(1, sizeof *x)) == NULL) return CKR_HOST_MEMORY;
        x->version = lib->objs_version - 1; /* never built */
        lib->index = x;
    }
    if (x->version != lib->objs_version || x->e == NULL) {
        CK_RV rv = objindex_build(lib, x);
        if (rv != CKR_OK) return rv;
    }
    uint64_t h = objindex_hash(tok, type, val, len);
    size_t lo = 0, hi = x->n;
    while (lo < hi) { /* first entry with hash >= h */
        size_t mid = lo + (hi - lo) / 2;
        if (x->e[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < x->n && x->e[end].hash == h)
        end++;
    if (end - lo > x->ncand_cap) {
        struct object **c = realloc(x->cand, (end - lo) * sizeof *c);
        if (c == NULL) return CKR_HOST_MEMORY;
        x->cand = c;
        x->ncand_cap = end - lo;
    }
    for (size_t i = lo; i < end; i++)
        x->cand[i - lo] = x->e[i].o;
    *out = x->cand;
    *n = end - lo;
    return CKR_OK;
}
