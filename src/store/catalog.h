/*
 * catalog.h: a token's record catalog, so that a process finds a record by
 * CKA_LABEL or CKA_ID without listing or reading the others.
 *
 * The catalog maps each record (id, version, private flag) to keyed tags of
 * its label and ID: tag = HKDF-SHA256(key, "credtoken catalog tag" || type
 * || SHA-256(value))[0..8], where key is the token's public seed for public
 * records and its master key for private ones, so the catalog does not let
 * anyone without the user PIN test guesses of private labels. Tags only
 * select candidates: the core loads them and matches their attributes.
 *
 * It is a cache, never the truth. A catalog is used only when it is current:
 * written in this boot (a power failure may have lost appends) and ending at
 * the store's present generation. Otherwise the store answers
 * CKR_FUNCTION_NOT_SUPPORTED, the core lists and loads every record as it
 * did before, and then rebuilds the catalog (store_cat_rebuild).
 *
 * Format (backend blob "catalog"; integers big-endian; 48-byte units):
 *   header: "CTCAT001", boot_id[16], u64 gen, u32 nbase, u32 flags
 *     (1: private records are tagged), u64 check;
 *   nbase base entries, sorted by id, one per record;
 *   delta entries, each appended under the writer lock with the generation
 *     its write produced.
 *   entry: u8 kind (1 put, 2 destroy), u8 flags (1 private, 2 has label,
 *     4 has ID, 8 untagged private), u16 0, u32 0, u64 id, u64 ver,
 *     u64 gen, u64 label tag, u64 id tag ... and the last 8 bytes of the 48
 *     are a check of the first 40, so a torn append is never taken for one.
 * Writers append a delta only to a catalog that was current before their
 * write; a catalog with many deltas is compacted (rewritten, sorted).
 */
#ifndef CT_STORE_CATALOG_H
#define CT_STORE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_tok;
struct cat; /* a token's cached copy; owned by its store_tok */

void cat_free(struct cat *c); /* NULL is a no-op */

/* After store_rec_put / store_rec_del wrote ref and bumped the generation
 * to gen (writer lock held): append a delta if the catalog was current at
 * gen - 1. keys is NULL for a destruction. Failures only leave the catalog
 * stale (logged at debug level). */
void cat_note_write(struct store_tok *t, uint64_t gen, const struct store_rec_ref *ref,
                    const struct store_rec_keys *keys);

/* After cat_note_write, the write failed (writer lock held): the catalog
 * now names a write that did not happen, and would pass for current once
 * the generation reached it. Retire it (a full load rebuilds it). */
void cat_note_failed(struct store_tok *t);

/* An empty, current catalog at gen (writer lock held): a new or
 * re-initialized token. */
void cat_reset(struct store_tok *t, uint64_t gen);

#endif
