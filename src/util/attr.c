#include "util/attr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/wipe.h"

/* Every value lives in one buffer (a set is one object's attributes): one
 * allocation and one wipe per set instead of one per value, which is what a
 * token with 10,000 objects pays at load and at C_Finalize. Each attribute's
 * val points into buf; growing the buffer compacts the live values into a
 * new one and wipes the old. */
struct attr_set {
    struct attr *v;
    size_t n;
    size_t cap;
    uint8_t *buf;
    size_t used; /* bytes of buf handed out (live values and replaced holes) */
    size_t bufcap;
};

/* A sanity bound on one value; real attributes (certificates, RSA-4096
 * keys) are far below it. */
#define ATTR_MAX_LEN (1u << 20)
#define ATTR_MAX_COUNT 512u

struct attr_set *
attr_set_new(void)
{
    return calloc(1, sizeof(struct attr_set));
}

void
attr_set_free(struct attr_set *s)
{
    if (s == NULL) return;
    wipe_free(s->buf, s->bufcap);
    free(s->v);
    free(s);
}

/* Make room for need more bytes: a new buffer holding the live values
 * compacted, the old one wiped. *src, when it points into the old buffer
 * (a value copied from the same set), is moved along. */
static CK_RV
attr_buf_room(struct attr_set *s, size_t need, const uint8_t **src)
{
    if (need <= s->bufcap - s->used) return CKR_OK;
    size_t live = 0;
    for (size_t i = 0; i < s->n; i++)
        live += s->v[i].len;
    size_t cap = s->bufcap ? s->bufcap : 256;
    while (cap < live + need) {
        if (cap > SIZE_MAX / 2) return CKR_HOST_MEMORY;
        cap *= 2;
    }
    uint8_t *nb = malloc(cap);
    if (nb == NULL) return CKR_HOST_MEMORY;
    size_t off = 0;
    bool src_inside = *src != NULL && *src >= s->buf && *src < s->buf + s->bufcap;
    size_t src_off = src_inside ? (size_t)(*src - s->buf) : 0;
    for (size_t i = 0; i < s->n; i++) {
        struct attr *a = &s->v[i];
        if (a->len == 0) continue;
        if (src_inside && src_off >= (size_t)(a->val - s->buf) &&
            src_off < (size_t)(a->val - s->buf) + a->len)
            *src = nb + off + (src_off - (size_t)(a->val - s->buf));
        memcpy(nb + off, a->val, a->len);
        a->val = nb + off;
        off += a->len;
    }
    wipe_free(s->buf, s->bufcap);
    s->buf = nb;
    s->bufcap = cap;
    s->used = off;
    return CKR_OK;
}

static struct attr *
attr_slot(const struct attr_set *s, CK_ATTRIBUTE_TYPE type)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].type == type) return &s->v[i];
    return NULL;
}

CK_RV
attr_set_put(struct attr_set *s, CK_ATTRIBUTE_TYPE type, const void *val, CK_ULONG len)
{
    struct attr *a = attr_slot(s, type);
    if (a == NULL && s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct attr *v = realloc(s->v, cap * sizeof *v); /* holds pointers only */
        if (v == NULL) return CKR_HOST_MEMORY;
        s->v = v;
        s->cap = cap;
    }
    const uint8_t *src = val;
    if (len > 0 && attr_buf_room(s, len, &src) != CKR_OK) return CKR_HOST_MEMORY;
    a = attr_slot(s, type); /* the table may have moved */
    uint8_t *copy = NULL;
    if (len > 0) {
        copy = s->buf + s->used;
        memmove(copy, src, len);
        s->used += len;
    }
    if (a != NULL) {
        wipe(a->val, a->len); /* the old value stays as a zeroed hole */
        a->val = copy;
        a->len = len;
        return CKR_OK;
    }
    s->v[s->n++] = (struct attr){.type = type, .len = len, .val = copy};
    return CKR_OK;
}

CK_RV
attr_set_put_ulong(struct attr_set *s, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
    return attr_set_put(s, type, &v, sizeof v);
}

CK_RV
attr_set_put_bool(struct attr_set *s, CK_ATTRIBUTE_TYPE type, bool v)
{
    CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
    return attr_set_put(s, type, &b, sizeof b);
}

void
attr_set_del(struct attr_set *s, CK_ATTRIBUTE_TYPE type)
{
    struct attr *a = attr_slot(s, type);
    if (a == NULL) return;
    wipe(a->val, a->len);
    size_t i = (size_t)(a - s->v);
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *a);
    s->n--;
}

const struct attr *
attr_set_find(const struct attr_set *s, CK_ATTRIBUTE_TYPE type)
{
    return attr_slot(s, type);
}

bool
attr_set_has(const struct attr_set *s, CK_ATTRIBUTE_TYPE type)
{
    return attr_slot(s, type) != NULL;
}

bool
attr_set_get_bool(const struct attr_set *s, CK_ATTRIBUTE_TYPE type, bool dflt)
{
    const struct attr *a = attr_slot(s, type);
    if (a == NULL || a->len != sizeof(CK_BBOOL)) return dflt;
    return a->val[0] != CK_FALSE;
}

CK_RV
attr_set_get_ulong(const struct attr_set *s, CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
    const struct attr *a = attr_slot(s, type);
    if (a == NULL) return CKR_TEMPLATE_INCOMPLETE;
    if (a->len != sizeof(CK_ULONG)) return CKR_ATTRIBUTE_VALUE_INVALID;
    memcpy(out, a->val, sizeof *out);
    return CKR_OK;
}

size_t
attr_set_count(const struct attr_set *s)
{
    return s->n;
}

const struct attr *
attr_set_at(const struct attr_set *s, size_t i)
{
    return i < s->n ? &s->v[i] : NULL;
}

CK_RV
attr_set_from_template(const CK_ATTRIBUTE *t, CK_ULONG n, struct attr_set **out)
{
    if (t == NULL && n > 0) return CKR_ARGUMENTS_BAD;
    struct attr_set *s = attr_set_new();
    if (s == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < n; i++) {
        if (t[i].pValue == NULL && t[i].ulValueLen > 0) {
            rv = CKR_ARGUMENTS_BAD;
            goto out;
        }
        if (t[i].ulValueLen > ATTR_MAX_LEN) {
            rv = CKR_ATTRIBUTE_VALUE_INVALID;
            goto out;
        }
        if (attr_slot(s, t[i].type) != NULL) {
            rv = CKR_TEMPLATE_INCONSISTENT;
            goto out;
        }
        rv = attr_set_put(s, t[i].type, t[i].pValue, t[i].ulValueLen);
        if (rv != CKR_OK) goto out;
    }
    *out = s;
    s = NULL;
out:
    attr_set_free(s);
    return rv;
}

CK_RV
attr_set_merge(struct attr_set *dst, const struct attr_set *src)
{
    for (size_t i = 0; i < src->n; i++) {
        CK_RV rv = attr_set_put(dst, src->v[i].type, src->v[i].val, src->v[i].len);
        if (rv != CKR_OK) return rv;
    }
    return CKR_OK;
}

CK_RV
attr_set_dup(const struct attr_set *s, struct attr_set **out)
{
    struct attr_set *d = attr_set_new();
    if (d == NULL) return CKR_HOST_MEMORY;
    CK_RV rv = attr_set_merge(d, s);
    if (rv != CKR_OK) {
        attr_set_free(d);
        return rv;
    }
    *out = d;
    return CKR_OK;
}

bool
attr_set_match(const struct attr_set *s, const struct attr_set *tmpl)
{
    for (size_t i = 0; i < tmpl->n; i++) {
        const struct attr *want = &tmpl->v[i];
        const struct attr *have = attr_slot(s, want->type);
        if (have == NULL || have->len != want->len) return false;
        if (want->len && memcmp(have->val, want->val, want->len) != 0) return false;
    }
    return true;
}

CK_RV
attr_set_encode(const struct attr_set *s, uint8_t **out, size_t *len)
{
    struct buf b;
    buf_init(&b);
    buf_put_u32(&b, (uint32_t)s->n);
    for (size_t i = 0; i < s->n; i++) {
        buf_put_u64(&b, (uint64_t)s->v[i].type);
        buf_put_lv(&b, s->v[i].val, s->v[i].len);
    }
    if (buf_finish(&b) != 0) return CKR_HOST_MEMORY;
    /* Bytes past b.len were never written, so wiping len bytes suffices. */
    *out = b.data;
    *len = b.len;
    return CKR_OK;
}

CK_RV
attr_set_decode(const uint8_t *p, size_t len, struct attr_set **out)
{
    struct rd r;
    rd_init(&r, p, len);
    uint32_t n = rd_u32(&r);
    if (!rd_ok(&r, 0) || n > ATTR_MAX_COUNT) return CKR_DEVICE_ERROR;
    struct attr_set *s = attr_set_new();
    if (s == NULL) return CKR_HOST_MEMORY;
    /* The values are fewer bytes than their encoding: one allocation. */
    const uint8_t *none = NULL;
    CK_RV rv = attr_buf_room(s, len, &none);
    for (uint32_t i = 0; rv == CKR_OK && i < n; i++) {
        CK_ATTRIBUTE_TYPE type = (CK_ATTRIBUTE_TYPE)rd_u64(&r);
        size_t vlen;
        const uint8_t *v = rd_lv(&r, &vlen);
        if (!rd_ok(&r, 0) || vlen > ATTR_MAX_LEN || attr_slot(s, type) != NULL) {
            rv = CKR_DEVICE_ERROR;
            goto out;
        }
        rv = attr_set_put(s, type, v, (CK_ULONG)vlen);
    }
    if (rv != CKR_OK) goto out;
    if (!rd_ok(&r, 1)) {
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    *out = s;
    s = NULL;
out:
    attr_set_free(s);
    return rv;
}
