/*
 * fileio.c: the file backend's POSIX primitives. The one place errno
 * becomes CK_RV (file_rv), plus naming, whole-file reads, atomic replaces
 * and the sweeping of crashed writers' temporaries.
 */
#include "store/file/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/wipe.h"

static atomic_uint file_tmp_seq;

const char *
file_strerror(int e, char *buf, size_t len)
{
    /* The GNU strerror_r (we build with _GNU_SOURCE) returns the message. */
    return strerror_r(e, buf, len);
}

/* errno to CK_RV; wr says whether the failed operation was a write. */
CK_RV
file_rv(int e, int wr, const char *op, const char *path)
{
    char eb[128];
    const char *msg = file_strerror(e, eb, sizeof eb);
    switch (e) {
    case ENOSPC:
    case EDQUOT:
        log_err("%s %s: %s", op, path, msg);
        return CKR_DEVICE_MEMORY;
    case ENOMEM:
        return CKR_HOST_MEMORY;
    case EROFS:
    case EACCES:
    case EPERM:
        if (!wr) break;
        log_warn("%s %s: %s", op, path, msg);
        return CKR_TOKEN_WRITE_PROTECTED;
    default:
        break;
    }
    log_err("%s %s: %s", op, path, msg);
    return CKR_DEVICE_ERROR;
}

int
file_join(char out[PATH_MAX], const char *a, const char *b)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", a, b);
    return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int
file_hex16(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < 16; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return -1;
        x = x << 4 | d;
    }
    *v = x;
    return 0;
}

int
file_is_tok_name(const char *s)
{
    uint64_t v;
    return strlen(s) == STORE_NAME_LEN && file_hex16(s, &v) == 0;
}

void
file_rec_name(const struct store_rec_ref *r, char out[FILE_REC_NAME_LEN + 1])
{
    snprintf(out, FILE_REC_NAME_LEN + 1, "%016" PRIx64 "-%016" PRIx64 ".%s", r->id, r->ver,
             r->priv ? "prv" : "pub");
}

int
file_rec_parse(const char *s, struct store_rec_ref *r)
{
    if (strlen(s) != FILE_REC_NAME_LEN || s[16] != '-' || s[33] != '.') return -1;
    if (file_hex16(s, &r->id) != 0 || file_hex16(s + 17, &r->ver) != 0) return -1;
    if (r->id == 0 || r->ver == 0) return -1;
    if (strcmp(s + 34, "prv") == 0)
        r->priv = true;
    else if (strcmp(s + 34, "pub") == 0)
        r->priv = false;
    else
        return -1;
    return 0;
}

CK_RV
file_fsync_dirfd(int dfd, const char *path)
{
    if (fsync(dfd) != 0) return file_rv(errno, 1, "fsync", path);
    return CKR_OK;
}

CK_RV
file_fsync_dir(const char *path)
{
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return file_rv(errno, 1, "open", path);
    CK_RV rv = file_fsync_dirfd(dfd, path);
    close(dfd);
    return rv;
}

/* Read a whole regular file of at most max bytes. CKR_OBJECT_HANDLE_INVALID
 * (not logged) when it does not exist. */
CK_RV
file_read(const char *dir, const char *name, size_t max, uint8_t **out, size_t *outlen)
{
    CK_RV rv = CKR_DEVICE_ERROR;
    char path[PATH_MAX];
    uint8_t *p = NULL;
    size_t n = 0, got = 0;
    struct stat st;
    if (file_join(path, dir, name) != 0) return file_rv(ENAMETOOLONG, 0, "read", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? CKR_OBJECT_HANDLE_INVALID : file_rv(errno, 0, "open", path);
    if (fstat(fd, &st) != 0) {
        rv = file_rv(errno, 0, "stat", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > max) {
        log_err("%s: not a regular file or too large", path);
        goto out;
    }
    n = (size_t)st.st_size;
    rv = CKR_HOST_MEMORY;
    if ((p = malloc(n ? n : 1)) == NULL) goto out;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            rv = r < 0 ? file_rv(errno, 0, "read", path) : CKR_DEVICE_ERROR;
            if (r == 0) log_err("%s: file shrank while reading", path);
            goto out;
        }
        got += (size_t)r;
    }
    *out = p;
    *outlen = n;
    p = NULL;
    rv = CKR_OK;
out:
    wipe_free(p, n ? n : 1);
    close(fd);
    return rv;
}

CK_RV
file_write_all(int fd, const uint8_t *p, size_t n, const char *path)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return file_rv(errno, 1, "write", path);
        if (r == 0) return file_rv(EIO, 1, "write", path);
        p += r;
        n -= (size_t)r;
    }
    return CKR_OK;
}

/* Write n bytes to a fresh temporary in dfd, and fsync it if sync. */
static CK_RV
file_write_tmp(int dfd, const char *dir, const uint8_t *p, size_t n, bool sync, char tmp[64])
{
    char path[PATH_MAX];
    int fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        snprintf(tmp, 64, FILE_TMP "%ld-%u", (long)getpid(), atomic_fetch_add(&file_tmp_seq, 1));
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != EEXIST) break;
    }
    int e = errno;
    if (file_join(path, dir, tmp) != 0) snprintf(path, sizeof path, "%s", dir);
    if (fd < 0) {
        CK_RV rv = file_rv(e, 1, "create", path);
        tmp[0] = '\0';
        return rv;
    }
    CK_RV rv = file_write_all(fd, p, n, path);
    if (rv == CKR_OK && sync && fsync(fd) != 0) rv = file_rv(errno, 1, "fsync", path);
    if (close(fd) != 0 && rv == CKR_OK) rv = file_rv(errno, 1, "close", path);
    return rv;
}

static CK_RV
file_write_replace(const char *dir, const char *name, const uint8_t *p, size_t n, bool sync)
{
    char tmp[64] = "", path[PATH_MAX];
    CK_RV rv;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return file_rv(errno, 1, "open", dir);
    if ((rv = file_write_tmp(dfd, dir, p, n, sync, tmp)) != CKR_OK) goto out;
    if (renameat(dfd, tmp, dfd, name) != 0) {
        int e = errno;
        if (file_join(path, dir, name) != 0) snprintf(path, sizeof path, "%s", dir);
        rv = file_rv(e, 1, "rename", path);
        goto out;
    }
    tmp[0] = '\0';
    if (sync) rv = file_fsync_dirfd(dfd, dir);
out:
    if (tmp[0] != '\0') unlinkat(dfd, tmp, 0);
    close(dfd);
    return rv;
}

CK_RV
file_write_atomic(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    return file_write_replace(dir, name, p, n, true);
}

CK_RV
file_write_cached(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    return file_write_replace(dir, name, p, n, false);
}

static CK_RV
file_unlink_sync(const char *dir, const char *name, bool sync)
{
    char path[PATH_MAX];
    CK_RV rv = CKR_OK;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return file_rv(errno, 1, "open", dir);
    if (unlinkat(dfd, name, 0) != 0) {
        int e = errno;
        if (e != ENOENT) {
            if (file_join(path, dir, name) != 0) snprintf(path, sizeof path, "%s", dir);
            rv = file_rv(e, 1, "unlink", path);
        }
    } else if (sync) {
        rv = file_fsync_dirfd(dfd, dir);
    }
    close(dfd);
    return rv;
}

CK_RV
file_unlink(const char *dir, const char *name)
{
    return file_unlink_sync(dir, name, true);
}

CK_RV
file_unlink_cached(const char *dir, const char *name)
{
    return file_unlink_sync(dir, name, false);
}

/* fsync the directory that holds path (modified, then restored). */
static CK_RV
file_fsync_parent(char *path)
{
    char *slash = strrchr(path, '/');
    if (slash == NULL) return file_fsync_dir(".");
    if (slash == path) return file_fsync_dir("/");
    *slash = '\0';
    CK_RV rv = file_fsync_dir(path);
    *slash = '/';
    return rv;
}

/* mkdir -p with mode 0700 for every component created, each made durable. */
CK_RV
file_mkdirs(const char *path)
{
    char p[PATH_MAX];
    CK_RV rv;
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return file_rv(ENAMETOOLONG, 1, "mkdir", path);
    size_t n = strlen(p);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) == 0) {
            if ((rv = file_fsync_parent(p)) != CKR_OK) return rv;
        } else if (errno != EEXIST) {
            return file_rv(errno, 1, "mkdir", p);
        }
        p[i] = c;
    }
    return CKR_OK;
}

/* Remove dir pfd/name and everything under it (a token is two levels deep). */
void
file_rm_tree(int pfd, const char *name, int depth)
{
    int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOTDIR) unlinkat(pfd, name, 0);
        return;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        int isdir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN && fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            isdir = S_ISDIR(st.st_mode);
        if (isdir && depth < 4)
            file_rm_tree(fd, e->d_name, depth + 1);
        else
            unlinkat(fd, e->d_name, 0);
    }
    closedir(d);
    char eb[128];
    if (unlinkat(pfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        log_warn("cannot remove %s: %s", name, file_strerror(errno, eb, sizeof eb));
}

static int
file_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Unlink one entry of d if it is a writer's temporary older than before. */
int
file_sweep_one(DIR *d, const char *name, const struct timespec *before, const char *dir)
{
    struct stat st;
    if (strncmp(name, FILE_TMP, strlen(FILE_TMP)) != 0) return 0;
    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    if (!S_ISREG(st.st_mode) || !file_ts_before(&st.st_mtim, before)) return 0;
    if (unlinkat(dirfd(d), name, 0) != 0) return 0;
    log_warn("%s/%s: removed a temporary left by a crashed writer", dir, name);
    return 1;
}

/* Sweep the debris of crashed writers in dir (only with its lock held). */
void
file_sweep_dir(const char *dir, const struct timespec *before)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += file_sweep_one(d, e->d_name, before, dir);
    if (n) fsync(dirfd(d));
    closedir(d);
}

/* The root must be a directory that only its owner (and group) can write. */
CK_RV
file_check_dir(const char *path, const char *what)
{
    struct stat st;
    char eb[128];
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) return CKR_OK;
        log_err("%s %s: %s", what, path, file_strerror(errno, eb, sizeof eb));
        return CKR_GENERAL_ERROR;
    }
    if (!S_ISDIR(st.st_mode)) {
        log_err("%s %s is not a directory", what, path);
        return CKR_GENERAL_ERROR;
    }
    if (st.st_mode & S_IWOTH) {
        log_err("%s %s is world-writable (mode %04o): refusing to use it; chmod o-w it", what, path,
                (unsigned)(st.st_mode & 07777));
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}
