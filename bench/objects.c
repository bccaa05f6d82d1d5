/*
 * objects.c: object creation rate on a warm, logged-in session: C_CreateObject
 * of CKO_DATA token objects (half private) and C_GenerateKeyPair of EC P-256
 * token keys, a fixed number per target and round.
 */
#include "bench.h"

#include <stdio.h>

/* Objects per second for count creations, or -1 on failure. */
static double
create_data(const struct module *m, int round, int count)
{
    char label[48];
    double t0 = now_s();
    for (int i = 0; i < count; i++) {
        snprintf(label, sizeof label, "new-%d-%d", round, i);
        CK_RV rv = p11_create_data(m, m->s, label, i % 2 == 1);
        if (rv != CKR_OK) {
            fprintf(stderr, "bench: %s: C_CreateObject: %s\n", m->name, rv_name(rv));
            return -1;
        }
    }
    return count / (now_s() - t0);
}

static double
create_keys(const struct module *m, int count)
{
    double t0 = now_s();
    for (int i = 0; i < count; i++) {
        CK_OBJECT_HANDLE pub, priv;
        CK_RV rv = p11_gen_ec(m, m->s, NULL, NULL, &pub, &priv);
        if (rv != CKR_OK) {
            fprintf(stderr, "bench: %s: C_GenerateKeyPair: %s\n", m->name, rv_name(rv));
            return -1;
        }
    }
    return count / (now_s() - t0);
}

void
fig_create(struct bench *b)
{
    const struct opts *o = b->o;
    printf("== object creation (%d CKO_DATA objects and %d EC P-256 key pairs per round)\n",
           o->create_data, o->create_keys);
    bool ok[MOD_N];
    for (int m = 0; m < MOD_N; m++)
        ok[m] = b->mod[m].ok;
    for (int r = 0; r < o->rounds; r++) {
        for (int i = 0; i < MOD_N; i++) {
            int m = rotate(r, i, MOD_N);
            double v = ok[m] ? create_data(&b->mod[m], r, o->create_data) : -1;
            if (v < 0)
                ok[m] = false;
            else
                series_add(&b->r->create_data[m], v);
        }
        for (int i = 0; i < MOD_N; i++) {
            int m = rotate(r, i, MOD_N);
            double v = ok[m] ? create_keys(&b->mod[m], o->create_keys) : -1;
            if (v < 0)
                ok[m] = false;
            else
                series_add(&b->r->create_keys[m], v);
        }
    }
    char n1[32], n2[32];
    for (int m = 0; m < MOD_N; m++)
        if (ok[m])
            printf("  %-12s %s objects/s, %s key pairs/s\n", b->mod[m].name,
                   fmt_num(series_median(&b->r->create_data[m]), n1, sizeof n1),
                   fmt_num(series_median(&b->r->create_keys[m]), n2, sizeof n2));
    fflush(stdout);
    b->r->done |= FIG_CREATE;
}
