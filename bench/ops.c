/*
 * ops.c: one signature on any target, and the single-thread signature
 * figures.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

const char *const target_names[TGT_N] = {"credtoken", "softhsm2", "raw OpenSSL"};

bool
signer_op(void *arg)
{
    struct signer *g = arg;
    if (g->tgt == TGT_OSSL) {
        g->siglen = sizeof g->sig;
        return ossl_sign(g->ok, g->alg, g->sig, &g->siglen);
    }
    const struct alg_desc *d = alg_get(g->alg);
    CK_MECHANISM mech = {d->mech, NULL, 0};
    CK_ULONG len = sizeof g->sig;
    if (g->m->p->C_SignInit(g->s, &mech, g->key) != CKR_OK) return false;
    if (g->m->p->C_Sign(g->s, (CK_BYTE_PTR)(uintptr_t)d->in, (CK_ULONG)d->inlen, g->sig, &len) !=
        CKR_OK)
        return false;
    g->siglen = len;
    return true;
}

bool
bench_signer(struct bench *b, enum target t, enum alg a, CK_SESSION_HANDLE s, struct signer *g)
{
    const struct alg_desc *d = alg_get(a);
    memset(g, 0, sizeof *g);
    g->tgt = t;
    g->alg = a;
    if (t == TGT_OSSL) {
        g->ok = &b->ok;
        return true;
    }
    const struct module *m = &b->mod[t];
    if (!m->ok || !b->have_key[t][d->key] || !p11_has_mech(m, d->mech)) return false;
    g->m = m;
    g->s = s;
    g->key = b->key[t][d->key];
    return true;
}

/* One signature, verified with OpenSSL outside any timing. */
static bool
verify_once(struct bench *b, struct signer *g)
{
    if (!signer_op(g)) return false;
    EVP_PKEY *pub = g->tgt == TGT_OSSL ? b->ok.pkey[alg_get(g->alg)->key]
                                       : b->pub[g->tgt][alg_get(g->alg)->key];
    return ossl_verify(pub, g->alg, g->sig, g->siglen, g->tgt != TGT_OSSL);
}

static void
print_sign(const struct sign_res *s, const char *label)
{
    char num[32];
    printf("  %-32s", label);
    for (int t = 0; t < TGT_N; t++) {
        if (s->avail[t])
            printf(" %s %s/s", target_names[t],
                   fmt_num(series_median(&s->ops[t]), num, sizeof num));
        else
            printf(" %s n/a", target_names[t]);
        printf(t + 1 < TGT_N ? "," : "\n");
    }
    fflush(stdout);
}

static void
sign_one(struct bench *b, enum alg a)
{
    struct sign_res *res = &b->r->sign[a];
    struct signer g[TGT_N];
    for (int t = 0; t < TGT_N; t++) {
        res->listed[t] = bench_signer(b, (enum target)t, a, t < MOD_N ? b->mod[t].s : 0, &g[t]);
        res->avail[t] = res->listed[t];
        if (!res->avail[t]) continue;
        res->verified[t] = verify_once(b, &g[t]);
        if (!res->verified[t]) {
            fprintf(stderr, "bench: %s: %s signature does not verify\n", alg_get(a)->label,
                    target_names[t]);
            res->avail[t] = false;
        }
    }
    for (int r = 0; r < b->o->rounds; r++) {
        for (int i = 0; i < TGT_N; i++) {
            int t = rotate(r, i, TGT_N);
            if (!res->avail[t]) continue;
            double v = rate_run(signer_op, &g[t], b->o->secs);
            if (v < 0) {
                fprintf(stderr, "bench: %s: %s failed\n", alg_get(a)->label, target_names[t]);
                res->avail[t] = false;
                continue;
            }
            series_add(&res->ops[t], v);
        }
    }
    print_sign(res, alg_get(a)->label);
}

void
fig_sign(struct bench *b)
{
    printf("== signatures, 1 thread (ops/s, median of %d rounds of %.2f s)\n", b->o->rounds,
           b->o->secs);
    for (int a = 0; a < ALG_N; a++)
        sign_one(b, (enum alg)a);
    b->r->done |= FIG_SIGN;
}
