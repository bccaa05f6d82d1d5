#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

void
buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void
buf_cleanup(struct buf *b)
{
    wipe_free(b->data, b->cap);
    buf_init(b);
}

static int
buf_reserve(struct buf *b, size_t n)
{
    if (b->failed) return -1;
    if (n <= b->cap - b->len) return 0;
    size_t need = b->len + n;
    if (need < b->len) goto fail;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) goto fail;
        cap *= 2;
    }
    /* Not realloc: the old block may hold secrets and must be wiped. */
    uint8_t *p = malloc(cap);
    if (p == NULL) goto fail;
    if (b->len) memcpy(p, b->data, b->len);
    wipe_free(b->data, b->cap);
    b->data = p;
    b->cap = cap;
    return 0;
fail:
    buf_cleanup(b);
    b->failed = 1;
    return -1;
}

void
buf_put(struct buf *b, const void *p, size_t n)
{
    if (n == 0 || buf_reserve(b, n) != 0) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void
buf_put_u8(struct buf *b, uint8_t v)
{
    buf_put(b, &v, 1);
}

void
buf_put_u32(struct buf *b, uint32_t v)
{
    uint8_t t[4];
    store_be32(t, v);
    buf_put(b, t, 4);
}

void
buf_put_u64(struct buf *b, uint64_t v)
{
    uint8_t t[8];
    store_be64(t, v);
    buf_put(b, t, 8);
}

void
buf_put_lv(struct buf *b, const void *p, size_t n)
{
    if (n > UINT32_MAX) {
        buf_cleanup(b);
        b->failed = 1;
        return;
    }
    buf_put_u32(b, (uint32_t)n);
    buf_put(b, p, n);
}

int
buf_finish(struct buf *b)
{
    return b->failed ? -1 : 0;
}

void
rd_init(struct rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->failed = 0;
}

const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
    if (r->failed || n > r->len - r->off) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t
rd_u8(struct rd *r)
{
    const uint8_t *p = rd_bytes(r, 1);
    return p ? p[0] : 0;
}

uint32_t
rd_u32(struct rd *r)
{
    const uint8_t *p = rd_bytes(r, 4);
    return p ? load_be32(p) : 0;
}

uint64_t
rd_u64(struct rd *r)
{
    const uint8_t *p = rd_bytes(r, 8);
    return p ? load_be64(p) : 0;
}

const uint8_t *
rd_lv(struct rd *r, size_t *n)
{
    uint32_t len = rd_u32(r);
    const uint8_t *p = rd_bytes(r, len);
    *n = p ? len : 0;
    return p;
}

int
rd_ok(const struct rd *r, int at_end)
{
    return !r->failed && (!at_end || r->off == r->len);
}

void
store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void
store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void
store_be64(uint8_t *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

uint32_t
load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t
load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}
