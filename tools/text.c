/* text.c: render untrusted token bytes as JSON strings, terminal text, hex. */
#include "text.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629 §4: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. *cp gets the
 * code point.
 */
static size_t
text_utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
    unsigned long c = s[0], min;
    size_t len;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, c &= 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, c &= 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3fUL);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
    *cp = c;
    return len;
}

static void
text_put_json_ascii(FILE *f, unsigned char c)
{
    switch (c) {
    case '"':
        fputs("\\\"", f);
        break;
    case '\\':
        fputs("\\\\", f);
        break;
    case '\b':
        fputs("\\b", f);
        break;
    case '\f':
        fputs("\\f", f);
        break;
    case '\n':
        fputs("\\n", f);
        break;
    case '\r':
        fputs("\\r", f);
        break;
    case '\t':
        fputs("\\t", f);
        break;
    default:
        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", (unsigned)c);
        else
            fputc(c, f);
    }
}

void
text_put_json(FILE *f, const unsigned char *s, size_t n)
{
    unsigned long cp;
    size_t i = 0;

    fputc('"', f);
    while (i < n) {
        size_t len = text_utf8_seq(s + i, n - i, &cp);
        if (len == 0) {
            fputs("\\ufffd", f);
            i++;
        } else if (len == 1) {
            text_put_json_ascii(f, s[i]);
            i++;
        } else {
            fwrite(s + i, 1, len, f);
            i += len;
        }
    }
    fputc('"', f);
}

void
text_put_safe(FILE *f, const unsigned char *s, size_t n)
{
    unsigned long cp;
    size_t i = 0;

    while (i < n) {
        size_t len = text_utf8_seq(s + i, n - i, &cp);
        if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            fputc('?', f);
            i += len == 0 ? 1 : len;
        } else {
            fwrite(s + i, 1, len, f);
            i += len;
        }
    }
}

size_t
text_put_hex(FILE *f, const unsigned char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        fputc(digits[s[i] >> 4], f);
        fputc(digits[s[i] & 0x0f], f);
    }
    return 2 * n;
}

size_t
text_trim_len(const unsigned char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
        n--;
    return n;
}
