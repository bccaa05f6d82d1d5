/*
 * coldstart.c: the figures that need fresh processes, on tokens holding
 * many objects: cold start, find by label, peak RSS. Each big token is
 * populated once per run (a child per module and object count) and reused
 * by all three figures.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

struct proc {
    const struct opts *o;
    struct results *r;
    char conf[BENCH_MAX_COUNTS][MOD_N][4400];
    bool avail[BENCH_MAX_COUNTS][MOD_N];
};

static void
populate(struct proc *c, int ci)
{
    size_t n = c->o->counts[ci];
    char tag[32], nbuf[32], out[1024];
    snprintf(tag, sizeof tag, "n%zu", n);
    snprintf(nbuf, sizeof nbuf, "%zu", n);
    for (int m = 0; m < MOD_N; m++) {
        printf("  populating %s with %zu objects\n", target_names[m], n);
        fflush(stdout);
        double t0 = now_s();
        const char *args[] = {
            "populate", "--module", c->o->module_path[m], "--name", target_names[m], "--n",
            nbuf,       NULL};
        c->avail[ci][m] = store_conf(c->o, m, tag, c->conf[ci][m], sizeof c->conf[ci][m]) &&
                          child_run(c->o, m, c->conf[ci][m], args, out, sizeof out, NULL);
        c->r->populate_s[ci][m] = now_s() - t0;
        if (!c->avail[ci][m]) fprintf(stderr, "bench: populating %s failed\n", target_names[m]);
    }
}

static void
cold_print(const struct proc *c)
{
    for (int ci = 0; ci < c->o->ncounts; ci++) {
        for (int m = 0; m < MOD_N; m++) {
            if (!c->avail[ci][m]) continue;
            const struct series *s = c->r->cold[ci][m];
            printf("  %-10s %6zu objects: login %.2f ms, without login %.2f ms (", target_names[m],
                   c->o->counts[ci], series_median(&s[CS_LOGIN]), series_median(&s[CS_REST]));
            for (int k = CS_INIT; k <= CS_FINAL; k++)
                if (k != CS_LOGIN)
                    printf("%s %.2f%s", cold_step_names[k], series_median(&s[k]),
                           k < CS_FINAL ? ", " : ")\n");
        }
    }
}

static void
cold_rounds(struct proc *c)
{
    const struct opts *o = c->o;
    printf("== cold start (fresh process, ms)\n");
    int combos = o->ncounts * MOD_N;
    char out[2048];
    for (int r = 0; r < o->rounds; r++) {
        for (int i = 0; i < combos; i++) {
            int idx = rotate(r, i, combos), ci = idx / MOD_N, m = idx % MOD_N;
            if (!c->avail[ci][m]) continue;
            const char *args[] = {"cold",   "--module",      o->module_path[m],
                                  "--name", target_names[m], NULL};
            if (!child_run(o, m, c->conf[ci][m], args, out, sizeof out, NULL)) {
                fprintf(stderr, "bench: cold start %s failed\n", target_names[m]);
                c->avail[ci][m] = false;
                continue;
            }
            for (int k = 0; k < CS_N; k++) {
                double v;
                if (child_value(out, cold_step_names[k], &v)) series_add(&c->r->cold[ci][m][k], v);
            }
        }
    }
    cold_print(c);
    c->r->done |= FIG_COLD;
}

static void
find_rounds(struct proc *c, int ci)
{
    const struct opts *o = c->o;
    char nbuf[32], sbuf[32], out[1024];
    snprintf(nbuf, sizeof nbuf, "%zu", o->counts[ci]);
    snprintf(sbuf, sizeof sbuf, "%.3f", o->secs);
    printf("== find by label among %zu objects (us per find)\n", o->counts[ci]);
    c->r->find_count = o->counts[ci];
    bool ok[MOD_N] = {c->avail[ci][0], c->avail[ci][1]};
    for (int r = 0; r < o->rounds; r++) {
        for (int i = 0; i < MOD_N; i++) {
            int m = rotate(r, i, MOD_N);
            if (!ok[m]) continue;
            const char *args[] = {"find", "--module", o->module_path[m], "--name", target_names[m],
                                  "--n",  nbuf,       "--secs",          sbuf,     NULL};
            double v;
            if (!child_run(o, m, c->conf[ci][m], args, out, sizeof out, NULL) ||
                !child_value(out, "us", &v)) {
                fprintf(stderr, "bench: find %s failed\n", target_names[m]);
                ok[m] = false;
                continue;
            }
            series_add(&c->r->find_us[m], v);
        }
    }
    for (int m = 0; m < MOD_N; m++)
        if (ok[m]) printf("  %-10s %.2f us\n", target_names[m], series_median(&c->r->find_us[m]));
    c->r->done |= FIG_FIND;
}

static void
rss_rounds(struct proc *c, int ci)
{
    const struct opts *o = c->o;
    printf("== peak RSS, %zu objects (KiB)\n", o->counts[ci]);
    c->r->rss_count = o->counts[ci];
    char out[1024];
    bool ok[MOD_N + 1] = {c->avail[ci][0], c->avail[ci][1], true};
    for (int r = 0; r < o->rounds; r++) {
        for (int i = 0; i <= MOD_N; i++) {
            int m = rotate(r, i, MOD_N + 1);
            if (!ok[m]) continue;
            const char *args[] = {m < MOD_N ? "rss" : "idle",        "--module",
                                  o->module_path[m < MOD_N ? m : 0], "--name",
                                  target_names[m < MOD_N ? m : 0],   NULL};
            long kb = 0;
            if (!child_run(o, m < MOD_N ? m : 0, c->conf[ci][m < MOD_N ? m : 0], args, out,
                           sizeof out, &kb)) {
                fprintf(stderr, "bench: rss %s failed\n", m < MOD_N ? target_names[m] : "idle");
                ok[m] = false;
                continue;
            }
            series_add(m < MOD_N ? &c->r->rss_kb[m] : &c->r->rss_base_kb, (double)kb);
        }
    }
    for (int m = 0; m < MOD_N; m++)
        if (ok[m]) printf("  %-10s %.0f KiB\n", target_names[m], series_median(&c->r->rss_kb[m]));
    printf("  %-10s %.0f KiB (the bench binary alone)\n", "baseline",
           series_median(&c->r->rss_base_kb));
    c->r->done |= FIG_RSS;
}

void
fig_process(const struct opts *o, struct results *r)
{
    if (!(o->only & (FIG_COLD | FIG_FIND | FIG_RSS))) return;
    static struct proc c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.r = r;
    int big = o->ncounts - 1;
    printf("== populating tokens\n");
    for (int ci = 0; ci < o->ncounts; ci++)
        if ((o->only & FIG_COLD) || ci == big) populate(&c, ci);
    if (o->only & FIG_COLD) cold_rounds(&c);
    if (o->only & FIG_FIND) find_rounds(&c, big);
    if (o->only & FIG_RSS) rss_rounds(&c, big);
    fflush(stdout);
}
