/*
 * use.c: one user of a TPM at a time (tpm.h, tpm_use_begin).
 *
 * Threads of this process take turns on a mutex; processes that share a
 * store take turns on an flock of a file in it, so that the commands of
 * one call (load, sign, flush) never interleave with another process's
 * and the TPM's few object slots are never full of both.
 *
 * The connection itself is kept between turns (one per process), except
 * on device:/dev/tpm0, which the kernel lets one process open at a time:
 * reconnecting costs more than the signature's own commands on swtpm. A
 * connection that failed (CKR_DEVICE_ERROR) is dropped and made again on
 * the next turn; a child after fork() makes its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "tpm/tpm_int.h"
#include "util/log.h"

static pthread_mutex_t use_mu = PTHREAD_MUTEX_INITIALIZER;
/* The kept connection (its TCTI: kept->tcti_name), under use_mu. */
static struct tpm *kept;
static pid_t kept_pid;

static int
use_flock(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        /* A read-only store: other processes cannot write it either, and
         * the TPM's own queue still serializes commands. */
        log_debug("TPM: no lock file %s (errno %d); using the TPM unserialized", path, errno);
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* Whether a connection to tcti may stay open between turns. */
static bool
use_keepable(const char *tcti)
{
    return strncmp(tcti, "device:/dev/tpm0", 16) != 0 && strcmp(tcti, "device") != 0;
}

CK_RV
tpm_use_begin(const struct tpm_where *w, struct tpm **out)
{
    (void)pthread_mutex_lock(&use_mu);
    int fd = use_flock(w->lock);
    if (kept != NULL && (kept_pid != getpid() || strcmp(kept->tcti_name, w->tcti) != 0)) {
        /* After fork() the parent's connection is not ours to use or close. */
        if (kept_pid == getpid()) tpm_close(kept);
        kept = NULL;
    }
    CK_RV rv = CKR_OK;
    if (kept != NULL) {
        *out = kept;
        kept = NULL;
    } else if ((rv = tpm_open(w->tcti, out)) == CKR_OK) {
        snprintf((*out)->tcti_name, sizeof(*out)->tcti_name, "%s", w->tcti);
    }
    if (rv != CKR_OK) {
        if (fd >= 0) close(fd);
        (void)pthread_mutex_unlock(&use_mu);
        return rv;
    }
    (*out)->lock_fd = fd;
    return CKR_OK;
}

void
tpm_use_end(struct tpm *t, CK_RV rv)
{
    if (t == NULL) return;
    int fd = t->lock_fd;
    t->lock_fd = -1;
    if (rv != CKR_DEVICE_ERROR && use_keepable(t->tcti_name)) {
        kept = t;
        kept_pid = getpid();
    } else {
        tpm_close(t);
    }
    if (fd >= 0) close(fd); /* releases the flock */
    (void)pthread_mutex_unlock(&use_mu);
}

void
tpm_use_release(void)
{
    (void)pthread_mutex_lock(&use_mu);
    if (kept != NULL && kept_pid == getpid()) tpm_close(kept);
    kept = NULL;
    (void)pthread_mutex_unlock(&use_mu);
}
