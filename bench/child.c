/*
 * child.c: per-figure stores, and the child processes that use them.
 *
 * A child is this binary run again (fork + exec) as "--child MODE": a fresh
 * process that dlopens one module, with that module's config variable
 * pointing at the store of the figure. It prints "key value" lines on
 * stdout; the parent reads them and the child's peak RSS (wait4).
 *
 * Modes:
 *   populate --n N   a new token with N objects: N-2 CKO_DATA (half
 *                    private) plus the EC key pair BENCH_COLDKEY
 *   cold             the cold-start sequence, each step timed (ms)
 *   rss              the same without the signature (peak RSS only)
 *   find --n N --secs S   finds by label on a warm session (us per find)
 *   idle             nothing: the bench binary's own RSS
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const cold_step_names[CS_N] = {"load", "init", "slots", "open", "login",
                                           "find", "sign", "final", "rest"};

static const char *const conf_env[MOD_N] = {"CREDTOKEN_CONF", "SOFTHSM2_CONF"};

static bool
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

bool
store_conf(const struct opts *o, int mod, const char *tag, char *out, size_t outlen)
{
    char dir[4200], sub[4300], text[9000];
    snprintf(dir, sizeof dir, "%s/%s-%s", o->tmp, mod == TGT_CT ? "ct" : "sh", tag);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return false;
    if (mod == TGT_CT) {
        snprintf(text, sizeof text, "store = %s/store\nkdf_target_ms = %d\n", dir, o->kdf_ms);
        snprintf(out, outlen, "%s/credtoken.conf", dir);
    } else {
        snprintf(sub, sizeof sub, "%s/tokens", dir);
        if (mkdir(sub, 0700) != 0 && errno != EEXIST) return false;
        snprintf(text, sizeof text,
                 "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", sub);
        snprintf(out, outlen, "%s/softhsm2.conf", dir);
    }
    return write_file(out, text);
}

void
store_env(int mod, const char *conf)
{
    setenv(conf_env[mod], conf, 1);
}

bool
child_run(const struct opts *o, int mod, const char *conf, const char *const *args, char *out,
          size_t outlen, long *maxrss_kb)
{
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        store_env(mod, conf);
        char *argv[24];
        int n = 0;
        argv[n++] = strdup(o->self);
        argv[n++] = strdup("--child");
        for (int i = 0; args[i] != NULL && n < 23; i++)
            argv[n++] = strdup(args[i]);
        argv[n] = NULL;
        execv(o->self, argv);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fds[0], out + len, outlen - 1 - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
        if (len == outlen - 1) break;
    }
    out[len] = '\0';
    close(fds[0]);
    int st = 0;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR) return false;
    if (maxrss_kb != NULL) *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

bool
child_value(const char *out, const char *key, double *v)
{
    size_t klen = strlen(key);
    for (const char *p = out; p != NULL && *p != '\0';) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            *v = strtod(p + klen + 1, NULL);
            return true;
        }
        p = strchr(p, '\n');
        if (p != NULL) p++;
    }
    return false;
}

/* ---- the child side ---- */

struct child_args {
    const char *mode, *module, *name;
    size_t n;
    double secs;
};

static bool
parse_child(int argc, char **argv, struct child_args *a)
{
    a->mode = argc > 0 ? argv[0] : "";
    a->module = NULL;
    a->name = "module";
    a->n = 0;
    a->secs = 0.5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--module") == 0)
            a->module = argv[i + 1];
        else if (strcmp(argv[i], "--name") == 0)
            a->name = argv[i + 1];
        else if (strcmp(argv[i], "--n") == 0)
            a->n = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--secs") == 0)
            a->secs = strtod(argv[i + 1], NULL);
        else
            return false;
    }
    return strcmp(a->mode, "idle") == 0 || a->module != NULL;
}

/* The label of data object i, and the one the find figure looks for. */
static void
data_label(size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "obj-%05zu", i);
}

static int
child_populate(const struct child_args *a)
{
    struct module m;
    if (!p11_load(&m, a->name, a->module)) return 1;
    CK_RV rv = p11_initialize(&m);
    if (rv == CKR_OK) rv = p11_new_token(&m);
    CK_OBJECT_HANDLE pub, priv;
    if (rv == CKR_OK) rv = p11_gen_ec(&m, m.s, BENCH_COLDKEY, BENCH_COLDKEY "-pub", &pub, &priv);
    size_t ndata = a->n > 2 ? a->n - 2 : 0;
    double t0 = now_s();
    char label[32];
    for (size_t i = 0; rv == CKR_OK && i < ndata; i++) {
        data_label(i, label, sizeof label);
        rv = p11_create_data(&m, m.s, label, i % 2 == 1);
        if ((i + 1) % 1000 == 0 || (i + 1 == ndata && ndata >= 1000)) {
            fprintf(stderr, "    %s: %zu/%zu objects, %.1f s\n", a->name, i + 3, a->n,
                    now_s() - t0);
        }
    }
    if (rv != CKR_OK) {
        fprintf(stderr, "bench: populate %s: %s\n", a->name, rv_name(rv));
        return 1;
    }
    printf("secs %.6f\n", now_s() - t0);
    m.p->C_Finalize(NULL);
    return 0;
}

#define STEP(idx, expr)                                                                            \
    do {                                                                                           \
        double s_ = now_s();                                                                       \
        rv = (expr);                                                                               \
        t[idx] += now_s() - s_;                                                                    \
        if (rv != CKR_OK) goto out;                                                                \
    } while (0)

/* Cold start: each step timed; sign false for the RSS figure. */
static int
child_cold(const struct child_args *a, bool sign)
{
    double t[CS_N] = {0};
    struct module m;
    double t0 = now_s();
    if (!p11_load(&m, a->name, a->module)) return 1;
    t[CS_LOAD] = now_s() - t0;
    CK_RV rv;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    CK_UTF8CHAR pin[] = BENCH_PIN;
    CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
    const struct alg_desc *d = alg_get(ALG_ECDSA);
    uint8_t sig[BENCH_SIG_MAX];
    CK_ULONG siglen = sizeof sig;
    STEP(CS_INIT, m.p->C_Initialize(NULL));
    STEP(CS_SLOTS, p11_find_token(&m, &m.slot));
    STEP(CS_OPEN, m.p->C_OpenSession(m.slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    STEP(CS_LOGIN, m.p->C_Login(s, CKU_USER, pin, (CK_ULONG)(sizeof pin - 1)));
    STEP(CS_FIND, p11_find_label(&m, s, BENCH_COLDKEY, &key));
    if (sign) {
        STEP(CS_SIGN, m.p->C_SignInit(s, &mech, key));
        STEP(CS_SIGN,
             m.p->C_Sign(s, (CK_BYTE_PTR)(uintptr_t)d->in, (CK_ULONG)d->inlen, sig, &siglen));
    }
    STEP(CS_FINAL, m.p->C_Finalize(NULL));
    for (int i = CS_INIT; i <= CS_FINAL; i++)
        if (i != CS_LOGIN) t[CS_REST] += t[i];
    for (int i = 0; i < CS_N; i++)
        printf("%s %.6f\n", cold_step_names[i], t[i] * 1e3);
out:
    if (rv != CKR_OK) fprintf(stderr, "bench: cold %s: %s\n", a->name, rv_name(rv));
    return rv == CKR_OK ? 0 : 1;
}

static int
child_find(const struct child_args *a)
{
    struct module m;
    if (!p11_load(&m, a->name, a->module)) return 1;
    CK_RV rv = p11_initialize(&m);
    if (rv == CKR_OK) rv = p11_find_token(&m, &m.slot);
    if (rv == CKR_OK) rv = p11_open_login(&m, &m.s);
    char label[32];
    data_label((a->n > 2 ? a->n - 2 : 1) / 2, label, sizeof label);
    CK_OBJECT_HANDLE h;
    /* The first find warms the session (and a lazily loaded store). */
    if (rv == CKR_OK) rv = p11_find_label(&m, m.s, label, &h);
    long n = 0;
    double t0 = now_s(), el = 0;
    while (rv == CKR_OK && el < a->secs) {
        rv = p11_find_label(&m, m.s, label, &h);
        n++;
        el = now_s() - t0;
    }
    if (rv != CKR_OK) {
        fprintf(stderr, "bench: find %s %s: %s\n", a->name, label, rv_name(rv));
        return 1;
    }
    printf("us %.6f\nfinds %ld\n", el * 1e6 / (double)n, n);
    m.p->C_Finalize(NULL);
    return 0;
}

int
child_main(int argc, char **argv)
{
    struct child_args a;
    if (!parse_child(argc, argv, &a)) {
        fprintf(stderr, "bench: bad child arguments\n");
        return 2;
    }
    alg_init();
    if (strcmp(a.mode, "populate") == 0) return child_populate(&a);
    if (strcmp(a.mode, "cold") == 0) return child_cold(&a, true);
    if (strcmp(a.mode, "rss") == 0) return child_cold(&a, false);
    if (strcmp(a.mode, "find") == 0) return child_find(&a);
    if (strcmp(a.mode, "idle") == 0) {
        printf("ok 1\n");
        return 0;
    }
    fprintf(stderr, "bench: unknown child mode %s\n", a.mode);
    return 2;
}
