#include "util/wipe.h"

#include <stdlib.h>
#include <string.h>

void
wipe(void *p, size_t n)
{
    if (p == NULL || n == 0) return;
    /* explicit_bzero is a libc barrier the optimizer must honour. */
    explicit_bzero(p, n);
}

void
wipe_free(void *p, size_t n)
{
    if (p == NULL) return;
    wipe(p, n);
    free(p);
}

int
ct_eq(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (unsigned char)(x[i] ^ y[i]);
    /* Map 0 -> 1 and anything else -> 0 without a data-dependent branch. */
    return (int)(1 & ((acc - 1u) >> 8));
}
