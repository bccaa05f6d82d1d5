/*
 * swtpm.h: a real software TPM for the tests: swtpm started on 127.0.0.1
 * (two free consecutive ports: the TPM and its control channel), state in
 * a fresh temporary directory, stopped by its PID.
 */
#ifndef CT_TEST_SWTPM_H
#define CT_TEST_SWTPM_H

#include <sys/types.h>

struct swtpm {
    pid_t pid;
    int port;       /* the TPM's; the control channel is port + 1 */
    char dir[64];   /* its state */
    char tcti[128]; /* "swtpm:host=127.0.0.1,port=N" */
};

/* Start one and wait until it accepts connections. 0, or -1 with a message
 * on stderr (swtpm missing, no port, no start within 10 s). */
int swtpm_start(struct swtpm *s);
/* Stop it (SIGTERM, then wait) and remove its state. */
void swtpm_stop(struct swtpm *s);
/* A port on 127.0.0.1 that nothing listens on (for an unreachable TCTI). */
int swtpm_dead_port(void);

#endif
