/*
 * main.c: options, the run's temporary directory, the main process's
 * modules and keys, and the order of the figures.
 */
#include "bench.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BENCH_CREDTOKEN_MODULE
#define BENCH_CREDTOKEN_MODULE "credtoken-pkcs11.so"
#endif
#ifndef BENCH_SOFTHSM2_MODULE
#define BENCH_SOFTHSM2_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#endif
#ifndef BENCH_RESULTS_DIR
#define BENCH_RESULTS_DIR "bench/results"
#endif
#ifndef BENCH_SOURCE_DIR
#define BENCH_SOURCE_DIR "."
#endif

static const struct {
    const char *name;
    unsigned bit;
} figure_names[] = {
    {"sign", FIG_SIGN}, {"threads", FIG_THREADS}, {"cold", FIG_COLD},
    {"find", FIG_FIND}, {"create", FIG_CREATE},   {"rss", FIG_RSS},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: bench [--rounds N] [--secs S] [--objects 10,1000,10000]\n"
               "             [--only sign,threads,cold,find,create,rss] [--smoke]\n"
               "             [--create N] [--keys N] [--kdf-ms N]\n"
               "             [--credtoken PATH] [--softhsm2 PATH] [--results DIR | --no-results]\n"
               "             [--tmp DIR]\n");
}

static bool
parse_counts(struct opts *o, const char *list)
{
    o->ncounts = 0;
    char *copy = strdup(list), *save = NULL;
    bool ok = copy != NULL;
    for (char *t = ok ? strtok_r(copy, ",", &save) : NULL; t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        long v = strtol(t, NULL, 10);
        if (v < 3 || v > 1000000 || o->ncounts == BENCH_MAX_COUNTS ||
            (o->ncounts > 0 && (size_t)v <= o->counts[o->ncounts - 1])) {
            ok = false;
            break;
        }
        o->counts[o->ncounts++] = (size_t)v;
    }
    free(copy);
    return ok && o->ncounts > 0;
}

static bool
parse_only(struct opts *o, const char *list)
{
    o->only = 0;
    char *copy = strdup(list), *save = NULL;
    bool ok = copy != NULL;
    for (char *t = ok ? strtok_r(copy, ",", &save) : NULL; t != NULL && ok;
         t = strtok_r(NULL, ",", &save)) {
        ok = false;
        for (size_t i = 0; i < sizeof figure_names / sizeof figure_names[0]; i++)
            if (strcmp(t, figure_names[i].name) == 0) {
                o->only |= figure_names[i].bit;
                ok = true;
            }
    }
    free(copy);
    return ok && o->only != 0;
}

static void
opts_defaults(struct opts *o, bool smoke)
{
    memset(o, 0, sizeof *o);
    o->smoke = smoke;
    o->rounds = smoke ? 1 : 5;
    o->secs = smoke ? 0.02 : 0.5;
    parse_counts(o, smoke ? "10" : "10,1000,10000");
    o->only = FIG_ALL;
    o->create_data = smoke ? 4 : 100;
    o->create_keys = smoke ? 1 : 10;
    o->kdf_ms = smoke ? 10 : 100;
    o->module_path[TGT_CT] = BENCH_CREDTOKEN_MODULE;
    o->module_path[TGT_SH] = BENCH_SOFTHSM2_MODULE;
    o->results_dir = smoke ? NULL : BENCH_RESULTS_DIR;
    o->source_dir = BENCH_SOURCE_DIR;
}

/* One option with its value; false on an unknown option or a bad value. */
static bool
parse_opt(struct opts *o, const char *k, const char *v, const char **tmp)
{
    if (strcmp(k, "--rounds") == 0) {
        o->rounds = atoi(v);
        return o->rounds >= 1 && o->rounds <= BENCH_MAX_ROUNDS;
    }
    if (strcmp(k, "--secs") == 0) return (o->secs = strtod(v, NULL)) > 0;
    if (strcmp(k, "--objects") == 0) return parse_counts(o, v);
    if (strcmp(k, "--only") == 0) return (o->only_name = v) != NULL && parse_only(o, v);
    if (strcmp(k, "--create") == 0) return (o->create_data = atoi(v)) > 0;
    if (strcmp(k, "--keys") == 0) return (o->create_keys = atoi(v)) > 0;
    if (strcmp(k, "--kdf-ms") == 0) return (o->kdf_ms = atoi(v)) > 0;
    if (strcmp(k, "--credtoken") == 0) return (o->module_path[TGT_CT] = v) != NULL;
    if (strcmp(k, "--softhsm2") == 0) return (o->module_path[TGT_SH] = v) != NULL;
    if (strcmp(k, "--results") == 0) return (o->results_dir = v) != NULL;
    if (strcmp(k, "--tmp") == 0) return (*tmp = v) != NULL;
    return false;
}

static bool
parse_opts(struct opts *o, int argc, char **argv)
{
    bool smoke = false;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--smoke") == 0) smoke = true;
    opts_defaults(o, smoke);
    const char *tmp = getenv("TMPDIR");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) continue;
        if (strcmp(argv[i], "--no-results") == 0) {
            o->results_dir = NULL;
            continue;
        }
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc || !parse_opt(o, argv[i], argv[i + 1], &tmp)) {
            fprintf(stderr, "bench: bad option %s\n", argv[i]);
            usage(stderr);
            return false;
        }
        i++;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s/credtoken-bench-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(o->tmp) == NULL) {
        perror("bench: mkdtemp");
        return false;
    }
    ssize_t n = readlink("/proc/self/exe", o->self, sizeof o->self - 1);
    if (n <= 0) return false;
    o->self[n] = '\0';
    return true;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Load, initialize, make the token and the keys of one module. */
static void
setup_module(struct bench *b, int m, unsigned need_keys)
{
    char conf[4400];
    struct module *mod = &b->mod[m];
    double t0 = now_s();
    if (!store_conf(b->o, m, "ops", conf, sizeof conf)) return;
    store_env(m, conf);
    if (!p11_load(mod, target_names[m], b->o->module_path[m])) return;
    CK_RV rv = p11_initialize(mod);
    if (rv == CKR_OK) rv = p11_new_token(mod);
    if (rv != CKR_OK) {
        fprintf(stderr, "bench: %s: token setup: %s\n", mod->name, rv_name(rv));
        return;
    }
    mod->ok = true;
    for (int k = 0; k < KEY_N; k++) {
        if (!(need_keys & (1u << k))) continue;
        rv = p11_make_key(mod, (enum keykind)k, &b->key[m][k], &b->pub[m][k]);
        b->have_key[m][k] = rv == CKR_OK;
        if (rv != CKR_OK && !(k == KEY_ED && rv == CKR_MECHANISM_INVALID))
            fprintf(stderr, "bench: %s: key %d: %s\n", mod->name, k, rv_name(rv));
    }
    printf("  %s %d.%d: token and keys ready in %.1f s\n", mod->name, mod->libver.major,
           mod->libver.minor, now_s() - t0);
}

static void
run_main(const struct opts *o, struct results *r)
{
    static struct bench b;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.r = r;
    unsigned keys = 0;
    if (o->only & FIG_SIGN) keys = (1u << KEY_N) - 1;
    if (o->only & FIG_THREADS) keys |= (1u << KEY_EC) | (1u << KEY_RSA);
    printf("== setup\n");
    for (int m = 0; m < MOD_N; m++)
        setup_module(&b, m, keys);
    if (!okeys_init(&b.ok)) {
        fprintf(stderr, "bench: OpenSSL key generation failed\n");
        exit(1);
    }
    if (o->only & FIG_SIGN) fig_sign(&b);
    if (o->only & FIG_THREADS) fig_threads(&b);
    if (o->only & FIG_CREATE) fig_create(&b);
    for (int m = 0; m < MOD_N; m++) {
        if (b.mod[m].p != NULL) b.mod[m].p->C_Finalize(NULL);
        for (int k = 0; k < KEY_N; k++)
            EVP_PKEY_free(b.pub[m][k]);
    }
    okeys_free(&b.ok);
}

static double
loadavg(void)
{
    double v = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &v) != 1) v = 0;
        fclose(f);
    }
    return v;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--child") == 0) return child_main(argc - 2, argv + 2);
    static struct opts o;
    if (!parse_opts(&o, argc, argv)) return 2;
    /* Only the configs this run writes decide where the stores are. */
    unsetenv("CREDTOKEN_STORE");
    unsetenv("CREDTOKEN_DEBUG");
    setvbuf(stdout, NULL, _IOLBF, 0);
    alg_init();
    static struct results r;
    r.load_start = loadavg();
    double t0 = now_s();
    if (o.only & (FIG_SIGN | FIG_THREADS | FIG_CREATE)) run_main(&o, &r);
    fig_process(&o, &r);
    r.wall_s = now_s() - t0;
    r.load_end = loadavg();
    bool ok = report_write(&o, &r);
    nftw(o.tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return ok ? 0 : 1;
}
