/*
 * report.c: the markdown report: machine and versions, the targets, then
 * every figure with its median, min-max and ratios. Printed on stdout and
 * written to <results>/<YYYY-MM-DD>.md.
 */
#include "bench.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

const char *
fmt_num(double v, char *buf, size_t len)
{
    if (v < 100) {
        snprintf(buf, len, v < 10 ? "%.2f" : "%.1f", v);
        return buf;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", v);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *
fmt_count(size_t n, char *buf, size_t len)
{
    if (n < 1000) {
        snprintf(buf, len, "%zu", n);
        return buf;
    }
    return fmt_num((double)n, buf, len);
}

const char *
fmt_cell(const struct series *s, char *buf, size_t len)
{
    if (s->n == 0) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    char a[32], b[32], c[32];
    snprintf(buf, len, "%s (%s–%s)", fmt_num(series_median(s), a, sizeof a),
             fmt_num(series_min(s), b, sizeof b), fmt_num(series_max(s), c, sizeof c));
    return buf;
}

const char *
fmt_ratio(const struct series *a, const struct series *b, char *buf, size_t len)
{
    struct series q;
    series_ratio(a, b, &q);
    if (q.n == 0) {
        snprintf(buf, len, "—");
        return buf;
    }
    if (series_median(&q) >= 10)
        snprintf(buf, len, "%.1f × (%.1f–%.1f)", series_median(&q), series_min(&q), series_max(&q));
    else
        snprintf(buf, len, "%.2f × (%.2f–%.2f)", series_median(&q), series_min(&q), series_max(&q));
    return buf;
}

/* The first line a shell command prints, or "unknown". */
static void
cmd_line(const char *cmd, char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *p = popen(cmd, "r");
    if (p == NULL) return;
    char line[256];
    if (fgets(line, sizeof line, p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = strlen(line);
        if (n > 0 && n < len) memcpy(buf, line, n + 1);
    }
    pclose(p);
}

/* The value of "key : value" in a /proc file. */
static void
proc_field(const char *path, const char *key, char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, strlen(key)) != 0) continue;
        char *v = strchr(line, ':');
        if (v == NULL) continue;
        v += 1 + strspn(v + 1, " \t");
        v[strcspn(v, "\n")] = '\0';
        snprintf(buf, len, "%s", v);
        break;
    }
    fclose(f);
}

static const char *
fs_name(const char *path)
{
    struct statfs st;
    if (statfs(path, &st) != 0) return "unknown";
    switch ((unsigned long)st.f_type) {
    case 0xEF53UL:
        return "ext4";
    case 0x01021994UL:
        return "tmpfs (fsync is free)";
    case 0x58465342UL:
        return "xfs";
    case 0x9123683EUL:
        return "btrfs";
    case 0x794c7630UL:
        return "overlayfs";
    default:
        return "other";
    }
}

static void
machine_write(FILE *f, const struct opts *o, const struct results *r)
{
    char cpu[256], mem[64], git[128], sh[64], cmd[4400];
    struct utsname u;
    proc_field("/proc/cpuinfo", "model name", cpu, sizeof cpu);
    proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem);
    snprintf(cmd, sizeof cmd,
             "GIT_OPTIONAL_LOCKS=0 git -C '%s' describe --always --tags --dirty 2>/dev/null",
             o->source_dir);
    cmd_line(cmd, git, sizeof git);
    cmd_line("dpkg-query -W -f='${Version}' softhsm2 2>/dev/null", sh, sizeof sh);
    if (uname(&u) != 0) snprintf(u.release, sizeof u.release, "unknown");
    fprintf(f, "## Machine and versions\n\n| | |\n|---|---|\n");
    fprintf(f, "| CPU | %s |\n| nproc | %ld |\n| Memory | %.1f GiB |\n", cpu,
            sysconf(_SC_NPROCESSORS_ONLN), strtod(mem, NULL) / (1024 * 1024));
    fprintf(f, "| Kernel | %s %s |\n| Store filesystem | %s |\n", u.sysname, u.release,
            fs_name(o->tmp));
    fprintf(f, "| Load average (1 min) | %.2f at start, %.2f at end |\n", r->load_start,
            r->load_end);
    fprintf(f, "| credtoken | %s (`git describe`), %s |\n", git, o->module_path[TGT_CT]);
    fprintf(f, "| softhsm2 | %s (Debian package), %s |\n", sh, o->module_path[TGT_SH]);
    fprintf(f, "| OpenSSL | %s |\n", OpenSSL_version(OPENSSL_VERSION));
    fprintf(f,
            "| Method | %d rounds; %.2f s per target and round for rates; "
            "credtoken kdf_target_ms = %d; whole run %.0f s |\n\n",
            o->rounds, o->secs, o->kdf_ms, r->wall_s);
}

static void
sign_write(FILE *f, const struct results *r)
{
    fprintf(f, "## Signatures, 1 thread (ops/s)\n\n"
               "Each operation is C_SignInit + C_Sign on a logged-in session; raw OpenSSL does "
               "the same work with a fresh EVP_PKEY_CTX / EVP_MD_CTX / EVP_MAC_CTX per signature "
               "on a key parsed once. Every target's signature was verified with OpenSSL. "
               "*not listed*: the module's C_GetMechanismList lacks the mechanism.\n\n");
    fprintf(f, "| Mechanism | credtoken | softhsm2 | raw OpenSSL | credtoken / raw OpenSSL "
               "| credtoken / softhsm2 |\n|---|---|---|---|---|---|\n");
    char c[TGT_N][96], q1[96], q2[96];
    for (int a = 0; a < ALG_N; a++) {
        const struct sign_res *s = &r->sign[a];
        for (int t = 0; t < TGT_N; t++) {
            fmt_cell(&s->ops[t], c[t], sizeof c[t]);
            if (s->ops[t].n > 0) continue;
            snprintf(c[t], sizeof c[t], "%s",
                     !s->listed[t]     ? "not listed"
                     : !s->verified[t] ? "**verify FAILED**"
                                       : "**failed**");
        }
        fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", alg_get((enum alg)a)->label, c[0], c[1],
                c[2], fmt_ratio(&s->ops[TGT_CT], &s->ops[TGT_OSSL], q1, sizeof q1),
                fmt_ratio(&s->ops[TGT_CT], &s->ops[TGT_SH], q2, sizeof q2));
    }
    fprintf(f, "\n");
}

static void
threads_write(FILE *f, const struct results *r)
{
    fprintf(f, "## Thread scaling (ops/s in total, one session per thread)\n\n"
               "| Mechanism | Threads | credtoken | × 1 thread | softhsm2 | × 1 thread "
               "| raw OpenSSL | × 1 thread | credtoken / raw OpenSSL |\n"
               "|---|---|---|---|---|---|---|---|---|\n");
    char c[TGT_N][96], x[TGT_N][96], q[96];
    for (int ai = 0; ai < THR_ALGS; ai++) {
        for (int k = 0; k < THR_N; k++) {
            const struct series *s[TGT_N];
            for (int t = 0; t < TGT_N; t++) {
                s[t] = &r->thr[ai][t][k];
                fmt_cell(s[t], c[t], sizeof c[t]);
                fmt_ratio(s[t], &r->thr[ai][t][0], x[t], sizeof x[t]);
            }
            fprintf(f, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
                    alg_get(thr_algs[ai])->label, thr_counts[k], c[0], x[0], c[1], x[1], c[2], x[2],
                    fmt_ratio(s[TGT_CT], s[TGT_OSSL], q, sizeof q));
        }
    }
    fprintf(f,
            "\nThe machine's ceiling, measured in the same rounds: raw OpenSSL with nothing shared "
            "between threads and nothing made per signature (each thread signs with its own copy "
            "of the key through one context made once). No implementation scales past it here.\n\n"
            "| Mechanism | Threads | ops/s | × 1 thread |\n|---|---|---|---|\n");
    for (int ai = 0; ai < THR_ALGS; ai++)
        for (int k = 0; k < THR_N; k++) {
            fmt_cell(&r->thr_ceiling[ai][k], c[0], sizeof c[0]);
            fmt_ratio(&r->thr_ceiling[ai][k], &r->thr_ceiling[ai][0], x[0], sizeof x[0]);
            fprintf(f, "| %s | %d | %s | %s |\n", alg_get(thr_algs[ai])->label, thr_counts[k], c[0],
                    x[0]);
        }
    fprintf(f, "\n");
}

static void
cold_write(FILE *f, const struct opts *o, const struct results *r)
{
    fprintf(f, "## Cold start (ms, each run in a fresh process)\n\n"
               "C_Initialize → C_GetSlotList (+ C_GetTokenInfo) → C_OpenSession → C_Login → "
               "C_FindObjectsInit by CKA_LABEL + C_FindObjects + Final → C_SignInit + C_Sign "
               "(CKM_ECDSA) → C_Finalize, each step timed. \"Without login\" is the sum of all "
               "steps but C_Login; dlopen is shown apart and not included.\n\n");
    fprintf(f, "| Objects | Module | dlopen | C_Initialize | slots | C_OpenSession | C_Login "
               "(PIN KDF) | find | sign | C_Finalize | without login |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|\n");
    char c[CS_N][96], n[32];
    for (int ci = 0; ci < o->ncounts; ci++) {
        for (int m = 0; m < MOD_N; m++) {
            for (int k = 0; k < CS_N; k++)
                fmt_cell(&r->cold[ci][m][k], c[k], sizeof c[k]);
            fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                    fmt_count(o->counts[ci], n, sizeof n), target_names[m], c[CS_LOAD], c[CS_INIT],
                    c[CS_SLOTS], c[CS_OPEN], c[CS_LOGIN], c[CS_FIND], c[CS_SIGN], c[CS_FINAL],
                    c[CS_REST]);
        }
    }
    fprintf(f, "\n| Ratio (without login) | credtoken | softhsm2 |\n|---|---|---|\n");
    char q1[96], q2[96], a[32];
    for (int ci = 1; ci < o->ncounts; ci++) {
        fmt_count(o->counts[ci], a, sizeof a);
        fprintf(
            f, "| %s vs %s objects | %s | %s |\n", a, fmt_count(o->counts[0], n, sizeof n),
            fmt_ratio(&r->cold[ci][TGT_CT][CS_REST], &r->cold[0][TGT_CT][CS_REST], q1, sizeof q1),
            fmt_ratio(&r->cold[ci][TGT_SH][CS_REST], &r->cold[0][TGT_SH][CS_REST], q2, sizeof q2));
    }
    for (int ci = 0; ci < o->ncounts; ci++)
        fprintf(
            f, "| credtoken / softhsm2, %s objects | %s | |\n",
            fmt_count(o->counts[ci], n, sizeof n),
            fmt_ratio(&r->cold[ci][TGT_CT][CS_REST], &r->cold[ci][TGT_SH][CS_REST], q1, sizeof q1));
    fprintf(f, "\n");
}

static void
find_create_write(FILE *f, const struct opts *o, const struct results *r)
{
    char c1[96], c2[96], q[96], n[32];
    if (r->done & FIG_FIND) {
        fprintf(f, "## Find by label among %s objects (µs per find)\n\n",
                fmt_count(r->find_count, n, sizeof n));
        fprintf(f, "A warm, logged-in session: C_FindObjectsInit (CKA_LABEL matching one object) "
                   "+ C_FindObjects + C_FindObjectsFinal.\n\n");
        fprintf(f, "| credtoken | softhsm2 | credtoken / softhsm2 |\n|---|---|---|\n");
        fprintf(f, "| %s | %s | %s |\n\n", fmt_cell(&r->find_us[TGT_CT], c1, sizeof c1),
                fmt_cell(&r->find_us[TGT_SH], c2, sizeof c2),
                fmt_ratio(&r->find_us[TGT_CT], &r->find_us[TGT_SH], q, sizeof q));
    }
    if (r->done & FIG_CREATE) {
        fprintf(f,
                "## Object creation (per second, warm logged-in session)\n\n"
                "%d C_CreateObject calls and %d C_GenerateKeyPair calls per target and "
                "round.\n\n| Operation | credtoken | softhsm2 | credtoken / softhsm2 |\n"
                "|---|---|---|---|\n",
                o->create_data, o->create_keys);
        fprintf(f, "| CKO_DATA token objects (half private) | %s | %s | %s |\n",
                fmt_cell(&r->create_data[TGT_CT], c1, sizeof c1),
                fmt_cell(&r->create_data[TGT_SH], c2, sizeof c2),
                fmt_ratio(&r->create_data[TGT_CT], &r->create_data[TGT_SH], q, sizeof q));
        fprintf(f, "| EC P-256 token key pairs (2 objects each) | %s | %s | %s |\n\n",
                fmt_cell(&r->create_keys[TGT_CT], c1, sizeof c1),
                fmt_cell(&r->create_keys[TGT_SH], c2, sizeof c2),
                fmt_ratio(&r->create_keys[TGT_CT], &r->create_keys[TGT_SH], q, sizeof q));
    }
    if (r->done & (FIG_COLD | FIG_FIND | FIG_RSS)) {
        fprintf(f, "Populating the tokens once (informational; a child process per module, "
                   "including token initialization): \n\n| Objects | credtoken | softhsm2 |\n"
                   "|---|---|---|\n");
        for (int ci = 0; ci < o->ncounts; ci++)
            if (r->populate_s[ci][0] > 0)
                fprintf(f, "| %s | %.1f s | %.1f s |\n", fmt_count(o->counts[ci], n, sizeof n),
                        r->populate_s[ci][0], r->populate_s[ci][1]);
        fprintf(f, "\n");
    }
}

static void
rss_write(FILE *f, const struct results *r)
{
    char c1[96], c2[96], c3[96], q[96], n[32];
    fprintf(f, "## Peak RSS with %s objects (KiB)\n\n", fmt_count(r->rss_count, n, sizeof n));
    fprintf(f, "ru_maxrss of a child that dlopens the module, initializes, opens a session, logs "
               "in, finds one object by label and finalizes. The bench binary alone (libc and "
               "libcrypto loaded) is the baseline.\n\n");
    fprintf(f, "| credtoken | softhsm2 | baseline | credtoken / softhsm2 |\n|---|---|---|---|\n");
    fprintf(f, "| %s | %s | %s | %s |\n\n", fmt_cell(&r->rss_kb[TGT_CT], c1, sizeof c1),
            fmt_cell(&r->rss_kb[TGT_SH], c2, sizeof c2), fmt_cell(&r->rss_base_kb, c3, sizeof c3),
            fmt_ratio(&r->rss_kb[TGT_CT], &r->rss_kb[TGT_SH], q, sizeof q));
}

/* Did every credtoken and raw OpenSSL figure asked for produce values? */
static bool
complete(const struct opts *o, const struct results *r)
{
    bool ok = true;
    for (int a = 0; a < ALG_N && (o->only & FIG_SIGN); a++)
        for (int t = 0; t < TGT_N; t += 2)
            if (r->sign[a].ops[t].n == 0 && !(a == ALG_EDDSA && t == TGT_CT)) ok = false;
    if ((o->only & FIG_THREADS) && r->thr[0][TGT_CT][THR_N - 1].n == 0) ok = false;
    if ((o->only & FIG_COLD) && r->cold[o->ncounts - 1][TGT_CT][CS_REST].n == 0) ok = false;
    if ((o->only & FIG_FIND) && r->find_us[TGT_CT].n == 0) ok = false;
    if ((o->only & FIG_CREATE) && r->create_keys[TGT_CT].n == 0) ok = false;
    if ((o->only & FIG_RSS) && r->rss_kb[TGT_CT].n == 0) ok = false;
    return ok;
}

static void
body_write(FILE *f, const struct opts *o, const struct results *r, const char *date)
{
    fprintf(f, "# credtoken benchmark, %s\n\n", date);
    fprintf(f,
            "Written by `./bench.sh` (`bench/`): credtoken against softhsm2 and raw OpenSSL 3 "
            "EVP in one run. Each figure runs %d rounds; in each round every target runs back "
            "to back, in an order that rotates from round to round. Cells are the median "
            "(min–max) over the rounds. Ratios are computed round by round, then the median "
            "(min–max) is shown: they are the headline, as absolute times drift on a shared "
            "machine.\n\n",
            o->rounds);
    machine_write(f, o, r);
    int met, missed;
    fprintf(f, "## Targets\n\n");
    targets_write(f, o, r, &met, &missed);
    fprintf(f, "\n%d MET, %d MISSED.\n\n", met, missed);
    if (r->done & FIG_SIGN) sign_write(f, r);
    if (r->done & FIG_THREADS) threads_write(f, r);
    if (r->done & FIG_COLD) cold_write(f, o, r);
    find_create_write(f, o, r);
    if (r->done & FIG_RSS) rss_write(f, r);
}

bool
report_write(const struct opts *o, const struct results *r)
{
    char date[32], *text = NULL;
    size_t len = 0;
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d", localtime_r(&now, &tm));
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) return false;
    body_write(f, o, r, date);
    if (fclose(f) != 0) return false;
    printf("\n%s", text);
    bool ok = complete(o, r);
    if (o->results_dir != NULL) {
        char path[4200];
        /* A partial run (--only) does not overwrite the day's full results. */
        char suffix[128] = "";
        if (o->only_name != NULL) {
            snprintf(suffix, sizeof suffix, "-only-%s", o->only_name);
            for (char *p = suffix; *p != '\0'; p++)
                if (*p == ',') *p = '-';
        }
        snprintf(path, sizeof path, "%s/%s%s.md", o->results_dir, date, suffix);
        FILE *out = NULL;
        if (mkdir(o->results_dir, 0755) == 0 || errno == EEXIST) out = fopen(path, "w");
        if (out == NULL || fputs(text, out) < 0 || fclose(out) != 0) {
            fprintf(stderr, "bench: cannot write %s\n", path);
            ok = false;
        } else {
            printf("results: %s\n", path);
        }
    }
    free(text);
    if (!ok) fprintf(stderr, "bench: some credtoken or raw OpenSSL figures are missing\n");
    return ok;
}
