/*
 * store.h: persistent tokens, as the core sees them.
 *
 * A store is a root holding initialized tokens. Each token has a header
 * (label, serial, stable slot ID, PIN-wrapped master key, failure counters)
 * and records. A record is an opaque byte string (the core's encoded
 * attribute set) plus a private flag:
 *   - private records are sealed with AES-256-GCM under a key derived from
 *     the token master key and the record id, every header field
 *     authenticated;
 *   - public records are integrity-checked (GCM tag over the whole record
 *     under a key derived from a per-token seed kept in the header).
 * The master key exists in memory only between a successful login and
 * logout; it is wrapped under the SO PIN and the user PIN separately with
 * PBKDF2-SHA256 costed at creation to about conf.kdf_target_ms.
 *
 * This layer (store.c, record.c, header.c) does the sealing. Backends
 * (backend.h: file/, later tpm/) move sealed bytes only.
 *
 * Integrity: any flipped bit in a header or record is reported as
 * CKR_DEVICE_ERROR and logged; nothing is loaded silently and nothing
 * crashes. Durability: every write is atomic, and durable when it returns
 * (the file backend: tmp, fsync, rename, fsync dir for headers; a journal
 * entry with fdatasync for records, file/journal.h).
 * Several processes may share a store: writers serialize on a lock file;
 * store_tok_generation() tells cheaply whether anything changed.
 *
 * Threading: none of these functions lock; the caller (the library lock in
 * src/pkcs11/) serializes calls on one store. Functions never keep pointers
 * to the caller's buffers.
 */
#ifndef CT_STORE_STORE_H
#define CT_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credtoken/pkcs11.h"
#include "util/conf.h"

struct store;
struct store_tok; /* owned by its store; valid until store_close() */

struct store_tok_info {
    CK_SLOT_ID slot_id; /* stable: assigned at creation, never reused */
    char label[32];     /* blank-padded, not NUL-terminated */
    char serial[16];    /* blank-padded hex, unique */
    bool user_pin_set;
    bool sealed;          /* the PINs open it only with its TPM (store_tok_create_sealed) */
    bool no_pin;          /* sealed, and the user PIN is empty */
    bool tpm_keys;        /* sealed, and its keys live in the TPM (store_seal) */
    unsigned so_failures; /* consecutive failed logins, persisted */
    unsigned user_failures;
    unsigned max_failures; /* lock threshold (conf.max_pin_failures) */
    bool write_protected;  /* the token cannot be written (read-only media) */
};

struct store_rec_ref {
    uint64_t id;  /* random, never 0, unique within the token */
    uint64_t ver; /* increases on each store_rec_put of the record */
    bool priv;
};

/* Open the store at conf->store. A missing directory is an empty store (it
 * is created, 0700, by the first store_tok_create). Returns CKR_OK,
 * CKR_HOST_MEMORY, or CKR_GENERAL_ERROR with a clear log line when the root
 * exists but is not a directory, or is world-writable, or a token header in it
 * is corrupt (corrupt tokens are skipped and logged instead, so one bad token
 * does not hide the others). */
CK_RV store_open(const struct conf *c, struct store **out);
/* Wipe every master key and free everything. NULL is a no-op. */
void store_close(struct store *s);

/* Pick up tokens created by other processes since open, and drop those
 * removed (store_tok_remove) since. CKR_OK or CKR_HOST_MEMORY /
 * CKR_DEVICE_ERROR. Existing store_tok pointers stay valid until
 * store_close(); a removed token's calls fail with CKR_DEVICE_REMOVED. */
CK_RV store_refresh(struct store *s);
/* Tokens, sorted by slot ID. Borrowed. */
size_t store_tok_count(const struct store *s);
struct store_tok *store_tok_at(const struct store *s, size_t i);
/* The slot ID the next created token will get (one more than the largest
 * ever used). The core shows the uninitialized slot under this ID. */
CK_SLOT_ID store_next_slot_id(const struct store *s);

/* C_InitToken on the uninitialized slot. label is 32 blank-padded bytes.
 * The new token has no user PIN. Returns CKR_OK, CKR_HOST_MEMORY,
 * CKR_DEVICE_MEMORY (no space), CKR_TOKEN_WRITE_PROTECTED (read-only
 * store), CKR_DEVICE_ERROR (other I/O failures, logged). */
CK_RV store_tok_create(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
                       CK_ULONG so_pin_len, struct store_tok **out);
/* C_InitToken of a token sealed to the TPM (conf tpm_tcti): its PIN wraps
 * need a secret only that TPM unseals, and only while the SHA-256 PCRs in
 * pcrs hold their present values. With no_pin the user PIN is set and
 * empty: the TPM alone opens the user's objects. Returns as
 * store_tok_create(), and CKR_ARGUMENTS_BAD (pcrs beyond PCR 23),
 * CKR_DEVICE_ERROR (no TPM: logged), the TPM layer's answers (tpm.h).
 * A sealed token's later PIN checks return CKR_DEVICE_ERROR, logged with
 * the reason, when the TPM refuses to unseal (another TPM, changed PCRs). */
struct store_seal {
    uint32_t pcrs; /* bit i: SHA-256 PCR i; 0: bound to the TPM alone */
    bool no_pin;
    bool tpm_keys; /* the TPM backend: the core makes its keys inside the TPM */
};
CK_RV store_tok_create_sealed(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
                              CK_ULONG so_pin_len, const struct store_seal *seal,
                              struct store_tok **out);
/* A new token with its user PIN and first records, all at once: other
 * processes list it complete, records included, or not at all (a
 * credential set, src/credset/). recs are encoded attribute sets.
 * store_pins marks a set whose PINs are the store's, shared by its sets
 * (store_tok_store_pins). seal, unless NULL, seals it as
 * store_tok_create_sealed() does (not no_pin). Returns as
 * store_tok_create(), and CKR_ARGUMENTS_BAD without a user PIN, and as
 * store_tok_create_sealed() when sealed. */
struct store_rec_new {
    bool priv;
    const uint8_t *blob;
    size_t len;
};
CK_RV store_tok_create_set(struct store *s, const char label[32], const CK_UTF8CHAR *so_pin,
                           CK_ULONG so_pin_len, const CK_UTF8CHAR *pin, CK_ULONG pin_len,
                           bool store_pins, const struct store_seal *seal,
                           const struct store_rec_new *recs, size_t n, struct store_tok **out);
/* Whether the token was created as a set sharing the store's PINs (as
 * last read; a re-initialization clears it). */
bool store_tok_store_pins(const struct store_tok *t);

/* Remove the token with every record (a deleted credential set): other
 * processes list it whole or not at all, and their handles on it answer
 * CKR_DEVICE_REMOVED. The caller has checked the right to (the SO PIN). t
 * stays valid, removed, until store_close(). Returns CKR_OK,
 * CKR_DEVICE_REMOVED (removed already), CKR_TOKEN_WRITE_PROTECTED,
 * CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV store_tok_remove(struct store_tok *t);

/* Replace every record of the token by recs at once (an updated
 * credential set): a reader in any process lists the old records or the
 * new ones, never a mix. The header, so the PINs and the master key, is
 * kept. Needs the master key (a user logged in). Returns CKR_OK,
 * CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_NOT_SUPPORTED (the backend cannot
 * replace atomically), CKR_DEVICE_REMOVED, CKR_TOKEN_WRITE_PROTECTED,
 * CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV store_tok_replace(struct store_tok *t, const struct store_rec_new *recs, size_t n);

/* C_InitToken on an initialized token: verify the SO PIN (counting
 * failures), then destroy every record and the user PIN, replace the
 * master key and the label. Returns CKR_OK, CKR_PIN_INCORRECT,
 * CKR_PIN_LOCKED, CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_MEMORY,
 * CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV store_tok_reinit(struct store_tok *t, const CK_UTF8CHAR *so_pin, CK_ULONG so_pin_len,
                       const char label[32]);

/* The label as last read (no I/O): a label changes only when the token is
 * re-initialized, which every later read of its header notices. */
void store_tok_label(const struct store_tok *t, char out[32]);
/* As last read (no I/O): whether the token is sealed to a TPM, and
 * whether its user PIN is empty (sealed, no PIN). */
bool store_tok_sealed(const struct store_tok *t);
bool store_tok_no_pin(const struct store_tok *t);
/* Whether the token's keys are made and used inside the TPM (a token of
 * the TPM backend: store_seal.tpm_keys). Records still hold its objects;
 * a key record holds the TPM-wrapped blob, never the private key. */
bool store_tok_tpm_keys(const struct store_tok *t);
/* The slot ID (no I/O: it never changes). */
CK_SLOT_ID store_tok_slot(const struct store_tok *t);

/* Current header values (re-read, so other processes' failed logins show).
 * CKR_OK, CKR_DEVICE_ERROR, CKR_HOST_MEMORY. */
CK_RV store_tok_info(struct store_tok *t, struct store_tok_info *out);

/* Verify a PIN and, on success, hold the master key. who is CKU_SO or
 * CKU_USER. Failures are counted persistently (under the writer lock, so
 * concurrent processes cannot lose counts); reaching max_failures locks that
 * PIN. A read-only store cannot count: the attempt is still checked. Returns
 * CKR_OK, CKR_PIN_INCORRECT, CKR_PIN_LOCKED, CKR_USER_PIN_NOT_INITIALIZED,
 * CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_HOST_MEMORY. */
CK_RV store_tok_login(struct store_tok *t, CK_USER_TYPE who, const CK_UTF8CHAR *pin,
                      CK_ULONG pin_len);
/*
 * The same login in three steps, so that the ~100 ms PIN derivation runs
 * without the caller's lock:
 *   store_tok_login_begin()  (caller's lock held) re-reads the header under
 *       the writer lock and refuses a locked or unset PIN. *out holds a copy
 *       of the wrap (no secret).
 *       Returns CKR_OK, CKR_PIN_LOCKED, CKR_USER_PIN_NOT_INITIALIZED,
 *       CKR_ARGUMENTS_BAD, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_HOST_MEMORY.
 *   store_login_run()  (no lock; touches nothing but l) derives and unwraps:
 *       CKR_OK or CKR_PIN_INCORRECT, CKR_FUNCTION_FAILED.
 *   store_tok_login_end()  (caller's lock held) takes l and charges the
 *       attempt under the writer lock: a failure is counted, a success clears
 *       the count and holds the master key. A PIN changed by another process
 *       between begin and end makes the attempt CKR_PIN_INCORRECT; a PIN
 *       locked meanwhile by other failures, CKR_PIN_LOCKED. Returns run_rv, or
 *       CKR_PIN_LOCKED / CKR_DEVICE_ERROR / CKR_DEVICE_MEMORY / CKR_HOST_MEMORY.
 * store_login_free() releases an attempt that will not be ended.
 */
struct store_login;
CK_RV store_tok_login_begin(struct store_tok *t, CK_USER_TYPE who, struct store_login **out);
CK_RV store_login_run(struct store_login *l, const CK_UTF8CHAR *pin, CK_ULONG pin_len);
CK_RV store_tok_login_end(struct store_tok *t, struct store_login *l, CK_RV run_rv);
void store_login_free(struct store_login *l);

/* Verify a PIN as store_tok_login() does (failures counted, a success
 * clears the count) without keeping the master key: the token's login
 * state is untouched. Same returns. */
CK_RV store_tok_check_pin(struct store_tok *t, CK_USER_TYPE who, const CK_UTF8CHAR *pin,
                          CK_ULONG pin_len);

/* Wipe the master key. Safe when not logged in. */
void store_tok_logout(struct store_tok *t);
bool store_tok_unlocked(const struct store_tok *t);

/* C_InitPIN: requires the master key (SO logged in). Sets the user PIN and
 * clears the user failure count. CKR_OK, CKR_USER_NOT_LOGGED_IN,
 * CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR,
 * CKR_HOST_MEMORY. */
CK_RV store_tok_init_pin(struct store_tok *t, const CK_UTF8CHAR *pin, CK_ULONG pin_len);
/* C_SetPIN: verify old_pin for who (counting failures) and rewrap the
 * master key under new_pin. Same returns as login, plus
 * CKR_TOKEN_WRITE_PROTECTED. */
CK_RV store_tok_set_pin(struct store_tok *t, CK_USER_TYPE who, const CK_UTF8CHAR *old_pin,
                        CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len);

/* C_InitPIN (init) and C_SetPIN in three steps, as the login:
 * begin and end with the caller's lock held, run without it. begin: the
 * returns of the one-step functions; run: CKR_OK, CKR_PIN_INCORRECT,
 * CKR_ARGUMENTS_BAD, CKR_FUNCTION_FAILED; end (takes j): a failure is
 * counted, a success stores the new wrap; a PIN changed by another process
 * meanwhile gives CKR_PIN_INCORRECT. */
struct store_pin_job;
CK_RV store_tok_pin_begin(struct store_tok *t, CK_USER_TYPE who, bool init,
                          struct store_pin_job **out);
CK_RV store_pin_job_run(struct store_pin_job *j, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                        const CK_UTF8CHAR *new_pin, CK_ULONG new_len);
CK_RV store_tok_pin_end(struct store_tok *t, struct store_pin_job *j, CK_RV run_rv);
void store_pin_job_free(struct store_pin_job *j);

/* A counter that changes whenever any record of the token is created,
 * updated or destroyed, by any process. One small read; no scan. CKR_OK,
 * CKR_DEVICE_REMOVED (the token was removed), CKR_DEVICE_ERROR,
 * CKR_HOST_MEMORY. */
CK_RV store_tok_generation(struct store_tok *t, uint64_t *gen);

/* Every record of the token, without reading record contents. *out is
 * heap memory (free()); *n may be 0. CKR_OK, CKR_HOST_MEMORY,
 * CKR_DEVICE_ERROR. */
CK_RV store_rec_list(struct store_tok *t, struct store_rec_ref **out, size_t *n);
/* Read, verify and (if private) decrypt one record. *blob is heap memory
 * the caller must wipe_free(*blob, *len). ref (may be NULL) receives its
 * id/ver/priv. Returns CKR_OK, CKR_USER_NOT_LOGGED_IN (private record and no
 * master key), CKR_OBJECT_HANDLE_INVALID (no such record), CKR_DEVICE_ERROR
 * (integrity failure: logged), CKR_HOST_MEMORY. */
CK_RV store_rec_get(struct store_tok *t, uint64_t id, uint8_t **blob, size_t *len,
                    struct store_rec_ref *ref);
/* What a record is found by (its CKA_LABEL and CKA_ID), for the catalog
 * (catalog.h). Borrowed; has_* false when the attribute is absent. */
struct store_rec_keys {
    const void *label;
    size_t label_len;
    bool has_label;
    const void *id;
    size_t id_len;
    bool has_id;
};

/* Create (*id == 0: a fresh id is written to *id) or replace a record,
 * atomically. Private records need the master key. keys (NULL: unknown,
 * which leaves the catalog stale until rebuilt) tag the record in the
 * catalog. Returns CKR_OK, CKR_USER_NOT_LOGGED_IN,
 * CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR,
 * CKR_HOST_MEMORY. */
CK_RV store_rec_put(struct store_tok *t, uint64_t *id, bool priv, const uint8_t *blob, size_t len,
                    const struct store_rec_keys *keys);
/* Destroy a record. Returns CKR_OK (also when it was already gone),
 * CKR_TOKEN_WRITE_PROTECTED, CKR_DEVICE_ERROR. */
CK_RV store_rec_del(struct store_tok *t, uint64_t id);

/*
 * The catalog (catalog.h): finding records without listing or reading the
 * others. Each call answers CKR_FUNCTION_NOT_SUPPORTED when no current
 * catalog can: the caller then lists and loads (store_rec_list) instead.
 *
 * store_rec_lookup: the records whose CKA_LABEL (type CKA_LABEL) or CKA_ID
 *   may equal val: candidates (tags can collide), never missing one.
 *   Private records only with want_priv, which needs the master key
 *   (CKR_USER_NOT_LOGGED_IN). *out is heap (free()); *n may be 0.
 * store_rec_current: record id's present version (CKR_OBJECT_HANDLE_INVALID
 *   when it is gone).
 * store_rec_get_ref: store_rec_get of exactly that version, without the
 *   listing; CKR_OBJECT_HANDLE_INVALID when it is no longer there.
 * store_cat_current: whether a current catalog covers public records, and
 *   private ones too when want_priv.
 * store_cat_rebuild: write the catalog from the caller's view of every
 *   record at generation gen (items: the records it loaded; private ones
 *   may be missing when the user is not logged in). Refused
 *   (CKR_FUNCTION_FAILED) when anything changed since; other returns as
 *   store_rec_put.
 * Besides these: CKR_DEVICE_ERROR, CKR_HOST_MEMORY.
 */
struct store_cat_item {
    struct store_rec_ref ref;
    struct store_rec_keys keys;
};
CK_RV store_rec_lookup(struct store_tok *t, CK_ATTRIBUTE_TYPE type, const void *val, size_t len,
                       bool want_priv, struct store_rec_ref **out, size_t *n);
CK_RV store_rec_current(struct store_tok *t, uint64_t id, struct store_rec_ref *ref);
CK_RV store_rec_get_ref(struct store_tok *t, const struct store_rec_ref *ref, uint8_t **blob,
                        size_t *len);
bool store_cat_current(struct store_tok *t, bool want_priv);
CK_RV store_cat_rebuild(struct store_tok *t, uint64_t gen, const struct store_cat_item *items,
                        size_t n);

#endif
