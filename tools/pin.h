/*
 * pin.h: reading a PIN without ever taking it from the command line.
 *
 * A PIN comes from the first line of a file (--pin-file, --so-pin-file) or,
 * when there is no file and stdin is a terminal, from a prompt with echo off.
 * It lives in a struct pin on the caller's stack, which the caller wipes with
 * pin_wipe on every path.
 */
#ifndef CREDTOKEN_TOOL_PIN_H
#define CREDTOKEN_TOOL_PIN_H

#include <credtoken/pkcs11.h>

#define PIN_MAX 256 /* bytes; a longer PIN is refused */

struct pin {
    CK_UTF8CHAR buf[PIN_MAX + 3]; /* the PIN, CR, LF, NUL */
    CK_ULONG len;
};

/*
 * pin_read: fill p with a PIN.
 *   file    the PIN file, or NULL to prompt on the terminal.
 *   what    "PIN" or "SO PIN", for the prompt and the messages.
 *   option  the option that names the file ("--pin-file"), for the messages.
 *   confirm nonzero: a prompted PIN is asked twice and must match.
 * The file's first line is the PIN, its trailing CR/LF stripped; a file that
 * group or others may read only draws a warning. An empty PIN is refused.
 * Returns 0, or -1 after reporting one error line, with p wiped.
 */
int pin_read(struct pin *p, const char *file, const char *what, const char *option, int confirm);

/* pin_wipe: erase p. Safe on a wiped or never-filled pin. */
void pin_wipe(struct pin *p);

#endif
