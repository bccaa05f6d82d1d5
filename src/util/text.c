#include "util/text.h"

#include <string.h>

void
text_pad(void *dst, size_t width, const char *src)
{
    memset(dst, ' ', width);
    size_t n = strlen(src);
    memcpy(dst, src, n < width ? n : width);
}

size_t
text_trimmed_len(const void *field, size_t width)
{
    const char *p = field;
    while (width > 0 && (p[width - 1] == ' ' || p[width - 1] == '\0'))
        width--;
    return width;
}
