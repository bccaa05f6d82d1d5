/*
 * backend.h: the storage backend interface, a versioned vtable in the shape
 * of SQLite's VFS.
 *
 * A backend moves sealed bytes and nothing else: it never sees attributes,
 * PINs or keys (store.c, header.c and record.c seal and open). It knows
 * three kinds of object per token: the header (one small blob), the
 * generation counter (a u64), and records (blobs named by id, version and
 * private flag, so that listing never reads record contents).
 *
 * Concurrency: a backend handle is used by one thread at a time (the caller
 * serializes). Several handles, in one process or in several, may share one
 * root: writers serialize on lock(); readers take no lock, so every put is
 * atomic (a reader sees the old or the new bytes, never a mix).
 *
 * Versions: ops->version is STORE_BACKEND_VERSION for this layout. Later
 * versions only append members (a newer backend still works with this store,
 * which only uses the members of its version); store_open_backend() refuses
 * a version lower than STORE_BACKEND_VERSION.
 *
 * Errors: backends map their foreign errors (errno, TSS2) to CK_RV at their
 * own boundary: CKR_DEVICE_MEMORY (no space), CKR_TOKEN_WRITE_PROTECTED
 * (read-only media or permissions, on writes), CKR_DEVICE_REMOVED (lock()
 * on a token another handle removed), CKR_HOST_MEMORY, and
 * CKR_DEVICE_ERROR for everything else, logged with the object's name.
 * Every returned blob is heap memory the caller releases with wipe_free().
 */
#ifndef CT_STORE_BACKEND_H
#define CT_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_BACKEND_VERSION 3
/* A token's name is its serial: 16 lowercase hex characters. */
#define STORE_NAME_LEN 16
/* Upper bounds on what a backend reads, so a corrupt size cannot exhaust memory. */
#define STORE_HDR_MAX 65536u
#define STORE_BLOB_MAX ((16u << 20) + 4096u)

struct store_backend; /* one per open store */
struct store_btok;    /* one per open token of a backend handle */

/* A sealed record and its name, for tok_create_recs. */
struct store_blob {
    struct store_rec_ref ref;
    const uint8_t *p;
    size_t n;
};

struct store_tok_name {
    char s[STORE_NAME_LEN + 1]; /* NUL-terminated */
};

struct store_backend_ops {
    int version; /* STORE_BACKEND_VERSION */
    const char *name;

    /* Open the store at root. A missing root is an empty store (created by
     * the first lock(b, NULL)). CKR_OK, CKR_HOST_MEMORY, CKR_GENERAL_ERROR
     * (root unusable: not a directory, world-writable; logged). */
    CK_RV (*open)(const char *root, struct store_backend **out);
    /* Every token handle must be closed first. NULL is a no-op. */
    void (*close)(struct store_backend *b);
    /* Whether writes can succeed: t == NULL asks about the root (creating
     * tokens), otherwise about one token. Never fails; a read-only answer
     * turns writes into CKR_TOKEN_WRITE_PROTECTED before they are tried. */
    bool (*writable)(struct store_backend *b, struct store_btok *t);

    /* The store-wide slot ID sequence (the next slot ID to hand out; 0 when
     * never written). seq_put requires lock(b, NULL). */
    CK_RV (*seq_get)(struct store_backend *b, uint64_t *next);
    CK_RV (*seq_put)(struct store_backend *b, uint64_t next);

    /* Names of every complete token, in no order; *names is heap memory
     * (free()), may be NULL when *n is 0. Tokens being created are not listed. */
    CK_RV (*tok_list)(struct store_backend *b, struct store_tok_name **names, size_t *n);
    /* A handle on an existing token (no I/O needed). */
    CK_RV (*tok_open)(struct store_backend *b, const char *name, struct store_btok **out);
    void (*tok_close)(struct store_btok *t); /* NULL is a no-op */
    /* Create a token with its header and first generation, atomically: it
     * is listed complete or not at all. Requires lock(b, NULL). */
    CK_RV(*tok_create)
    (struct store_backend *b, const char *name, const uint8_t *hdr, size_t hlen, uint64_t gen,
     struct store_btok **out);
    /* Remove a token and all its records (atomically for listing). Requires
     * lock(b, NULL). The handle must still be closed by the caller. */
    CK_RV (*tok_remove)(struct store_backend *b, struct store_btok *t);
    /* A printable name for log lines: the header (ref == NULL) or a record. */
    void (*describe)(struct store_btok *t, const struct store_rec_ref *ref, char *buf, size_t len);

    /* Exclusive writer lock across processes; blocks. t == NULL is the
     * store-wide lock (token creation, slot IDs). Not recursive. */
    CK_RV (*lock)(struct store_backend *b, struct store_btok *t);
    void (*unlock)(struct store_backend *b, struct store_btok *t);

    /* The token header. hdr_put (atomic replace) requires the token lock. */
    CK_RV (*hdr_get)(struct store_btok *t, uint8_t **p, size_t *n);
    CK_RV (*hdr_put)(struct store_btok *t, const uint8_t *p, size_t n);
    /* The generation counter: one small read. gen_bump (atomic; requires
     * the token lock) adds one and returns the new value. */
    CK_RV (*gen_get)(struct store_btok *t, uint64_t *gen);
    CK_RV (*gen_bump)(struct store_btok *t, uint64_t *gen);

    /* Every stored record version, including stale lower versions left by a
     * crash (the caller picks the highest), without reading contents. *refs
     * is heap memory (free()), may be NULL when *n is 0. With the token lock
     * held, a backend may also sweep debris of crashed writers here. */
    CK_RV (*blob_list)(struct store_btok *t, struct store_rec_ref **refs, size_t *n);
    /* CKR_OBJECT_HANDLE_INVALID when that exact version does not exist. */
    CK_RV(*blob_get)
    (struct store_btok *t, const struct store_rec_ref *ref, uint8_t **p, size_t *n);
    /* Atomic create-or-replace of that exact version. Requires the token lock. */
    CK_RV(*blob_put)
    (struct store_btok *t, const struct store_rec_ref *ref, const uint8_t *p, size_t n);
    /* CKR_OK also when absent. Requires the token lock. */
    CK_RV (*blob_del)(struct store_btok *t, const struct store_rec_ref *ref);

    /* Version 2: the catalog blob (catalog.h), a cache the store keeps
     * next to the records. NULL members: no catalog (the store then lists
     * and loads records). None of these needs to be durable.
     * cat_map: the whole blob, read-only (*p, *n), until cat_unmap(p, n);
     *   CKR_OBJECT_HANDLE_INVALID when there is none. A replace does not
     *   change a mapping already made; appends may not show in it.
     * cat_append (token lock): add bytes at the end, in one write.
     * cat_replace (token lock): atomically replace the whole blob. */
    CK_RV (*cat_map)(struct store_btok *t, const uint8_t **p, size_t *n);
    void (*cat_unmap)(const uint8_t *p, size_t n);
    CK_RV (*cat_append)(struct store_btok *t, const uint8_t *p, size_t n);
    CK_RV (*cat_replace)(struct store_btok *t, const uint8_t *p, size_t n);

    /* Version 2: tok_create with its first records, all of it atomically
     * (listed complete, records included, or not at all). Requires
     * lock(b, NULL). NULL: the store creates the token, then puts. */
    CK_RV(*tok_create_recs)
    (struct store_backend *b, const char *name, const uint8_t *hdr, size_t hlen, uint64_t gen,
     const struct store_blob *recs, size_t n, struct store_btok **out);

    /* Version 3: replace every record of token t at once, keeping its
     * header: readers list the old records or the new ones, never a mix.
     * The generation becomes gen, which the caller makes exceed the
     * present one, so every cached view is re-read. Requires lock(b, NULL)
     * and lock(b, t); on return t's lock is released (whatever the result)
     * and unlock(b, t) is a no-op. Handles of other processes notice at
     * their next lock(). NULL: not supported. */
    CK_RV(*tok_replace_recs)
    (struct store_backend *b, struct store_btok *t, uint64_t gen, const struct store_blob *recs,
     size_t n);

    /* Version 3: the token list's generation, so that a process learns
     * with one small read that no token was created or removed since its
     * last listing (store.c, store_scan). list_gen_get: CKR_OK with 0 when
     * there is none; list_gen_put (root lock) need not be durable, for no
     * process outlives a power failure to remember an older value; a reader
     * sees the old or the new value, never a torn one. NULL: always list. */
    CK_RV (*list_gen_get)(struct store_backend *b, uint64_t *gen);
    CK_RV (*list_gen_put)(struct store_backend *b, uint64_t gen);
};

/* The POSIX file backend (file/file.c); store_open() uses it. */
const struct store_backend_ops *store_file_backend(void);

/* store_open() on any backend: root is the backend's root (a directory for
 * the file backend, a name for the memory backend); c supplies the limits
 * (c->store is not used). Returns what store_open() returns; also
 * CKR_GENERAL_ERROR (logged) when ops is NULL or of an unknown version. */
CK_RV store_open_backend(const struct store_backend_ops *ops, const char *root,
                         const struct conf *c, struct store **out);

#endif
