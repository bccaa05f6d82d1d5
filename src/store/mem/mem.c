#include "store/mem/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/wipe.h"

struct mem_blob {
    struct store_rec_ref ref;
    uint8_t *p;
    size_t n;
};

struct mem_tok {
    char name[STORE_NAME_LEN + 1];
    uint8_t *hdr;
    size_t hlen;
    uint64_t gen;
    bool locked;
    bool removed; /* kept allocated so open handles stay valid */
    struct mem_blob *blobs;
    size_t nblob;
};

struct mem_root {
    char *name;
    struct mem_tok **toks;
    size_t ntok;
    uint64_t seq;
    bool locked;
    bool ro;
    CK_RV fail;
    struct mem_root *next;
};

struct store_backend {
    struct mem_root *r;
};

struct store_btok {
    struct mem_root *r;
    struct mem_tok *t;
};

static struct mem_root *mem_roots;

static struct mem_root *
mem_root_find(const char *name)
{
    for (struct mem_root *r = mem_roots; r != NULL; r = r->next)
        if (strcmp(r->name, name) == 0) return r;
    return NULL;
}

static struct mem_root *
mem_root_get(const char *name)
{
    struct mem_root *r = mem_root_find(name);
    if (r != NULL) return r;
    if ((r = calloc(1, sizeof *r)) == NULL) return NULL;
    if ((r->name = strdup(name)) == NULL) {
        free(r);
        return NULL;
    }
    r->fail = CKR_OK;
    r->next = mem_roots;
    mem_roots = r;
    return r;
}

static void
mem_tok_free(struct mem_tok *t)
{
    if (t == NULL) return;
    for (size_t i = 0; i < t->nblob; i++)
        wipe_free(t->blobs[i].p, t->blobs[i].n);
    free(t->blobs);
    wipe_free(t->hdr, t->hlen);
    free(t);
}

void
store_mem_purge(const char *root)
{
    for (struct mem_root **pp = &mem_roots; *pp != NULL; pp = &(*pp)->next) {
        struct mem_root *r = *pp;
        if (strcmp(r->name, root) != 0) continue;
        *pp = r->next;
        for (size_t i = 0; i < r->ntok; i++)
            mem_tok_free(r->toks[i]);
        free(r->toks);
        free(r->name);
        free(r);
        return;
    }
}

CK_RV
store_mem_set_readonly(const char *root, bool ro)
{
    struct mem_root *r = mem_root_get(root);
    if (r == NULL) return CKR_HOST_MEMORY;
    r->ro = ro;
    return CKR_OK;
}

CK_RV
store_mem_fail_writes(const char *root, CK_RV rv)
{
    struct mem_root *r = mem_root_get(root);
    if (r == NULL) return CKR_HOST_MEMORY;
    r->fail = rv;
    return CKR_OK;
}

static CK_RV
mem_write_check(const struct mem_root *r)
{
    if (r->ro) return CKR_TOKEN_WRITE_PROTECTED;
    return r->fail;
}

static CK_RV
mem_dup(const uint8_t *p, size_t n, uint8_t **out)
{
    uint8_t *q = malloc(n ? n : 1);
    if (q == NULL) return CKR_HOST_MEMORY;
    if (n) memcpy(q, p, n);
    *out = q;
    return CKR_OK;
}

static CK_RV
mem_open(const char *root, struct store_backend **out)
{
    if (root == NULL || root[0] == '\0') {
        log_err("memory store: empty root name");
        return CKR_GENERAL_ERROR;
    }
    struct store_backend *b = calloc(1, sizeof *b);
    if (b == NULL) return CKR_HOST_MEMORY;
    if ((b->r = mem_root_get(root)) == NULL) {
        free(b);
        return CKR_HOST_MEMORY;
    }
    *out = b;
    return CKR_OK;
}

static void
mem_close(struct store_backend *b)
{
    if (b == NULL) return;
    free(b);
}

static bool
mem_writable(struct store_backend *b, struct store_btok *t)
{
    (void)t;
    return !b->r->ro;
}

static CK_RV
mem_seq_get(struct store_backend *b, uint64_t *next)
{
    *next = b->r->seq;
    return CKR_OK;
}

static CK_RV
mem_seq_put(struct store_backend *b, uint64_t next)
{
    CK_RV rv = mem_write_check(b->r);
    if (rv == CKR_OK) b->r->seq = next;
    return rv;
}

static CK_RV
mem_tok_list(struct store_backend *b, struct store_tok_name **names, size_t *n)
{
    struct mem_root *r = b->r;
    struct store_tok_name *v = calloc(r->ntok ? r->ntok : 1, sizeof *v);
    size_t cnt = 0;
    if (v == NULL) return CKR_HOST_MEMORY;
    for (size_t i = 0; i < r->ntok; i++)
        if (!r->toks[i]->removed) memcpy(v[cnt++].s, r->toks[i]->name, sizeof v->s);
    *names = v;
    *n = cnt;
    return CKR_OK;
}

static struct mem_tok *
mem_tok_find(struct mem_root *r, const char *name)
{
    for (size_t i = 0; i < r->ntok; i++)
        if (!r->toks[i]->removed && strcmp(r->toks[i]->name, name) == 0) return r->toks[i];
    return NULL;
}

static CK_RV
mem_tok_open(struct store_backend *b, const char *name, struct store_btok **out)
{
    struct mem_tok *mt = mem_tok_find(b->r, name);
    if (mt == NULL) {
        log_err("memory store %s: no token %s", b->r->name, name);
        return CKR_DEVICE_ERROR;
    }
    struct store_btok *t = calloc(1, sizeof *t);
    if (t == NULL) return CKR_HOST_MEMORY;
    t->r = b->r;
    t->t = mt;
    *out = t;
    return CKR_OK;
}

static void
mem_tok_close(struct store_btok *t)
{
    free(t);
}

static CK_RV
mem_tok_create(struct store_backend *b, const char *name, const uint8_t *hdr, size_t hlen,
               uint64_t gen, struct store_btok **out)
{
    struct mem_root *r = b->r;
    struct mem_tok *mt = NULL;
    CK_RV rv = mem_write_check(r);
    if (rv != CKR_OK) return rv;
    if (strlen(name) != STORE_NAME_LEN || mem_tok_find(r, name) != NULL) return CKR_DEVICE_ERROR;
    rv = CKR_HOST_MEMORY;
    struct mem_tok **nv = reallocarray(r->toks, r->ntok + 1, sizeof *nv);
    if (nv == NULL) goto out;
    r->toks = nv;
    if ((mt = calloc(1, sizeof *mt)) == NULL) goto out;
    if ((rv = mem_dup(hdr, hlen, &mt->hdr)) != CKR_OK) goto out;
    mt->hlen = hlen;
    mt->gen = gen;
    memcpy(mt->name, name, STORE_NAME_LEN + 1);
    r->toks[r->ntok++] = mt;
    mt = NULL;
    rv = mem_tok_open(b, name, out);
out:
    mem_tok_free(mt);
    return rv;
}

static CK_RV
mem_tok_remove(struct store_backend *b, struct store_btok *t)
{
    CK_RV rv = mem_write_check(b->r);
    if (rv != CKR_OK) return rv;
    t->t->removed = true;
    return CKR_OK;
}

static void
mem_describe(struct store_btok *t, const struct store_rec_ref *ref, char *buf, size_t len)
{
    if (ref == NULL)
        snprintf(buf, len, "mem:%s/%s/header", t->r->name, t->t->name);
    else
        snprintf(buf, len, "mem:%s/%s/%016llx-%016llx.%s", t->r->name, t->t->name,
                 (unsigned long long)ref->id, (unsigned long long)ref->ver,
                 ref->priv ? "prv" : "pub");
}

static CK_RV
mem_lock(struct store_backend *b, struct store_btok *t)
{
    bool *held = t != NULL ? &t->t->locked : &b->r->locked;
    if (*held) {
        log_err("memory store %s: lock already held (a real store would deadlock)", b->r->name);
        return CKR_DEVICE_ERROR;
    }
    *held = true;
    return CKR_OK;
}

static void
mem_unlock(struct store_backend *b, struct store_btok *t)
{
    if (t != NULL)
        t->t->locked = false;
    else
        b->r->locked = false;
}

static CK_RV
mem_live(const struct store_btok *t)
{
    return t->t->removed ? CKR_DEVICE_ERROR : CKR_OK;
}

static CK_RV
mem_hdr_get(struct store_btok *t, uint8_t **p, size_t *n)
{
    CK_RV rv = mem_live(t);
    if (rv == CKR_OK) rv = mem_dup(t->t->hdr, t->t->hlen, p);
    if (rv == CKR_OK) *n = t->t->hlen;
    return rv;
}

static CK_RV
mem_hdr_put(struct store_btok *t, const uint8_t *p, size_t n)
{
    uint8_t *q;
    CK_RV rv = mem_live(t);
    if (rv == CKR_OK) rv = mem_write_check(t->r);
    if (rv == CKR_OK) rv = mem_dup(p, n, &q);
    if (rv != CKR_OK) return rv;
    wipe_free(t->t->hdr, t->t->hlen);
    t->t->hdr = q;
    t->t->hlen = n;
    return CKR_OK;
}

static CK_RV
mem_gen_get(struct store_btok *t, uint64_t *gen)
{
    CK_RV rv = mem_live(t);
    if (rv == CKR_OK) *gen = t->t->gen;
    return rv;
}

static CK_RV
mem_gen_bump(struct store_btok *t, uint64_t *gen)
{
    CK_RV rv = mem_live(t);
    if (rv == CKR_OK) rv = mem_write_check(t->r);
    if (rv == CKR_OK) *gen = ++t->t->gen;
    return rv;
}

static CK_RV
mem_blob_list(struct store_btok *t, struct store_rec_ref **refs, size_t *n)
{
    CK_RV rv = mem_live(t);
    if (rv != CKR_OK) return rv;
    struct store_rec_ref *v = calloc(t->t->nblob ? t->t->nblob : 1, sizeof *v);
    if (v == NULL) return CKR_HOST_MEMORY;
    for (size_t i = 0; i < t->t->nblob; i++)
        v[i] = t->t->blobs[i].ref;
    *refs = v;
    *n = t->t->nblob;
    return CKR_OK;
}

static struct mem_blob *
mem_blob_find(struct mem_tok *mt, const struct store_rec_ref *ref)
{
    for (size_t i = 0; i < mt->nblob; i++) {
        struct store_rec_ref *r = &mt->blobs[i].ref;
        if (r->id == ref->id && r->ver == ref->ver && r->priv == ref->priv) return &mt->blobs[i];
    }
    return NULL;
}

static CK_RV
mem_blob_get(struct store_btok *t, const struct store_rec_ref *ref, uint8_t **p, size_t *n)
{
    CK_RV rv = mem_live(t);
    if (rv != CKR_OK) return rv;
    struct mem_blob *mb = mem_blob_find(t->t, ref);
    if (mb == NULL) return CKR_OBJECT_HANDLE_INVALID;
    if ((rv = mem_dup(mb->p, mb->n, p)) == CKR_OK) *n = mb->n;
    return rv;
}

static CK_RV
mem_blob_put(struct store_btok *t, const struct store_rec_ref *ref, const uint8_t *p, size_t n)
{
    uint8_t *q;
    CK_RV rv = mem_live(t);
    if (rv == CKR_OK) rv = mem_write_check(t->r);
    if (rv == CKR_OK) rv = mem_dup(p, n, &q);
    if (rv != CKR_OK) return rv;
    struct mem_blob *mb = mem_blob_find(t->t, ref);
    if (mb == NULL) {
        struct mem_blob *nv = reallocarray(t->t->blobs, t->t->nblob + 1, sizeof *nv);
        if (nv == NULL) {
            free(q);
            return CKR_HOST_MEMORY;
        }
        t->t->blobs = nv;
        mb = &nv[t->t->nblob++];
        mb->ref = *ref;
        mb->p = NULL;
        mb->n = 0;
    }
    wipe_free(mb->p, mb->n);
    mb->p = q;
    mb->n = n;
    return CKR_OK;
}

static CK_RV
mem_blob_del(struct store_btok *t, const struct store_rec_ref *ref)
{
    CK_RV rv = mem_live(t);
    if (rv == CKR_OK) rv = mem_write_check(t->r);
    if (rv != CKR_OK) return rv;
    struct mem_blob *mb = mem_blob_find(t->t, ref);
    if (mb == NULL) return CKR_OK;
    wipe_free(mb->p, mb->n);
    *mb = t->t->blobs[--t->t->nblob];
    return CKR_OK;
}

static const struct store_backend_ops mem_ops = {
    .version = STORE_BACKEND_VERSION,
    .name = "mem",
    .open = mem_open,
    .close = mem_close,
    .writable = mem_writable,
    .seq_get = mem_seq_get,
    .seq_put = mem_seq_put,
    .tok_list = mem_tok_list,
    .tok_open = mem_tok_open,
    .tok_close = mem_tok_close,
    .tok_create = mem_tok_create,
    .tok_remove = mem_tok_remove,
    .describe = mem_describe,
    .lock = mem_lock,
    .unlock = mem_unlock,
    .hdr_get = mem_hdr_get,
    .hdr_put = mem_hdr_put,
    .gen_get = mem_gen_get,
    .gen_bump = mem_gen_bump,
    .blob_list = mem_blob_list,
    .blob_get = mem_blob_get,
    .blob_put = mem_blob_put,
    .blob_del = mem_blob_del,
};

const struct store_backend_ops *
store_mem_backend(void)
{
    return &mem_ops;
}

CK_RV
store_mem_open(const char *root, const struct conf *c, struct store **out)
{
    return store_open_backend(&mem_ops, root, c, out);
}
