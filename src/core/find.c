#include "core/find.h"

#include <stdlib.h>

#include "core/library.h"
#include "core/objindex.h"
#include "core/schema.h"

struct find {
    CK_OBJECT_HANDLE *h;
    size_t n;
    size_t pos;
};

/* A template naming a secret attribute's value never matches: comparing
 * against it would let a caller test guesses of a sensitive value. */
static bool
find_matches(const struct object *o, const struct attr_set *tmpl)
{
    for (size_t i = 0; i < attr_set_count(tmpl); i++)
        if (schema_is_secret(o->attrs, attr_set_at(tmpl, i)->type)) return false;
    return attr_set_match(o->attrs, tmpl);
}

/* The objects worth matching: the index's candidates when the template
 * names a label or an ID, else every object. */
static void
find_candidates(struct library *lib, const struct session *s, const struct attr_set *tmpl,
                struct object *const **cand, size_t *n)
{
    static const CK_ATTRIBUTE_TYPE keyed[] = {CKA_LABEL, CKA_ID};
    for (size_t k = 0; tmpl != NULL && k < 2; k++) {
        const struct attr *a = attr_set_find(tmpl, keyed[k]);
        if (a != NULL && objindex_lookup(lib, s->tok, keyed[k], a->val, a->len, cand, n) == CKR_OK)
            return;
    }
    *cand = s->tok->objs; /* every object the session can see is its token's */
    *n = s->tok->nobjs;
}

/* Load what the find needs: by label or ID, only the catalog's candidates
 * while the token is not fully loaded (the loaded objects are brought up to
 * date with the catalog first, so none matches by a stale label); else
 * every record. */
static CK_RV
find_load(struct session *s, const struct attr_set *tmpl)
{
    static const CK_ATTRIBUTE_TYPE keyed[] = {CKA_LABEL, CKA_ID};
    bool want_priv = s->tok->user == CKU_USER;
    for (size_t k = 0; tmpl != NULL && k < 2 && !token_complete(s->tok, want_priv); k++) {
        const struct attr *a = attr_set_find(tmpl, keyed[k]);
        if (a == NULL) continue;
        CK_RV rv = token_load_keyed_inlock(s->tok, keyed[k], a->val, a->len);
        if (rv != CKR_FUNCTION_NOT_SUPPORTED) return rv;
        break;
    }
    return token_sync_inlock(s->tok);
}

CK_RV
find_init_take(struct library *lib, struct session *s, struct attr_set *tmpl, struct find **out)
{
    CK_RV rv = find_load(s, tmpl);
    struct find *f = NULL;
    struct object *const *cand = NULL;
    size_t ncand = 0;
    if (rv != CKR_OK) goto out;
    find_candidates(lib, s, tmpl, &cand, &ncand);
    f = calloc(1, sizeof *f);
    if (f == NULL || (ncand && (f->h = malloc(ncand * sizeof *f->h)) == NULL)) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    for (size_t i = 0; i < ncand; i++) {
        const struct object *o = cand[i];
        if (tmpl != NULL && library_obj_visible(s, o) && find_matches(o, tmpl))
            f->h[f->n++] = o->handle;
    }
    *out = f;
    f = NULL;
out:
    find_free(f);
    attr_set_free(tmpl);
    return rv;
}

void
find_next(struct library *lib, struct session *s, struct find *f, CK_OBJECT_HANDLE *out,
          CK_ULONG max, CK_ULONG *count_out)
{
    CK_ULONG got = 0;
    while (got < max && f->pos < f->n) {
        CK_OBJECT_HANDLE h = f->h[f->pos++];
        if (library_obj_lookup(lib, s, h) != NULL) out[got++] = h;
    }
    *count_out = got;
}

void
find_free(struct find *f)
{
    if (f == NULL) return;
    free(f->h);
    free(f);
}
