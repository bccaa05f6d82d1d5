/* text.h: fixed-width, blank-padded text fields (PKCS#11 labels, IDs). */
#ifndef CT_UTIL_TEXT_H
#define CT_UTIL_TEXT_H

#include <stddef.h>

/* Copy src into dst[width], truncating, and pad with blanks. No NUL. */
void text_pad(void *dst, size_t width, const char *src);
/* Length of a blank-padded field without its trailing blanks. */
size_t text_trimmed_len(const void *field, size_t width);

#endif
