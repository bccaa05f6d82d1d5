/*
 * targets.c: the Targets table. Every verdict is computed from this run's
 * measurements: a ratio target compares the median of the round-by-round
 * ratios with the goal; an absolute target compares the median.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

struct row {
    char what[128];
    const char *goal;
    char measured[128];
    int met; /* 1 MET, 0 MISSED, -1 not measured */
};

/* Ratio a / b against goal: at least (ge) or at most. */
static void
ratio_row(struct row *w, const struct series *a, const struct series *b, double goal, bool ge)
{
    struct series q;
    series_ratio(a, b, &q);
    if (q.n == 0) {
        w->met = -1;
        snprintf(w->measured, sizeof w->measured, "not measured");
        return;
    }
    fmt_ratio(a, b, w->measured, sizeof w->measured);
    double med = series_median(&q);
    w->met = ge ? med >= goal : med <= goal;
}

static void
sign_rows(struct row *w, const struct results *r)
{
    snprintf(w[0].what, sizeof w[0].what, "ECDSA P-256 sign, 1 thread");
    w[0].goal = "≥ 0.90 × raw OpenSSL";
    ratio_row(&w[0], &r->sign[ALG_ECDSA].ops[TGT_CT], &r->sign[ALG_ECDSA].ops[TGT_OSSL], 0.90,
              true);
    snprintf(w[1].what, sizeof w[1].what, "RSA-2048 sign, 1 thread");
    w[1].goal = "≥ 0.95 × raw OpenSSL";
    ratio_row(&w[1], &r->sign[ALG_RSA_PKCS].ops[TGT_CT], &r->sign[ALG_RSA_PKCS].ops[TGT_OSSL], 0.95,
              true);
    snprintf(w[2].what, sizeof w[2].what, "HMAC-SHA256 sign");
    w[2].goal = "≥ 5 × softhsm2";
    ratio_row(&w[2], &r->sign[ALG_HMAC].ops[TGT_CT], &r->sign[ALG_HMAC].ops[TGT_SH], 5, true);
}

static void
thread_rows(struct row *w, const struct results *r)
{
    static const char *const names[THR_ALGS] = {"ECDSA P-256", "RSA-2048"};
    for (int ai = 0; ai < THR_ALGS; ai++) {
        snprintf(w[ai].what, sizeof w[ai].what, "2 threads vs 1 (%s)", names[ai]);
        w[ai].goal = "≥ 1.85 ×";
        ratio_row(&w[ai], &r->thr[ai][TGT_CT][1], &r->thr[ai][TGT_CT][0], 1.85, true);
        /* The machine's own ceiling: raw OpenSSL in the same rounds. */
        struct series q;
        series_ratio(&r->thr[ai][TGT_OSSL][1], &r->thr[ai][TGT_OSSL][0], &q);
        size_t n = strlen(w[ai].measured);
        if (w[ai].met >= 0 && q.n > 0)
            snprintf(w[ai].measured + n, sizeof w[ai].measured - n, "; raw OpenSSL %.2f ×",
                     series_median(&q));
        /* And what this machine gives with nothing shared and nothing made per op. */
        struct series c;
        series_ratio(&r->thr_ceiling[ai][1], &r->thr_ceiling[ai][0], &c);
        n = strlen(w[ai].measured);
        if (w[ai].met >= 0 && c.n > 0)
            snprintf(w[ai].measured + n, sizeof w[ai].measured - n, "; machine ceiling %.2f ×",
                     series_median(&c));
    }
}

static void
process_rows(struct row *w, const struct opts *o, const struct results *r)
{
    char a[32], b[32];
    int big = o->ncounts - 1;
    fmt_count(o->counts[big], a, sizeof a);
    fmt_count(o->counts[0], b, sizeof b);
    snprintf(w[0].what, sizeof w[0].what, "cold start without login, %s vs %s objects", a, b);
    w[0].goal = "≤ 1.2 ×";
    if (big > 0) {
        ratio_row(&w[0], &r->cold[big][TGT_CT][CS_REST], &r->cold[0][TGT_CT][CS_REST], 1.2, false);
    } else {
        w[0].met = -1;
        snprintf(w[0].measured, sizeof w[0].measured, "not measured (one object count)");
    }
    fmt_count(r->find_count, a, sizeof a);
    snprintf(w[1].what, sizeof w[1].what, "find by label among %s objects", a);
    w[1].goal = "< 100 µs";
    const struct series *f = &r->find_us[TGT_CT];
    w[1].met = f->n ? series_median(f) < 100 : -1;
    fmt_cell(f, w[1].measured, sizeof w[1].measured);
    if (f->n) strncat(w[1].measured, " µs", sizeof w[1].measured - strlen(w[1].measured) - 1);
}

static void
create_rss_rows(struct row *w, const struct results *r)
{
    snprintf(w[0].what, sizeof w[0].what, "object creation rate (CKO_DATA)");
    w[0].goal = "≥ 5 × softhsm2";
    ratio_row(&w[0], &r->create_data[TGT_CT], &r->create_data[TGT_SH], 5, true);
    snprintf(w[1].what, sizeof w[1].what, "object creation rate (EC P-256 key pairs)");
    w[1].goal = "≥ 5 × softhsm2";
    ratio_row(&w[1], &r->create_keys[TGT_CT], &r->create_keys[TGT_SH], 5, true);
    char a[32];
    fmt_count(r->rss_count, a, sizeof a);
    snprintf(w[2].what, sizeof w[2].what, "peak RSS with %s objects", a);
    w[2].goal = "≤ softhsm2";
    const struct series *c = &r->rss_kb[TGT_CT], *s = &r->rss_kb[TGT_SH];
    if (c->n == 0 || s->n == 0) {
        w[2].met = -1;
        snprintf(w[2].measured, sizeof w[2].measured, "not measured");
        return;
    }
    double mc = series_median(c), ms = series_median(s);
    w[2].met = mc <= ms;
    snprintf(w[2].measured, sizeof w[2].measured, "%.1f MiB vs %.1f MiB (%.2f ×)", mc / 1024,
             ms / 1024, mc / ms);
}

void
targets_write(FILE *f, const struct opts *o, const struct results *r, int *met, int *missed)
{
    struct row w[10];
    memset(w, 0, sizeof w);
    sign_rows(&w[0], r);
    thread_rows(&w[3], r);
    process_rows(&w[5], o, r);
    create_rss_rows(&w[7], r);
    fprintf(f, "| Target | Goal | Measured (median of rounds, min–max) | Result |\n");
    fprintf(f, "|---|---|---|---|\n");
    *met = *missed = 0;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        const char *res = w[i].met == 1 ? "MET" : w[i].met == 0 ? "MISSED" : "—";
        if (w[i].met == 1) (*met)++;
        if (w[i].met == 0) (*missed)++;
        fprintf(f, "| %s | %s | %s | %s |\n", w[i].what, w[i].goal, w[i].measured, res);
    }
}
