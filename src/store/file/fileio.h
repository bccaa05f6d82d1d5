/*
 * fileio.h: POSIX primitives shared by the file backend (file.c) and its
 * record journal (journal.c).
 *
 * Errors: every function that returns CK_RV has already logged the failing
 * operation and path; the mapping is file_rv()'s (backend.h's list).
 * "Durable" functions fsync what they changed (the file and its directory)
 * before returning; "cached" ones leave that to the journal, which makes the
 * same change durable itself and replays it after a power failure.
 */
#ifndef CT_STORE_FILE_FILEIO_H
#define CT_STORE_FILE_FILEIO_H

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/backend.h"

#define FILE_TMP ".tmp-"
#define FILE_DEL ".del-"
/* <id:016x>-<ver:016x>.<pub|prv> */
#define FILE_REC_NAME_LEN 37

/* strerror_r into buf. */
const char *file_strerror(int e, char *buf, size_t len);
/* errno to CK_RV (logged); wr says whether the failed operation was a write:
 * only writes map EROFS/EACCES/EPERM to CKR_TOKEN_WRITE_PROTECTED. */
CK_RV file_rv(int e, int wr, const char *op, const char *path);
/* out = a "/" b; -1 when it does not fit. */
int file_join(char out[PATH_MAX], const char *a, const char *b);
/* 16 lowercase hex digits to a u64; -1 otherwise. */
int file_hex16(const char *s, uint64_t *v);
/* Whether s is a token directory name (its serial). */
int file_is_tok_name(const char *s);
/* A record's file name, and back (-1 when s is not one). */
void file_rec_name(const struct store_rec_ref *r, char out[FILE_REC_NAME_LEN + 1]);
int file_rec_parse(const char *s, struct store_rec_ref *r);

CK_RV file_fsync_dirfd(int dfd, const char *path);
CK_RV file_fsync_dir(const char *path);
/* A whole regular file of at most max bytes (heap; wipe_free it).
 * CKR_OBJECT_HANDLE_INVALID (not logged) when it does not exist. */
CK_RV file_read(const char *dir, const char *name, size_t max, uint8_t **out, size_t *outlen);
CK_RV file_write_all(int fd, const uint8_t *p, size_t n, const char *path);
/* Atomically replace dir/name (temporary, rename): readers see the old or
 * the new bytes. Durable: fsync of the file and of dir. Cached: neither. */
CK_RV file_write_atomic(const char *dir, const char *name, const uint8_t *p, size_t n);
CK_RV file_write_cached(const char *dir, const char *name, const uint8_t *p, size_t n);
/* Remove dir/name; CKR_OK when absent. Durable: fsync of dir. */
CK_RV file_unlink(const char *dir, const char *name);
CK_RV file_unlink_cached(const char *dir, const char *name);
/* mkdir -p, 0700, each created component made durable. */
CK_RV file_mkdirs(const char *path);
/* Remove pfd/name and everything under it (at most a few levels deep). */
void file_rm_tree(int pfd, const char *name, int depth);
/* Unlink one entry of d if it is a writer's temporary older than before;
 * 1 when it did. file_sweep_dir does that for all of dir. Only with the
 * directory's writer lock held. */
int file_sweep_one(DIR *d, const char *name, const struct timespec *before, const char *dir);
void file_sweep_dir(const char *dir, const struct timespec *before);
/* CKR_OK when path is absent or a directory that others cannot write;
 * otherwise CKR_GENERAL_ERROR, logged with what ("store root"). */
CK_RV file_check_dir(const char *path, const char *what);

#endif
