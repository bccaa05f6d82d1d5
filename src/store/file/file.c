/*
 * file.c: the POSIX file backend (fileio.c has its primitives, journal.c
 * the record journal).
 *
 * Layout under the root (every directory 0700, every file 0600):
 *   lock                     store-wide flock: token creation, slot IDs
 *   next_slot                u64 BE: the next slot ID to hand out
 *   listgen                  the token list's generation (backend.h)
 *   tokens/<serial>/header   the token header (header.h)
 *   tokens/<serial>/gen      u64 BE generation counter
 *   tokens/<serial>/lock     the token's writer flock
 *   tokens/<serial>/journal  the record journal (journal.h)
 *   tokens/<serial>/catalog  the record catalog, a cache (store/catalog.h)
 *   tokens/<serial>/objects/<id:016x>-<ver:016x>.<pub|prv>   sealed records
 * Every file is replaced by writing ".tmp-<pid>-<n>" in the same directory
 * and renaming it. Record files are made durable by their journal entry;
 * every other file by fsync before the rename and of the directory after. A token is built in
 * tokens/.tmp-<serial> and renamed into place, so it appears complete or not
 * at all; removal renames it to tokens/.del-<serial> first. Writers hold the
 * relevant flock, so any temporary left behind is debris of a crashed writer:
 * the next lock holder sweeps those older than its lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "store/backend.h"
#include "store/file/fileio.h"
#include "store/file/journal.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/wipe.h"

struct store_backend {
    char root[PATH_MAX];
    char tokens[PATH_MAX];
    int root_lock; /* -1 when not held */
};

struct store_btok {
    struct store_backend *b;
    char name[STORE_NAME_LEN + 1];
    char dir[PATH_MAX];
    char objs[PATH_MAX];
    int lock_fd;                /* -1 when not held */
    struct timespec lock_start; /* CLOCK_REALTIME when the lock was taken */
    bool dir_swept;             /* the token directory was swept once */
    bool can_write;             /* the last writability probe's answer */
    struct timespec probed;     /* CLOCK_MONOTONIC of that probe; 0: never */
    struct journal *j;          /* record writes go through it (journal.h) */
};

static CK_RV file_flock(const char *dir, int *out);
static CK_RV file_settle(struct store_btok *t, bool *changed);

static CK_RV
file_open(const char *root, struct store_backend **out)
{
    CK_RV rv;
    struct store_backend *b = calloc(1, sizeof *b);
    if (b == NULL) return CKR_HOST_MEMORY;
    b->root_lock = -1;
    if (root == NULL || root[0] == '\0' ||
        snprintf(b->root, sizeof b->root, "%s", root) >= PATH_MAX ||
        file_join(b->tokens, b->root, "tokens") != 0) {
        log_err("store root path is empty or too long");
        rv = CKR_GENERAL_ERROR;
        goto out;
    }
    if ((rv = file_check_dir(b->root, "store root")) != CKR_OK) goto out;
    if ((rv = file_check_dir(b->tokens, "store directory")) != CKR_OK) goto out;
    *out = b;
    b = NULL;
out:
    free(b);
    return rv;
}

static void
file_close(struct store_backend *b)
{
    if (b == NULL) return;
    if (b->root_lock >= 0) close(b->root_lock);
    free(b);
}

static bool
file_can_write(const char *path, bool missing_ok)
{
    struct statvfs v;
    if (access(path, W_OK) != 0) return missing_ok && errno == ENOENT;
    if (statvfs(path, &v) == 0 && (v.f_flag & ST_RDONLY)) return false;
    return true;
}

/* A token's writability is probed (access + statvfs, twice) at most once a
 * second: a remount is noticed within a second, and a write that fails on
 * a read-only filesystem says so itself (CKR_TOKEN_WRITE_PROTECTED). */
static bool
file_writable(struct store_backend *b, struct store_btok *t)
{
    if (t == NULL) return file_can_write(b->root, true);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (t->probed.tv_sec != 0 && now.tv_sec - t->probed.tv_sec < 1) return t->can_write;
    t->can_write = file_can_write(t->dir, false) && file_can_write(t->objs, false);
    t->probed = now;
    return t->can_write;
}

static CK_RV
file_seq_get(struct store_backend *b, uint64_t *next)
{
    uint8_t *p = NULL;
    size_t n = 0;
    CK_RV rv = file_read(b->root, "next_slot", 8, &p, &n);
    if (rv == CKR_OBJECT_HANDLE_INVALID) {
        *next = 0;
        return CKR_OK;
    }
    if (rv == CKR_OK && n != 8) {
        log_err("%s/next_slot: bad length %zu", b->root, n);
        rv = CKR_DEVICE_ERROR;
    }
    if (rv == CKR_OK) *next = load_be64(p);
    wipe_free(p, n);
    return rv;
}

static CK_RV
file_seq_put(struct store_backend *b, uint64_t next)
{
    uint8_t v[8];
    store_be64(v, next);
    return file_write_atomic(b->root, "next_slot", v, sizeof v);
}

static CK_RV
file_tok_list(struct store_backend *b, struct store_tok_name **names, size_t *n)
{
    struct store_tok_name *v = NULL;
    size_t cnt = 0, cap = 0;
    CK_RV rv = CKR_OK;
    DIR *d = opendir(b->tokens);
    if (d == NULL) {
        if (errno != ENOENT) return file_rv(errno, 0, "open", b->tokens);
        *names = NULL;
        *n = 0;
        return CKR_OK;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!file_is_tok_name(e->d_name)) continue;
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
        if (e->d_type == DT_UNKNOWN &&
            (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)))
            continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 8;
            struct store_tok_name *nv = reallocarray(v, nc, sizeof *v);
            if (nv == NULL) {
                rv = CKR_HOST_MEMORY;
                goto out;
            }
            v = nv;
            cap = nc;
        }
        memcpy(v[cnt].s, e->d_name, STORE_NAME_LEN); /* file_is_tok_name checked the length */
        v[cnt++].s[STORE_NAME_LEN] = '\0';
    }
    *names = v;
    *n = cnt;
    v = NULL;
out:
    free(v);
    closedir(d);
    return rv;
}

static CK_RV
file_tok_open(struct store_backend *b, const char *name, struct store_btok **out)
{
    if (!file_is_tok_name(name)) {
        log_err("%s: bad token name", name);
        return CKR_DEVICE_ERROR;
    }
    struct store_btok *t = calloc(1, sizeof *t);
    if (t == NULL) return CKR_HOST_MEMORY;
    t->b = b;
    t->lock_fd = -1;
    snprintf(t->name, sizeof t->name, "%s", name);
    if (file_join(t->dir, b->tokens, name) != 0 || file_join(t->objs, t->dir, "objects") != 0) {
        free(t);
        return file_rv(ENAMETOOLONG, 0, "open", b->tokens);
    }
    if ((t->j = journal_new(t->dir, t->objs)) == NULL) {
        free(t);
        return CKR_HOST_MEMORY;
    }
    *out = t;
    return CKR_OK;
}

static void
file_tok_close(struct store_btok *t)
{
    if (t == NULL) return;
    /* A handle that wrote leaves an empty journal behind: a store closed
     * cleanly never needs a replay, even on media later made read-only. */
    if (journal_dirty(t->j) && t->lock_fd < 0 && file_flock(t->dir, &t->lock_fd) == CKR_OK &&
        !journal_stale(t->j)) { /* not replaced since */
        bool changed;
        if (file_settle(t, &changed) != CKR_OK || journal_checkpoint(t->j) != CKR_OK)
            log_warn("%s: the journal was left for the next process to check", t->dir);
    }
    if (t->lock_fd >= 0) close(t->lock_fd);
    journal_free(t->j);
    free(t);
}

/* Remove the debris of crashed token creations and removals (root lock held). */
static void
file_sweep_tokens(int tfd)
{
    DIR *d;
    int fd = dup(tfd);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0) close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, FILE_TMP, strlen(FILE_TMP)) == 0 ||
            strncmp(e->d_name, FILE_DEL, strlen(FILE_DEL)) == 0)
            file_rm_tree(tfd, e->d_name, 0);
    }
    closedir(d);
}

/* The gen file: the counter, then its complement. A reader that meets a
 * half-written bump sees them disagree and reads again, so it never takes
 * a torn value (which could equal a future generation) for a real one.
 * Stores written before the complement was added hold the 8 bytes only. */
#define FILE_GEN_LEN 16

static void
file_gen_encode(uint8_t v[FILE_GEN_LEN], uint64_t gen)
{
    store_be64(v, gen);
    store_be64(v + 8, ~gen);
}

/* The counter in n bytes of the gen file; false if torn or malformed. */
static bool
file_gen_decode(const uint8_t *v, size_t n, uint64_t *gen)
{
    if (n == 8) {
        *gen = load_be64(v);
        return true;
    }
    if (n != FILE_GEN_LEN || load_be64(v) != ~load_be64(v + 8)) return false;
    *gen = load_be64(v);
    return true;
}

static CK_RV
file_gen_encode_put(const char *dir, uint64_t gen)
{
    uint8_t v[FILE_GEN_LEN];
    file_gen_encode(v, gen);
    return file_write_atomic(dir, "gen", v, sizeof v);
}

/* root/listgen: the token list's generation, in the gen file's format. */
static CK_RV
file_list_gen_get(struct store_backend *b, uint64_t *gen)
{
    uint8_t *p = NULL;
    size_t n = 0;
    CK_RV rv = file_read(b->root, "listgen", FILE_GEN_LEN, &p, &n);
    *gen = 0;
    if (rv == CKR_OBJECT_HANDLE_INVALID) return CKR_OK;
    if (rv == CKR_OK && !file_gen_decode(p, n, gen)) {
        log_err("%s/listgen: malformed", b->root);
        rv = CKR_DEVICE_ERROR;
    }
    wipe_free(p, n);
    return rv;
}

static CK_RV
file_list_gen_put(struct store_backend *b, uint64_t gen)
{
    uint8_t v[FILE_GEN_LEN];
    file_gen_encode(v, gen);
    return file_write_cached(b->root, "listgen", v, sizeof v);
}

/* Fill a fresh token directory: objects/, lock, header, gen. */
static CK_RV
file_tok_fill(const char *dir, const uint8_t *hdr, size_t hlen, uint64_t gen)
{
    char path[PATH_MAX];
    CK_RV rv;
    if (file_join(path, dir, "objects") != 0) return file_rv(ENAMETOOLONG, 1, "mkdir", dir);
    if (mkdir(path, 0700) != 0) return file_rv(errno, 1, "mkdir", path);
    if ((rv = file_fsync_dir(path)) != CKR_OK) return rv;
    if (file_join(path, dir, "lock") != 0) return file_rv(ENAMETOOLONG, 1, "create", dir);
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return file_rv(errno, 1, "create", path);
    close(fd);
    if ((rv = file_write_atomic(dir, "header", hdr, hlen)) != CKR_OK) return rv;
    return file_gen_encode_put(dir, gen); /* its directory fsync covers every entry */
}

/* Build a complete token directory at tokens/tmpname (tfd: tokens/): the
 * header, generation and records, all durable. Removed again on failure. */
static CK_RV
file_tok_build(int tfd, const char *tokens, const char *tmpname, const uint8_t *hdr, size_t hlen,
               uint64_t gen, const struct store_blob *recs, size_t n)
{
    char tmp[PATH_MAX], objs[PATH_MAX], rname[FILE_REC_NAME_LEN + 1];
    CK_RV rv;
    if (file_join(tmp, tokens, tmpname) != 0 || file_join(objs, tmp, "objects") != 0)
        return file_rv(ENAMETOOLONG, 1, "mkdir", tokens);
    if (mkdirat(tfd, tmpname, 0700) != 0) return file_rv(errno, 1, "mkdir", tmp);
    rv = file_tok_fill(tmp, hdr, hlen, gen);
    /* The records, durable before the token appears. */
    for (size_t i = 0; rv == CKR_OK && i < n; i++) {
        file_rec_name(&recs[i].ref, rname);
        rv = file_write_atomic(objs, rname, recs[i].p, recs[i].n);
    }
    if (rv != CKR_OK) file_rm_tree(tfd, tmpname, 0);
    return rv;
}

/* tokens/ opened, with the debris of crashed creations and replacements
 * swept (root lock held). */
static CK_RV
file_tokens_open(struct store_backend *b, int *tfd)
{
    CK_RV rv = file_mkdirs(b->tokens);
    if (rv != CKR_OK) return rv;
    if ((*tfd = open(b->tokens, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return file_rv(errno, 1, "open", b->tokens);
    file_sweep_tokens(*tfd);
    return CKR_OK;
}

static CK_RV
file_tok_create_recs(struct store_backend *b, const char *name, const uint8_t *hdr, size_t hlen,
                     uint64_t gen, const struct store_blob *recs, size_t n, struct store_btok **out)
{
    char tmpname[64];
    int tfd;
    if (!file_is_tok_name(name)) return CKR_DEVICE_ERROR;
    CK_RV rv = file_tokens_open(b, &tfd);
    if (rv != CKR_OK) return rv;
    snprintf(tmpname, sizeof tmpname, FILE_TMP "%s", name);
    if ((rv = file_tok_build(tfd, b->tokens, tmpname, hdr, hlen, gen, recs, n)) != CKR_OK) goto out;
    /* renameat fails (EEXIST/ENOTEMPTY) rather than replace an existing token. */
    if (renameat(tfd, tmpname, tfd, name) != 0) {
        rv = file_rv(errno, 1, "rename", tmpname);
        file_rm_tree(tfd, tmpname, 0);
        goto out;
    }
    if ((rv = file_fsync_dirfd(tfd, b->tokens)) != CKR_OK) goto out;
    rv = file_tok_open(b, name, out);
out:
    close(tfd);
    return rv;
}

/* The old directory is built aside and swapped in with one
 * renameat2(RENAME_EXCHANGE): every reader opens either the old token or
 * the new one, and a crash leaves one of them in place, the other as
 * debris that the next root lock holder sweeps. The token's lock file
 * moves with the old directory: file_lock() notices and takes the new one. */
static CK_RV
file_tok_replace_recs(struct store_backend *b, struct store_btok *t, uint64_t gen,
                      const struct store_blob *recs, size_t n)
{
    char tmpname[64];
    uint8_t *hdr = NULL;
    size_t hlen = 0;
    int tfd = -1;
    struct journal *nj = journal_new(t->dir, t->objs);
    CK_RV rv = nj != NULL ? CKR_OK : CKR_HOST_MEMORY;
    if (rv == CKR_OK) rv = file_read(t->dir, "header", STORE_HDR_MAX, &hdr, &hlen);
    if (rv == CKR_OK) rv = file_tokens_open(b, &tfd);
    if (rv != CKR_OK) goto out;
    snprintf(tmpname, sizeof tmpname, FILE_TMP "%s", t->name);
    if ((rv = file_tok_build(tfd, b->tokens, tmpname, hdr, hlen, gen, recs, n)) != CKR_OK) goto out;
    if (renameat2(tfd, tmpname, tfd, t->name, RENAME_EXCHANGE) != 0) {
        int e = errno;
        if (e == EINVAL || e == ENOSYS)
            log_err("%s: this file system cannot exchange directories atomically; "
                    "the set was not replaced",
                    b->tokens);
        rv = file_rv(e, 1, "exchange", t->dir);
        file_rm_tree(tfd, tmpname, 0);
        goto out;
    }
    /* Durable from here; what is left is the old directory, now debris. */
    (void)file_fsync_dirfd(tfd, b->tokens);
    file_rm_tree(tfd, tmpname, 0);
    journal_free(t->j);
    t->j = nj;
    nj = NULL;
    t->dir_swept = false;
out:
    if (t->lock_fd >= 0) close(t->lock_fd);
    t->lock_fd = -1;
    journal_free(nj);
    if (hdr != NULL) wipe_free(hdr, hlen);
    if (tfd >= 0) close(tfd);
    return rv;
}

static CK_RV
file_tok_create(struct store_backend *b, const char *name, const uint8_t *hdr, size_t hlen,
                uint64_t gen, struct store_btok **out)
{
    return file_tok_create_recs(b, name, hdr, hlen, gen, NULL, 0, out);
}

static CK_RV
file_tok_remove(struct store_backend *b, struct store_btok *t)
{
    char del[64];
    CK_RV rv;
    int tfd = open(b->tokens, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0) return file_rv(errno, 1, "open", b->tokens);
    snprintf(del, sizeof del, FILE_DEL "%s", t->name);
    if (renameat(tfd, t->name, tfd, del) != 0) {
        rv = errno == ENOENT ? CKR_OK : file_rv(errno, 1, "rename", t->dir);
        goto out;
    }
    /* After this fsync the token is gone for every reader, crash or not. */
    if ((rv = file_fsync_dirfd(tfd, b->tokens)) != CKR_OK) goto out;
    file_rm_tree(tfd, del, 0);
    rv = file_fsync_dirfd(tfd, b->tokens);
out:
    close(tfd);
    return rv;
}

static void
file_describe(struct store_btok *t, const struct store_rec_ref *ref, char *buf, size_t len)
{
    char name[FILE_REC_NAME_LEN + 1];
    if (ref == NULL) {
        snprintf(buf, len, "%s/header", t->dir);
        return;
    }
    file_rec_name(ref, name);
    snprintf(buf, len, "%s/%s", t->objs, name);
}

/* Lock dir/lock. A token directory can be replaced (file_tok_replace_recs)
 * or removed while we wait: a lock on a file no longer at its path guards
 * nothing, so it is taken again on the file that is, and a token that is
 * gone answers CKR_DEVICE_REMOVED. */
static CK_RV
file_flock(const char *dir, int *out)
{
    char path[PATH_MAX];
    if (file_join(path, dir, "lock") != 0) return file_rv(ENAMETOOLONG, 1, "lock", dir);
    for (;;) {
        struct stat held, now;
        /* Read-only is enough for flock; O_CREAT only matters for the root
         * lock (a token's lock file is made with its directory). */
        int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return errno == ENOENT ? CKR_DEVICE_REMOVED : file_rv(errno, 1, "open", path);
        while (flock(fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            CK_RV rv = file_rv(errno, 0, "lock", path);
            close(fd);
            return rv;
        }
        if (fstat(fd, &held) != 0 || stat(path, &now) != 0) {
            int e = errno;
            close(fd);
            return e == ENOENT ? CKR_DEVICE_REMOVED : file_rv(e, 0, "stat", path);
        }
        if (held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
            *out = fd;
            return CKR_OK;
        }
        close(fd); /* replaced while we waited: lock the one there now */
    }
}

static CK_RV
file_lock(struct store_backend *b, struct store_btok *t)
{
    CK_RV rv;
    if (t != NULL) {
        if (t->lock_fd >= 0) return CKR_DEVICE_ERROR;
        if ((rv = file_flock(t->dir, &t->lock_fd)) != CKR_OK) return rv;
        if (journal_stale(t->j)) {
            /* The directory was replaced by another handle
             * (file_tok_replace_recs), and with it the journal. */
            struct journal *nj = journal_new(t->dir, t->objs);
            if (nj == NULL) {
                close(t->lock_fd);
                t->lock_fd = -1;
                return CKR_HOST_MEMORY;
            }
            journal_free(t->j);
            t->j = nj;
            t->dir_swept = false;
        }
        clock_gettime(CLOCK_REALTIME, &t->lock_start);
        /* Debris of crashed writers in the token directory (header and
         * generation temporaries) is swept by each handle's first lock;
         * the objects directory is swept by every locked scan. */
        if (!t->dir_swept) file_sweep_dir(t->dir, &t->lock_start);
        t->dir_swept = true;
        return CKR_OK;
    }
    if (b->root_lock >= 0) return CKR_DEVICE_ERROR;
    /* Re-check: the root may have been created by someone else since open. */
    if (file_check_dir(b->root, "store root") != CKR_OK) return CKR_DEVICE_ERROR;
    if ((rv = file_mkdirs(b->root)) != CKR_OK) return rv;
    return file_flock(b->root, &b->root_lock);
}

static void
file_unlock(struct store_backend *b, struct store_btok *t)
{
    int *fd = t != NULL ? &t->lock_fd : &b->root_lock;
    if (*fd < 0) return;
    close(*fd); /* releases the flock */
    *fd = -1;
}

static CK_RV
file_hdr_get(struct store_btok *t, uint8_t **p, size_t *n)
{
    CK_RV rv = file_read(t->dir, "header", STORE_HDR_MAX, p, n);
    if (rv == CKR_OBJECT_HANDLE_INVALID) {
        log_err("%s/header: missing", t->dir);
        rv = CKR_DEVICE_ERROR;
    }
    return rv;
}

static CK_RV
file_hdr_put(struct store_btok *t, const uint8_t *p, size_t n)
{
    return file_write_atomic(t->dir, "header", p, n);
}

static CK_RV
file_gen_get(struct store_btok *t, uint64_t *gen)
{
    /* A bump is one small pwrite() under the writer lock: a torn read is
     * rare and the next one sees it whole. */
    for (int tries = 0; tries < 100; tries++) {
        uint8_t *p = NULL;
        size_t n = 0;
        CK_RV rv = file_read(t->dir, "gen", FILE_GEN_LEN, &p, &n);
        if (rv == CKR_OBJECT_HANDLE_INVALID) {
            /* The whole token gone is a removal (store_tok_remove), not damage. */
            if (access(t->dir, F_OK) != 0 && errno == ENOENT) return CKR_DEVICE_REMOVED;
            log_err("%s/gen: missing", t->dir);
            rv = CKR_DEVICE_ERROR;
        }
        bool whole = rv == CKR_OK && file_gen_decode(p, n, gen);
        wipe_free(p, n);
        if (rv != CKR_OK || whole) return rv;
        if (n != 8 && n != FILE_GEN_LEN) break;
        struct timespec ts = {0, 100000L};
        nanosleep(&ts, NULL);
    }
    log_err("%s/gen: malformed", t->dir);
    return CKR_DEVICE_ERROR;
}

static CK_RV
file_gen_bump(struct store_btok *t, uint64_t *gen)
{
    char path[PATH_MAX];
    uint8_t v[FILE_GEN_LEN];
    if (file_join(path, t->dir, "gen") != 0) return file_rv(ENAMETOOLONG, 1, "open", t->dir);
    /* In place, under the writer lock: no new inode, no rename, no fsync.
     * The generation only tells running processes that something changed;
     * readers racing with this write detect a torn value by its complement
     * (file_gen_decode). After a power failure every process rebuilds its
     * index anyway; the records it announces are durable already. */
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return file_rv(errno, 1, "open", path);
    CK_RV rv = CKR_OK;
    uint64_t g;
    ssize_t n = pread(fd, v, sizeof v, 0);
    if (n < 0) {
        rv = file_rv(errno, 0, "read", path);
        goto out;
    }
    if (!file_gen_decode(v, (size_t)n, &g)) { /* we hold the writer lock: not torn */
        log_err("%s: malformed (%zd bytes)", path, n);
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    file_gen_encode(v, ++g);
    if (pwrite(fd, v, sizeof v, 0) != (ssize_t)sizeof v) {
        rv = file_rv(errno, 1, "write", path);
        goto out;
    }
    *gen = g;
out:
    close(fd);
    return rv;
}

/* journal_sync, then a generation bump when it changed record files: the
 * writer whose call this is bumps once more for its own change, so the
 * store's catalog, which knows of that change only, stops being current
 * (store/catalog.h). Token lock held. */
static CK_RV
file_settle(struct store_btok *t, bool *changed)
{
    uint64_t g;
    CK_RV rv = journal_sync(t->j, changed);
    if (rv == CKR_OK && *changed) rv = file_gen_bump(t, &g);
    return rv;
}

/* Before the first read of a handle: replay a journal an earlier boot left
 * (journal.h), so that no record file a power failure damaged is read. If
 * it cannot be replayed here (no write access), records are not read at
 * all: CKR_DEVICE_ERROR, until a process that can write opens the store. */
static CK_RV
file_recover(struct store_btok *t)
{
    if (!journal_pending(t->j)) return CKR_OK;
    bool held = t->lock_fd >= 0, changed = false;
    CK_RV rv = held ? CKR_OK : file_lock(t->b, t);
    if (rv == CKR_OK) rv = file_settle(t, &changed);
    if (!held && t->lock_fd >= 0) file_unlock(t->b, t);
    if (rv != CKR_OK) {
        log_err("%s: the store was not shut down cleanly and its journal cannot be replayed "
                "by this process; open it once with write access",
                t->dir);
        return CKR_DEVICE_ERROR;
    }
    return CKR_OK;
}

static CK_RV
file_blob_list(struct store_btok *t, struct store_rec_ref **refs, size_t *n)
{
    struct store_rec_ref *v = NULL, r;
    size_t cnt = 0, cap = 0;
    CK_RV rv = CKR_OK;
    int swept = 0;
    if ((rv = file_recover(t)) != CKR_OK) return rv;
    DIR *d = opendir(t->objs);
    if (d == NULL) return file_rv(errno, 0, "open", t->objs);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (t->lock_fd >= 0) swept += file_sweep_one(d, e->d_name, &t->lock_start, t->objs);
        if (file_rec_parse(e->d_name, &r) != 0) continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct store_rec_ref *nv = reallocarray(v, nc, sizeof *v);
            if (nv == NULL) {
                rv = CKR_HOST_MEMORY;
                goto out;
            }
            v = nv;
            cap = nc;
        }
        v[cnt++] = r;
    }
    *refs = v;
    *n = cnt;
    v = NULL;
out:
    if (swept) fsync(dirfd(d));
    free(v);
    closedir(d);
    return rv;
}

static CK_RV
file_blob_get(struct store_btok *t, const struct store_rec_ref *ref, uint8_t **p, size_t *n)
{
    char name[FILE_REC_NAME_LEN + 1];
    CK_RV rv = file_recover(t);
    if (rv != CKR_OK) return rv;
    file_rec_name(ref, name);
    return file_read(t->objs, name, STORE_BLOB_MAX, p, n);
}

/* A record write: its journal entry is the durable copy, the record file
 * follows without an fsync (journal.h). */
static CK_RV
file_blob_put(struct store_btok *t, const struct store_rec_ref *ref, const uint8_t *p, size_t n)
{
    char name[FILE_REC_NAME_LEN + 1];
    bool changed;
    file_rec_name(ref, name);
    if (!journal_usable(t->j)) return file_write_atomic(t->objs, name, p, n);
    CK_RV rv = file_settle(t, &changed);
    if (rv == CKR_OK) rv = journal_log_put(t->j, ref, p, n);
    if (rv == CKR_BUFFER_TOO_SMALL) { /* too big for the journal */
        rv = journal_checkpoint(t->j);
        return rv == CKR_OK ? file_write_atomic(t->objs, name, p, n) : rv;
    }
    if (rv != CKR_OK) return rv;
    rv = file_write_cached(t->objs, name, p, n);
    /* Not written: take the entry's promise back, or a replay would keep it. */
    if (rv != CKR_OK) (void)journal_log_del(t->j, ref);
    return rv;
}

static CK_RV
file_blob_del(struct store_btok *t, const struct store_rec_ref *ref)
{
    char name[FILE_REC_NAME_LEN + 1];
    bool changed;
    file_rec_name(ref, name);
    if (!journal_usable(t->j)) return file_unlink(t->objs, name);
    CK_RV rv = file_settle(t, &changed);
    if (rv == CKR_OK) rv = journal_log_del(t->j, ref);
    return rv == CKR_OK ? file_unlink_cached(t->objs, name) : rv;
}

/* ---- the catalog blob: tokens/<serial>/catalog, never fsynced ---- */

/* The catalog is mapped, not read: a cold start looks at two of its 10,000
 * entries, and a prefaulted private mapping of page-cache pages costs a
 * fifth of a malloc and a read. The blob is only ever replaced by rename
 * and grown by appends, so a mapping never loses its pages under us. */
static CK_RV
file_cat_map(struct store_btok *t, const uint8_t **p, size_t *n)
{
    char path[PATH_MAX];
    struct stat st;
    CK_RV rv = CKR_OK;
    if (file_join(path, t->dir, "catalog") != 0) return file_rv(ENAMETOOLONG, 0, "open", t->dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? CKR_OBJECT_HANDLE_INVALID : file_rv(errno, 0, "open", path);
    if (fstat(fd, &st) != 0) {
        rv = file_rv(errno, 0, "stat", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > STORE_BLOB_MAX) {
        rv = st.st_size == 0 ? CKR_OBJECT_HANDLE_INVALID : CKR_DEVICE_ERROR;
        if (rv == CKR_DEVICE_ERROR) log_err("%s: not a regular file or too large", path);
        goto out;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (m == MAP_FAILED) {
        rv = file_rv(errno, 0, "mmap", path);
        goto out;
    }
    *p = m;
    *n = (size_t)st.st_size;
out:
    close(fd);
    return rv;
}

static void
file_cat_unmap(const uint8_t *p, size_t n)
{
    munmap((void *)(uintptr_t)p, n);
}

static CK_RV
file_cat_append(struct store_btok *t, const uint8_t *p, size_t n)
{
    char path[PATH_MAX];
    if (file_join(path, t->dir, "catalog") != 0) return file_rv(ENAMETOOLONG, 1, "open", t->dir);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return file_rv(errno, 1, "open", path);
    ssize_t r = write(fd, p, n);
    CK_RV rv = r == (ssize_t)n ? CKR_OK : file_rv(r < 0 ? errno : EIO, 1, "write", path);
    close(fd);
    return rv;
}

static CK_RV
file_cat_replace(struct store_btok *t, const uint8_t *p, size_t n)
{
    return file_write_cached(t->dir, "catalog", p, n);
}

static const struct store_backend_ops file_ops = {
    .version = STORE_BACKEND_VERSION,
    .name = "file",
    .open = file_open,
    .close = file_close,
    .writable = file_writable,
    .seq_get = file_seq_get,
    .seq_put = file_seq_put,
    .tok_list = file_tok_list,
    .tok_open = file_tok_open,
    .tok_close = file_tok_close,
    .tok_create = file_tok_create,
    .tok_remove = file_tok_remove,
    .describe = file_describe,
    .lock = file_lock,
    .unlock = file_unlock,
    .hdr_get = file_hdr_get,
    .hdr_put = file_hdr_put,
    .gen_get = file_gen_get,
    .gen_bump = file_gen_bump,
    .blob_list = file_blob_list,
    .blob_get = file_blob_get,
    .blob_put = file_blob_put,
    .blob_del = file_blob_del,
    .tok_create_recs = file_tok_create_recs,
    .tok_replace_recs = file_tok_replace_recs,
    .list_gen_get = file_list_gen_get,
    .list_gen_put = file_list_gen_put,
    .cat_map = file_cat_map,
    .cat_unmap = file_cat_unmap,
    .cat_append = file_cat_append,
    .cat_replace = file_cat_replace,
};

const struct store_backend_ops *
store_file_backend(void)
{
    return &file_ops;
}
