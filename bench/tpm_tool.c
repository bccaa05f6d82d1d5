/*
 * tpm_tool.c: tpm2_sign, one process per signature, as a TPM benchmark
 * target (tpm.h). Without a resource manager tpm2-tools leave the key
 * they loaded in the TPM: tpm2_flushcontext -t clears it, untimed.
 */
#include "tpm.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

/* Run argv (at most 15 words) with its output thrown away: true when it
 * exits 0. posix_spawn wants mutable words: they are copied. */
static bool
tool_run(const char *const argv[])
{
    char *v[16] = {0};
    pid_t pid;
    int st, n = 0, rc = -1;
    while (n < 15 && argv[n] != NULL && (v[n] = strdup(argv[n])) != NULL)
        n++;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (argv[n] == NULL) rc = posix_spawnp(&pid, v[0], &fa, NULL, v, environ);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < n; i++)
        free(v[i]);
    if (rc != 0) return false;
    while (waitpid(pid, &st, 0) < 0)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

double
tpm_tool_batch(void *arg, int n)
{
    const struct tool_tgt *t = arg;
    const char *sign[] = {"tpm2_sign", "-c",    t->ctx, "-g",        "sha256",  "-d",
                          "-f",        "plain", "-o",   "/dev/null", t->digest, NULL};
    const char *flush[] = {"tpm2_flushcontext", "-t", NULL};
    double total = 0;
    setenv("TPM2TOOLS_TCTI", t->tcti, 1);
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        if (!tool_run(sign)) return -1;
        total += now_s() - t0;
        if (!tool_run(flush)) return -1;
    }
    return total / n;
}
