/*
 * text.h: writing bytes that came from a token (labels, serials, ids) as text.
 *
 * A token is not trusted to hold valid UTF-8 or harmless characters: JSON
 * output must stay valid JSON, and table output must not carry terminal
 * control sequences.
 */
#ifndef CREDTOKEN_TOOL_TEXT_H
#define CREDTOKEN_TOOL_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* text_put_json: s[0..n) as a quoted JSON string (RFC 8259 §7). Valid UTF-8
 * passes through; '"', '\\' and control characters are escaped; each byte of
 * an invalid UTF-8 sequence becomes U+FFFD. */
void text_put_json(FILE *f, const unsigned char *s, size_t n);

/* text_put_safe: s[0..n) for a terminal: printable UTF-8 as is, every control
 * character (C0, DEL, C1) and every invalid byte as '?'. */
void text_put_safe(FILE *f, const unsigned char *s, size_t n);

/* text_put_hex: s[0..n) in lowercase hex; returns the number of characters. */
size_t text_put_hex(FILE *f, const unsigned char *s, size_t n);

/* text_trim_len: the length of a blank-padded PKCS#11 field without its padding. */
size_t text_trim_len(const unsigned char *s, size_t n);

#endif
