/*
 * runner.c: the PKCS#11 3.0 conformance runner.
 *
 *   conformance --module PATH [--module PATH2 | --module PATH,PATH2 ...]
 *               [--so-pin PIN] [--pin PIN] [--label LABEL]
 *               [--filter TEXT] [--list] [--verbose]
 *
 * For each module: find the token labelled LABEL, or initialize the first
 * slot whose token lacks CKF_TOKEN_INITIALIZED with that label, the SO PIN and
 * the user PIN; then run every case (each in its own process) and print
 * "PASS|FAIL|SKIP <section> <case>: <detail>", then "<module>: N passed,
 * N failed, N skipped". With several modules a "total:" line follows.
 * Exit status: 0 when no case failed, 1 otherwise, 2 on a usage error.
 *
 * The runner includes nothing from the credtoken sources; it takes the
 * PKCS#11 types from <credtoken/pkcs11.h> (p11-kit's header plus the 3.0
 * declarations) and reaches any module through dlopen.
 */
#include "cases.h"
#include "harness.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODULES 16

static void
usage(FILE *f)
{
    fprintf(f, "usage: conformance --module PATH[,PATH...] [--module PATH ...]\n"
               "                   [--so-pin PIN] [--pin PIN] [--label LABEL]\n"
               "                   [--filter TEXT] [--list] [--verbose]\n");
}

/* Split a comma-separated list of paths into mods; false when too many. */
static bool
add_modules(char *list, const char *paths[], size_t *n)
{
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p != NULL;
         p = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_MODULES) return false;
        paths[(*n)++] = p;
    }
    return true;
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

static void
register_all(void)
{
    cases_general_register();
    cases_interface_register();
    cases_slot_register();
    cases_session_register();
    cases_login_register();
    cases_object_register();
    cases_attr_register();
    cases_sign_register();
    cases_ops_register();
    cases_cipher_register();
    cases_keys_register();
    cases_null_register();
}

struct options {
    const char *paths[MAX_MODULES];
    size_t npaths;
    struct ct_module base;
    const char *filter;
    bool list;
};

/* 0 to run, 1 to exit 0 (help), 2 on a usage error. */
static int
parse_args(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        {"module", required_argument, NULL, 'm'},
        {"so-pin", required_argument, NULL, 's'},
        {"pin", required_argument, NULL, 'p'},
        {"label", required_argument, NULL, 'l'},
        {"filter", required_argument, NULL, 'f'},
        {"list", no_argument, NULL, 'L'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:s:p:l:f:Lvh", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (!add_modules(optarg, o->paths, &o->npaths)) {
                fprintf(stderr, "conformance: at most %d modules\n", MAX_MODULES);
                return 2;
            }
            break;
        case 's':
            o->base.so_pin = optarg;
            break;
        case 'p':
            o->base.pin = optarg;
            break;
        case 'l':
            o->base.label = optarg;
            break;
        case 'f':
            o->filter = optarg;
            break;
        case 'L':
            o->list = true;
            break;
        case 'v':
            ct_verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (strlen(o->base.label) > 32) {
        fprintf(stderr, "conformance: a token label has at most 32 bytes\n");
        return 2;
    }
    if (!o->list && (o->npaths == 0 || optind != argc)) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct options o = {
        .base = {.so_pin = "12345678", .pin = "123456", .label = "conformance"},
    };
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) return rc == 1 ? 0 : rc;
    register_all();
    if (o.list) {
        ct_list();
        return 0;
    }
    struct ct_totals all = {0};
    for (size_t i = 0; i < o.npaths; i++) {
        struct ct_module m = o.base;
        /* dlopen searches the library path for a name without '/'. */
        char *real = strchr(o.paths[i], '/') == NULL ? realpath(o.paths[i], NULL) : NULL;
        m.path = real != NULL ? real : o.paths[i];
        struct ct_totals t = {0};
        ct_run_module(&m, o.filter, &t);
        printf("%s: %u passed, %u failed, %u skipped\n", base_name(m.path), t.pass, t.fail, t.skip);
        free(real);
        all.pass += t.pass;
        all.fail += t.fail;
        all.skip += t.skip;
    }
    if (o.npaths > 1)
        printf("total: %u passed, %u failed, %u skipped\n", all.pass, all.fail, all.skip);
    return all.fail == 0 ? 0 : 1;
}
