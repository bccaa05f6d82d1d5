/*
 * mem.h: an in-memory store backend, for unit tests of the store and core.
 *
 * A root is a name in a process-wide registry. Every store opened on the
 * same name shares its tokens, the way processes share a directory, and the
 * data outlives store_close() until store_mem_purge(). Locks are flags: a
 * lock that is already held fails with CKR_DEVICE_ERROR (the real backend
 * would block) since the store never holds one across calls.
 *
 * Not thread-safe: callers serialize every call on every root (unit tests
 * are single-threaded; the core calls the store under its library lock).
 */
#ifndef CT_STORE_MEM_MEM_H
#define CT_STORE_MEM_MEM_H

#include <stdbool.h>

#include "store/backend.h"

const struct store_backend_ops *store_mem_backend(void);

/* store_open_backend(store_mem_backend(), root, c, out). */
CK_RV store_mem_open(const char *root, const struct conf *c, struct store **out);

/* Free every token and record of root. No store may be open on it. */
void store_mem_purge(const char *root);

/* Make root read-only (as read-only media would): writable() answers false
 * and every write fails with CKR_TOKEN_WRITE_PROTECTED. Creates the root. */
CK_RV store_mem_set_readonly(const char *root, bool ro);

/* Make every later write of root fail with rv (e.g. CKR_DEVICE_MEMORY for a
 * full disk) until called again with CKR_OK. Creates the root. */
CK_RV store_mem_fail_writes(const char *root, CK_RV rv);

#endif
