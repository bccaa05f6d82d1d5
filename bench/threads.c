/*
 * threads.c: thread scaling. N threads sign at once, each on its own
 * session (raw OpenSSL: each with its own contexts on one shared key).
 * Also the machine's ceiling: raw OpenSSL with nothing shared between the
 * threads and nothing made per signature (a private key copy and one
 * context per thread), which bounds what any implementation can scale to
 * on this machine.
 */
#include "bench.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

const int thr_counts[THR_N] = {1, 2, 4};
const enum alg thr_algs[THR_ALGS] = {ALG_ECDSA, ALG_RSA_PKCS};
#define THR_MAX 4

struct worker {
    struct signer g;
    pthread_barrier_t *start;
    double secs;
    double rate; /* ops/s, -1 on failure */
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_barrier_wait(w->start);
    w->rate = rate_run(signer_op, &w->g, w->secs);
    return NULL;
}

/* Total ops/s of n threads of target t on alg a; -1 on failure. */
static double
run_threads(struct bench *b, enum target t, enum alg a, int n,
            const CK_SESSION_HANDLE sess[THR_MAX])
{
    struct worker w[THR_MAX];
    pthread_t th[THR_MAX];
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, (unsigned)n) != 0) return -1;
    for (int i = 0; i < n; i++) {
        if (!bench_signer(b, t, a, t < MOD_N ? sess[i] : 0, &w[i].g)) {
            pthread_barrier_destroy(&start);
            return -1;
        }
        w[i].start = &start;
        w[i].secs = b->o->secs;
        w[i].rate = -1;
    }
    for (int i = 0; i < n; i++) {
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0) {
            /* Started threads wait at the barrier for ever: give up the run. */
            fprintf(stderr, "bench: cannot start %d threads\n", n);
            exit(1);
        }
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        if (w[i].rate < 0) total = -1;
        if (total >= 0) total += w[i].rate;
    }
    pthread_barrier_destroy(&start);
    return total;
}

struct ceiling {
    EVP_PKEY_CTX *c;
    enum alg a;
    pthread_barrier_t *start;
    double secs, rate;
};

static bool
ceiling_op(void *arg)
{
    struct ceiling *w = arg;
    uint8_t sig[BENCH_SIG_MAX];
    size_t len = sizeof sig;
    return ossl_ceiling_sign(w->c, w->a, sig, &len);
}

static void *
ceiling_main(void *arg)
{
    struct ceiling *w = arg;
    pthread_barrier_wait(w->start);
    w->rate = rate_run(ceiling_op, w, w->secs);
    return NULL;
}

/* Total ops/s of the ceiling with n threads; -1 on failure. */
static double
run_ceiling(struct bench *b, enum alg a, int n)
{
    struct ceiling w[THR_MAX];
    pthread_t th[THR_MAX];
    pthread_barrier_t start;
    double total = 0;
    int made = 0;
    if (pthread_barrier_init(&start, NULL, (unsigned)n) != 0) return -1;
    for (; made < n; made++) {
        w[made] = (struct ceiling){ossl_ceiling_ctx(&b->ok, a), a, &start, b->o->secs, -1};
        if (w[made].c == NULL) break;
    }
    if (made == n) {
        for (int i = 0; i < n; i++)
            if (pthread_create(&th[i], NULL, ceiling_main, &w[i]) != 0) {
                fprintf(stderr, "bench: cannot start %d threads\n", n);
                exit(1);
            }
        for (int i = 0; i < n; i++) {
            pthread_join(th[i], NULL);
            total = total < 0 || w[i].rate < 0 ? -1 : total + w[i].rate;
        }
    } else {
        total = -1;
    }
    for (int i = 0; i < made; i++)
        EVP_PKEY_CTX_free(w[i].c);
    pthread_barrier_destroy(&start);
    return total;
}

static void
print_threads(struct bench *b, int ai)
{
    char num[32];
    printf("  %s\n", alg_get(thr_algs[ai])->label);
    for (int t = 0; t < TGT_N; t++) {
        if (!b->r->thr_avail[ai][t]) continue;
        printf("    %-12s", target_names[t]);
        double one = series_median(&b->r->thr[ai][t][0]);
        for (int k = 0; k < THR_N; k++) {
            double v = series_median(&b->r->thr[ai][t][k]);
            printf("  %d: %s/s (%.2fx)", thr_counts[k], fmt_num(v, num, sizeof num),
                   one > 0 ? v / one : 0);
        }
        printf("\n");
    }
    double one = series_median(&b->r->thr_ceiling[ai][0]);
    if (one > 0) {
        printf("    %-12s", "ceiling");
        for (int k = 0; k < THR_N; k++) {
            double v = series_median(&b->r->thr_ceiling[ai][k]);
            printf("  %d: %s/s (%.2fx)", thr_counts[k], fmt_num(v, num, sizeof num), v / one);
        }
        printf("\n");
    }
    fflush(stdout);
}

static void
threads_one(struct bench *b, int ai, CK_SESSION_HANDLE sess[MOD_N][THR_MAX])
{
    enum alg a = thr_algs[ai];
    for (int t = 0; t < TGT_N; t++) {
        struct signer probe;
        b->r->thr_avail[ai][t] = b->r->sign[a].avail[t] || !(b->r->done & FIG_SIGN);
        if (b->r->thr_avail[ai][t])
            b->r->thr_avail[ai][t] =
                bench_signer(b, (enum target)t, a, t < MOD_N ? sess[t][0] : 0, &probe);
    }
    for (int r = 0; r < b->o->rounds; r++) {
        for (int k = 0; k < THR_N; k++) {
            for (int i = 0; i < TGT_N; i++) {
                int t = rotate(r, i, TGT_N);
                if (!b->r->thr_avail[ai][t]) continue;
                double v =
                    run_threads(b, (enum target)t, a, thr_counts[k], t < MOD_N ? sess[t] : sess[0]);
                if (v < 0) {
                    fprintf(stderr, "bench: threads: %s failed\n", target_names[t]);
                    b->r->thr_avail[ai][t] = false;
                    continue;
                }
                series_add(&b->r->thr[ai][t][k], v);
            }
            /* The ceiling runs in the same rounds, so noise hits it alike. */
            double c = run_ceiling(b, a, thr_counts[k]);
            if (c > 0) series_add(&b->r->thr_ceiling[ai][k], c);
        }
    }
    print_threads(b, ai);
}

void
fig_threads(struct bench *b)
{
    printf("== thread scaling (total ops/s; one session per thread)\n");
    CK_SESSION_HANDLE sess[MOD_N][THR_MAX] = {{0}};
    for (int m = 0; m < MOD_N; m++) {
        for (int i = 0; i < THR_MAX && b->mod[m].ok; i++) {
            CK_RV rv = p11_open_login(&b->mod[m], &sess[m][i]);
            if (rv != CKR_OK) {
                fprintf(stderr, "bench: %s: session %d: %s\n", b->mod[m].name, i, rv_name(rv));
                b->mod[m].ok = false;
            }
        }
    }
    for (int ai = 0; ai < THR_ALGS; ai++)
        threads_one(b, ai, sess);
    for (int m = 0; m < MOD_N; m++)
        for (int i = 0; i < THR_MAX; i++)
            if (sess[m][i] != 0) b->mod[m].p->C_CloseSession(sess[m][i]);
    b->r->done |= FIG_THREADS;
}
