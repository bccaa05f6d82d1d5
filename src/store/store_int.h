/*
 * store_int.h: what store.c (stores, tokens, records) and auth.c (PINs and
 * the master key) share. Not for use outside src/store/ (tests excepted).
 *
 * Like store.h, nothing here locks in-process: the caller serializes calls on
 * one store. "Writer lock" below is the backend's cross-process lock.
 */
#ifndef CT_STORE_STORE_INT_H
#define CT_STORE_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"
#include "store/catalog.h"
#include "store/header.h"
#include "store/store.h"
#include "tpm/tpm.h"

struct store {
    const struct store_backend_ops *ops;
    struct store_backend *b;
    struct conf conf;
    struct store_tok **toks; /* sorted by slot ID */
    size_t ntok, captok;
    struct store_tok **gone; /* removed tokens, kept until close (store_drop_gone) */
    size_t ngone;
    struct store_tok_name *bad; /* tokens skipped as unreadable: not retried */
    size_t nbad;
    uint64_t next_slot;
    uint64_t seq;  /* discovery counter (store_tok.seq) */
    uint64_t lgen; /* the list generation toks reflects, when lgen_ok */
    bool lgen_ok;
    uint32_t kdf_iter; /* calibrated PBKDF2 iterations; 0 until first needed */
    bool ro_warned;
};

struct store_tok {
    struct store *s;
    struct store_btok *bt;
    char name[STORE_NAME_LEN + 1];
    struct hdr h; /* the last header read and verified */
    bool loaded;
    struct store_rec_ref *idx; /* highest version of each record, sorted by id */
    size_t nidx;
    bool idx_ok;
    uint64_t idx_gen; /* the generation idx reflects (valid when idx_ok) */
    bool swept;       /* a scan under the writer lock swept crash debris */
    uint64_t hdr_gen; /* the generation read just before t->h was last loaded */
    bool hdr_gen_ok;
    uint8_t *mk;     /* master key on its own locked, non-dumpable page; NULL when logged out */
    struct cat *cat; /* the catalog as last read (catalog.c); NULL until used */
    bool removed;    /* removed from the store: every call fails */
    uint64_t seq;    /* when this process found it: the first of two claiming a slot wins */
};

/* Re-read and verify the header into t->h. When its seed changed (another
 * process re-initialized the token) the master key is wiped and the index
 * dropped. CKR_OK, CKR_DEVICE_ERROR (logged), CKR_HOST_MEMORY. */
CK_RV store_tok_hdr_load(struct store_tok *t);
/* The header as of generation gen (read by the caller just before): re-read
 * only when gen moved since it was, so that a re-initialization elsewhere
 * (new seed, new master key) is noticed by reads that skip the listing.
 * Returns as store_tok_hdr_load(). */
CK_RV store_tok_hdr_fresh(struct store_tok *t, uint64_t gen);
/* Persist nh (writer lock held) and make it t->h. CKR_OK, CKR_DEVICE_MEMORY,
 * CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV store_tok_hdr_save(struct store_tok *t, const struct hdr *nh);
/* CKR_TOKEN_WRITE_PROTECTED when the token cannot be written, else take
 * the writer lock and re-read the header. On CKR_OK the caller must call
 * store_tok_end(). Other returns: those of lock() and store_tok_hdr_load(). */
CK_RV store_tok_begin(struct store_tok *t);
/* The same for a record write: the header is re-read only when the
 * generation moved since it was (a re-initialization, the only header change
 * a record write depends on, always bumps it). */
CK_RV store_tok_begin_rec(struct store_tok *t);
void store_tok_end(struct store_tok *t);
/* Delete every record (writer lock held), lower versions first so a crash
 * cannot resurrect old contents; then drop the index. */
CK_RV store_tok_purge_inlock(struct store_tok *t);
/* Sealed tokens (seal.c). store_seal_new: a fresh token secret sealed
 * through at (tpm_where_get of the store's conf, its turns taken with
 * tpm_use_begin) to the TPM and the present values of the SHA-256 PCRs in
 * pcrs (0: none), written into h's seal section (HDR_FLAG_SEALED set).
 * store_seal_open: unseal h's secret. CKR_OK, CKR_ARGUMENTS_BAD,
 * CKR_DEVICE_ERROR (no TPM, another TPM, changed PCRs: logged, naming the
 * token), CKR_HOST_MEMORY, and the TPM layer's answers (tpm.h) on create.
 * The secret is the caller's to wipe. */
CK_RV store_seal_new(const struct tpm_where *at, uint32_t pcrs, struct hdr *h,
                     uint8_t secret[HDR_SEAL_LEN]);
CK_RV store_seal_open(const struct tpm_where *at, const struct hdr *h,
                      uint8_t secret[HDR_SEAL_LEN]);

/* The PBKDF2 iteration count for new PIN wraps (calibrated once per store
 * to conf.kdf_target_ms). CKR_OK or CKR_DEVICE_ERROR. */
CK_RV store_kdf_iter(struct store *s, uint32_t *iter);

#endif
