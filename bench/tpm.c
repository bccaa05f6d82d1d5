/*
 * tpm.c: bench_tpm, the benchmark's TPM section (tpm.h): options, rounds,
 * and the report. bench/tpm.sh runs it on a fresh swtpm.
 */
#include "tpm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const uint8_t tpm_digest[32] = {0x5f, 0x7b, 0x2e, 0x31, 0x06, 0x9a, 0x44, 0xd2, 0x8c, 0x10, 0xee,
                                0x73, 0x41, 0x29, 0xb5, 0x0d, 0x66, 0xfa, 0x13, 0x87, 0x2c, 0x95,
                                0x3e, 0xd1, 0x70, 0x0b, 0x58, 0xa4, 0xc9, 0x1f, 0xe6, 0x42};

enum { T_CT, T_TP, T_RAW_SAME, T_RAW_SIGN, T_TOOL, T_N };

int
main(int argc, char **argv)
{
    const char *ct = NULL, *tp = NULL, *tcti = NULL, *ctx = NULL, *dig = NULL, *out = NULL;
    int rounds = 5, n = 200, ntool = 40;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--credtoken"))
            ct = v;
        else if (!strcmp(k, "--tpm2-pkcs11"))
            tp = v;
        else if (!strcmp(k, "--tcti"))
            tcti = v;
        else if (!strcmp(k, "--tool-ctx"))
            ctx = v;
        else if (!strcmp(k, "--digest"))
            dig = v;
        else if (!strcmp(k, "--results"))
            out = v;
        else if (!strcmp(k, "--rounds"))
            rounds = atoi(v);
        else if (!strcmp(k, "--sigs"))
            n = atoi(v);
        else if (!strcmp(k, "--tool-sigs"))
            ntool = atoi(v);
    }
    if (ct == NULL || tp == NULL || tcti == NULL || ctx == NULL || dig == NULL || rounds < 1 ||
        rounds > BENCH_MAX_ROUNDS || n < 1 || ntool < 1) {
        fprintf(stderr,
                "usage: bench_tpm --credtoken SO --tpm2-pkcs11 SO --tcti TCTI --tool-ctx "
                "CTX --digest FILE [--rounds R] [--sigs N] [--tool-sigs N] [--results F]\n");
        return 2;
    }
    struct p11_tgt pct = {ct, "tpmkey"}, ptp = {tp, "k"};
    struct tool_tgt tool = {tcti, ctx, dig};
    struct raw_tgt *raw = tpm_raw_setup(tcti);
    if (raw == NULL) return 1;
    const struct tpm_target tg[T_N] = {
        {"credtoken", "credtoken, TPM backend: C_SignInit + C_Sign (CKM_ECDSA)", tpm_p11_batch,
         &pct},
        {"tpm2-pkcs11", "tpm2-pkcs11 1.9 (libtpm2-pkcs11-1): C_SignInit + C_Sign", tpm_p11_batch,
         &ptp},
        {"raw, same commands",
         "ESYS in-process, the commands credtoken sends: ContextLoad, Sign, FlushContext",
         tpm_raw_same_batch, raw},
        {"raw, Sign only", "ESYS in-process: Esys_Sign on a loaded key, connection open",
         tpm_raw_sign_batch, raw},
        {"tpm2_sign", "tpm2_sign -c key.ctx -d, one process per signature", tpm_tool_batch, &tool},
    };
    struct series s[T_N] = {0};
    for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < T_N; j++) {
            int t = rotate(r, j, T_N);
            double v = tg[t].batch(tg[t].ctx, t == T_TOOL ? ntool : n);
            if (v < 0) {
                fprintf(stderr, "bench_tpm: %s failed\n", tg[t].name);
                return 1;
            }
            series_add(&s[t], v);
        }
    }
    FILE *f = out != NULL ? fopen(out, "w") : stdout;
    if (f == NULL) f = stdout;
    fprintf(f, "## TPM: ECDSA P-256 signature latency on one swtpm (direct TCTI %s)\n\n", tcti);
    fprintf(f,
            "%d rounds, targets in rotating order; %d signatures per target and round (%d for "
            "tpm2_sign). Median of the per-round means, min-max.\n\n",
            rounds, n, ntool);
    fprintf(f, "| target | ms per signature | min-max | credtoken / target |\n|---|---|---|---|\n");
    for (int t = 0; t < T_N; t++) {
        struct series q;
        memset(&q, 0, sizeof q);
        series_ratio(&s[T_CT], &s[t], &q);
        fprintf(f, "| %s | %.3f | %.3f-%.3f | %.2fx |\n", tg[t].name, series_median(&s[t]) * 1e3,
                series_min(&s[t]) * 1e3, series_max(&s[t]) * 1e3, series_median(&q));
    }
    fprintf(f, "\n");
    for (int t = 0; t < T_N; t++)
        fprintf(f, "- %s: %s\n", tg[t].name, tg[t].what);
    if (f != stdout) {
        fclose(f);
        printf("bench_tpm: results in %s\n", out);
    }
    return 0;
}
