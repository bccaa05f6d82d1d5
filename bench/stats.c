/*
 * stats.c: time, per-round series, and the timed loop.
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void
series_add(struct series *s, double v)
{
    if (s->n < BENCH_MAX_ROUNDS) s->v[s->n++] = v;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double
series_median(const struct series *s)
{
    if (s->n == 0) return 0;
    double v[BENCH_MAX_ROUNDS];
    memcpy(v, s->v, (size_t)s->n * sizeof v[0]);
    qsort(v, (size_t)s->n, sizeof v[0], cmp_double);
    if (s->n % 2) return v[s->n / 2];
    return (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

double
series_min(const struct series *s)
{
    double m = s->n ? s->v[0] : 0;
    for (int i = 1; i < s->n; i++)
        if (s->v[i] < m) m = s->v[i];
    return m;
}

double
series_max(const struct series *s)
{
    double m = s->n ? s->v[0] : 0;
    for (int i = 1; i < s->n; i++)
        if (s->v[i] > m) m = s->v[i];
    return m;
}

void
series_ratio(const struct series *a, const struct series *b, struct series *out)
{
    out->n = 0;
    int n = a->n < b->n ? a->n : b->n;
    for (int i = 0; i < n; i++)
        if (b->v[i] > 0) series_add(out, a->v[i] / b->v[i]);
}

int
rotate(int round, int i, int n)
{
    return (round + i) % n;
}

double
rate_run(bool (*op)(void *), void *arg, double secs)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        if (!op(arg)) return -1;
        n++;
        t = now_s();
    } while (t - t0 < secs);
    return (double)n / (t - t0);
}
