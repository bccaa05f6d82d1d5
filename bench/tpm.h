/*
 * tpm.h: the benchmark's TPM section (bench_tpm): ECDSA P-256 signature
 * latency on one TPM, through credtoken's TPM backend, through tpm2-pkcs11
 * (Debian's libtpm2-pkcs11-1), through tpm2_sign, and with raw ESYS calls
 * in-process, in one run (bench/tpm.sh sets up swtpm and the tokens).
 *
 * Every target signs the same 32-byte digest with CKM_ECDSA or its TPM
 * equivalent. A round runs each target's batch of signatures back to back
 * in a rotating order; setup and teardown (C_Initialize and login, loading
 * a key, flushing what a tool left loaded) are outside the timed part.
 */
#ifndef BENCH_TPM_H
#define BENCH_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A batch: setup, n timed signatures, teardown. Returns the mean seconds
 * per signature, or a negative value with a message on stderr. */
struct tpm_target {
    const char *name;
    const char *what; /* one line for the report */
    double (*batch)(void *ctx, int n);
    void *ctx;
};

/* A PKCS#11 module whose token labelled "bench" (user PIN 12345678) holds
 * an EC key labelled key (tpm_p11.c). */
struct p11_tgt {
    const char *path;
    const char *key;
};
double tpm_p11_batch(void *p11_tgt, int n);

/* Raw ESYS on tcti (tpm_raw.c): tpm_raw_setup makes a P-256 signing key
 * and keeps its saved context. same: per signature, the TPM commands
 * credtoken sends (ContextLoad, Sign, FlushContext) on an open connection;
 * sign: Esys_Sign alone on a key loaded once, the TPM's own time. */
struct raw_tgt;
struct raw_tgt *tpm_raw_setup(const char *tcti);
double tpm_raw_same_batch(void *raw_tgt, int n);
double tpm_raw_sign_batch(void *raw_tgt, int n);

/* tpm2_sign -c ctx, one process per signature (tpm_tool.c); tpm2_flushcontext
 * -t after each, untimed. */
struct tool_tgt {
    const char *tcti;
    const char *ctx;    /* the key's context file */
    const char *digest; /* a file with the 32-byte digest */
};
double tpm_tool_batch(void *tool_tgt, int n);

extern const uint8_t tpm_digest[32];

#endif
