/* enc.h: the text encodings of in-place credential uses (SAS, JWT). */
#ifndef CREDTOKEN_TOOL_ENC_H
#define CREDTOKEN_TOOL_ENC_H

#include <stddef.h>

/* base64 (RFC 4648 §4, padded) of n bytes into out (4 * ((n + 2) / 3) + 1
 * bytes); url: the URL alphabet (§5) without padding, as JWTs use. */
void enc_base64(const unsigned char *in, size_t n, int url, char *out);
/* Percent-encoding of everything but RFC 3986's unreserved characters
 * (upper-case hex) into out (3 * n + 1 bytes). */
void enc_url(const unsigned char *s, size_t n, char *out);

#endif
