/*
 * conf.h: module settings.
 *
 * Sources, later ones winning: built-in defaults; the file named by
 * CREDTOKEN_CONF (default /etc/credtoken/credtoken.conf, silently skipped when
 * absent); then CREDTOKEN_STORE for the store path. Environment variables are
 * read with secure_getenv, so a setuid caller cannot redirect the store.
 *
 * File syntax: "key = value" lines; '#' starts a comment. Keys:
 *   store            directory of the file store       (/var/lib/credtoken)
 *   max_pin_failures consecutive failures before lock  (10, 1..1000)
 *   kdf_target_ms    PIN KDF cost chosen at token init (100, 1..10000)
 *   max_sets         credential sets a store may hold (100, 1..1000000)
 *   tpm_tcti         the TPM's TCTI (device:/dev/tpmrm0; CREDTOKEN_TCTI wins)
 */
#ifndef CT_UTIL_CONF_H
#define CT_UTIL_CONF_H

#include <stddef.h>

#define CONF_DEFAULT_PATH "/etc/credtoken/credtoken.conf"
#define CONF_DEFAULT_STORE "/var/lib/credtoken"

struct conf {
    char store[4096];
    unsigned max_pin_failures;
    unsigned kdf_target_ms;
    unsigned max_sets;
    char tpm_tcti[256]; /* empty: the default (tpm/tpm.h) */
};

/* Fill *c with the defaults. */
void conf_defaults(struct conf *c);

/* Parse config text (a NUL-terminated buffer). Returns 0, or -1 with a
 * one-line reason in err (errlen bytes) on an unknown key or bad value. */
int conf_parse(struct conf *c, const char *text, char *err, size_t errlen);

/* Defaults, then the config file, then the environment. Returns 0, or -1 with
 * a reason in err when the file exists but cannot be read or parsed. */
int conf_load(struct conf *c, char *err, size_t errlen);

#endif
