/*
 * use.c: one user of a TPM at a time (tpm.h, tpm_use_begin).
 *
 * Threads of this process take turns on a mutex; processes that share a
 * store take turns on an flock of a file in it. A direct TCTI serves one
 * connection: whoever holds it holds the TPM, so it is held only for the
 * commands of one call, and everything loaded is flushed before it is let
 * go. Through a resource manager the turns cost little and keep the
 * transient objects of one process at one or two.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include "tpm/tpm_int.h"
#include "util/log.h"

static pthread_mutex_t use_mu = PTHREAD_MUTEX_INITIALIZER;

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

CK_RV
tpm_use_begin(const char *tcti, const char *lock_path, struct tpm **out)
{
    (void)pthread_mutex_lock(&use_mu);
    int fd = lock_path != NULL ? use_flock(lock_path) : -1;
    CK_RV rv = tpm_open(tcti, out);
    if (rv != CKR_OK) {
        if (fd >= 0) close(fd);
        (void)pthread_mutex_unlock(&use_mu);
        return rv;
    }
    (*out)->lock_fd = fd;
    return CKR_OK;
}

void
tpm_use_end(struct tpm *t)
{
    if (t == NULL) return;
    int fd = t->lock_fd;
    tpm_close(t);
    if (fd >= 0) close(fd); /* releases the flock */
    (void)pthread_mutex_unlock(&use_mu);
}
