#include "util/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
conf_defaults(struct conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->store, sizeof c->store, "%s", CONF_DEFAULT_STORE);
    c->max_pin_failures = 10;
    c->kdf_target_ms = 100;
    c->max_sets = 100;
}

static char *
trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int
parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || end == v || *end != '\0' || n < lo || n > hi) return -1;
    *out = (unsigned)n;
    return 0;
}

static int
conf_set(struct conf *c, const char *key, const char *val)
{
    if (strcmp(key, "store") == 0) {
        if (val[0] == '\0' || strlen(val) >= sizeof c->store) return -1;
        snprintf(c->store, sizeof c->store, "%s", val);
        return 0;
    }
    if (strcmp(key, "max_pin_failures") == 0) return parse_uint(val, 1, 1000, &c->max_pin_failures);
    if (strcmp(key, "kdf_target_ms") == 0) return parse_uint(val, 1, 10000, &c->kdf_target_ms);
    if (strcmp(key, "max_sets") == 0) return parse_uint(val, 1, 1000000, &c->max_sets);
    if (strcmp(key, "tpm_tcti") == 0) {
        if (val[0] == '\0' || strlen(val) >= sizeof c->tpm_tcti) return -1;
        snprintf(c->tpm_tcti, sizeof c->tpm_tcti, "%s", val);
        return 0;
    }
    return -1;
}

int
conf_parse(struct conf *c, const char *text, char *err, size_t errlen)
{
    char line[4200];
    unsigned lineno = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (n >= sizeof line) {
            snprintf(err, errlen, "line %u is too long", lineno);
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (nl ? 1 : 0);
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *s = trim(line);
        if (*s == '\0') continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "line %u: expected key = value", lineno);
            return -1;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        if (conf_set(c, key, val) != 0) {
            snprintf(err, errlen, "line %u: unknown key or bad value for '%s'", lineno, key);
            return -1;
        }
    }
    return 0;
}

int
conf_load(struct conf *c, char *err, size_t errlen)
{
    conf_defaults(c);
    const char *path = secure_getenv("CREDTOKEN_CONF");
    int explicit_path = path != NULL && path[0] != '\0';
    if (!explicit_path) path = CONF_DEFAULT_PATH;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        if (errno == ENOENT && !explicit_path) goto env;
        snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
        return -1;
    }
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    int too_big = !feof(f);
    fclose(f);
    text[n] = '\0';
    if (too_big) {
        snprintf(err, errlen, "config %s is larger than 64 KiB", path);
        return -1;
    }
    char why[256];
    if (conf_parse(c, text, why, sizeof why) != 0) {
        snprintf(err, errlen, "config %s: %s", path, why);
        return -1;
    }
env:;
    const char *store = secure_getenv("CREDTOKEN_STORE");
    if (store != NULL && store[0] != '\0') {
        if (strlen(store) >= sizeof c->store) {
            snprintf(err, errlen, "CREDTOKEN_STORE is too long");
            return -1;
        }
        snprintf(c->store, sizeof c->store, "%s", store);
    }
    return 0;
}
