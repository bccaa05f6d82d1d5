/*
 * buf.h: bounded byte buffers for encoding and decoding.
 *
 * A writer grows on the heap; a reader never reads past its end. Both are
 * sticky on error: after the first failure every call is a no-op and the
 * error is reported once, by buf_finish()/rd_ok(). Integers are big-endian.
 * A writer's contents may be secret: buf_cleanup() always wipes.
 */
#ifndef CT_UTIL_BUF_H
#define CT_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int failed; /* allocation failure */
};

void buf_init(struct buf *b);
/* Wipes and frees the contents; the buffer is empty and reusable after. */
void buf_cleanup(struct buf *b);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u32(struct buf *b, uint32_t v);
void buf_put_u64(struct buf *b, uint64_t v);
/* A u32 length followed by the bytes. */
void buf_put_lv(struct buf *b, const void *p, size_t n);
/* 0 on success; -1 if any put failed (the buffer is then wiped and empty). */
int buf_finish(struct buf *b);

struct rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    int failed; /* read past the end or a bad length */
};

void rd_init(struct rd *r, const void *p, size_t len);
uint8_t rd_u8(struct rd *r);
uint32_t rd_u32(struct rd *r);
uint64_t rd_u64(struct rd *r);
/* Borrow n bytes; NULL (and failed) if fewer remain. */
const uint8_t *rd_bytes(struct rd *r, size_t n);
/* Borrow a u32-length-prefixed field; *n receives its length. */
const uint8_t *rd_lv(struct rd *r, size_t *n);
/* 1 if nothing failed; with at_end, also requires every byte consumed. */
int rd_ok(const struct rd *r, int at_end);

void store_be16(uint8_t *p, uint16_t v);
void store_be32(uint8_t *p, uint32_t v);
void store_be64(uint8_t *p, uint64_t v);
uint32_t load_be32(const uint8_t *p);
uint64_t load_be64(const uint8_t *p);

#endif
