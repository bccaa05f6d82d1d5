/*
 * journal.h: the file backend's record journal (a write-ahead log).
 *
 * Why: a durable record write used to cost a file fsync and a directory
 * fsync (about 0.65 ms on ext4 here). With the journal, a record write is
 * one append to tokens/<serial>/journal and one fdatasync (an overwrite of
 * blocks the journal already owns: about 0.15 ms), then the record file is
 * written and renamed without any fsync. A destroyed record is logged the
 * same way before it is unlinked.
 *
 * Recovery: record files written without fsync can be lost or torn only by
 * a power failure or a kernel crash, never by a killed process, whose writes
 * the page cache keeps. The journal header names the boot (the kernel's
 * boot_id) its entries were written in. The first process that finds a
 * journal of an earlier boot replays every entry in order (rewriting each
 * record, unlinking each destroyed one), makes it all durable with syncfs(),
 * and starts a new epoch. Within one boot, a writer that finds entries it
 * has not seen (another process's) settles them: a writer killed between
 * its entry and its record file never reported success, so its operation
 * is taken back by logging the state readers see (a destruction after a
 * write whose file is missing; the file again after a destruction that
 * left it), and a later replay agrees.
 *
 * When the journal is full (JOURNAL_MAX), a checkpoint (syncfs, then a new
 * epoch in the header) empties it. A record too big for the journal is
 * written the durable way after a checkpoint.
 *
 * Format (all integers big-endian):
 *   header, 64 bytes: "CTJOURN1", u64 epoch, boot_id[16], 16 zero bytes,
 *     SHA-256(magic || epoch)[0..16]. The boot ID is outside the check: a
 *     torn write of it reads as another boot, which only replays.
 *   entries from offset 64: u32 0x434a4531, u8 kind (1 put, 2 destroy),
 *     u8 priv, u16 0, u64 epoch, u64 id, u64 ver, u32 len, u32 0, len bytes
 *     (the sealed record), SHA-256(everything before)[0..16]; padded to 8.
 *   An entry counts only if its epoch is the header's and its check holds:
 *   the first one that does not ends the journal.
 *
 * Every function except journal_pending() requires the token's writer lock.
 */
#ifndef CT_STORE_FILE_JOURNAL_H
#define CT_STORE_FILE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"

#define JOURNAL_MAX (1u << 20)

struct journal;

/* A journal for the token directory dir, whose records live in objs. No
 * I/O. NULL when out of memory. */
struct journal *journal_new(const char *dir, const char *objs);
void journal_free(struct journal *j); /* NULL is a no-op */

/* Whether this system names its boots (Linux /proc). Without a boot ID
 * there is no way to tell a power failure from a live writer, so the
 * backend writes every record the durable way instead. */
bool journal_usable(const struct journal *j);

/* Without the lock: whether the journal holds entries of an earlier boot,
 * which must be replayed (journal_sync) before records are trusted. One
 * small read. */
bool journal_pending(struct journal *j);

/* Bring the record files up to date with the journal: replay a journal of
 * an earlier boot, or roll forward entries other writers added since this
 * handle last looked. *changed tells whether any record file changed.
 * CKR_OK, CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_MEMORY, CKR_HOST_MEMORY,
 * CKR_DEVICE_ERROR. */
CK_RV journal_sync(struct journal *j, bool *changed);

/* Log a record write (p, n: the sealed bytes) or destruction, durably,
 * after journal_sync. A full journal is checkpointed first.
 * journal_log_put returns CKR_BUFFER_TOO_SMALL when the entry can never fit
 * (the caller writes that record durably itself, after
 * journal_checkpoint); otherwise both return as journal_sync. */
CK_RV journal_log_put(struct journal *j, const struct store_rec_ref *ref, const uint8_t *p,
                      size_t n);
CK_RV journal_log_del(struct journal *j, const struct store_rec_ref *ref);

/* Whether this handle logged an entry since its last checkpoint (no I/O;
 * no lock needed). */
bool journal_dirty(const struct journal *j);

/* Without the lock: whether the journal this handle has open is no longer
 * the one at its path (the token directory was replaced: backend.h,
 * tok_replace_recs). The open descriptor keeps its file's inode from being
 * reused, so the comparison cannot be fooled. False when none is open. */
bool journal_stale(const struct journal *j);

/* Make every record file durable (syncfs) and empty the journal. */
CK_RV journal_checkpoint(struct journal *j);

#endif
