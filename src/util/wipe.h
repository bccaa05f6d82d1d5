/*
 * wipe.h: the three secret-handling primitives.
 *
 * Every secret (PINs, master and record keys, private-key material, secret
 * CKA_VALUEs, decrypted records) is destroyed with wipe() or wipe_free() on
 * every path and compared with ct_eq(). memset/memcmp on a secret is a bug:
 * the compiler may drop a memset before free, and memcmp leaks timing.
 */
#ifndef CT_UTIL_WIPE_H
#define CT_UTIL_WIPE_H

#include <stddef.h>

/* Overwrite n bytes at p with zeros in a way the compiler cannot elide.
 * p may be NULL when n is 0. */
void wipe(void *p, size_t n);

/* wipe(p, n) then free(p). p may be NULL. */
void wipe_free(void *p, size_t n);

/* Constant-time equality of two n-byte buffers: 1 if equal, else 0.
 * The running time depends only on n. */
int ct_eq(const void *a, const void *b, size_t n);

#endif
